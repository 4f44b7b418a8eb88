"""Every evidence download answers with the type detected from the content — never the uploader's
name or type — active content (HTML, SVG, XML, script) as application/octet-stream, always as an
attachment with nosniff. Files are written as they would sit on disk from before the upload check."""
from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import pdf_bytes, png_bytes
from rectify.acceptance import services
from rectify.acceptance.models import AcceptanceApplication, Evidence, LookBack, LookBackEvidence
from rectify.dispatch.models import EvidenceFile as DispatchEvidence
from rectify.dispatch.models import ReportingRound

from .test_flow import accepted_task, announce, elapse, fresh

pytestmark = pytest.mark.django_db

ACTIVE = {
    "page.html": b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>",
    "image.svg": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>',
    "data.xml": b'<?xml version="1.0"?><?xml-stylesheet type="text/xsl" href="#"?><root><x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(3)</x:script></root>',
    "run.js": b"alert(document.domain)",
}


def _stored(record: Any, name: str, content: bytes) -> None:
    Path(record.file.path).write_bytes(content)
    type(record).objects.filter(pk=record.pk).update(original_name=name)


def _check_active(client: Any, address: str, name: str) -> None:
    response = client.get(address)
    assert response.status_code == 200, address
    assert response["Content-Type"] == "application/octet-stream", (address, name, response["Content-Type"])
    assert response["Content-Disposition"].startswith("attachment"), address
    assert response["X-Content-Type-Options"] == "nosniff"
    # The download's own sandbox policy, not the pages' policy laid over it by the CSP middleware.
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    suffix = Path(name).suffix
    assert f"{suffix}\"" not in response["Content-Disposition"] and not response["Content-Disposition"].endswith(suffix)


def _check_renamed_pdf(client: Any, address: str) -> None:
    response = client.get(address)
    assert response["Content-Type"] == "application/pdf" and response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].endswith(".pdf") or ".pdf\"" in response["Content-Disposition"]


def _application_evidence(world: Any, make_task: Any, login: Any) -> tuple[Any, Callable[[Any], str]]:
    task = accepted_task(world, make_task, login)
    record = Evidence.objects.filter(application__task=task).first()
    return record, lambda r: reverse("acceptance:evidence", args=[r.uuid])


def _look_back_evidence(world: Any, make_task: Any, login: Any) -> tuple[Any, Callable[[Any], str]]:
    task = accepted_task(world, make_task, login)
    assert announce(login(world.city_office), task).status_code == 302
    elapse(task)
    services.close_task(fresh(task), world.city_office)
    services.schedule_look_backs([fresh(task)], world.city_office, scheduled_for=datetime.date(2030, 1, 1))
    look_back = LookBack.objects.get(task=task)
    services.record_look_back(look_back, world.reviewer, result="consolidated", finding="巩固",
                              files=[SimpleUploadedFile("照片.png", png_bytes())], expected_version=fresh(task).version)
    return LookBackEvidence.objects.get(look_back=look_back), lambda r: reverse("acceptance:look_back_evidence", args=[r.uuid])


def _dispatch_evidence(world: Any, make_task: Any, login: Any) -> tuple[Any, Callable[[Any], str]]:
    office = login(world.city_office)
    office.post(reverse("dispatch:round_create"), {"region": world.city.pk, "title": "2026年11月调度", "period_start": "2026-11-01",
                                                   "period_end": "2026-11-30", "due_date": "2026-11-30"})
    round_ = ReportingRound.objects.get()
    task = make_task()
    assignment = task.assignments.get(unit=world.unit_county_env)
    login(world.county_unit).post(reverse("dispatch:report_form", args=[round_.uuid, assignment.uuid]), {
        "text": "已清理", "schedule": "on_schedule", "percent": "80", "version": 0,
        "files": [SimpleUploadedFile("照片.png", png_bytes(), "image/png")]})
    return DispatchEvidence.objects.get(), lambda r: reverse("dispatch:download", args=[r.uuid])


ENDPOINTS = {"验收佐证材料": _application_evidence, "回头看佐证材料": _look_back_evidence, "调度佐证材料": _dispatch_evidence}


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_every_evidence_download_serves_by_content(endpoint: str, world: Any, make_task: Any, login: Any) -> None:
    record, address = ENDPOINTS[endpoint](world, make_task, login)
    office = login(world.city_office)
    for name, content in ACTIVE.items():
        _stored(record, name, content)
        _check_active(office, address(record), name)
    # A real PDF uploaded under an .html name is served as a PDF, saved as .pdf.
    _stored(record, "报告.html", pdf_bytes())
    _check_renamed_pdf(office, address(record))


def test_signature_images_are_inline_only_when_they_are_images(world: Any, make_task: Any, login: Any) -> None:
    reviewer = login(world.reviewer)
    assert reviewer.post(reverse("accounts:signature"), {"signature_image": SimpleUploadedFile("签名.png", png_bytes())}).status_code == 302
    world.reviewer.refresh_from_db()
    response = reviewer.get(reverse("accounts:signature_image"))
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    task = make_task()
    login(world.county_unit).post(reverse("acceptance:apply", args=[task.uuid]), {
        "completion_report": "已完成", "version": fresh(task).version, "evidence": [SimpleUploadedFile("a.pdf", pdf_bytes())]})
    application = AcceptanceApplication.objects.get(task=task)
    reviewer.post(reverse("acceptance:review", args=[application.uuid]), {
        "site_check": "现场查看", "implemented": "yes", "decision": "accept", "reasons": "", "version": fresh(task).version})
    review = application.reviews.get()
    assert review.signature_image
    address = reverse("acceptance:review_signature", args=[review.uuid])
    assert reviewer.get(address)["Content-Type"] == "image/png"
    for name, content in ACTIVE.items():
        Path(review.signature_image.path).write_bytes(content)
        _check_active(reviewer, address, name)
        Path(world.reviewer.signature_image.path).write_bytes(content)
        _check_active(reviewer, reverse("accounts:signature_image"), name)
