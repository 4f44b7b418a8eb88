"""The task's copy of its region's path: kept by every write, and the ledger's scope filter uses its index."""
from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from conftest import plan_with_only
from rectify.regions.models import Region
from rectify.regions.services import move_region
from rectify.tasks.models import Task
from rectify.tasks.services import task_data_from, update_task

pytestmark = pytest.mark.django_db


def test_region_path_follows_every_write(world: Any, make_task: Any, login: Any) -> None:
    task = make_task()
    assert Task.objects.get(pk=task.pk).region_path == world.county.path
    update_task(task, task_data_from(task, region=world.county2), expected_version=task.version, reason="调整区划")
    assert Task.objects.get(pk=task.pk).region_path == world.county2.path
    # The office of the old county's city still sees it; the other city's unit does not.
    assert Task.objects.visible_to(world.city_office).filter(pk=task.pk).exists()
    assert not Task.objects.visible_to(world.other_unit).filter(pk=task.pk).exists()
    # A region moved under another parent (``move_region``, the one way to move one) takes its tasks along.
    move_region(world.county2, world.other_city, reason="区划调整")
    assert Task.objects.get(pk=task.pk).region_path == world.county2.path
    assert not Task.objects.visible_to(world.city_office).filter(pk=task.pk).exists()
    assert world.county2.path.startswith(Region.objects.get(pk=world.other_city.pk).path)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's")
def test_scoped_ledger_query_can_use_the_path_index(world: Any, make_task: Any) -> None:
    for _ in range(5):
        make_task()
    tasks = Task.objects.visible_to(world.city_office).order_by("plan_id", "id")[:25]
    sql, params = tasks.query.sql_with_params()
    # The ledger's order indexes compete with it, and which wins depends on the statistics other tests leave.
    plan = plan_with_only("tasks_task", ("task_region_path_order",), sql, params)
    assert "task_region_path_order" in plan and "region_path)::text ~>=~" in plan, plan
    assert "regions_region" not in plan, plan  # no join to the regions to find the scope


@pytest.mark.parametrize("ordering", ["", "-deadline", "seq"])
def test_ledger_pages_hold_the_same_rows_as_plain_slicing(world: Any, make_task: Any, login: Any, settings: Any,
                                                          ordering: str) -> None:
    import datetime

    settings.LEDGER_PAGE_SIZE = 4
    for i in range(11):
        make_task(deadline=datetime.date(2030, 1 + i % 3, 1))
    client = login(world.city_office)
    seen = []
    for number in (1, 2, 3):
        page = client.get("/ledger/", {"page": number, **({"ordering": ordering} if ordering else {})}).context["page"]
        seen += [t.pk for t in page.object_list]
    expected = Task.objects.visible_to(world.city_office)
    if ordering == "seq":  # 序号 sorts naturally within its plan (Task.seq_key)
        expected = expected.order_by("plan_id", "seq_key", "id")
    else:
        expected = expected.order_by(ordering, "plan_id", "id") if ordering else expected.order_by("plan_id", "id")
    assert seen == list(expected.values_list("pk", flat=True))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's")
def test_an_office_s_overdue_tasks_are_read_from_its_own_range(world: Any, make_task: Any) -> None:
    """``task_open_path_deadline``: an office's overdue count can read its subtree's open dated tasks alone, not the
    country's overdue ones (``task_open_deadline`` ranges over the deadline alone). Which of the two the planner
    takes depends on the figures (the bench shows it at 300,000 tasks; in a test database it took another index);
    here the others are dropped, in the test's transaction, to show the new one answers the query from its
    range, its condition covering the query's."""
    import datetime

    from rectify.tasks.models import overdue_q

    for days in (-30, -1, 10):
        make_task(deadline=datetime.date(2026, 6, 15) + datetime.timedelta(days=days))
    counted = Task.objects.filter(overdue_q(datetime.date(2026, 6, 15))).filter(region_path__startswith=world.city.path)
    sql, params = counted.order_by().values("id").query.sql_with_params()
    # every other index gone (in the test's transaction): the plan is its to choose
    counting = "SELECT count(*) FROM (" + sql + ") found"  # noqa: S608  (the ORM's own SQL)
    plan = plan_with_only("tasks_task", ("task_open_path_deadline",), counting, params, no_bitmap=True)
    assert "Index Only Scan using task_open_path_deadline" in plan and "Index Cond: ((region_path ~>=~" in plan, plan
