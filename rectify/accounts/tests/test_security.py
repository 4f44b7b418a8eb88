"""Login security through HTTP: lockout, login log, second factor, password rules and expiry, idle timeout, CSP."""
from __future__ import annotations

import datetime
import time
from types import SimpleNamespace
from typing import Any

import pyotp
import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from rectify.accounts import security
from rectify.accounts.models import LoginEvent, PersonalDataAccess

LOGIN = "/accounts/login/"


def post_login(client: Client, username: str, password: str, ip: str = "10.0.0.1", **extra: Any) -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, HTTP_USER_AGENT="pytest-browser", **extra)


def enrol(user: Any) -> pyotp.TOTP:
    """A confirmed django-otp device; its codes come from pyotp, an independent RFC 6238 implementation."""
    device = TOTPDevice.objects.create(user=user, name="验证器", confirmed=True)
    return pyotp.TOTP(security.secret_base32(device))


# ---- login, log, lockout ----------------------------------------------------------------------


def test_login_success_is_logged_and_keeps_the_form_ids(world: SimpleNamespace) -> None:
    client = Client()
    page = client.get(LOGIN)
    html = page.content.decode()
    for needle in ['id="id_username"', 'id="id_password"', 'type="submit"']:
        assert needle in html
    r = post_login(client, "city_office", PASSWORD)
    assert r.status_code == 302 and r["Location"] == reverse("tasks:ledger")
    event = LoginEvent.objects.get()
    assert (event.kind, event.success, event.user, event.ip, event.user_agent) == ("login", True, world.city_office, "10.0.0.1", "pytest-browser")
    client.post("/accounts/logout/", REMOTE_ADDR="10.0.0.1")
    assert LoginEvent.objects.filter(kind="logout", user=world.city_office).exists()
    assert client.get("/accounts/logout/").status_code == 405


def test_wrong_password_shows_the_message_and_is_logged(world: SimpleNamespace) -> None:
    r = post_login(Client(), "city_office", "wrong")
    assert r.status_code == 200
    assert "用户名或密码不正确，请重新输入。" in r.content.decode()
    assert LoginEvent.objects.filter(username="city_office", kind="failure", success=False).count() == 1
    post_login(Client(), "no-such-user", "wrong")
    assert LoginEvent.objects.filter(username="no-such-user", user=None).exists()


def test_account_lockout_after_five_failures(world: SimpleNamespace) -> None:
    client = Client()
    for i in range(4):
        assert "已暂时锁定" not in post_login(client, "city_office", "wrong", ip=f"10.0.1.{i}").content.decode()
    r = post_login(client, "city_office", "wrong", ip="10.0.1.9")
    assert "登录失败次数过多，已暂时锁定，请于" in r.content.decode()
    # Locked: even the right password, from any address, is refused with the unlock time.
    r = post_login(client, "city_office", PASSWORD, ip="10.0.2.1")
    assert r.status_code == 429
    until = timezone.localtime(timezone.now() + datetime.timedelta(minutes=15))
    assert f"{until:%Y-%m-%d}" in r.content.decode()
    assert "_auth_user_id" not in client.session
    assert LoginEvent.objects.filter(kind="locked").count() == 1
    # Another account is not affected.
    assert post_login(Client(), "leader", PASSWORD, ip="10.0.2.2").status_code == 302
    # After the lockout period the account may log in again.
    LoginEvent.objects.filter(username="city_office").update(at=timezone.now() - datetime.timedelta(minutes=16))
    assert post_login(Client(), "city_office", PASSWORD, ip="10.0.2.3").status_code == 302


def test_ip_lockout_across_accounts(world: SimpleNamespace) -> None:
    for name in ["a1", "a2", "a3", "a4", "a5"]:
        post_login(Client(), name, "wrong", ip="192.168.9.9")
    r = post_login(Client(), "city_office", PASSWORD, ip="192.168.9.9")
    assert r.status_code == 429 and "已暂时锁定" in r.content.decode()
    assert post_login(Client(), "city_office", PASSWORD, ip="192.168.9.10").status_code == 302


