"""The second factor on django-otp through HTTP: enrolment, TOTP at login, single-use recovery codes,
their regeneration, replay and throttling, an administrator's reset, and the move of the hand-written
secrets (pyotp's base32) onto django-otp devices with the same key."""
from __future__ import annotations

import datetime
import re
import time
from types import SimpleNamespace
from typing import Any

import pyotp
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, migrate_to_latest
from rectify.accounts import security
from rectify.accounts.models import LoginEvent, User

LOGIN = "/accounts/login/"
VERIFY = "/accounts/mfa/verify/"
CODES = "/accounts/mfa/recovery-codes/"


def post_login(client: Client, username: str, ip: str = "10.3.0.1") -> Any:
    return client.post(LOGIN, {"username": username, "password": PASSWORD}, REMOTE_ADDR=ip)


def shown_codes(html: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", html)


def wait_out_the_throttle(user: Any) -> None:
    """Time passes: the last wrong code's timestamp moves back past django-otp's delay (2^(n-1) s)."""
    earlier = timezone.now() - datetime.timedelta(minutes=5)
    StaticDevice.objects.filter(user=user).update(throttling_failure_timestamp=earlier)
    TOTPDevice.objects.filter(user=user).update(throttling_failure_timestamp=earlier)


def enrol_through_the_pages(client: Client, username: str) -> tuple[pyotp.TOTP, list[str]]:
    assert post_login(client, username)["Location"] in {reverse("accounts:mfa_enrol"), reverse("tasks:ledger")}
    html = client.get(reverse("accounts:mfa_enrol")).content.decode()
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', html)
    assert secret is not None
    totp = pyotp.TOTP(secret.group(1).replace(" ", ""))
    r = client.post(reverse("accounts:mfa_enrol"), {"code": totp.now()})
    assert r["Location"] == CODES
    return totp, shown_codes(client.get(CODES).content.decode())


def test_enrolment_shows_ten_recovery_codes_once(world: SimpleNamespace) -> None:
    client = Client()
    _, codes = enrol_through_the_pages(client, "admin")
    assert len(codes) == security.RECOVERY_CODE_COUNT == len(set(codes))
    again = client.get(CODES).content.decode()
    assert shown_codes(again) == [] and "还有 <strong>10</strong> 个未使用的恢复码" in again
    page = client.get(reverse("accounts:security")).content.decode()
    assert "已启用" in page and "恢复码：还剩 10 个未使用" in page


def test_login_with_totp_then_with_a_recovery_code_once(world: SimpleNamespace) -> None:
    totp, codes = enrol_through_the_pages(Client(), "admin")
    client = Client()
    assert post_login(client, "admin")["Location"] == reverse("accounts:mfa_verify")
    r = client.post(VERIFY, {"recovery_code": codes[0].upper()[:4] + " " + codes[0][4:]})  # case and spaces do not matter
    assert r.status_code == 302 and r["Location"] == reverse("tasks:ledger")
    assert client.get("/ledger/").status_code == 200
    assert LoginEvent.objects.filter(kind="recovery_code", user=world.admin, success=True).count() == 1
    # The same code a second time: refused, and it counts as a failure.
    other = Client()
    post_login(other, "admin", ip="10.3.0.2")
    r = other.post(VERIFY, {"recovery_code": codes[0]})
    assert r.status_code == 400 and "恢复码不正确或已使用过" in r.content.decode()
    assert other.get("/ledger/")["Location"] == reverse("accounts:mfa_verify")
    assert LoginEvent.objects.filter(kind="mfa_failure", user=world.admin).count() == 1
    assert security.recovery_codes_left(world.admin) == 9
    # django-otp throttles the recovery device after the failure: a good code waits out the delay.
    assert "秒后再输入" not in r.content.decode()  # one failure: a one-second delay, not worth a message
    wait_out_the_throttle(world.admin)
    assert other.post(VERIFY, {"recovery_code": codes[1]})["Location"] == reverse("tasks:ledger")
    # The authenticator still works.
    third = Client()
    post_login(third, "admin", ip="10.3.0.3")
    assert third.post(VERIFY, {"code": totp.at(time.time() + 30)})["Location"] == reverse("tasks:ledger")  # next step: drift ±1


def test_regenerating_invalidates_the_old_codes(world: SimpleNamespace) -> None:
    client = Client()
    _, old_codes = enrol_through_the_pages(client, "admin")
    r = client.post(CODES)
    assert r["Location"] == CODES
    new_codes = shown_codes(client.get(CODES).content.decode())
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert LoginEvent.objects.filter(kind="recovery_codes_new", user=world.admin).count() == 1
    stale = Client()
    post_login(stale, "admin", ip="10.3.1.1")
    assert stale.post(VERIFY, {"recovery_code": old_codes[2]}).status_code == 400
    wait_out_the_throttle(world.admin)
    fresh = Client()
    post_login(fresh, "admin", ip="10.3.1.2")
    assert fresh.post(VERIFY, {"recovery_code": new_codes[2]})["Location"] == reverse("tasks:ledger")


def test_regenerating_needs_a_finished_second_factor(world: SimpleNamespace, login: Any) -> None:
    enrol_through_the_pages(Client(), "admin")
    half = Client()
    post_login(half, "admin", ip="10.3.2.1")
    assert half.post(CODES)["Location"] == reverse("accounts:mfa_verify")
    assert security.recovery_codes_left(world.admin) == 10
    # Without a device there are no codes to make.
    r = login(world.city_office).post(CODES)
    assert r["Location"] == reverse("accounts:security") and security.recovery_codes_left(world.city_office) == 0


def test_a_replayed_totp_code_is_refused(world: SimpleNamespace) -> None:
    totp, _ = enrol_through_the_pages(Client(), "admin")
    # A code of the step the enrolment used, or of any earlier step, is refused (django-otp's last_t).
    for offset in (0, -30):
        client = Client()
        post_login(client, "admin", ip="10.3.3.1")
        r = client.post(VERIFY, {"code": totp.at(time.time() + offset)})
        assert r.status_code == 400 and "动态口令不正确或已使用过" in r.content.decode()
        wait_out_the_throttle(world.admin)


def test_wrong_codes_throttle_the_device(world: SimpleNamespace, settings: Any) -> None:
    settings.RECTIFY_LOGIN_MAX_FAILURES = 10  # the account lockout (tested in test_security) stays out of the way
    device = TOTPDevice.objects.create(user=world.city_office, name="验证器", confirmed=True)
    totp = pyotp.TOTP(security.secret_base32(device))
    client = Client()
    post_login(client, "city_office", ip="10.3.4.1")
    wrong = "000000" if totp.now() != "000000" else "111111"
    for _ in range(3):
        assert client.post(VERIFY, {"code": wrong}).status_code == 400
        # A code sent while the device waits is refused without being checked or counted.
        assert client.post(VERIFY, {"code": totp.now()}).status_code == 400
        wait_out_the_throttle(world.city_office)
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now())
    device.refresh_from_db()
    assert device.throttling_failure_count == 3
    # The account lockout counted every refusal (six), the device only the checked codes (three).
    assert LoginEvent.objects.filter(kind="mfa_failure", user=world.city_office).count() == 6
    # After three wrong codes the right one waits 4 seconds; the page says how long.
    r = client.post(VERIFY, {"code": totp.now()})
    assert r.status_code == 400 and "秒后再输入" in r.content.decode()
    wait_out_the_throttle(world.city_office)
    assert client.post(VERIFY, {"code": totp.now()})["Location"] == reverse("tasks:ledger")
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


