from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .context import acting_as


class RequestContextMiddleware:
    """Give each request an id and make its user the actor of every change it records."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
        with acting_as(user, request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
