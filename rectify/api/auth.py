"""Who is calling: a Django session (with CSRF on unsafe methods) or a bearer token."""
from __future__ import annotations

import datetime

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from rectify.accounts import security
from rectify.accounts.middleware import PASSWORD_EXPIRED_API
from rectify.core.types import AnyUser, AuthedUser, signed_in

from .models import ApiToken, hash_key

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer rct_…``; a read-only token may only read."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> AuthedUser | None:
        token = (token or "").strip()
        if not token:
            return None
        found = ApiToken.objects.select_related("user").filter(key_hash=hash_key(token)).first()
        if found is None:
            raise AuthenticationError(message="令牌无效，请检查后重试")
        now = timezone.now()
        if found.revoked_at is not None:
            raise AuthenticationError(message="该令牌已被吊销，请联系管理员重新申请")
        if found.expires_at <= now:
            raise AuthenticationError(message="该令牌已过期，请联系管理员重新申请")
        if not found.user.is_active:
            raise AuthenticationError(message="该令牌所属用户已停用")
        if request.method not in SAFE_METHODS and not found.can_write:
            raise AuthorizationError(message="该令牌为只读令牌，不能修改数据")
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


class SessionAuth(APIKeyCookie):
    """The browser session of a logged-in user; unsafe methods must carry the CSRF token."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> AuthedUser | None:
        user: AnyUser | None = getattr(request, "user", None)
        if not signed_in(user):
            return None
        # A session held back by the login rules authenticates nothing, whatever else the request carries.
        if getattr(request, "_rectify_password_expired", False) or security.password_expired(user):
            raise HttpError(403, PASSWORD_EXPIRED_API)
        session = getattr(request, "session", None)
        if session is not None and session.get(security.SESSION_MFA_PENDING):
            raise AuthenticationError(message="请先在网页上完成动态口令验证")
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "CSRF 校验失败：请刷新页面后重试（接口调用请在请求头 X-CSRFToken 中携带令牌）")
        return user


auth = [TokenAuth(), SessionAuth()]
