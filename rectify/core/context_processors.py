from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.backends.utils import csrf_input


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {"user_roles": user.role_labels()}


class CsrfInput:
    """A Jinja2 page's ``{{ csrf_input }}`` (the hidden CSRF field of its POST forms), masked once for the page
    when a form first prints it, as Django's templates mask their ``{% csrf_token %}`` once a page. Django's
    Jinja2 backend gives a lazy value that masks a new token at each form (~55 µs each: the ledger's top bar,
    its save-filter form and one form per saved filter)."""

    __slots__ = ("_request", "_html")

    def __init__(self, request: HttpRequest) -> None:
        self._request = request
        self._html: str | None = None

    def __html__(self) -> str:
        if self._html is None:
            self._html = csrf_input(self._request)
        return self._html

    __str__ = __html__


def csrf_input_once(request: HttpRequest) -> dict[str, Any]:
    """The Jinja2 engine's: ``csrf_input`` masked once per page (``CsrfInput``), replacing the backend's."""
    return {"csrf_input": CsrfInput(request)}
