"""Each person's journey through the pages in headless Chromium, on a fixed clock (Monday 2 June 2025).

Every test does real work through the forms a person sees — the office (province and city) opens
rounds, creates and edits a task and issues a supervision notice; the responsible unit reports with
evidence; the lead unit reviews; the unit applies for acceptance with a file; the reviewer accepts;
the office announces and closes; the leader looks; the public sees the closure — and asserts what
each person sees afterwards. Earlier steps of a test's story are set up over HTTP with the test
client (the same forms, no browser) to keep the run short.

A monthly progress report does not require a file (evidence is optional there and added with each
resubmission); an application for acceptance does (``test_an_application_without_evidence_is_refused``).
"""
from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from conftest import pdf_bytes, png_bytes
from rectify.tests_browser.conftest import needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime.datetime(2025, 6, 2, 9, 0, tzinfo=TZ)
PNG = ("清运现场.png", "image/png", png_bytes())
PDF = ("验收材料.pdf", "application/pdf", pdf_bytes())


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    """Server-side time is fixed (the live server runs in this process, so it sees the same clock)."""
    with time_machine.travel(MONDAY, tick=True) as traveller:
        yield traveller


# ------------------------------------------------------------------ set-up over HTTP (no browser)

def _task(world: Any, login: Any, *, start: bool = True) -> Any:
    from rectify.tasks.models import Task

    office = login(world.city_office)
    response = office.post(reverse("tasks:create"), {
        "plan": world.plan.pk, "region": world.county.pk, "seq": "7", "problem": "城区河道两岸生活垃圾长期堆放",
        "target": "垃圾全部清理并建立巡河保洁制度", "measures": "全面排查\n清运垃圾", "lead_units": world.unit_city_env.name,
        "responsible_units": world.unit_county_env.name, "deadline": "2025-09-30", "reason": "督察反馈问题交办",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    task = Task.objects.get(seq="7", plan=world.plan)
    if start:
        assert login(world.county_unit).post(reverse("tasks:start", args=[task.uuid]), {"version": task.version}).status_code == 302
        task.refresh_from_db()
    return task


def _round(world: Any, login: Any, region: Any = None, title: str = "2025年6月调度") -> Any:
    from rectify.dispatch.models import ReportingRound

    office = login(world.province_office if region == world.province else world.city_office)
    response = office.post(reverse("dispatch:round_create"), {
        "region": (region or world.city).pk, "title": title, "period_start": "2025-06-01", "period_end": "2025-06-30",
        "due_date": "2025-06-25"})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ReportingRound.objects.get(title=title)


def _report(world: Any, login: Any, task: Any, round_: Any) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rectify.dispatch.models import ProgressReport

    assignment = task.assignments.get(unit=world.unit_county_env)
    response = login(world.county_unit).post(reverse("dispatch:report_form", args=[round_.uuid, assignment.uuid]), {
        "text": "已清运垃圾120吨", "schedule": "on_schedule", "percent": "60", "version": 0,
        "files": [SimpleUploadedFile(PNG[0], PNG[2], PNG[1])]})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ProgressReport.objects.get(round=round_, assignment=assignment)


def _apply(world: Any, login: Any, task: Any) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rectify.acceptance.models import AcceptanceApplication

    task.refresh_from_db()
    response = login(world.county_unit).post(reverse("acceptance:apply", args=[task.uuid]), {
        "completion_report": "垃圾已全部清运，保洁制度已建立。", "version": task.version,
        "evidence": [SimpleUploadedFile(PDF[0], PDF[2], PDF[1])]})
    assert response.status_code == 302, response.content.decode()[:2000]
    return AcceptanceApplication.objects.filter(task=task).latest("id")


def _accept(world: Any, login: Any, task: Any, application: Any) -> None:
    task.refresh_from_db()
    response = login(world.reviewer).post(reverse("acceptance:review", args=[application.uuid]), {
        "site_check": "现场查看，无垃圾堆放。", "implemented": "yes", "decision": "accept", "reasons": "",
        "version": task.version})
    assert response.status_code == 302


def _notifications(page: Any) -> str:
    page.go(reverse("notifications:list"))
    return str(page.text())


# ------------------------------------------------------------------ journeys


def test_offices_open_rounds_create_and_edit_a_task_and_issue_a_notice(world: Any, login: Any, open_page: Any) -> None:
    from rectify.supervision.models import SupervisionNotice
    from rectify.tasks.models import Task

    city = open_page()
    city.log_in("city_office")
    city.go(reverse("tasks:create"))
    city.submit({
        "plan": world.plan.pk, "region": world.county.pk, "seq": "7", "problem": "城区河道两岸生活垃圾长期堆放",
        "target": "垃圾全部清理", "measures": "全面排查\n清运垃圾", "lead_units": world.unit_city_env.name,
        "responsible_units": world.unit_county_env.name, "deadline": "2025-09-30", "reason": "督察反馈问题交办",
    })
    task = Task.objects.get(seq="7", plan=world.plan)
    assert city.page.url.endswith(reverse("tasks:detail", args=[task.uuid]))
    assert "城区河道两岸生活垃圾长期堆放" in city.text() and task.deadline == datetime.date(2025, 9, 30)

    city.go(reverse("tasks:edit", args=[task.uuid]))
    assert city.page.input_value("#id_deadline") == "2025-09-30"
    city.submit({"target": "垃圾全部清理并建立巡河保洁制度", "reason": "补充整改目标"})
    task.refresh_from_db()
    assert task.deadline == datetime.date(2025, 9, 30)
    shown = city.text()
    assert "垃圾全部清理并建立巡河保洁制度" in shown and "补充整改目标" in shown and "修改" in shown

    # The city office opens its monthly round; the province office opens a province-wide one.
    city.go(reverse("dispatch:round_create"))
    city.submit({"region": world.city.pk, "title": "晋城市2025年6月调度", "period_start": "2025-06-01",
                 "period_end": "2025-06-30", "due_date": "2025-06-25"})
    assert "晋城市2025年6月调度" in city.text()
    province = open_page()
    province.log_in("province_office")
    province.go(reverse("dispatch:round_create"))
    province.submit({"region": world.province.pk, "title": "全省2025年6月调度", "period_start": "2025-06-01",
                     "period_end": "2025-06-30", "due_date": "2025-06-28"})
    assert "全省2025年6月调度" in province.text()

    # The city office issues a supervision notice on the task.
    city.go(reverse("supervision:issue", args=[task.uuid]))
    city.submit({"reason": "整改进度滞后，请按期完成"})
    notice = SupervisionNotice.objects.get(task=task)
    assert "〔2025〕" in notice.number and notice.number in city.text()

    # The responsible unit sees the task, both rounds, and the notice among its notifications.
    unit = open_page()
    unit.log_in("county_unit")
    unit.go(reverse("tasks:ledger"))
    assert "城区河道两岸生活垃圾长期堆放" in unit.text()
    unit.go(reverse("dispatch:home"))
    assert "晋城市2025年6月调度" in unit.text() and "全省2025年6月调度" in unit.text()
    assert notice.number in _notifications(unit)
    # The other city's unit sees none of it.
    other = open_page()
    other.log_in("other_unit")
    other.go(reverse("tasks:ledger"))
    assert "城区河道两岸生活垃圾长期堆放" not in other.text()
    assert city.dialogs == [] and unit.outside == []


def test_unit_reports_with_evidence_and_the_lead_unit_reviews(world: Any, login: Any, open_page: Any) -> None:
    from rectify.dispatch.models import ProgressReport

    task = _task(world, login)
    round_ = _round(world, login)
    assignment = task.assignments.get(unit=world.unit_county_env)

    unit = open_page()
    unit.log_in("county_unit")
    unit.go(reverse("dispatch:report_form", args=[round_.uuid, assignment.uuid]))
    unit.submit({"text": "已清运垃圾120吨，设立保洁岗位8个", "schedule": "on_schedule", "percent": "60"}, files={"files": PNG})
    report = ProgressReport.objects.get(round=round_, assignment=assignment)
    assert report.files.count() == 1 and report.text == "已清运垃圾120吨，设立保洁岗位8个"

    office = open_page()
    office.log_in("city_office")
    office.go(reverse("dispatch:round_reports", args=[round_.uuid]))
    assert "已清运垃圾120吨" in office.text()

    lead = open_page()
    lead.log_in("lead_unit")
    lead.go(reverse("dispatch:report", args=[report.uuid]))
    assert "清运现场.png" in lead.text()
    lead.submit({"decision": "accept", "note": "进展属实"}, action=reverse("dispatch:review", args=[report.uuid]))
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.ACCEPTED

    unit.go(reverse("dispatch:report", args=[report.uuid]))
    assert "进展属实" in unit.text()


def test_acceptance_announcement_closure_as_unit_reviewer_office_leader_and_public(
        world: Any, login: Any, open_page: Any, clock: Any) -> None:
    from rectify.acceptance.models import Closure
    from rectify.tasks.states import TaskState

    task = _task(world, login)
    unit = open_page()
    unit.log_in("county_unit")
    unit.go(reverse("acceptance:apply", args=[task.uuid]))
    unit.submit({"completion_report": "垃圾已全部清运，保洁制度已建立并运行。"}, files={"evidence": PDF})
    task.refresh_from_db()
    assert task.state == TaskState.APPLIED and "验收材料.pdf" in unit.text()

    reviewer = open_page()
    reviewer.log_in("reviewer")
    reviewer.go(reverse("acceptance:file", args=[task.uuid]))
    application = task.acceptance_applications.latest("id")
    action = reverse("acceptance:review", args=[application.uuid])
    reviewer.submit({"site_check": "现场查看河道两岸，无垃圾堆放。", "implemented": "yes", "decision": "accept"}, action=action)
    task.refresh_from_db()
    # The signature is the logged-in reviewer, not a typed name.
    assert task.state == TaskState.ACCEPTED and application.reviews.get().signed_by in reviewer.text()

    office = open_page()
    office.log_in("city_office")
    office.go(reverse("acceptance:file", args=[task.uuid]))
    office.submit({"starts_on": "2025-06-03"}, action=reverse("acceptance:announce", args=[task.uuid]))
    task.refresh_from_db()
    assert task.state == TaskState.ANNOUNCED and "2025年6月3日" in office.text()
    public = open_page()
    public.go(reverse("acceptance:public_list"))
    assert "城区河道两岸生活垃圾长期堆放" in public.text() or "7" in public.text()

    # Three weeks later the period (5 working days) is over: the office closes the task.
    clock.shift(datetime.timedelta(days=21))
    office = open_page()
    office.log_in("city_office")
    office.go(reverse("acceptance:file", args=[task.uuid]))
    office.submit(action=reverse("acceptance:close", args=[task.uuid]))
    closure = Closure.objects.get(task=task)
    assert closure.number.startswith("晋城城区销号〔2025〕") and closure.number in office.text()

    # The leader sees the closed task but no button to act on it.
    leader = open_page()
    leader.log_in("leader")
    leader.go(reverse("tasks:detail", args=[task.uuid]))
    assert "已销号" in leader.text()
    leader.go(reverse("acceptance:file", args=[task.uuid]))
    assert leader.page.locator(f'form[action="{reverse("acceptance:close", args=[task.uuid])}"]').count() == 0

    # The public sees the closure page with its number and without the people's contact data.
    public.go(reverse("acceptance:public_detail", args=[task.uuid]))
    shown = public.text()
    assert closure.number in shown and "城区河道两岸生活垃圾长期堆放" in shown
    assert "王明" not in shown and public.outside == []


# ------------------------------------------------------------------ hand-offs, dates, and steps waiting for fixes made elsewhere


def test_editing_a_task_keeps_its_dates(world: Any, login: Any, open_page: Any) -> None:
    task = _task(world, login, start=False)
    office = open_page()
    office.log_in("city_office")
    office.go(reverse("tasks:edit", args=[task.uuid]))
    assert office.page.input_value("#id_deadline") == "2025-09-30"
    office.submit({"reason": "只看不改"})
    task.refresh_from_db()
    assert task.deadline == datetime.date(2025, 9, 30) and task.version == 1


def test_editing_an_inspection_keeps_its_dates(world: Any, open_page: Any) -> None:
    from rectify.core.models import ChangeRecord

    office = open_page()
    office.log_in("city_office")
    office.go(reverse("inspections:edit", args=[world.inspection.uuid]))
    assert office.page.input_value("#id_stationed_from") == "2023-10-17"
    office.submit()
    world.inspection.refresh_from_db()
    assert world.inspection.feedback_date == datetime.date(2024, 3, 5) and world.inspection.version == 1
    assert not ChangeRecord.objects.filter(object_uuid=world.inspection.uuid).exists()
    office.go(reverse("inspections:edit", args=[world.inspection.uuid]))
    office.submit({"feedback_date": "2024-03-06", "reason": "更正反馈日期"})
    assert "更正反馈日期" in office.text() and "2024-03-06" in office.text()


def test_lead_unit_is_told_a_report_awaits_review(world: Any, login: Any, open_page: Any) -> None:
    task = _task(world, login)
    _report(world, login, task, _round(world, login))
    lead = open_page()
    lead.log_in("lead_unit")
    shown = _notifications(lead)
    assert "报送" in shown and task.seq in shown


def test_reviewer_is_told_an_application_awaits_acceptance(world: Any, login: Any, open_page: Any) -> None:
    task = _task(world, login)
    _apply(world, login, task)
    reviewer = open_page()
    reviewer.log_in("reviewer")
    shown = _notifications(reviewer)
    assert "验收" in shown and task.seq in shown


def test_unit_and_office_are_told_the_task_was_accepted(world: Any, login: Any, open_page: Any) -> None:
    task = _task(world, login)
    _accept(world, login, task, _apply(world, login, task))
    for username in ("county_unit", "city_office"):
        page = open_page()
        page.log_in(username)
        shown = _notifications(page)
        assert "验收" in shown and task.seq in shown, username


def test_an_application_without_evidence_is_refused(world: Any, login: Any, open_page: Any) -> None:
    from rectify.tasks.states import TaskState

    task = _task(world, login)
    unit = open_page()
    unit.log_in("county_unit")
    unit.go(reverse("acceptance:apply", args=[task.uuid]))
    # The browser will not send the form without a file; a forged post is refused by the server.
    assert unit.page.locator("input[type=file][required]").count() >= 1
    response = login(world.county_unit).post(reverse("acceptance:apply", args=[task.uuid]),
                                             {"completion_report": "已完成", "version": task.version})
    task.refresh_from_db()
    assert task.state != TaskState.APPLIED and "佐证材料" in response.content.decode()


def test_one_report_counts_for_the_city_and_the_province_round(world: Any, login: Any, open_page: Any) -> None:
    task = _task(world, login)
    city_round = _round(world, login)
    province_round = _round(world, login, region=world.province, title="全省2025年6月调度")
    _report(world, login, task, city_round)
    province = open_page()
    province.log_in("province_office")
    province.go(reverse("dispatch:round", args=[province_round.uuid]))
    row = province.page.locator("tbody tr", has_text=world.unit_county_env.name)
    assert row.count() == 1 and row.locator(".dispatch-missing").count() == 0