def test_a_valid_login_does_not_reset_the_address_count(world: SimpleNamespace) -> None:
    # One account the guesser owns must not let the address go on guessing the others' passwords
    # (django-axes' AXES_RESET_ON_SUCCESS would clear the address's failures here).
    for name in ["b1", "b2", "b3", "b4"]:
        post_login(Client(), name, "wrong", ip="192.168.7.7")
    assert post_login(Client(), "leader", PASSWORD, ip="192.168.7.7").status_code == 302
    post_login(Client(), "b5", "wrong", ip="192.168.7.7")
    assert post_login(Client(), "reviewer", PASSWORD, ip="192.168.7.7").status_code == 429


def test_a_wrong_code_and_wrong_passwords_share_the_count(world: SimpleNamespace, settings: Any) -> None:
    # Second-factor failures count with password failures (one threshold for both steps).
    settings.RECTIFY_LOGIN_MAX_FAILURES = 3
    enrol(world.city_office)
    client = Client()
    post_login(client, "city_office", PASSWORD, ip="10.7.0.2")  # the password step restarts the account's count
    client.post(reverse("accounts:mfa_verify"), {"code": "999999"}, REMOTE_ADDR="10.7.0.2")
    post_login(Client(), "city_office", "wrong", ip="10.7.0.1")
    assert post_login(Client(), "city_office", "wrong", ip="10.7.0.3").status_code == 200
    assert post_login(Client(), "city_office", PASSWORD, ip="10.7.0.4").status_code == 429


def test_success_resets_the_account_count(world: SimpleNamespace) -> None:
    for i in range(4):
        post_login(Client(), "leader", "wrong", ip=f"10.1.0.{i}")
    assert post_login(Client(), "leader", PASSWORD, ip="10.1.1.1").status_code == 302
    for i in range(4):
        post_login(Client(), "leader", "wrong", ip=f"10.1.2.{i}")
    assert post_login(Client(), "leader", PASSWORD, ip="10.1.3.1").status_code == 302


# ---- second factor ------------------------------------------------------------------------------


def test_admin_without_device_is_sent_to_enrolment(world: SimpleNamespace) -> None:
    client = Client()
    r = post_login(client, "admin", PASSWORD)
    assert r["Location"] == reverse("accounts:mfa_enrol")
    # Nothing else is reachable until enrolment, neither pages nor the API.
    assert client.get("/ledger/")["Location"] == reverse("accounts:mfa_verify")
    assert client.get("/api/v1/me").status_code == 401
    page = client.get(reverse("accounts:mfa_enrol"))
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=world.admin)
    secret = security.secret_base32(device)
    assert "otpauth://totp/" in html and secret[:4] in html
    assert "http" not in html.split("otpauth://")[0].split("<main")[1]  # no external QR service
    r = client.post(reverse("accounts:mfa_enrol"), {"code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"})
    assert r.status_code == 400 and "动态口令不正确" in r.content.decode()
    r = client.post(reverse("accounts:mfa_enrol"), {"code": pyotp.TOTP(secret).now()})
    # Enrolled: the new recovery codes are shown once, then the page goes on to where the login was going.
    assert r.status_code == 302 and r["Location"] == reverse("accounts:recovery_codes")
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/ledger/").status_code == 200
    page = client.get(reverse("accounts:recovery_codes")).content.decode()
    assert "只显示这一次" in page and f'href="{reverse("tasks:ledger")}"' in page


def test_enrolled_user_must_verify_and_codes_are_single_use(world: SimpleNamespace) -> None:
    totp = enrol(world.city_office)
    client = Client()
    r = post_login(client, "city_office", PASSWORD)
    assert r["Location"] == reverse("accounts:mfa_verify")
    assert client.get("/ledger/")["Location"] == reverse("accounts:mfa_verify")
    code = totp.now()
    assert client.post(reverse("accounts:mfa_verify"), {"code": code}).status_code == 302
    assert client.get("/ledger/").status_code == 200
    assert LoginEvent.objects.filter(kind="mfa_ok", user=world.city_office).exists()
    # The same code cannot be replayed in a second session.
    other = Client()
    post_login(other, "city_office", PASSWORD)
    r = other.post(reverse("accounts:mfa_verify"), {"code": code})
    assert r.status_code == 400 and "动态口令不正确或已使用过" in r.content.decode()
    r = other.post(reverse("accounts:mfa_verify"), {"code": "12"})
    assert "6 位数字" in r.content.decode()


