"""Acceptance, closure and look-back through the API: the whole loop, and who may do what."""
from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from conftest import pdf_bytes, png_bytes
from rectify.acceptance.models import AcceptanceApplication, Closure, LookBack
from rectify.acceptance.tests.conftest import exe_bytes
from rectify.acceptance.tests.test_flow import elapse
from rectify.tasks.models import Task
from rectify.tasks.states import TaskState

pytestmark = pytest.mark.django_db

BASE = "/api/v1/acceptance"


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def version(task: Task) -> int:
    return Task.objects.get(pk=task.pk).version


def state(task: Task) -> str:
    return Task.objects.get(pk=task.pk).state


def multipart(api: Any, path: str, data: dict[str, Any]) -> Any:
    """A multipart POST with the same credentials as ``api`` (session or bearer token)."""
    return api.client.post(path, data, **api.headers)


def apply(api: Any, task: Task, files: list[Any] | None = None) -> Any:
    if files is None:
        files = [SimpleUploadedFile("现场照片.png", png_bytes(), "image/png"), SimpleUploadedFile("验收材料.pdf", pdf_bytes(), "application/pdf")]
    return multipart(api, f"{BASE}/tasks/{task.uuid}/apply",
                     {"completion_report": "河道垃圾已全部清理，建立巡河保洁制度。", "version": version(task), "evidence": files})


def review(api: Any, application_uuid: Any, task: Task, decision: str = "accept") -> Any:
    return api.post(f"{BASE}/applications/{application_uuid}/review", {
        "decision": decision, "site_check": "现场查看，两岸无垃圾。", "implemented": decision == "accept",
        "reasons": "" if decision == "accept" else "仍有垃圾", "version": version(task)})


def announce(api: Any, task: Task, days_ago: int = 20) -> Any:
    """Announce today; then let ``days_ago`` days pass (the period lies in the past)."""
    response = api.post(f"{BASE}/tasks/{task.uuid}/announce", {"version": version(task)})
    if response.status_code == 201 and days_ago:
        elapse(task, days_ago)
    return response


def close(api: Any, task: Task) -> Any:
    return api.post(f"{BASE}/tasks/{task.uuid}/close", {"version": version(task)})


def closed(world: Any, make_task: Any, api_as: Any) -> Task:
    task = make_task()
    assert apply(api_as(world.county_unit), task).status_code == 201
    application = AcceptanceApplication.objects.get(task=task)
    assert review(api_as(world.reviewer), application.uuid, task).status_code == 201
    office = api_as(world.city_office)
    assert announce(office, task).status_code == 201
    assert close(office, task).status_code == 201
    return task


def test_whole_loop_and_the_file(world: Any, make_task: Any, api_as: Any, api_token: Any) -> None:
    task = make_task()
    unit = api_token(world.county_unit)
    response = apply(unit, task)
    assert response.status_code == 201, response.content.decode()
    body = response.json()
    assert body["status"] == "pending" and body["unit"] == "区生态环境分局"
    assert sorted(e["kind"] for e in body["evidence"]) == ["pdf", "png"]
    assert state(task) == TaskState.APPLIED

    reviewer = api_as(world.reviewer)
    response = review(reviewer, body["uuid"], task)
    assert response.status_code == 201 and response.json()["decision_label"] == "验收通过"
    office = api_as(world.city_office)
    response = announce(office, task)
    assert response.status_code == 201 and response.json()["working_days"] == 5
    response = close(office, task)
    assert response.status_code == 201
    number = response.json()["number"]
    assert number == Closure.objects.get(task=task).number and state(task) == TaskState.CLOSED

    response = office.post(f"{BASE}/tasks/{task.uuid}/look-backs", {"scheduled_for": "2031-05-10"})
    assert response.status_code == 201 and response.json()["closure_number"] == number
    look_back = response.json()["uuid"]
    again = office.post(f"{BASE}/tasks/{task.uuid}/look-backs", {"scheduled_for": "2031-05-10"})
    assert again.status_code == 400 and "已安排回头看" in again.json()["detail"]

    photo = SimpleUploadedFile("复查.png", png_bytes(), "image/png")
    response = multipart(reviewer, f"{BASE}/look-backs/{look_back}/finding",
                         {"result": "relapse", "finding": "垃圾再次堆放", "version": version(task), "evidence": [photo]})
    assert response.status_code == 200, response.content.decode()
    assert response.json()["result_label"] == "反弹" and [e["kind"] for e in response.json()["evidence"]] == ["png"]
    assert state(task) == TaskState.REOPENED

    file = unit.get(f"{BASE}/tasks/{task.uuid}").json()
    assert file["state"] == "reopened" and len(file["applications"]) == 1 and len(file["applications"][0]["reviews"]) == 1
    assert [c["number"] for c in file["closures"]] == [number]
    assert file["look_backs"][0]["result"] == "relapse" and file["look_backs"][0]["closure_number"] == number
    assert file["announcements"][0]["objections"] == []


