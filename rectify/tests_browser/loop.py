"""The whole loop driven through the real pages (Django test client, real forms, real files).

``run_loop`` leaves one task that went through every step — inspection, task, dispatch round and
report with its review, supervision notice with a unit step, acceptance sent back and accepted,
announcement with a public objection resolved, closure, look-back — with every free-text field
filled by ``text(field_name)``. The XSS test fills them with script payloads; the fuzz test uses
the objects as real values for URL parameters.
"""
from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rectify.tests_browser.forms import submit


def _errors(response: Any) -> list[str]:
    return re.findall(r'class="(?:alert alert-error|error)"[^>]*>(.*?)</', response.content.decode(), re.S)


def _ok(response: Any, step: str) -> None:
    if response.status_code == 302 and getattr(response, "client", None) is not None:
        shown = response.client.get(response["Location"])
        assert "alert-error" not in shown.content.decode(), f"{step}：{_errors(shown)}"
    if response.status_code not in (200, 302):
        raise AssertionError(f"{step}：返回 {response.status_code} {_errors(response)}")
    if response.status_code == 200:
        body = response.content.decode()
        assert "alert-error" not in body and 'class="error"' not in body, f"{step}：表单未通过校验\n{body[:3000]}"


def run_loop(world: Any, login: Callable[[Any], Client], text: Callable[[str], str]) -> SimpleNamespace:
    from rectify.acceptance.models import AcceptanceApplication, Announcement, Closure, LookBack, Objection
    from rectify.dispatch.models import ProgressReport, ReportingRound
    from rectify.inspections.models import Inspection, Plan
    from rectify.regions.models import Unit
    from rectify.supervision.models import SupervisionNotice
    from rectify.tasks.models import Task

    office, unit, lead, reviewer = login(world.city_office), login(world.county_unit), login(world.lead_unit), login(world.reviewer)
    today = timezone.localdate()
    done = SimpleNamespace()

    # The office records the inspection; the plan (imported from a document) and a unit carry user text too.
    _ok(submit(office, reverse("inspections:create"), text=text, overrides={
        "level": "municipal", "round": "2", "target_region": world.city.pk,
        "stationed_from": "2024-03-01", "stationed_to": "2024-03-30", "feedback_date": "2024-05-01"}), "登记督察")
    done.inspection = Inspection.objects.order_by("-id").first()
    Plan.objects.filter(pk=world.plan.pk).update(title=text("plan_title"), source_document=text("source_document"))
    cooperating = Unit.objects.create(name="协作单位", region=world.county)

    # The office creates the task.
    _ok(submit(office, reverse("tasks:create"), text=text, overrides={
        "plan": world.plan.pk, "region": world.county.pk, "seq": "88", "feedback_no": "8",
        "milestones": f"{(today + datetime.timedelta(days=30)).isoformat()} {text('milestones')}",
        "lead_units": world.unit_city_env.name, "responsible_units": world.unit_county_env.name,
        "cooperating_units": cooperating.name, "deadline": (today + datetime.timedelta(days=90)).isoformat(),
        "deadline_text": "", "long_term": None, "priority": None}), "新建任务")
    task = done.task = Task.objects.get(seq="88", plan=world.plan)
    Unit.objects.filter(pk=cooperating.pk).update(name=text("unit_name"))
    _ok(unit.post(reverse("tasks:start", args=[task.uuid]), {"version": task.version}), "开始整改")

    # Dispatch: the office opens a round, the responsible unit reports with a photo, the lead unit reviews.
    _ok(submit(office, reverse("dispatch:round_create"), text=text, overrides={
        "region": world.city.pk, "period_start": today.replace(day=1).isoformat(), "period_end": today.isoformat(),
        "due_date": (today + datetime.timedelta(days=5)).isoformat()}), "开启调度")
    done.round = ReportingRound.objects.order_by("-id").first()
    assignment = task.assignments.get(unit=world.unit_county_env)
    _ok(submit(unit, reverse("dispatch:report_form", args=[done.round.uuid, assignment.uuid]), text=text,
               overrides={"schedule": "on_schedule", "percent": "60"}), "报送进展")
    done.report = ProgressReport.objects.get(round=done.round, assignment=assignment)
    _ok(submit(lead, reverse("dispatch:report", args=[done.report.uuid]), action=reverse("dispatch:review", args=[done.report.uuid]),
               text=text, overrides={"decision": "accept"}), "牵头单位审核")

    # Supervision: the office issues a notice; the unit records its arrangement step.
    _ok(submit(office, reverse("supervision:issue", args=[task.uuid]), text=text), "下达督办单")
    done.notice = SupervisionNotice.objects.filter(task=task).order_by("-id").first()
    _ok(submit(unit, reverse("supervision:detail", args=[done.notice.uuid]), action=reverse("supervision:arrange", args=[done.notice.uuid]),
               text=text), "督办：部署")

    # Acceptance: applied, sent back with reasons, applied again, accepted with a signature.
    task.refresh_from_db()
    _ok(submit(unit, reverse("acceptance:apply", args=[task.uuid]), text=text), "申请验收")
    first = AcceptanceApplication.objects.filter(task=task).latest("id")
    _ok(submit(reviewer, reverse("acceptance:file", args=[task.uuid]), action=reverse("acceptance:review", args=[first.uuid]), text=text,
               overrides={"decision": "send_back", "implemented": "no"}), "验收退回")
    _ok(unit.post(reverse("tasks:start", args=[task.uuid]), {"version": Task.objects.get(pk=task.pk).version}), "重新整改")
    _ok(submit(unit, reverse("acceptance:apply", args=[task.uuid]), text=text), "再次申请验收")
    done.application = AcceptanceApplication.objects.filter(task=task).order_by("-id").first()
    _ok(submit(reviewer, reverse("acceptance:file", args=[task.uuid]), action=reverse("acceptance:review", args=[done.application.uuid]),
               text=text,
               overrides={"decision": "accept", "implemented": "yes"}), "验收通过")

    # The office announces; the province office records a public objection; the city office rejects it.
    _ok(submit(office, reverse("acceptance:file", args=[task.uuid]), action=reverse("acceptance:announce", args=[task.uuid]), text=text,
               overrides={"starts_on": today.isoformat()}), "公示")
    done.announcement = Announcement.objects.filter(task=task).order_by("-id").first()
    _ok(submit(login(world.province_office), reverse("acceptance:file", args=[task.uuid]),
               action=reverse("acceptance:object", args=[done.announcement.uuid]), text=text,
               overrides={"contact": "13800000000"}), "公众异议")
    done.objection = Objection.objects.filter(announcement=done.announcement).order_by("-id").first()
    _ok(submit(office, reverse("acceptance:file", args=[task.uuid]), action=reverse("acceptance:resolve", args=[done.objection.uuid]),
               text=text, overrides={"resolution": "rejected"}), "处理异议")
    # After the announcement period (working days) the office closes it; a look-back is scheduled and recorded.
    with time_machine.travel(datetime.datetime.now().astimezone() + datetime.timedelta(days=30), tick=True):
        office, reviewer = login(world.city_office), login(world.reviewer)  # idle sessions have ended meanwhile
        _ok(submit(office, reverse("acceptance:file", args=[task.uuid]), action=reverse("acceptance:close", args=[task.uuid]), text=text), "销号")
        done.closure = Closure.objects.filter(task=task).order_by("-id").first()

        later = timezone.localdate().isoformat()
        _ok(office.post(reverse("acceptance:look_back_schedule_one", args=[task.uuid]), {"scheduled_for": later}), "安排回头看")
        done.look_back = LookBack.objects.filter(task=task).order_by("-id").first()
        _ok(submit(reviewer, reverse("acceptance:look_back", args=[done.look_back.uuid]), text=text, overrides={"result": "consolidated"}), "回头看")
    task.refresh_from_db()
    return done
