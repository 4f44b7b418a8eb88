"""Who may call the API: sessions (with CSRF), bearer tokens, and nobody else."""
import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD
from rectify.api.models import ApiToken, hash_key
from rectify.core.models import ChangeRecord

TASKS = "/api/v1/tasks"


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/regions", "/api/v1/units", TASKS, "/api/v1/inspections", "/api/v1/plans", "/api/v1/assignments"])
def test_anonymous_gets_401_in_chinese(world, path):
    response = Client().get(path)
    assert response.status_code == 401
    assert "登录" in response.json()["detail"]


def test_anonymous_write_is_401_not_csrf_error(world):
    response = Client(enforce_csrf_checks=True).post(TASKS, data="{}", content_type="application/json")
    assert response.status_code == 401
    assert "登录" in response.json()["detail"]


def test_session_login_works(api_as, world):
    response = api_as(world.city_office).get("/api/v1/me")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "city_office" and body["roles"] == ["office"] and body["is_editor"] is True


def test_session_write_requires_csrf_token(world, make_task):
    task = make_task()
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="city_office", password=PASSWORD)
    body = json.dumps({"state": "in_progress", "version": task.version})
    refused = client.post(f"{TASKS}/{task.uuid}/transition", data=body, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    task.refresh_from_db()
    assert task.state == "assigned"

    client.get("/api/docs")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(f"{TASKS}/{task.uuid}/transition", data=body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["state"] == "in_progress"


def test_bearer_token_reads_within_the_users_scope(api_token, world, make_task):
    mine = make_task()
    other = make_task(plan=world.other_plan, region=world.other_city, units={"responsible": [world.unit_other_env]})
    client = api_token(world.city_office)
    response = client.get(TASKS)
    assert response.status_code == 200
    assert [t["uuid"] for t in response.json()["items"]] == [str(mine.uuid)]
    assert client.get(f"{TASKS}/{other.uuid}").status_code == 404


def test_token_key_is_stored_only_as_a_hash(token_for, world):
    token, key = token_for(world.city_office)
    token.refresh_from_db()
    assert key.startswith("rct_") and len(key) > 40
    assert token.key_hash == hash_key(key) and key not in token.key_hash
    assert not ApiToken.objects.filter(key_prefix=key).exists()


def test_token_use_updates_last_used(api_token, world):
    client = api_token(world.leader)
    assert ApiToken.objects.get().last_used_at is None
    assert client.get("/api/v1/me").status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


def test_expired_token_is_refused(token_for, world):
    token, key = token_for(world.city_office)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = Client().get(TASKS, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 401
    assert "过期" in response.json()["detail"]


def test_revoked_token_is_refused(token_for, world):
    token, key = token_for(world.city_office)
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    response = Client().get(TASKS, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 401
    assert "吊销" in response.json()["detail"]


def test_unknown_token_is_refused(world):
    response = Client().get(TASKS, HTTP_AUTHORIZATION="Bearer rct_not-a-real-key")
    assert response.status_code == 401
    assert "令牌无效" in response.json()["detail"]


def test_token_of_inactive_user_is_refused(token_for, world):
    _, key = token_for(world.city_office)
    world.city_office.is_active = False
    world.city_office.save()
    assert Client().get(TASKS, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_read_only_token_reads_but_cannot_write(api_token, world, make_task):
    task = make_task()
    client = api_token(world.city_office, read_only=True)
    assert client.get(f"{TASKS}/{task.uuid}").status_code == 200
    response = client.post(f"{TASKS}/{task.uuid}/transition", {"state": "in_progress", "version": task.version})
    assert response.status_code == 403
    assert "只读" in response.json()["detail"]
    task.refresh_from_db()
    assert task.state == "assigned" and task.version == 1


def test_token_write_needs_no_csrf_and_records_the_tokens_user(api_token, world, make_task):
    task = make_task()
    client = api_token(world.city_office)
    client.client = Client(enforce_csrf_checks=True)
    response = client.post(f"{TASKS}/{task.uuid}/transition", {"state": "in_progress", "version": 1, "reason": "开始整改"})
    assert response.status_code == 200, response.content
    row = ChangeRecord.objects.filter(task_uuid=task.uuid, action="transition").get()
    assert row.user == world.city_office and row.reason == "开始整改"


# ---- the management command --------------------------------------------------------------------


def test_command_creates_lists_and_revokes(world):
    out = StringIO()
    call_command("api_token", "create", "city_office", "--name", "月报脚本", "--days", "30", "--read-only", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert token.key_hash == hash_key(key) and token.scope == "read" and token.name == "月报脚本"
    assert 29 <= (token.expires_at - timezone.now()).days <= 30
    assert ChangeRecord.objects.filter(object_uuid=token.uuid, action="create").exists()
    assert key not in json.dumps(ChangeRecord.objects.get(object_uuid=token.uuid).after)
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200

    out = StringIO()
    call_command("api_token", "list", stdout=out)
    assert "月报脚本" in out.getvalue() and "有效" in out.getvalue() and key not in out.getvalue()

    call_command("api_token", "revoke", str(token.pk), stdout=StringIO())
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_command_refuses_unknown_user(world):
    with pytest.raises(CommandError):
        call_command("api_token", "create", "ghost", "--name", "x", stdout=StringIO())