RESET = "/accounts/mfa/reset/"
RESET_CONFIRM = "/accounts/mfa/reset/confirm/"


def confirmation_fields(html: str) -> dict[str, str]:
    """The hidden fields of the confirmation page's form, as a browser would send them."""
    form = re.search(rf'<form method="post" action="{RESET_CONFIRM}">(.*?)</form>', html, re.S)
    assert form is not None, "no confirmation form"
    return dict(re.findall(r'<input type="hidden" name="(user|confirm)" value="([^"]*)"', form.group(1)))


def test_an_administrator_resets_a_users_second_factor_after_confirming(world: SimpleNamespace, login: Any) -> None:
    target = world.city_office
    target.last_name, target.first_name = "王", "晓燕"
    target.save()
    TOTPDevice.objects.create(user=target, name="验证器", confirmed=True)
    security.new_recovery_codes(target)
    security.verify_recovery_code(target, StaticDevice.objects.get(user=target).token_set.first().token)  # one used: 9 left

    def untouched() -> bool:
        return TOTPDevice.objects.filter(user=target).exists() and security.recovery_codes_left(target) == 9 \
            and not LoginEvent.objects.filter(kind="mfa_reset").exists()

    leader = login(world.leader)
    assert leader.get(RESET).status_code == 403
    assert leader.post(RESET, {"username": "city_office"}).status_code == 403
    assert leader.post(RESET_CONFIRM, {"user": target.pk, "confirm": "1"}).status_code == 403
    assert untouched()

    admin = login(world.admin)
    r = admin.post(RESET, {"username": "admin"})
    assert r.status_code == 400 and "不能重置自己的动态口令" in r.content.decode()
    r = admin.post(RESET, {"username": "no-such"})
    html = r.content.decode()
    assert r.status_code == 400 and "没有这个用户名" in html
    assert 'aria-invalid="true"' in html and 'aria-describedby="id_username_error"' in html and 'id="id_username_error"' in html

    # Step one shows who would be reset, and resets nothing.
    r = admin.post(RESET, {"username": "CITY_office"})
    html = r.content.decode()
    assert r.status_code == 200 and "确认重置" in html
    for shown in ("<dd>city_office</dd>", "<dd>王晓燕</dd>", "<dd>市整改办</dd>", "<dd>已启用</dd>", "<dd>9 个</dd>"):
        assert shown in html, shown
    fields = confirmation_fields(html)
    assert fields == {"user": str(target.pk), "confirm": "True"}
    assert untouched()

    # Step two refuses without the confirmation, for oneself, for no such user, and on GET.
    assert admin.post(RESET_CONFIRM, {"user": target.pk}).status_code == 400
    r = admin.post(RESET_CONFIRM, {"user": world.admin.pk, "confirm": "1"})
    assert r.status_code == 400 and "不能重置自己的动态口令" in r.content.decode()
    assert admin.post(RESET_CONFIRM, {"user": 987654, "confirm": "1"}).status_code == 400
    assert admin.get(RESET_CONFIRM, {"user": target.pk, "confirm": "1"}).status_code == 405
    assert untouched()

    r = admin.post(RESET_CONFIRM, fields)
    assert r["Location"] == RESET
    assert not TOTPDevice.objects.filter(user=target).exists() and security.recovery_codes_left(target) == 0
    assert LoginEvent.objects.filter(kind="mfa_reset", user=target, success=True).count() == 1
    # Not an administrator: after the reset the password alone logs in again.
    assert post_login(Client(), "city_office", ip="10.3.5.1")["Location"] == reverse("tasks:ledger")


