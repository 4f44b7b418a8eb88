"""The whole loop through HTTP, each step by the role that does it in an office:
the office assigns, the unit reports, the reviewer accepts, the announcement period ends,
the task closes, and a look-back reopens it — with every step in the task's history."""
from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import pdf_bytes, png_bytes
from rectify.acceptance.jobs import announcement_periods_ended
from rectify.acceptance.models import AcceptanceApplication, Closure, LookBack
from rectify.acceptance.tests.test_flow import elapse
from rectify.core.models import ChangeRecord
from rectify.dispatch.models import ProgressReport, ReportingRound
from rectify.notifications.models import Notification
from rectify.tasks.models import Task
from rectify.tasks.states import TaskState

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


def fresh(task: Task) -> Task:
    return Task.objects.get(pk=task.pk)


def test_office_assigns_unit_reports_reviewer_accepts_announcement_ends_task_closes_look_back_reopens(world: Any, login: Any, capsys: Any) -> None:
    office, unit, reviewer = login(world.city_office), login(world.county_unit), login(world.reviewer)
    today = timezone.localdate()

    # 1. The office assigns the task.
    response = office.post("/ledger/new/", {
        "plan": world.plan.pk, "region": world.county.pk, "seq": "12", "problem": "河道两岸生活垃圾长期堆放",
        "target": "垃圾全部清理并建立巡河保洁制度", "measures": "全面排查\n清运垃圾\n建立保洁制度",
        "lead_units": "市生态环境局", "responsible_units": "区生态环境分局",
        "deadline": (today + datetime.timedelta(days=90)).isoformat(), "reason": "督察反馈问题交办",
    })
    assert response.status_code == 302
    task = Task.objects.get(seq="12")
    assert task.state == TaskState.ASSIGNED

    # 2. The unit starts work and reports progress in the office's monthly round, with a photo.
    assert unit.post(f"/ledger/{task.uuid}/start/", {"version": task.version}).status_code == 302
    assert office.post(reverse("dispatch:round_create"), {
        "region": world.city.pk, "title": "本月调度", "period_start": today.replace(day=1).isoformat(),
        "period_end": today.isoformat(), "due_date": (today + datetime.timedelta(days=5)).isoformat(),
    }).status_code == 302
    round_ = ReportingRound.objects.get()
    assignment = task.assignments.get(unit=world.unit_county_env)
    response = unit.post(reverse("dispatch:report_form", args=[round_.uuid, assignment.uuid]), {
        "text": "已清运垃圾120吨，沿河设立保洁岗位8个。", "schedule": "on_schedule", "percent": "90", "version": 0,
        "files": [SimpleUploadedFile("清运现场.png", png_bytes(), "image/png")],
    })
    assert response.status_code == 302, response.content.decode()
    assert ProgressReport.objects.filter(round=round_, assignment=assignment).exists()
    assert fresh(task).progress == "已清运垃圾120吨，沿河设立保洁岗位8个。"

    # 3. The unit applies for acceptance; the reviewer checks the site and accepts.
    response = unit.post(reverse("acceptance:apply", args=[task.uuid]), {
        "completion_report": "垃圾已全部清运，保洁制度已建立并运行。", "version": fresh(task).version,
        "evidence": [SimpleUploadedFile("验收材料.pdf", pdf_bytes(), "application/pdf")],
    })
    assert response.status_code == 302 and fresh(task).state == TaskState.APPLIED
    application = AcceptanceApplication.objects.get(task=task)
    assert reviewer.post(reverse("acceptance:review", args=[application.uuid]), {
        "site_check": "现场查看河道两岸，无垃圾堆放。", "implemented": "yes", "decision": "accept",
        "reasons": "", "signed_by": "验收组", "version": fresh(task).version,
    }).status_code == 302
    assert fresh(task).state == TaskState.ACCEPTED

    # 4. The office announces it; the period (working days) has ended; the worker tells the office.
    assert office.post(reverse("acceptance:announce", args=[task.uuid]), {"version": fresh(task).version}).status_code == 302
    assert fresh(task).state == TaskState.ANNOUNCED
    elapse(task)  # twenty days later
    assert announcement_periods_ended(today=today) == 1
    assert Notification.objects.filter(recipient=world.city_office, title__contains="可以销号").exists()

    # 5. The office closes it; the public page shows the closure without personal data.
    assert office.post(reverse("acceptance:close", args=[task.uuid]), {"version": fresh(task).version}).status_code == 302
    assert fresh(task).state == TaskState.CLOSED
    closure = Closure.objects.get(task=task)
    public = Client().get(reverse("acceptance:public_detail", args=[task.uuid]))
    assert public.status_code == 200 and closure.number in public.content.decode()

    # 6. A look-back finds a relapse: the task is reopened, linked to its closure.
    assert office.post(reverse("acceptance:look_back_schedule_one", args=[task.uuid]), {"scheduled_for": today.isoformat()}).status_code == 302
    look_back = LookBack.objects.get(task=task)
    assert reviewer.post(reverse("acceptance:look_back", args=[look_back.uuid]), {
        "result": "relapse", "finding": "河道北岸再次出现垃圾堆放", "version": fresh(task).version,
    }).status_code == 302
    assert fresh(task).state == TaskState.REOPENED
    look_back.refresh_from_db()
    assert look_back.closure == closure
    page = Client().get(reverse("acceptance:public_detail", args=[task.uuid])).content.decode()
    assert closure.number in page and "重新整改" in page and "回头看发现反弹" in page

    # Every step is in the task's history, by the user who took it, and the chain is intact.
    steps = list(ChangeRecord.objects.filter(task_uuid=task.uuid, action="transition").order_by("id").values_list("after__state", "user__username"))
    assert steps == [
        ("in_progress", "county_unit"), ("applied", "county_unit"), ("accepted", "reviewer"),
        ("announced", "city_office"), ("closed", "city_office"), ("reopened", "reviewer"),
    ]
    call_command("audit_verify")
    assert "审计链完整" in capsys.readouterr().out
