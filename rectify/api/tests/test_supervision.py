"""Supervision through the API: issue, the units' steps, review, extensions — the same services,
scope, version checks and Chinese errors as the pages."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from rectify.core.models import ChangeRecord
from rectify.supervision.models import ExtensionRequest, SupervisionNotice
from rectify.tasks.models import Task

BASE = "/api/v1/supervision"


@pytest.fixture
def issued(world: Any, make_task: Any, api_as: Any) -> tuple[Task, dict[str, Any]]:
    task = make_task()
    response = api_as(world.city_office).post(f"{BASE}/tasks/{task.uuid}/notices", {
        "units": [str(world.unit_county_env.uuid)], "reason": "进度滞后，请加快整改", "kind": "ordinary"})
    assert response.status_code == 201, response.content.decode()
    return task, response.json()


def step(api: Any, notice: dict[str, Any], name: str, version: int) -> Any:
    return api.post(f"{BASE}/notices/{notice['uuid']}/step", {"step": name, "text": f"{name}情况", "version": version})


def test_issue_and_who_sees_it(world: Any, api_as: Any, issued: Any) -> None:
    task, notice = issued
    assert notice["number"].startswith("晋城督办〔") and notice["status"] == "issued" and notice["current_step"] == "arrange"
    assert [u["name"] for u in notice["units"]] == ["区生态环境分局"] and notice["task"] == str(task.uuid)
    assert api_as(world.county_unit).get(f"{BASE}/notices", {"mine": "true"}).json()["count"] == 1
    assert api_as(world.leader).get(f"{BASE}/notices/{notice['uuid']}").status_code == 200
    for user in (world.lead_unit, world.other_unit):  # not addressed to them, no region over the task
        assert api_as(user).get(f"{BASE}/notices/{notice['uuid']}").status_code == 404
        assert api_as(user).get(f"{BASE}/notices").json()["count"] == 0


def test_issue_refusals(world: Any, make_task: Any, api_as: Any) -> None:
    task = make_task()
    office = api_as(world.city_office)
    stranger = office.post(f"{BASE}/tasks/{task.uuid}/notices", {"units": [str(world.unit_other_env.uuid)], "reason": "请整改"})
    assert stranger.status_code == 400 and "未承担该任务" in stranger.json()["detail"]
    unknown = office.post(f"{BASE}/tasks/{task.uuid}/notices", {"units": ["00000000-0000-0000-0000-000000000000"], "reason": "请整改"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["label"] == "督办单位"
    leader = api_as(world.leader).post(f"{BASE}/tasks/{task.uuid}/notices", {"units": [str(world.unit_county_env.uuid)], "reason": "请整改"})
    assert leader.status_code == 403 and "整改办" in leader.json()["detail"]
    assert not SupervisionNotice.objects.exists()


def test_steps_in_order_with_versions_then_close(world: Any, api_as: Any, issued: Any) -> None:
    _, notice = issued
    unit = api_as(world.county_unit)
    wrong = step(unit, notice, "done", notice["version"])
    assert wrong.status_code == 400 and "当前应办理的环节是“部署”" in wrong.json()["detail"]
    assert step(api_as(world.city_office), notice, "arrange", notice["version"]).status_code == 403
    arranged = step(unit, notice, "arrange", notice["version"])
    assert arranged.status_code == 200 and arranged.json()["status"] == "arranged"
    stale = step(unit, notice, "report", notice["version"])
    assert stale.status_code == 409 and stale.json()["current_version"] == arranged.json()["version"]
    reported = step(unit, notice, "report", arranged.json()["version"]).json()
    done = step(unit, notice, "done", reported["version"]).json()
    assert done["status"] == "done" and done["current_step"] == ""

    office = api_as(world.city_office)
    assert api_as(world.leader).post(f"{BASE}/notices/{notice['uuid']}/close", {"grade": "good", "version": done["version"]}).status_code == 403
    assert office.post(f"{BASE}/notices/{notice['uuid']}/close", {"grade": "good", "version": done["version"] - 1}).status_code == 409
    closed = office.post(f"{BASE}/notices/{notice['uuid']}/close", {"grade": "good", "note": "按期办结", "version": done["version"]})
    assert closed.status_code == 200 and closed.json()["status"] == "closed" and closed.json()["grade"] == "good"


def test_send_back_restarts_the_steps(world: Any, api_as: Any, issued: Any) -> None:
    _, notice = issued
    unit = api_as(world.county_unit)
    version = notice["version"]
    for name in ("arrange", "report", "done"):
        version = step(unit, notice, name, version).json()["version"]
    office = api_as(world.city_office)
    empty = office.post(f"{BASE}/notices/{notice['uuid']}/send-back", {"reason": "", "version": version})
    assert empty.status_code == 422
    back = office.post(f"{BASE}/notices/{notice['uuid']}/send-back", {"reason": "现场仍有垃圾", "version": version})
    assert back.status_code == 200 and back.json()["status"] == "issued" and back.json()["send_backs"] == 1


def test_extension_request_and_decision_check_the_notice_version(world: Any, api_as: Any, issued: Any) -> None:
    _, notice = issued
    unit = api_as(world.county_unit)
    new_date = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
    stale = unit.post(f"{BASE}/notices/{notice['uuid']}/extensions", {"new_date": new_date, "reason": "汛期", "version": notice["version"] + 1})
    assert stale.status_code == 409 and not ExtensionRequest.objects.exists()
    assert api_as(world.city_office).post(f"{BASE}/notices/{notice['uuid']}/extensions",
                                          {"new_date": new_date, "reason": "汛期", "version": notice["version"]}).status_code == 403
    made = unit.post(f"{BASE}/notices/{notice['uuid']}/extensions", {"new_date": new_date, "reason": "汛期施工受阻", "version": notice["version"]})
    assert made.status_code == 201, made.content.decode()
    item = made.json()
    assert item["step"] == "arrange" and item["decision"] == ""
    twice = unit.post(f"{BASE}/notices/{notice['uuid']}/extensions", {"new_date": new_date, "reason": "再次", "version": notice["version"]})
    assert twice.status_code == 400 and "待审批" in twice.json()["detail"]

    office = api_as(world.city_office)
    assert unit.post(f"{BASE}/extensions/{item['uuid']}/decide", {"decision": "approved", "version": notice["version"]}).status_code == 403
    refused_no_note = office.post(f"{BASE}/extensions/{item['uuid']}/decide", {"decision": "refused", "version": notice["version"]})
    assert refused_no_note.status_code == 400 and "理由" in refused_no_note.json()["detail"]
    assert office.post(f"{BASE}/extensions/{item['uuid']}/decide", {"decision": "approved", "version": 99}).status_code == 409
    approved = office.post(f"{BASE}/extensions/{item['uuid']}/decide", {"decision": "approved", "version": notice["version"]})
    assert approved.status_code == 200 and approved.json()["decision"] == "approved"
    after = api_as(world.county_unit).get(f"{BASE}/notices/{notice['uuid']}").json()
    assert after["arranged_by"] == new_date and after["version"] == notice["version"] + 1
    assert ChangeRecord.objects.filter(object_uuid=item["uuid"]).count() == 2


def test_past_extension_date_is_a_field_error(world: Any, api_as: Any, issued: Any) -> None:
    _, notice = issued
    response = api_as(world.county_unit).post(f"{BASE}/notices/{notice['uuid']}/extensions",
                                              {"new_date": "2001-01-01", "reason": "汛期", "version": notice["version"]})
    assert response.status_code == 422 and response.json()["errors"][0]["label"] == "申请延至"