def test_a_reset_ends_the_users_open_sessions_and_no_one_elses(world: SimpleNamespace, login: Any) -> None:
    """Whoever holds the lost phone may be signed in as the user: the reset signs every session of the user
    out (on every app server: the sessions' hash changes, not a row of one session store)."""
    target = world.city_office
    on_the_lost_phone, on_the_desk = login(target), login(target)  # signed in, second factor done
    TOTPDevice.objects.create(user=target, name="验证器", confirmed=True)
    leader, admin = login(world.leader), login(world.admin)
    assert on_the_lost_phone.get("/ledger/").status_code == 200

    admin.post(RESET_CONFIRM, confirmation_fields(admin.post(RESET, {"username": "city_office"}).content.decode()))
    for client in (on_the_lost_phone, on_the_desk):
        r = client.get("/ledger/")
        assert r.status_code == 302 and r["Location"].startswith(LOGIN)
    assert leader.get("/ledger/").status_code == 200 and admin.get(RESET).status_code == 200
    assert post_login(Client(), "city_office", ip="10.3.5.2")["Location"] == reverse("tasks:ledger")


def test_the_confirmation_of_a_user_without_a_second_factor(world: SimpleNamespace, login: Any) -> None:
    admin = login(world.admin)
    html = admin.post(RESET, {"username": "leader"}).content.decode()
    assert "<dd>未启用</dd>" in html and "<dd>0 个</dd>" in html
    r = admin.post(RESET_CONFIRM, confirmation_fields(html), follow=True)
    assert "leader 尚未启用动态口令，无需重置。" in r.content.decode()
    assert LoginEvent.objects.filter(kind="mfa_reset", user=world.leader).exists()


