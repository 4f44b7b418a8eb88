"""The API lists that find their rows in their own shape (the scope's task ids gathered first,
``tasks.through.through_tasks``) show the rows of the plain scoped, ordered query set: the same
rows, in the same order, cut into the same pages, with the same count, for every role — and a role the
scope leaves out still sees nothing."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rectify.dispatch.models import ProgressReport, ReportingRound
from rectify.dispatch.services import open_round, submit_report
from rectify.tasks.models import Assignment, Task
from rectify.tasks.through import through_tasks

ROLES = ["admin", "province_office", "city_office", "leader", "reviewer", "lead_unit", "county_unit", "other_unit", "nobody"]


@pytest.fixture
def spread(world: Any, make_task: Any) -> list[Task]:
    """Tasks in both counties of the city and in another city, led and carried by different units."""
    tasks = []
    for n in range(7):
        region = [world.county, world.county2, world.other_city][n % 3]
        units = ({Assignment.Role.LEAD: [world.unit_other_env]} if region == world.other_city else
                 {Assignment.Role.LEAD: [world.unit_city_env],
                  Assignment.Role.RESPONSIBLE: [world.unit_county_env if n % 2 else world.unit_county2_gov]})
        plan = world.other_plan if region == world.other_city else world.plan
        tasks.append(make_task(region=region, plan=plan, units=units, seq=str(7 - n)))
    return tasks


def _pages(api: Any, url: str, size: int, **params: str) -> tuple[list[str], set[int]]:
    """Every page's uuids in order, and the counts the pages gave."""
    seen: list[str] = []
    counts: set[int] = set()
    page = 1
    while True:
        response = api.get(url, {"page": str(page), "page_size": str(size), **params})
        assert response.status_code == 200, response.content.decode()
        body = response.json()
        counts.add(body["count"])
        seen += [item["uuid"] for item in body["items"]]
        if not body["items"] or len(seen) >= body["count"]:
            return seen, counts
        page += 1


@pytest.mark.parametrize("gathered", [True, False])
@pytest.mark.parametrize("model, key", [(Assignment, "task_id"), (ProgressReport, "assignment__task_id")])
def test_the_rows_through_the_tasks_are_the_scope_visible_to_gives(world: Any, spread: list[Task], model: Any, key: str,
                                                                   reports: ReportingRound, gathered: bool) -> None:
    for name in ROLES:
        user = getattr(world, name)
        through = set(model.objects.filter(through_tasks(user, key, gathered=gathered)).values_list("pk", flat=True))
        assert through == set(model.objects.visible_to(user).values_list("pk", flat=True)), name
    assert model.objects.filter(through_tasks(world.other_unit, key, gathered=gathered)).exists()
    assert not model.objects.filter(through_tasks(world.nobody, key, gathered=gathered)).exists()


def test_the_key_is_looked_up_among_the_gathered_ids(world: Any, spread: list[Task]) -> None:
    with CaptureQueriesContext(connection) as captured:
        list(Assignment.objects.filter(through_tasks(world.city_office, "task_id", gathered=True)).order_by())
    sql = captured.captured_queries[-1]["sql"]
    expected = '"tasks_assignment"."task_id" = ANY(ARRAY(SELECT' if connection.vendor == "postgresql" else \
        '"tasks_assignment"."task_id" IN (SELECT'
    assert expected in sql
    assert "ORDER BY" not in sql  # the ids gathered are not sorted first


@pytest.mark.parametrize("params", [{}, {"role": "lead"}, {"role": "responsible"}])
def test_the_assignment_pages_are_the_scoped_ordered_query_set(world: Any, spread: list[Task], api_as: Any,
                                                               params: dict[str, str]) -> None:
    for name in ROLES:
        user = getattr(world, name)
        plain = Assignment.objects.visible_to(user).order_by("task_id", "role", "id")
        if params:
            plain = plain.filter(**params)
        expected = [str(u) for u in plain.values_list("uuid", flat=True)]
        for size in (2, 3, 50):
            seen, counts = _pages(api_as(user), "/api/v1/assignments", size, **params)
            assert seen == expected, (name, size)
            assert counts == {len(expected)}, (name, size)
    assert _pages(api_as(world.nobody), "/api/v1/assignments", 3)[0] == []


@pytest.fixture
def reports(world: Any, spread: list[Task]) -> ReportingRound:
    """A province round holding every unit's report on every task."""
    round_ = open_round(world.province_office, region=world.province, title="2026年11月调度",
                        period_start=datetime.date(2026, 11, 1), period_end=datetime.date(2026, 11, 30),
                        due_date=datetime.date(2026, 12, 5))
    reporters = {world.unit_city_env: world.lead_unit, world.unit_county_env: world.county_unit,
                 world.unit_other_env: world.other_unit}
    for assignment in Assignment.objects.filter(task__in=spread, unit__in=list(reporters)).select_related("unit", "task"):
        submit_report(round_, assignment, reporters[assignment.unit], text="已完成排查。", schedule="on_schedule", percent=50)
    return round_


@pytest.mark.parametrize("params", [{}, {"status": "submitted"}])
def test_the_round_report_pages_are_the_scoped_ordered_query_set(world: Any, reports: ReportingRound, api_as: Any,
                                                                 params: dict[str, str]) -> None:
    url = f"/api/v1/dispatch/rounds/{reports.uuid}/reports"
    assert ProgressReport.objects.filter(round=reports).count() > 6
    for name in ("admin", "province_office"):
        user = getattr(world, name)
        plain = ProgressReport.objects.visible_to(user).filter(round=reports, **params)
        expected = [str(u) for u in plain.order_by("unit__name", "assignment__task__seq", "id").values_list("uuid", flat=True)]
        assert expected
        for size in (2, 5, 25):
            seen, counts = _pages(api_as(user), url, size, **params)
            assert seen == expected, (name, size)
            assert counts == {len(expected)}
    for name in ("county_unit", "other_unit", "nobody"):
        assert api_as(getattr(world, name)).get(url).status_code in (403, 404), name
