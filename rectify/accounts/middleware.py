"""Request-level security: idle timeout, the second factor, password expiry, permissions policy.

The Content-Security-Policy header is django-csp's (``csp.middleware.CSPMiddleware``, policy in
``settings.CONTENT_SECURITY_POLICY``); Referrer-Policy and Cross-Origin-Opener-Policy are Django's
``SecurityMiddleware``."""
from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from . import security
from .models import LoginEvent

PASSWORD_EXPIRED_API = "密码已过期，请先在网页上修改密码；接口调用请使用有效的接口令牌"  # noqa: S105 - a message, not a password
# Write the last-seen time at most this often, so not every request writes the session.
LAST_SEEN_RESOLUTION = 60


class PermissionsPolicyMiddleware:
    """Send the Permissions-Policy header: no camera, microphone, location or payment."""

    POLICY = "camera=(), microphone=(), geolocation=(), payment=()"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.POLICY)
        return response


class SessionSecurityMiddleware:
    """After authentication: log out idle sessions, hold back a session until its second factor
    is verified, and send a user with an expired password to the change page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.check(request)
        return response if response is not None else self.get_response(request)

    def _is_api(self, request: HttpRequest) -> bool:
        return request.path_info.startswith("/api/")

    def check(self, request: HttpRequest) -> HttpResponse | None:
        path = request.path_info
        if path == reverse("admin:login"):
            # One login page for everyone: the admin's own would skip lockout and the log.
            query = urlencode({"next": request.GET.get("next", reverse("admin:index"))})
            return redirect(f"{reverse('accounts:login')}?{query}")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(request, "session"):
            return None
        if path.startswith(settings.STATIC_URL):
            return None
        now = int(time.time())
        last = request.session.get(security.SESSION_LAST_SEEN)
        if last is not None and now - int(last) > security.idle_timeout().total_seconds():
            security.record_event(request, LoginEvent.Kind.TIMEOUT, user=user, success=True)
            request._rectify_timed_out = True  # type: ignore[attr-defined]
            logout(request)
            if self._is_api(request):
                return None  # continues as an anonymous caller: the API answers 401
            messages.warning(request, "长时间未操作，已自动退出，请重新登录。")
            return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}")
        if last is None or now - int(last) >= LAST_SEEN_RESOLUTION:
            request.session[security.SESSION_LAST_SEEN] = now
        open_paths = {reverse("accounts:logout"), reverse("accounts:mfa_verify"), reverse("accounts:mfa_enrol")}
        if request.session.get(security.SESSION_MFA_PENDING) and path not in open_paths:
            if self._is_api(request):
                return JsonResponse({"detail": "请先在网页上完成动态口令验证"}, status=401)
            return redirect("accounts:mfa_verify")
        open_paths.add(reverse("accounts:password_change"))
        if path not in open_paths and security.password_expired(user):
            if not self._is_api(request):
                # Whatever headers it carries: the session gets the change-password page and nothing else.
                messages.warning(request, "您的密码已超过有效期，请先修改密码。")
                return redirect("accounts:password_change")
            if not request.META.get("HTTP_AUTHORIZATION"):
                return JsonResponse({"detail": PASSWORD_EXPIRED_API}, status=403)
            # With an Authorization header only a valid token may authenticate the call: the session
            # no longer counts (rectify.api.auth.SessionAuth refuses it), a bad token answers 401.
            request._rectify_password_expired = True  # type: ignore[attr-defined]
        return None