def test_mfa_failures_lock_the_account(world: SimpleNamespace, settings: Any) -> None:
    settings.RECTIFY_LOGIN_MAX_FAILURES = 3
    enrol(world.city_office)
    client = Client()
    post_login(client, "city_office", PASSWORD)
    for _ in range(2):
        client.post(reverse("accounts:mfa_verify"), {"code": "999999"})
    r = client.post(reverse("accounts:mfa_verify"), {"code": "999998"})
    assert r["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    assert post_login(Client(), "city_office", PASSWORD, ip="10.9.9.9").status_code == 429


def test_next_is_kept_through_the_second_factor(world: SimpleNamespace) -> None:
    totp = enrol(world.city_office)
    client = Client()
    client.post(f"{LOGIN}?next=/ledger/%3Fq%3D1", {"username": "city_office", "password": PASSWORD, "next": "/ledger/?q=1"})
    r = client.post(reverse("accounts:mfa_verify"), {"code": totp.now()})
    assert r["Location"] == "/ledger/?q=1"


def test_admin_login_page_goes_through_our_login(world: SimpleNamespace) -> None:
    r = Client().get("/admin/login/?next=/admin/")
    assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:login"))


def test_test_client_sessions_are_not_marked(world: SimpleNamespace, login: Any) -> None:
    # client.login() builds no HTTP request, goes through no view; the existing suite relies on this.
    assert login(world.admin).get("/ledger/").status_code == 200


# ---- passwords --------------------------------------------------------------------------------


@pytest.mark.parametrize("password, message", [
    ("Short-1a", "不能少于 10 位"),
    ("alllower-123", "大写字母"),
    ("ALLUPPER-123", "小写字母"),
    ("NoDigits-here", "数字"),
    ("NoSymbols123", "特殊符号"),
])
def test_password_complexity(password: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_password(password)
    assert any(message in m for m in exc.value.messages)


def test_good_password_passes(world: SimpleNamespace) -> None:
    validate_password("Huanbao#2026-ok", user=world.city_office)
    with pytest.raises(ValidationError) as exc:
        validate_password("City_Office#2026x", user=world.city_office)
    assert any("用户名" in m or "相似" in m for m in exc.value.messages)


def test_expired_password_forces_the_change_page(world: SimpleNamespace, login: Any) -> None:
    type(world.city_office).objects.filter(pk=world.city_office.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=91))
    client = login(world.city_office)
    r = client.get("/ledger/")
    assert r.status_code == 302 and r["Location"] == reverse("accounts:password_change")
    page = client.get(reverse("accounts:password_change"))
    assert "已超过有效期" in page.content.decode()
    r = client.post(reverse("accounts:password_change"), {"old_password": PASSWORD, "new_password1": "weak", "new_password2": "weak"})
    assert r.status_code == 200 and "大写字母" in r.content.decode()
    r = client.post(reverse("accounts:password_change"), {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD})
    assert "不能与原密码相同" in r.content.decode()
    r = client.post(reverse("accounts:password_change"), {"old_password": "nope", "new_password1": "Huanbao#2026-ok", "new_password2": "Huanbao#2026-ok"})
    assert "原密码不正确" in r.content.decode()
    r = client.post(reverse("accounts:password_change"), {"old_password": PASSWORD, "new_password1": "Huanbao#2026-ok", "new_password2": "Huanbao#2026-ok"})
    assert r.status_code == 302
    assert client.get("/ledger/").status_code == 200  # session kept, no longer expired
    world.city_office.refresh_from_db()
    assert not security.password_expired(world.city_office)
    assert LoginEvent.objects.filter(kind="password_changed").exists()


def test_password_age_is_configurable(world: SimpleNamespace, settings: Any) -> None:
    type(world.leader).objects.filter(pk=world.leader.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=200))
    world.leader.refresh_from_db()
    assert security.password_expired(world.leader)
    settings.RECTIFY_PASSWORD_MAX_AGE_DAYS = 0
    assert not security.password_expired(world.leader)
    settings.RECTIFY_PASSWORD_MAX_AGE_DAYS = 365
    assert not security.password_expired(world.leader)


