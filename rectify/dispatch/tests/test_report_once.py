"""Report once: one report per unit, task and month serves every level's round of that month."""
from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from rectify.dispatch.models import ProgressReport, ReportingRound
from rectify.tasks.models import Assignment

pytestmark = pytest.mark.django_db
TEXT = "已清理河道垃圾 320 吨，巡河保洁制度已建立。"


def url(name: str, *objs: Any) -> str:
    return reverse(f"dispatch:{name}", args=[o.uuid for o in objs])


def open_december(client: Any, region: Any, title: str, start: str = "2026-12-01") -> ReportingRound:
    response = client.post(reverse("dispatch:round_create"), {
        "region": region.pk, "title": title, "period_start": start, "period_end": "2026-12-31", "due_date": "2027-01-05"})
    assert response.status_code == 302, response.content.decode()
    return ReportingRound.objects.get(title=title)


def submit(client: Any, round_: ReportingRound, assignment: Assignment, version: int, text: str = TEXT) -> Any:
    return client.post(url("report_form", round_, assignment),
                       {"text": text, "schedule": "on_schedule", "percent": "60", "version": version})


@pytest.fixture
def rounds(world: Any, login: Any) -> tuple[ReportingRound, ReportingRound]:
    province = open_december(login(world.province_office), world.province, "2026年第四季度省级调度", start="2026-10-01")
    city = open_december(login(world.city_office), world.city, "2026年12月市级调度")
    return province, city


def test_county_reports_once_for_province_and_city_rounds(world: Any, login: Any, make_task: Any,
                                                          rounds: tuple[ReportingRound, ReportingRound]) -> None:
    from openpyxl import load_workbook

    province, city = rounds
    task = make_task()
    other = make_task()
    assignment = task.assignments.get(unit=world.unit_county_env)
    unit = login(world.county_unit)
    home = unit.get(reverse("dispatch:home"))
    mine = [(r["round"], r["assignment"].task_id, r["report"]) for r in home.context["my_rows"]]
    assert {(r.pk, t) for r, t, report in mine if report is None} == {(p.pk, t.pk) for p in rounds for t in (task, other)}

    assert submit(unit, city, assignment, version=0).status_code == 302
    report = ProgressReport.objects.get()
    assert (report.round, report.task, report.unit, f"{report.period:%Y-%m}") == (city, task, world.unit_county_env, "2026-12")

    # The unit's list shows it reported in both rounds.
    rows = unit.get(reverse("dispatch:home")).context["my_rows"]
    reported = {(r["round"].pk, r["assignment"].task_id): r["report"] for r in rows}
    assert reported[(province.pk, task.pk)] == report and reported[(city.pk, task.pk)] == report
    assert reported[(province.pk, other.pk)] is None

    # The province's form shows the existing report to edit, never a blank duplicate.
    page = unit.get(url("report_form", province, assignment)).content.decode()
    assert TEXT in page and "无需重复报送" in page and "2026年12月市级调度" in page
    stale = submit(unit, province, assignment, version=0, text="重复报送")
    assert stale.status_code == 400 and "已被他人修改" in stale.content.decode()
    assert ProgressReport.objects.count() == 1
    assert submit(unit, province, assignment, version=report.version, text="本月补充：已完成验收准备。").status_code == 302
    report.refresh_from_db()
    assert ProgressReport.objects.count() == 1 and report.version == 2 and report.round == city

    # Each office sees it in its own round, and both counts are right.
    for client, round_ in ((login(world.province_office), province), (login(world.city_office), city)):
        dashboard = client.get(url("round", round_)).context
        assert (dashboard["total"], dashboard["reported"], dashboard["missing"]) == (4, 1, 3), round_.title
        rows = {r["unit__name"]: (r["expected"], r["reported"]) for r in dashboard["rows"]}
        assert rows["区生态环境分局"] == (2, 1)
        listing = client.get(url("round_reports", round_))
        assert [r.pk for r in listing.context["reports"]] == [report.pk]
        sheet = load_workbook(io.BytesIO(client.get(url("export", round_)).content)).active
        assert [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["本月补充：已完成验收准备。"]
        listed = {r.pk: r.report_count for r in client.get(reverse("dispatch:home")).context["rounds"]}
        assert listed[round_.pk] == 1


def test_the_database_refuses_a_second_report_for_the_month(world: Any, login: Any, make_task: Any,
                                                            rounds: tuple[ReportingRound, ReportingRound]) -> None:
    province, city = rounds
    task = make_task()
    assignment = task.assignments.get(unit=world.unit_county_env)
    assert submit(login(world.county_unit), city, assignment, version=0).status_code == 302
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressReport.objects.create(round=province, task=task, period=province.report_period, assignment=assignment,
                                      unit=assignment.unit, text="重复", schedule="on_schedule")


def test_unit_with_two_roles_reports_once(world: Any, login: Any, make_task: Any,
                                          rounds: tuple[ReportingRound, ReportingRound]) -> None:
    _, city = rounds
    task = make_task(units={"lead": [world.unit_city_env], "responsible": [world.unit_city_env]})
    lead = login(world.lead_unit)
    rows = [r for r in lead.get(url("round", city)).context["rows"]]
    assert len(rows) == 1 and rows[0]["roles"] == "牵头单位、责任单位"
    first, second = task.assignments.order_by("role")
    assert submit(lead, city, first, version=0).status_code == 302
    assert submit(lead, city, second, version=0).status_code == 400  # the same report: edit it, not a second one
    assert ProgressReport.objects.count() == 1
    dashboard = login(world.city_office).get(url("round", city)).context
    assert (dashboard["total"], dashboard["reported"]) == (1, 1)


def test_another_month_is_another_report(world: Any, login: Any, make_task: Any,
                                         rounds: tuple[ReportingRound, ReportingRound]) -> None:
    _, december = rounds
    office = login(world.city_office)
    response = office.post(reverse("dispatch:round_create"), {
        "region": world.city.pk, "title": "2026年11月市级调度", "period_start": "2026-11-01", "period_end": "2026-11-30",
        "due_date": "2026-12-05"})
    assert response.status_code == 302
    november = ReportingRound.objects.get(title="2026年11月市级调度")
    task = make_task()
    assignment = task.assignments.get(unit=world.unit_county_env)
    unit = login(world.county_unit)
    assert submit(unit, november, assignment, version=0, text="十一月进展").status_code == 302
    assert office.get(url("round", december)).context["reported"] == 0
    assert submit(unit, december, assignment, version=0, text="十二月进展").status_code == 302
    assert sorted(ProgressReport.objects.values_list("text", flat=True)) == ["十一月进展", "十二月进展"]
