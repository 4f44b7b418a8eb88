from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import nullcontext

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from . import generations
from .context import acting_as


class RequestContextMiddleware:
    """Give each request an id and make its user the actor of every change it records; a GET or HEAD
    request (which writes none of the tables ``core.generations`` follows) reads their tokens once."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
        with acting_as(user, request_id), (generations.memo() if request.method in ("GET", "HEAD") else nullcontext()):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


FORM_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


class FormNewlineMiddleware:
    """Browsers send a textarea's line breaks as CRLF; every form of the product stores LF.

    One place for every form (pages and admin): a text shown in a textarea and sent back
    unchanged stays equal to what was stored. The API (JSON) is left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES and not request.path_info.startswith("/api/"):
            post = request.POST
            if any("\r" in value for _, values in post.lists() for value in values):
                fixed = post.copy()
                for key, values in post.lists():
                    fixed.setlist(key, [value.replace("\r\n", "\n").replace("\r", "\n") for value in values])
                fixed._mutable = False
                request.POST = fixed  # type: ignore[assignment]
        return self.get_response(request)


class RejectNullCharactersMiddleware:
    """Answer 400 to a query string or form carrying a NUL character (\\x00).

    No person types one; PostgreSQL cannot store one in a text column (SQLite can, so engines
    would disagree), and a view reading ``request.GET`` directly would otherwise fail with 500.
    Form fields already refuse it; this covers every parameter read outside a form, in one place.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_null(request):
            return HttpResponseBadRequest("请求中含有不允许的空字符（\\0），已拒绝。".encode(), content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _has_null(request: HttpRequest) -> bool:
        if "\x00" in request.path or any("\x00" in k or any("\x00" in v for v in vs) for k, vs in request.GET.lists()):
            return True
        if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
            return any("\x00" in k or any("\x00" in v for v in vs) for k, vs in request.POST.lists())
        return False