# ---- idle timeout -----------------------------------------------------------------------------


def test_idle_session_is_logged_out(world: SimpleNamespace, login: Any) -> None:
    client = login(world.city_office)
    assert client.get("/ledger/").status_code == 200
    session = client.session
    session[security.SESSION_LAST_SEEN] = int(time.time()) - 31 * 60
    session.save()
    r = client.get("/ledger/")
    assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:login"))
    assert LoginEvent.objects.filter(kind="timeout", user=world.city_office).exists()
    assert "长时间未操作" in client.get(r["Location"]).content.decode()
    assert client.get("/ledger/").status_code == 302


def test_active_session_stays(world: SimpleNamespace, login: Any) -> None:
    client = login(world.city_office)
    client.get("/ledger/")
    session = client.session
    session[security.SESSION_LAST_SEEN] = int(time.time()) - 29 * 60
    session.save()
    assert client.get("/ledger/").status_code == 200
    assert client.session[security.SESSION_LAST_SEEN] >= int(time.time()) - 5


# ---- headers, audit pages ---------------------------------------------------------------------


def test_csp_and_headers_in_development(world: SimpleNamespace, login: Any) -> None:
    r = login(world.city_office).get("/ledger/")
    csp = r["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "img-src 'self' data:" in csp
    assert r["X-Frame-Options"] == "DENY"
    assert r["Referrer-Policy"] == "same-origin"
    assert Client().get(LOGIN)["Content-Security-Policy"] == csp


def test_audit_pages_admin_only(world: SimpleNamespace, login: Any, django_assert_max_num_queries: Any) -> None:
    post_login(Client(), "city_office", "wrong")
    post_login(Client(), "leader", PASSWORD)
    for _ in range(3):
        PersonalDataAccess.objects.create(user=world.city_office, what="台账导出", object_repr="晋城市整改方案")
    admin = login(world.admin)
    admin.get(reverse("accounts:security"))  # the session's first request does one-off work
    with django_assert_max_num_queries(20) as captured:
        r = admin.get(reverse("accounts:login_events"))
    few = len(captured.captured_queries)
    assert r.status_code == 200 and "city_office" in r.content.decode() and "密码错误" in r.content.decode()
    for i in range(30):  # more rows (with users) must not mean more queries
        post_login(Client(), "leader" if i % 2 else "city_office", "wrong", ip=f"10.3.{i}.1")
        PersonalDataAccess.objects.create(user=world.leader, what="台账导出", object_repr="晋城市整改方案")
    with django_assert_max_num_queries(few):
        admin.get(reverse("accounts:login_events"))
    r = admin.get(reverse("accounts:login_events"), {"result": "failed"})
    assert "登录成功" not in r.content.decode().split("<tbody>")[1]
    with django_assert_max_num_queries(few):
        r = admin.get(reverse("accounts:data_access_log"))
    assert "台账导出" in r.content.decode()
    for user in [world.city_office, world.leader, world.county_unit]:
        assert login(user).get(reverse("accounts:login_events")).status_code == 403
        assert login(user).get(reverse("accounts:data_access_log")).status_code == 403
    assert Client().get(reverse("accounts:login_events")).status_code == 302


def test_audit_pages_empty_state(world: SimpleNamespace, login: Any) -> None:
    r = login(world.admin).get(reverse("accounts:data_access_log"))
    assert "暂无个人信息访问记录" in r.content.decode()


def test_security_page(world: SimpleNamespace, login: Any) -> None:
    r = login(world.city_office).get(reverse("accounts:security"))
    assert r.status_code == 200 and "尚未启用" in r.content.decode() and "密码有效期至" in r.content.decode()


def test_log_personal_data_access_helper(world: SimpleNamespace, rf: Any) -> None:
    request = rf.get("/ledger/export.xlsx?plan=1", REMOTE_ADDR="10.2.3.4")
    request.user = world.city_office
    record = security.log_personal_data_access(request, "台账导出", world.plan)
    assert (record.user, record.what, record.object_type, record.ip, record.path) == (world.city_office, "台账导出", "inspections.Plan", "10.2.3.4", "/ledger/export.xlsx?plan=1")
    assert record.object_id and record.object_repr == str(world.plan)
