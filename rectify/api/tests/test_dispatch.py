"""Dispatch through the API: rounds, reports with evidence, the lead unit's review — the same
services, scope, version checks and Chinese errors as the pages."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import pdf_bytes
from rectify.core.models import ChangeRecord
from rectify.dispatch.models import ProgressReport, ReportingRound
from rectify.tasks.models import Assignment, Task

BASE = "/api/v1/dispatch"


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def round_body(region: str = "140500", **kw: Any) -> dict[str, Any]:
    return {"region": region, "title": "2026年11月调度", "period_start": "2026-11-01", "period_end": "2026-11-30",
            "due_date": "2026-12-05", **kw}


def submit(api: Any, round_uuid: Any, assignment: Assignment, version: int, **kw: Any) -> Any:
    data = {"text": kw.pop("text", "已完成排查，清理垃圾12吨。"), "schedule": "on_schedule", "percent": 60, "version": version, **kw}
    return api.client.post(f"{BASE}/rounds/{round_uuid}/assignments/{assignment.uuid}/report", data, **api.headers)


@pytest.fixture
def opened(world: Any, make_task: Any, api_as: Any) -> tuple[Task, dict[str, Any]]:
    task = make_task()
    response = api_as(world.city_office).post(f"{BASE}/rounds", round_body())
    assert response.status_code == 201, response.content.decode()
    return task, response.json()


def test_open_round_and_who_sees_it(world: Any, api_as: Any, opened: Any) -> None:
    task, body = opened
    assert body["region"] == {"code": "140500", "name": "晋城市"} and body["status"] == "open" and body["version"] == 1
    assert ChangeRecord.objects.filter(object_uuid=body["uuid"], action="create").count() == 1
    for user in (world.county_unit, world.lead_unit, world.leader):
        listed = api_as(user).get(f"{BASE}/rounds").json()
        assert [r["uuid"] for r in listed["items"]] == [body["uuid"]] and listed["count"] == 1
    assert api_as(world.other_unit).get(f"{BASE}/rounds").json()["count"] == 0
    assert api_as(world.other_unit).get(f"{BASE}/rounds/{body['uuid']}").status_code == 404


def test_open_round_is_for_offices_in_their_region(world: Any, api_as: Any) -> None:
    refused = api_as(world.leader).post(f"{BASE}/rounds", round_body())
    assert refused.status_code == 403 and "整改办" in refused.json()["detail"]
    outside = api_as(world.city_office).post(f"{BASE}/rounds", round_body(region="140100"))
    assert outside.status_code == 422 and outside.json()["errors"][0]["field"] == "region" and "管辖范围" in outside.json()["detail"]
    backwards = api_as(world.city_office).post(f"{BASE}/rounds", round_body(period_end="2026-10-01"))
    assert backwards.status_code == 400 and backwards.json()["detail"] == "调度期止不能早于调度期起"
    assert not ReportingRound.objects.exists()


def test_report_review_and_versions(world: Any, api_as: Any, opened: Any) -> None:
    task, round_ = opened
    responsible = task.assignments.get(role=Assignment.Role.RESPONSIBLE)
    unit = api_as(world.county_unit)
    first = submit(unit, round_["uuid"], responsible, 0, files=[SimpleUploadedFile("照片.pdf", pdf_bytes(), "application/pdf")])
    assert first.status_code == 200, first.content.decode()
    report = first.json()
    assert report["status"] == "submitted" and report["unit"] == "区生态环境分局" and len(report["files"]) == 1
    assert Task.objects.get(pk=task.pk).progress == "已完成排查，清理垃圾12吨。"

    stale = submit(unit, round_["uuid"], responsible, 0, text="另一版本")
    assert stale.status_code == 409 and "已被" in stale.json()["detail"] and stale.json()["current_version"] == report["version"]

    lead = api_as(world.lead_unit)
    assert unit.post(f"{BASE}/reports/{report['uuid']}/review", {"decision": "accept", "version": report["version"]}).status_code == 403
    old = lead.post(f"{BASE}/reports/{report['uuid']}/review", {"decision": "accept", "version": report["version"] + 5})
    assert old.status_code == 409
    no_reason = lead.post(f"{BASE}/reports/{report['uuid']}/review", {"decision": "return", "version": report["version"]})
    assert no_reason.status_code == 400 and no_reason.json()["detail"] == "退回时请填写退回理由"
    done = lead.post(f"{BASE}/reports/{report['uuid']}/review", {"decision": "accept", "note": "认可", "version": report["version"]})
    assert done.status_code == 200 and done.json()["status"] == "accepted"

    again = submit(unit, round_["uuid"], responsible, done.json()["version"], text="继续推进")
    assert again.status_code == 200 and again.json()["status"] == "submitted" and again.json()["text"] == "继续推进"


def test_report_only_for_own_assignment(world: Any, api_as: Any, opened: Any) -> None:
    task, round_ = opened
    lead_assignment = task.assignments.get(role=Assignment.Role.LEAD)
    response = submit(api_as(world.county_unit), round_["uuid"], lead_assignment, 0)
    assert response.status_code == 404 and "本单位" in response.json()["detail"]
    assert submit(api_as(world.city_office), round_["uuid"], lead_assignment, 0).status_code == 404
    assert not ProgressReport.objects.exists()


def test_who_has_not_reported_and_the_reports(world: Any, api_as: Any, opened: Any) -> None:
    task, round_ = opened
    submit(api_as(world.county_unit), round_["uuid"], task.assignments.get(role=Assignment.Role.RESPONSIBLE), 0)
    office = api_as(world.city_office)
    rows = office.get(f"{BASE}/rounds/{round_['uuid']}/units").json()["items"]
    assert {r["unit"]: (r["expected"], r["reported"], r["missing"]) for r in rows} == {"区生态环境分局": (1, 1, 0), "市生态环境局": (1, 0, 1)}
    missing = office.get(f"{BASE}/rounds/{round_['uuid']}/units", {"missing": "true"}).json()["items"]
    assert [r["unit"] for r in missing] == ["市生态环境局"]
    assert api_as(world.county_unit).get(f"{BASE}/rounds/{round_['uuid']}/units").status_code == 403
    reports = api_as(world.leader).get(f"{BASE}/rounds/{round_['uuid']}/reports", {"schedule": "on_schedule"}).json()
    assert reports["count"] == 1
    assert api_as(world.lead_unit).get(f"{BASE}/tasks/{task.uuid}/reports").json()["count"] == 1


def test_evidence_download_in_scope(world: Any, api_as: Any, opened: Any) -> None:
    task, round_ = opened
    report = submit(api_as(world.county_unit), round_["uuid"], task.assignments.get(role=Assignment.Role.RESPONSIBLE), 0,
                    files=[SimpleUploadedFile("现场.pdf", pdf_bytes(), "application/pdf")]).json()
    file_uuid = report["files"][0]["uuid"]
    response = api_as(world.leader).get(f"{BASE}/files/{file_uuid}")
    assert response.status_code == 200 and b"".join(response.streaming_content) == pdf_bytes()
    assert "attachment" in response["Content-Disposition"]
    assert api_as(world.other_unit).get(f"{BASE}/files/{file_uuid}").status_code == 404


def test_close_round_with_version_then_no_more_reports(world: Any, api_as: Any, opened: Any) -> None:
    task, round_ = opened
    office = api_as(world.city_office)
    stale = office.post(f"{BASE}/rounds/{round_['uuid']}/close", {"version": 7})
    assert stale.status_code == 409 and stale.json()["current_version"] == 1
    assert api_as(world.county_unit).post(f"{BASE}/rounds/{round_['uuid']}/close", {"version": 1}).status_code == 403
    closed = office.post(f"{BASE}/rounds/{round_['uuid']}/close", {"version": 1})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    late = submit(api_as(world.county_unit), round_["uuid"], task.assignments.get(role=Assignment.Role.RESPONSIBLE), 0)
    assert late.status_code == 400 and late.json()["detail"] == "“2026年11月调度”已经结束，不能再报送"
    remind = office.post(f"{BASE}/rounds/{round_['uuid']}/remind")
    assert remind.status_code == 400 and "已经结束" in remind.json()["detail"]


def test_remind_missing_units(world: Any, api_as: Any, opened: Any) -> None:
    task, round_ = opened
    response = api_as(world.city_office).post(f"{BASE}/rounds/{round_['uuid']}/remind")
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    assert body["sent"] is True and set(body["units"]) == {"区生态环境分局", "市生态环境局"} and body["recipients"] == 2
    assert world.county_unit.notifications.count() == 1
    assert api_as(world.leader).post(f"{BASE}/rounds/{round_['uuid']}/remind").status_code == 403


def test_dates_are_checked(world: Any, api_as: Any) -> None:
    response = api_as(world.city_office).post(f"{BASE}/rounds", round_body(due_date="2026-13-01"))
    assert response.status_code == 422 and response.json()["errors"][0]["label"] == "报送截止日期"


def test_quarterly_verification(world: Any, api_as: Any, opened: Any) -> None:
    task, round_ = opened
    office = api_as(world.city_office)
    assert api_as(world.leader).post(f"{BASE}/rounds/{round_['uuid']}/samples", {"size": 1}).status_code == 403
    too_many = office.post(f"{BASE}/rounds/{round_['uuid']}/samples", {"size": 101})
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["label"] == "抽取任务数"
    drawn = office.post(f"{BASE}/rounds/{round_['uuid']}/samples", {"size": 3, "seed": 42})
    assert drawn.status_code == 201, drawn.content.decode()
    sample = drawn.json()
    assert sample["seed"] == 42 and sample["size"] == 1 and sample["population"] == 1
    item = sample["verifications"][0]
    assert item["task"] == str(task.uuid) and item["result"] == ""
    listed = api_as(world.reviewer).get(f"{BASE}/rounds/{round_['uuid']}/verifications").json()
    assert [v["uuid"] for v in listed["items"]] == [item["uuid"]]
    assert api_as(world.county_unit).get(f"{BASE}/rounds/{round_['uuid']}/verifications").status_code == 403

    assert api_as(world.reviewer).post(f"{BASE}/verifications/{item['uuid']}/finding", {"finding": "属实", "result": "substantiated"}).status_code == 403
    found = office.post(f"{BASE}/verifications/{item['uuid']}/finding", {"finding": "现场核查，与报送一致", "result": "substantiated"})
    assert found.status_code == 200 and found.json()["result_label"] == "属实"
    assert ChangeRecord.objects.filter(object_uuid=item["uuid"], action="update").count() == 1
