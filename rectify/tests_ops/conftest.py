from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import pdf_bytes, png_bytes


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def submit_report(client: Any, round_: Any, assignment: Any, files: list[tuple[str, bytes, str]], text: str) -> Any:
    from rectify.dispatch.models import ProgressReport

    report = ProgressReport.objects.filter(round=round_, assignment=assignment).first()
    return client.post(reverse("dispatch:report_form", args=[round_.uuid, assignment.uuid]),
                       {"text": text, "schedule": "on_schedule", "percent": "60", "version": report.version if report else 0,
                        "files": [SimpleUploadedFile(n, b, t) for n, b, t in files]})


@pytest.fixture
def loop_data(world: Any, login: Any, make_task: Any) -> Any:
    """Tasks, a reporting round and reports with evidence files, all through the pages and services."""
    from rectify.dispatch.models import ReportingRound

    tasks = [make_task(problem="河道两岸生活垃圾堆放"), make_task(problem="工地扬尘管控不到位")]
    office = login(world.city_office)
    response = office.post(reverse("dispatch:round_create"), {
        "region": world.city.pk, "title": "2026年11月调度", "period_start": "2026-11-01", "period_end": "2026-11-30",
        "due_date": datetime.date(2026, 11, 30).isoformat()})
    assert response.status_code == 302, response.content.decode()
    round_ = ReportingRound.objects.get()
    unit = login(world.county_unit)
    for task, files in zip(tasks, [[("现场照片.png", png_bytes(), "image/png")],
                                   [("整改报告.pdf", pdf_bytes(), "application/pdf"), ("覆盖照片.png", png_bytes() + b"\0", "image/png")]],
                           strict=True):
        response = submit_report(unit, round_, task.assignments.get(unit=world.unit_county_env), files, "已完成排查，建立台账。")
        assert response.status_code == 302, response.content.decode()
    return tasks
