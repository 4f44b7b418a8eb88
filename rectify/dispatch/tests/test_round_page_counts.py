"""The round page's counts: its overdue tasks (overdue tasks of the round's subtree with an assignment),
on PostgreSQL planned in one process (``core.planner.SubplanExists``); its units
(the paginator's count) from the pair counts alone, the same as the rows it pages."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rectify.dispatch import services
from rectify.dispatch.models import ReportingRound
from rectify.tasks.models import Assignment, Task, overdue_q
from rectify.tasks.states import TaskState

from .test_flow import open_round, url

pytestmark = pytest.mark.django_db
PAST = datetime.date(2020, 1, 1)


def round_page(client: Client, round_: ReportingRound) -> Any:
    response = client.get(url("round", round_))
    assert response.status_code == 200
    return response


def test_the_round_page_counts_overdue_tasks_with_an_assignment_under_its_region(world: Any, login: Any, make_task: Any) -> None:
    office = login(world.city_office)
    assert open_round(office, world.city).status_code == 302
    round_ = ReportingRound.objects.get()
    make_task(deadline=PAST)
    make_task(deadline=PAST, region=world.county2)
    make_task(deadline=PAST, long_term=True)
    make_task()  # not yet due
    Assignment.objects.filter(task=make_task(deadline=PAST)).delete()  # nobody to report on it
    Task.objects.filter(pk=make_task(deadline=PAST).pk).update(state=TaskState.ACCEPTED)
    make_task(deadline=PAST, plan=world.other_plan, region=world.other_city, units={Assignment.Role.LEAD: [world.unit_other_env]})
    assert round_page(office, round_).context["overdue_tasks"] == 2


def explain(qs: Any) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def plan_parallel_wherever_allowed() -> None:
    """Make a worker free and every plan that may have one get one, for the rest of the test's transaction (the
    connections plan without workers unless RECTIFY_PG_PARALLEL_WORKERS says otherwise: a deployment may)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 2")
        for setting in ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size", "min_parallel_index_scan_size"):
            cursor.execute(f"SET LOCAL {setting} = 0")
        cursor.execute("SELECT name FROM pg_settings WHERE name IN ('debug_parallel_query', 'force_parallel_mode')")  # PostgreSQL 16 renamed it
        cursor.execute(f"SET LOCAL {cursor.fetchone()[0]} = on")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel workers are PostgreSQL's")
def test_the_overdue_count_is_planned_in_one_process(world: Any, login: Any, make_task: Any) -> None:
    assert open_round(login(world.city_office), world.city).status_code == 302
    round_ = ReportingRound.objects.get()
    make_task(deadline=PAST)
    plan_parallel_wherever_allowed()
    semi_join = Task.objects.filter(overdue_q(), region_path__startswith=round_.region.path).filter(
        Exists(Assignment.objects.filter(task=OuterRef("pk"))))
    assert "Gather" in explain(semi_join)  # what the plain EXISTS gets
    assert "Gather" not in explain(services.overdue_tasks(round_))
    assert services.overdue_task_count(round_) == semi_join.count() == 1


def test_the_round_page_counts_its_units_from_the_pair_counts(world: Any, login: Any, make_task: Any) -> None:
    office = login(world.city_office)
    assert open_round(office, world.city).status_code == 302
    round_ = ReportingRound.objects.get()
    make_task()
    make_task(region=world.county2, units={Assignment.Role.RESPONSIBLE: [world.unit_county2_gov]})
    with CaptureQueriesContext(connection) as queries:
        rows = round_page(office, round_).context["rows"]
    assert rows.paginator.count == len(rows.object_list) == 3
    counts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)") and "dispatch_unitpaircount" in q["sql"]]
    assert len(counts) == 1 and "regions_unit" not in counts[0] and "dispatch_unitreportcount" not in counts[0]
    filtered = office.get(url("round", round_), {"q": "政府"}).context["rows"]
    assert filtered.paginator.count == len(filtered.object_list) == 1
    missing = office.get(url("round", round_), {"show": "missing"}).context["rows"]
    assert missing.paginator.count == len(missing.object_list) == 3
