"""Fields declared by a path (``Field(alias="task.uuid")``, ``alias="get_status_display"``) instead of a
resolver answer what the record holds: each one read back against the database row."""
from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from rectify.dispatch.models import ProgressReport, ReportingRound, Verification
from rectify.inspections.models import Inspection, Plan
from rectify.supervision.models import ExtensionRequest, SupervisionNotice
from rectify.tasks.models import Assignment

from .test_dispatch import round_body, submit


def test_dispatch_fields(world: Any, make_task: Any, api_as: Any) -> None:
    task = make_task()
    office = api_as(world.city_office)
    round_body_ = office.post("/api/v1/dispatch/rounds", round_body()).json()
    round_ = ReportingRound.objects.get(uuid=round_body_["uuid"])
    assert round_body_["status_label"] == round_.get_status_display() == "报送中"
    body = submit(api_as(world.county_unit), round_.uuid, task.assignments.get(role=Assignment.Role.RESPONSIBLE), 0).json()
    report = ProgressReport.objects.select_related("round", "unit", "assignment__task").get(uuid=body["uuid"])
    expected = {"round": str(report.round.uuid), "round_title": "2026年11月调度", "task": str(task.uuid),
                "assignment": str(report.assignment.uuid), "role": "responsible", "unit": "区生态环境分局",
                "schedule_label": "达到序时进度", "status_label": report.get_status_display(), "files": []}
    assert {name: body[name] for name in expected} == expected
    assert report.get_status_display() == "已报送"
    units = office.get(f"/api/v1/dispatch/rounds/{round_.uuid}/units").json()["items"]
    assert sorted(row["unit"] for row in units) == ["区生态环境分局", "市生态环境局"]
    drawn = office.post(f"/api/v1/dispatch/rounds/{round_.uuid}/samples", {"size": 1, "seed": 1}).json()
    item = drawn["verifications"][0]
    verification = Verification.objects.select_related("sample", "task").get(uuid=item["uuid"])
    assert (item["sample"], item["quarter"], item["task"], item["task_title"], item["result_label"]) == (
        drawn["uuid"], verification.sample.quarter, str(task.uuid), task.display_title, "")
    assert item["quarter"] and item["task_title"]


def test_supervision_fields(world: Any, make_task: Any, api_as: Any) -> None:
    task = make_task()
    body = api_as(world.city_office).post(f"/api/v1/supervision/tasks/{task.uuid}/notices", {
        "units": [str(world.unit_county_env.uuid)], "reason": "请加快整改", "kind": "major"}).json()
    notice = SupervisionNotice.objects.get(uuid=body["uuid"])
    new_date = (notice.arranged_by + datetime.timedelta(days=10)).isoformat()
    extension = api_as(world.county_unit).post(f"/api/v1/supervision/notices/{notice.uuid}/extensions",
                                               {"new_date": new_date, "reason": "汛期", "version": body["version"]}).json()
    body = api_as(world.city_office).get(f"/api/v1/supervision/notices/{notice.uuid}").json()
    expected = {"task": str(task.uuid), "task_title": task.display_title, "region": "140500", "kind_label": "重大复杂事项",
                "status_label": "已下达", "current_due": notice.current_due().isoformat(),
                "late": notice.is_late(timezone.localdate())}
    assert {name: body[name] for name in expected} == expected
    assert [u["name"] for u in body["units"]] == ["区生态环境分局"]
    assert [e["uuid"] for e in body["extensions"]] == [extension["uuid"]]
    item = ExtensionRequest.objects.get(uuid=extension["uuid"])
    assert (extension["step_label"], extension["decision_label"]) == (item.get_step_display(), item.get_decision_display())
    assert extension["step_label"] == "部署"


def test_plan_inspection_and_assignment_fields(world: Any, make_task: Any, api_as: Any) -> None:
    task = make_task()
    api = api_as(world.city_office)
    plan = api.get(f"/api/v1/plans/{world.plan.uuid}").json()
    assert plan["kind_label"] == Plan.objects.get(pk=world.plan.pk).get_kind_display() and plan["kind_label"]
    inspection = api.get(f"/api/v1/inspections/{world.inspection.uuid}").json()
    assert inspection["level_label"] == Inspection.Level.PROVINCIAL.label == "省级"
    lead = task.assignments.get(role=Assignment.Role.LEAD)
    body = api.get(f"/api/v1/assignments/{lead.uuid}").json()
    assert (body["task"], body["role_label"], body["state_label"]) == (str(task.uuid), "牵头单位", lead.get_state_display())
    assert body["state_label"]
    listed = api.get(f"/api/v1/tasks/{task.uuid}/assignments").json()
    assert {a["role"]: a["role_label"] for a in listed} == {"lead": "牵头单位", "responsible": "责任单位"}
