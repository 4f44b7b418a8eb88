"""A session whose password has expired gets nothing but the change-password page, whatever
headers it sends; only a valid token authenticates an API call.

Enumerates: the expired session with no Authorization header, a bogus bearer token, an empty
bearer, a bare "Bearer", Basic credentials and an unknown scheme, on GET and POST API operations
and on pages.
"""
from __future__ import annotations

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from rectify.core.models import ChangeRecord
from rectify.notifications.services import notify
from rectify.tasks.models import Task

HEADERS = {
    "none": None,
    "bogus bearer": "Bearer rct_not-a-real-token",
    "empty bearer": "Bearer ",
    "bare bearer": "Bearer",
    "basic": "Basic Y2l0eV9vZmZpY2U6UmVjdGlmeS10ZXN0LTIwMjY=",
    "other scheme": "Token abc",
    "blank": "",
}


def expire(user):
    type(user).objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=91))


@pytest.fixture
def expired(world, make_task, login):
    task = make_task()
    notify([world.city_office], "测试通知", "正文")
    client = login(world.city_office)
    expire(world.city_office)
    return client, task


def api_calls(task):
    """(method, path, JSON body) — reads and writes that a live session of this user could make."""
    return [
        ("GET", "/api/v1/me", None),
        ("GET", "/api/v1/tasks", None),
        ("GET", f"/api/v1/tasks/{task.uuid}", None),
        ("GET", f"/api/v1/tasks/{task.uuid}/history", None),
        ("GET", "/api/v1/notifications", None),
        ("GET", "/api/v1/dispatch/rounds", None),
        ("GET", "/api/v1/supervision/notices", None),
        ("POST", f"/api/v1/tasks/{task.uuid}/transition", {"state": "in_progress", "version": task.version}),
        ("PATCH", f"/api/v1/tasks/{task.uuid}", {"version": task.version, "progress": "不应写入"}),
        ("POST", "/api/v1/notifications/read-all", {}),
    ]


def send(client, method, path, body, header):
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    if method == "GET":
        return client.get(path, **extra)
    return client.generic(method, path, data=json.dumps(body), content_type="application/json", **extra)


@pytest.mark.parametrize("header", list(HEADERS), ids=list(HEADERS))
def test_api_gives_an_expired_session_nothing(expired, world, header):
    client, task = expired
    for method, path, body in api_calls(task):
        response = send(client, method, path, body, HEADERS[header])
        assert response.status_code in (401, 403), (header, method, path, response.status_code)
        payload = response.json()
        assert set(payload) == {"detail"}, (header, path, payload)
        assert "items" not in payload and "username" not in payload
    task.refresh_from_db()
    assert task.state == "assigned" and task.version == 1 and task.progress == ""
    assert not ChangeRecord.objects.filter(task_uuid=task.uuid).exclude(action="create").exists()
    assert world.city_office.notifications.filter(read_at__isnull=True).count() == 1


@pytest.mark.parametrize("header", list(HEADERS), ids=list(HEADERS))
def test_pages_give_an_expired_session_only_the_change_page(expired, world, header):
    client, task = expired
    extra = {} if HEADERS[header] is None else {"HTTP_AUTHORIZATION": HEADERS[header]}
    change = reverse("accounts:password_change")
    for method, url in [("GET", reverse("tasks:ledger")), ("GET", reverse("tasks:detail", args=[task.uuid])),
                        ("GET", reverse("notifications:list")), ("POST", reverse("tasks:start", args=[task.uuid])),
                        ("POST", reverse("notifications:read_all"))]:
        response = client.get(url, **extra) if method == "GET" else client.post(url, {"version": task.version}, **extra)
        assert response.status_code == 302 and response["Location"] == change, (header, url, response.status_code)
    task.refresh_from_db()
    assert task.state == "assigned" and task.version == 1
    assert client.get(change, **extra).status_code == 200


def test_a_valid_token_still_authenticates_beside_an_expired_session(expired, world, token_for):
    client, task = expired
    _, key = token_for(world.leader)
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200 and response.json()["username"] == "leader"


def test_api_refuses_an_expired_session_even_past_the_middleware(expired, world, settings):
    """SessionAuth itself refuses the session (the middleware is not the only guard)."""
    client, task = expired
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("SessionSecurityMiddleware")]
    response = client.get(f"/api/v1/tasks/{task.uuid}")
    assert response.status_code == 403 and "密码已过期" in response.json()["detail"]


def test_unexpired_session_still_reads(world, make_task, login):
    task = make_task()
    assert login(world.city_office).get(f"/api/v1/tasks/{task.uuid}").status_code == 200
    assert Task.objects.get(pk=task.pk).state == "assigned"


@pytest.mark.parametrize("header", list(HEADERS), ids=list(HEADERS))
def test_session_awaiting_its_second_factor_reads_nothing(world, make_task, login, header):
    from rectify.accounts import security

    task = make_task()
    client = login(world.city_office)
    session = client.session
    session[security.SESSION_MFA_PENDING] = True
    session.save()
    for method, path, body in api_calls(task):
        response = send(client, method, path, body, HEADERS[header])
        assert response.status_code == 401, (header, path, response.status_code)
    assert Task.objects.get(pk=task.pk).version == 1
