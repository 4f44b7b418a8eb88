"""Login security: lockout, password expiry, the second factor (TOTP) and the audit logs.

Settings (all optional, defaults in brackets):
``RECTIFY_LOGIN_MAX_FAILURES`` [5] failures per account and per IP address within
``RECTIFY_LOGIN_LOCKOUT_MINUTES`` [15] lock that account / address for the same period;
``RECTIFY_PASSWORD_MAX_AGE_DAYS`` [90, 0 = never] forces the change page once a password is older;
``RECTIFY_SESSION_IDLE_MINUTES`` [30] logs out an idle session;
``RECTIFY_CLIENT_IP_HEADER`` [""] the META key carrying the client address set by a trusted proxy
(for example ``HTTP_X_REAL_IP``); empty means ``REMOTE_ADDR``.
"""
from __future__ import annotations

import datetime
import ipaddress
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from rectify.core.types import AuthedUser

from .models import LoginEvent, PersonalDataAccess, TOTPDevice, User

SESSION_MFA_PENDING = "rectify_mfa_pending"
SESSION_LAST_SEEN = "rectify_last_seen"
TOTP_ISSUER = "督察整改闭环管理系统"


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_failures() -> int:
    return _setting("RECTIFY_LOGIN_MAX_FAILURES", 5)


def lockout_window() -> datetime.timedelta:
    return datetime.timedelta(minutes=_setting("RECTIFY_LOGIN_LOCKOUT_MINUTES", 15))


def idle_timeout() -> datetime.timedelta:
    return datetime.timedelta(minutes=_setting("RECTIFY_SESSION_IDLE_MINUTES", 30))


def password_max_age() -> datetime.timedelta | None:
    days = _setting("RECTIFY_PASSWORD_MAX_AGE_DAYS", 90)
    return datetime.timedelta(days=days) if days > 0 else None


def client_ip(request: HttpRequest) -> str | None:
    header = getattr(settings, "RECTIFY_CLIENT_IP_HEADER", "")
    raw = request.META.get(header, "") if header else ""
    raw = (raw.split(",")[0] if raw else request.META.get("REMOTE_ADDR", "")).strip()
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def record_event(request: HttpRequest, kind: str, *, username: str = "", user: User | None = None, success: bool = False) -> LoginEvent:
    return LoginEvent.objects.create(
        user=user, username=(username or (user.username if user else ""))[:150], kind=kind, success=success,
        ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
    )


FAILURE_KINDS = [LoginEvent.Kind.FAILURE, LoginEvent.Kind.MFA_FAILURE]


def _unlock_time(events: models.QuerySet[LoginEvent], now: datetime.datetime) -> datetime.datetime | None:
    limit = max_failures()
    times = list(events.filter(kind__in=FAILURE_KINDS, at__gt=now - lockout_window()).order_by("-at").values_list("at", flat=True)[:limit])
    if len(times) < limit:
        return None
    return times[-1] + lockout_window()


def locked_until(username: str, ip: str | None) -> datetime.datetime | None:
    """When the account or the address may try again, or None if it is not locked.

    An account's count starts again after its last successful login; an address's does not
    (one valid account must not let an address go on guessing the others' passwords).
    """
    now = timezone.now()
    found: list[datetime.datetime] = []
    if username:
        account = LoginEvent.objects.filter(username__iexact=username)
        last_ok = account.filter(kind=LoginEvent.Kind.LOGIN).order_by("-at").values_list("at", flat=True).first()
        if last_ok:
            account = account.filter(at__gt=last_ok)
        until = _unlock_time(account, now)
        if until:
            found.append(until)
    if ip:
        until = _unlock_time(LoginEvent.objects.filter(ip=ip), now)
        if until:
            found.append(until)
    return max(found) if found else None


def lockout_message(until: datetime.datetime) -> str:
    local = timezone.localtime(until)
    return f"登录失败次数过多，已暂时锁定，请于 {local:%Y-%m-%d %H:%M} 后再试；如需立即解锁请联系系统管理员。"


def password_expired(user: AuthedUser) -> bool:
    max_age = password_max_age()
    if max_age is None or not user.has_usable_password():
        return False
    changed = user.password_changed_at or user.date_joined
    return bool(changed and timezone.now() - changed > max_age)


# ---- TOTP ---------------------------------------------------------------------------------


def new_secret() -> str:
    import pyotp

    return str(pyotp.random_base32())


def provisioning_uri(device: TOTPDevice) -> str:
    import pyotp

    return str(pyotp.TOTP(device.secret).provisioning_uri(name=device.user.username, issuer_name=TOTP_ISSUER))


def verify_code(device: TOTPDevice, code: str) -> bool:
    """Accept the current code (±1 time step for clock drift), each time step only once."""
    import pyotp

    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return False
    totp = pyotp.TOTP(device.secret)
    now = timezone.now()
    step = int(now.timestamp()) // totp.interval
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        for counter in (step - 1, step, step + 1):
            if locked.last_counter is not None and counter <= locked.last_counter:
                continue
            if pyotp.utils.strings_equal(totp.generate_otp(counter), code):
                locked.last_counter = counter
                locked.save(update_fields=["last_counter"])
                device.last_counter = counter
                return True
    return False


# ---- personal data ------------------------------------------------------------------------


def log_personal_data_access(request: HttpRequest, what: str, obj: Any = None) -> PersonalDataAccess:
    """Record that the request's user viewed or exported personal data (``what``: 台账导出 …)."""
    user = getattr(request, "user", None)
    object_type = object_id = object_repr = ""
    if obj is not None:
        meta = getattr(obj, "_meta", None)
        object_type = meta.label if meta else type(obj).__name__
        object_id = str(getattr(obj, "uuid", None) or getattr(obj, "pk", "") or "")
        object_repr = str(obj)[:300]
    return PersonalDataAccess.objects.create(
        user=user if user is not None and user.is_authenticated else None, what=what[:200],
        object_type=object_type[:100], object_id=object_id[:64], object_repr=object_repr,
        ip=client_ip(request), path=request.get_full_path()[:500],
    )