def test_file_keeps_queries_flat(world: Any, make_task: Any, api_as: Any, django_assert_max_num_queries: Any) -> None:
    task = closed(world, make_task, api_as)
    office = api_as(world.city_office)
    office.post(f"{BASE}/tasks/{task.uuid}/look-backs", {"scheduled_for": "2031-05-10"})
    with django_assert_max_num_queries(20):
        response = office.get(f"{BASE}/tasks/{task.uuid}")
    assert response.status_code == 200 and len(response.json()["look_backs"]) == 1


def test_scope_answers_404(world: Any, make_task: Any, api_as: Any) -> None:
    task = closed(world, make_task, api_as)
    other = api_as(world.other_unit)
    assert other.get(f"{BASE}/tasks/{task.uuid}").status_code == 404
    assert close(other, task).status_code == 404
    assert other.post(f"{BASE}/tasks/{task.uuid}/look-backs", {"scheduled_for": "2031-05-10"}).status_code == 404
    application = AcceptanceApplication.objects.get(task=task)
    assert review(other, application.uuid, task).status_code == 404
    api_as(world.city_office).post(f"{BASE}/tasks/{task.uuid}/look-backs", {"scheduled_for": "2031-05-10"})
    look_back = LookBack.objects.get(task=task)
    response = multipart(other, f"{BASE}/look-backs/{look_back.uuid}/finding", {"result": "consolidated", "finding": "好", "version": version(task)})
    assert response.status_code == 404 and "不存在" in response.json()["detail"]
    assert api_as(None).get(f"{BASE}/tasks/{task.uuid}").status_code == 401


def test_wrong_role_answers_403(world: Any, make_task: Any, api_as: Any, api_token: Any) -> None:
    task = make_task()
    leader = api_as(world.leader)
    response = apply(leader, task)
    assert response.status_code == 403 and "牵头单位、责任单位或整改办" in response.json()["detail"]
    unit = api_as(world.county_unit)
    apply(unit, task)
    application = AcceptanceApplication.objects.get(task=task)
    assert review(unit, application.uuid, task).status_code == 403
    assert review(leader, application.uuid, task).status_code == 403
    review(api_as(world.reviewer), application.uuid, task)
    response = announce(api_as(world.reviewer), task)
    assert response.status_code == 403 and response.json()["detail"] == "只有整改办可以发布销号公示"
    announce(api_as(world.city_office), task)
    assert close(unit, task).status_code == 403
    assert close(api_token(world.city_office, read_only=True), task).status_code == 403
    close(api_as(world.city_office), task)
    response = unit.post(f"{BASE}/tasks/{task.uuid}/look-backs", {"scheduled_for": "2031-05-10"})
    assert response.status_code == 403 and "整改办" in response.json()["detail"]
    api_as(world.city_office).post(f"{BASE}/tasks/{task.uuid}/look-backs", {"scheduled_for": "2031-05-10"})
    look_back = LookBack.objects.get(task=task)
    response = multipart(unit, f"{BASE}/look-backs/{look_back.uuid}/finding", {"result": "consolidated", "finding": "好", "version": version(task)})
    assert response.status_code == 403 and "验收人员或整改办" in response.json()["detail"]
    assert LookBack.objects.get(pk=look_back.pk).result == "" and state(task) == TaskState.CLOSED


