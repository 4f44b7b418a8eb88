"""Login security: lockout, password expiry, the second factor (django-otp) and the audit logs.

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
from base64 import b32encode
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from rectify.core.types import AuthedUser

from .models import LoginEvent, PersonalDataAccess, User

SESSION_MFA_PENDING = "rectify_mfa_pending"
SESSION_LAST_SEEN = "rectify_last_seen"


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


# ---- the second factor: django-otp's TOTP device and static tokens as recovery codes -------------

TOTP_DEVICE_NAME = "验证器"
RECOVERY_DEVICE_NAME = "恢复码"
RECOVERY_CODE_COUNT = 10


def totp_device(user: User, *, confirmed: bool | None = None) -> TOTPDevice | None:
    devices = TOTPDevice.objects.filter(user=user)
    if confirmed is not None:
        devices = devices.filter(confirmed=confirmed)
    return devices.order_by("pk").first()


def enrolment_device(user: User) -> TOTPDevice:
    """The user's device, created unconfirmed (a new random key) on the first visit to enrolment."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one device even on a double click
        device = totp_device(user)
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def secret_base32(device: TOTPDevice) -> str:
    """The key as authenticator apps take it by hand (RFC 4648 base32, no padding)."""
    return b32encode(device.bin_key).decode("ascii").rstrip("=")


def provisioning_uri(device: TOTPDevice) -> str:
    return str(device.config_url)


def _digits(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isdigit())


def verify_code(device: TOTPDevice, code: str, *, throttle: bool = True) -> bool:
    """django-otp's check: the current code ±1 time step, each step only once (``last_t``), the device
    row locked while checked, and after n wrong codes every code refused for 2^(n-1) seconds.

    ``throttle=False`` (enrolment only: the user is reading the key off this very page, guessing gains
    nothing) forgets a wrong code instead of counting it."""
    import django_otp

    code = _digits(code)
    if len(code) != 6:
        return False
    with transaction.atomic():
        verified = django_otp.verify_token(device.user, device.persistent_id, code)
        if verified is None and not throttle:
            TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    if verified is not None:
        device.refresh_from_db()
    return verified is not None


def throttled_for(device: Device) -> int:
    """Seconds until the device accepts a code again after wrong ones (0: it does now)."""
    allowed, info = device.verify_is_allowed()
    if allowed or not info or not info.get("locked_until"):
        return 0
    return max(1, int((info["locked_until"] - timezone.now()).total_seconds()) + 1)


def normalize_recovery_code(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def recovery_device(user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def recovery_codes_left(user: User) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__confirmed=True).count())


def verify_recovery_code(user: User, code: str) -> bool:
    """A recovery code is consumed by its use (django-otp deletes the static token, the row locked)."""
    import django_otp

    device = recovery_device(user)
    code = normalize_recovery_code(code)
    if device is None or not code:
        return False
    return django_otp.verify_token(user, device.persistent_id, code) is not None


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODE_COUNT new ones (the old ones stop working)."""
    with transaction.atomic():
        device = recovery_device(user)
        if device is None:
            device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        else:
            device = StaticDevice.objects.select_for_update().get(pk=device.pk)
            device.token_set.all().delete()
            device.throttle_reset()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def reset_second_factor(user: User) -> int:
    """Remove the user's authenticator and recovery codes (an administrator's reset) and end the user's open
    sessions (whoever holds the lost phone may be signed in): the user signs in again and enrols again if
    required. Returns the number of devices removed."""
    with transaction.atomic():
        removed = int(TOTPDevice.objects.filter(user=user).delete()[1].get(TOTPDevice._meta.label, 0))
        removed += int(StaticDevice.objects.filter(user=user).delete()[1].get(StaticDevice._meta.label, 0))
        user.end_sessions()
    return removed


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