def test_the_last_administrator_gets_a_code_from_the_command_line(world: SimpleNamespace) -> None:
    """Break glass: `rectify manage addstatictoken <user>` (django-otp's) prints one recovery code."""
    import io

    from django.core.management import call_command

    TOTPDevice.objects.create(user=world.admin, name="验证器", confirmed=True)  # a device whose phone is lost, no codes
    out = io.StringIO()
    call_command("addstatictoken", "admin", stdout=out)
    client = Client()
    post_login(client, "admin", ip="10.3.6.1")
    assert client.post(VERIFY, {"recovery_code": out.getvalue().strip()})["Location"] == reverse("tasks:ledger")


def test_the_admin_site_shows_no_keys_or_codes(world: SimpleNamespace, login: Any) -> None:
    world.admin.is_superuser = True
    world.admin.save()
    device = TOTPDevice.objects.create(user=world.city_office, name="验证器", confirmed=True)
    codes = security.new_recovery_codes(world.city_office)
    client = login(world.admin)
    assert client.get("/admin/").status_code == 200
    for url in ["/admin/otp_totp/totpdevice/", f"/admin/otp_totp/totpdevice/{device.pk}/change/", "/admin/otp_static/staticdevice/"]:
        r = client.get(url)
        assert r.status_code == 404 and device.key not in r.content.decode() and codes[0] not in r.content.decode()


# ---- the move from the hand-written TOTP ---------------------------------------------------------

BEFORE = ("accounts", "0003_user_signature_image")
AFTER = ("accounts", "0004_g8_django_otp")


def migrate(target: tuple[str, str]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_existing_secrets_keep_their_codes_after_the_move() -> None:
    old = migrate(BEFORE)
    try:
        OldUser, OldDevice = old.get_model("accounts", "User"), old.get_model("accounts", "TOTPDevice")
        secret, pending = pyotp.random_base32(), pyotp.random_base32()
        used_step = int(time.time()) // 30 - 1
        enrolled = OldUser.objects.create(username="enrolled_before")
        OldDevice.objects.create(user=enrolled, secret=secret, confirmed_at=timezone.now(), last_counter=used_step)
        half = OldUser.objects.create(username="half_enrolled")
        OldDevice.objects.create(user=half, secret=pending)
    finally:
        migrate(AFTER)
        migrate_to_latest()
    device = TOTPDevice.objects.get(user__username="enrolled_before")
    assert device.confirmed and device.last_t == used_step and security.secret_base32(device) == secret
    # A code the old code already accepted stays used; the current one, from pyotp, is accepted once.
    assert not security.verify_code(device, pyotp.TOTP(secret).at(used_step * 30))
    wait_out_the_throttle(device.user)
    device.refresh_from_db()
    assert security.verify_code(device, pyotp.TOTP(secret).now())
    assert User.objects.get(username="enrolled_before").requires_second_factor
    waiting = TOTPDevice.objects.get(user__username="half_enrolled")
    assert not waiting.confirmed and security.secret_base32(waiting) == pending
    # A user moved from the old schema has no recovery codes yet: the security page says so.
    client = Client()
    client.force_login(User.objects.get(username="enrolled_before"))
    assert "您没有可用的恢复码" in client.get(reverse("accounts:security")).content.decode()
    assert not User.objects.get(username="half_enrolled").requires_second_factor