def test_refusals_in_chinese(world: Any, make_task: Any, api_as: Any) -> None:
    task = make_task()
    office = api_as(world.city_office)
    response = close(office, task)
    assert response.status_code == 400 and "公示期满后才能销号" in response.json()["detail"]
    exe = SimpleUploadedFile("材料.pdf", exe_bytes(), "application/pdf")
    response = apply(api_as(world.county_unit), task, files=[exe])
    assert response.status_code == 400 and "不是允许的类型" in response.json()["detail"]
    assert state(task) == TaskState.ASSIGNED
    # No evidence, no application (the same rule as the page).
    response = apply(api_as(world.county_unit), task, files=[])
    assert response.status_code == 400 and "请至少上传一份佐证材料" in response.json()["detail"]
    assert state(task) == TaskState.ASSIGNED and not AcceptanceApplication.objects.filter(task=task).exists()
    response = apply(api_as(world.county_unit), task)
    assert response.status_code == 201
    stale = api_as(world.reviewer).post(f"{BASE}/applications/{response.json()['uuid']}/review", {
        "decision": "accept", "site_check": "查看", "implemented": True, "version": 1})
    assert stale.status_code == 409 and stale.json()["current_version"] == version(task)
    bad = api_as(world.reviewer).post(f"{BASE}/applications/{response.json()['uuid']}/review", {"decision": "maybe", "version": version(task)})
    assert bad.status_code == 422 and "验收结论：取值无效" in bad.json()["detail"] and "现场核查记录：此项为必填项" in bad.json()["detail"]
    task2 = closed(world, make_task, api_as)
    office.post(f"{BASE}/tasks/{task2.uuid}/look-backs", {"scheduled_for": "2031-05-10"})
    look_back = LookBack.objects.get(task=task2)
    response = multipart(office, f"{BASE}/look-backs/{look_back.uuid}/finding", {"result": "maybe", "finding": "好", "version": version(task2)})
    assert response.status_code == 400 and "巩固或反弹" in response.json()["detail"]
    response = multipart(office, f"{BASE}/look-backs/{look_back.uuid}/finding", {"result": "consolidated", "finding": "巩固良好", "version": version(task2)})
    assert response.status_code == 200 and response.json()["result"] == "consolidated" and state(task2) == TaskState.CLOSED


