"""Mark sessions that need a second factor; log logouts."""
from __future__ import annotations

import time
from typing import Any, TypeGuard

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest

from rectify.core.types import AuthedUser

from . import security
from .models import LoginEvent


def _is_http_request(request: HttpRequest | None) -> TypeGuard[HttpRequest]:
    # Every login over HTTP (our login view, the admin's) carries a request method; the test
    # Client's login()/force_login() build a bare HttpRequest() without one and go through no view.
    return request is not None and bool(request.method)


@receiver(user_logged_in)
def mark_session(sender: Any, request: HttpRequest | None, user: AuthedUser, **kwargs: Any) -> None:
    if not _is_http_request(request) or not hasattr(request, "session"):
        return
    request.session[security.SESSION_LAST_SEEN] = int(time.time())
    if user.requires_second_factor:
        request.session[security.SESSION_MFA_PENDING] = True


@receiver(user_logged_out)
def log_logout(sender: Any, request: HttpRequest | None, user: AuthedUser | None, **kwargs: Any) -> None:
    if not _is_http_request(request) or user is None or getattr(request, "_rectify_timed_out", False):
        return
    security.record_event(request, LoginEvent.Kind.LOGOUT, user=user, success=True)