def test_session_writes_need_csrf(world: Any, make_task: Any) -> None:
    from conftest import PASSWORD

    task = make_task()
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=world.city_office.username, password=PASSWORD)
    response = client.post(f"{BASE}/tasks/{task.uuid}/close", data='{"version": 1}', content_type="application/json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]


# ---- look-backs list and objections --------------------------------------------------------------


def test_look_back_list_and_detail_in_scope(world: Any, make_task: Any, api_as: Any) -> None:
    task = closed(world, make_task, api_as)
    office = api_as(world.city_office)
    made = office.post(f"{BASE}/tasks/{task.uuid}/look-backs", {"scheduled_for": timezone.localdate().isoformat()})
    assert made.status_code == 201
    look_back = made.json()["uuid"]
    for user in (world.leader, world.county_unit):
        listed = api_as(user).get(f"{BASE}/look-backs", {"status": "pending"}).json()
        assert [i["uuid"] for i in listed["items"]] == [look_back]
        assert api_as(user).get(f"{BASE}/look-backs/{look_back}").json()["result"] == ""
    assert api_as(world.city_office).get(f"{BASE}/look-backs", {"status": "relapse"}).json()["count"] == 0
    assert api_as(world.other_unit).get(f"{BASE}/look-backs").json()["count"] == 0
    assert api_as(world.other_unit).get(f"{BASE}/look-backs/{look_back}").status_code == 404


def test_objection_then_upheld_reopens_the_task(world: Any, make_task: Any, api_as: Any) -> None:
    task = make_task()
    assert apply(api_as(world.county_unit), task).status_code == 201
    application = AcceptanceApplication.objects.get(task=task)
    assert review(api_as(world.reviewer), application.uuid, task).status_code == 201
    announced = announce(api_as(world.city_office), task, days_ago=0)
    assert announced.status_code == 201
    announcement = announced.json()["uuid"]

    doer = api_as(world.county_unit).post(f"{BASE}/announcements/{announcement}/objections", {"content": "没整改完"})
    assert doer.status_code == 403 and "承担该任务的单位" in doer.json()["detail"]
    leader = api_as(world.leader).post(f"{BASE}/announcements/{announcement}/objections", {"content": "河道下游仍有垃圾"})
    assert leader.status_code == 403  # a read-only role records nothing; the office records objections
    made = api_as(world.province_office).post(f"{BASE}/announcements/{announcement}/objections",
                                              {"content": "河道下游仍有垃圾", "contact": "13800000000"})
    assert made.status_code == 201, made.content.decode()
    objection = made.json()
    assert objection["resolution"] == "" and "contact" not in objection

    body = {"resolution": "upheld", "note": "现场核实属实", "version": version(task)}
    assert api_as(world.reviewer).post(f"{BASE}/objections/{objection['uuid']}/resolve", body).status_code == 403
    stale = api_as(world.city_office).post(f"{BASE}/objections/{objection['uuid']}/resolve", {**body, "version": version(task) - 1})
    assert stale.status_code == 409 and state(task) == TaskState.ANNOUNCED
    resolved = api_as(world.city_office).post(f"{BASE}/objections/{objection['uuid']}/resolve", body)
    assert resolved.status_code == 200 and resolved.json()["resolution"] == "upheld"
    assert state(task) == TaskState.REOPENED


def test_filing_a_closure_and_acknowledging_it(world: Any, make_task: Any, api_as: Any) -> None:
    task = closed(world, make_task, api_as)  # a task of 城区: filed with 晋城市
    office = api_as(world.city_office)
    assert api_as(world.reviewer).post(f"{BASE}/tasks/{task.uuid}/filing", {"version": version(task)}).status_code == 403
    stale = office.post(f"{BASE}/tasks/{task.uuid}/filing", {"note": "请备案", "version": version(task) - 1})
    assert stale.status_code == 409
    filed = office.post(f"{BASE}/tasks/{task.uuid}/filing", {"note": "请备案", "version": version(task)})
    assert filed.status_code == 201, filed.content.decode()
    filing = filed.json()
    assert filing["filed_to_region"] == "140500" and filing["acknowledged"] is False and "销号〔" in filing["closure_number"]
    again = office.post(f"{BASE}/tasks/{task.uuid}/filing", {"version": version(task)})
    assert again.status_code == 400 and "不能重复报送" in again.json()["detail"]

    assert api_as(world.province_office).get(f"{BASE}/filings", {"acknowledged": "false"}).json()["count"] == 1
    assert api_as(world.leader).get(f"{BASE}/filings").status_code == 403
    assert api_as(world.leader).post(f"{BASE}/filings/{filing['uuid']}/acknowledge").status_code == 403
    done = office.post(f"{BASE}/filings/{filing['uuid']}/acknowledge")
    assert done.status_code == 200 and done.json()["acknowledged"] is True and done.json()["acknowledged_by"]
    twice = office.post(f"{BASE}/filings/{filing['uuid']}/acknowledge")
    assert twice.status_code == 400 and "不能重复确认" in twice.json()["detail"]


def test_schedule_look_backs_in_a_batch(world: Any, make_task: Any, api_as: Any) -> None:
    first, second = closed(world, make_task, api_as), closed(world, make_task, api_as)
    when = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    assert api_as(world.leader).post(f"{BASE}/look-back-schedules", {"scheduled_for": when}).status_code == 403
    recent = api_as(world.city_office).post(f"{BASE}/look-back-schedules", {"scheduled_for": when, "closed_months": 6})
    assert recent.status_code == 400 and "没有符合条件" in recent.json()["detail"]  # closed today, not six months ago
    made = api_as(world.city_office).post(f"{BASE}/look-back-schedules", {"scheduled_for": when, "closed_months": 0,
                                                                          "inspection": str(world.inspection.uuid)})
    assert made.status_code == 201, made.content.decode()
    assert made.json()["scheduled"] == 2 and {lb["task"] for lb in made.json()["look_backs"]} == {str(first.uuid), str(second.uuid)}
    again = api_as(world.city_office).post(f"{BASE}/look-back-schedules", {"scheduled_for": when, "closed_months": 0})
    assert again.status_code == 400  # each already has a pending look-back
    assert LookBack.objects.count() == 2
