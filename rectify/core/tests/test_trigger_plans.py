"""A large ``QuerySet.update`` under the counters' and flags' statement triggers (``core.counters``, ``core.copies``).

PL/pgSQL plans a trigger's static statement once per session, for the transition tables of its first call, and
keeps the plan. A join of ``old_rows`` with ``new_rows`` planned for one row is a nested loop that scans one table
once per row of the other: after a single-row write had warmed the connection, a 3,000-row update took seconds
per trigger and a 30,000-row one minutes. The triggers now join no transition table with another (counts are
netted per key, changed rows found by a set difference), and run every statement that joins other tables with
``EXECUTE`` (planned for each call's rows). The behavioural test runs on both engines: one statement moving
2,100 tasks, their reports and their units after one-row writes in the same connection keeps every count exact.
"""
from __future__ import annotations

import datetime
import re
import uuid
from typing import Any

import pytest
from django.db import connection

from rectify.core import copies, counters
from rectify.dispatch import services as dispatch
from rectify.dispatch.models import ProgressReport
from rectify.tasks.models import Assignment, Task
from rectify.tasks.states import TaskState

MANY = 2100
TRANSITION = r"(?:old_rows|new_rows)"


def _static_part(source: str) -> str:
    """A function's source without its ``EXECUTE $sql$…$sql$`` statements (those are planned on every call)."""
    return re.sub(r"\$sql\$.*?\$sql\$", "", source, flags=re.S)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="transition tables and plan caching: PostgreSQL")
@pytest.mark.django_db
def test_no_trigger_joins_one_transition_table_with_another() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT p.proname, p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid"
                       " WHERE NOT t.tgisinternal AND (t.tgoldtable IS NOT NULL OR t.tgnewtable IS NOT NULL)")
        functions = dict(cursor.fetchall())
    assert {"rectify_count_tasks", "rectify_count_reports", "rectify_count_pairs", "rectify_count_task_moves",
            "rectify_count_unit_pairs", "rectify_count_unit_reports", "rectify_count_unit_task_pairs",
            "rectify_count_unit_task_reports", "rectify_count_assignments", "rectify_count_task_assignments",
            "rectify_latest_announcement_latest_update"} <= set(functions)
    for name, source in functions.items():
        assert not re.search(rf"JOIN\s+{TRANSITION}\b", source, re.I), name
        assert not re.search(rf"\b{TRANSITION}(?:\s+(?:AS\s+)?\w+)?\s*,\s*{TRANSITION}\b", source, re.I), name
        # A static statement keeps its first call's plan for the session: joins only in statements planned per call.
        assert not re.search(r"\bJOIN\b", _static_part(source), re.I), name


def _clone(instance: Any, **changes: Any) -> Any:
    fields = {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields if not f.primary_key}
    fields.update(uuid=uuid.uuid4(), **changes)
    return type(instance)(**fields)


@pytest.mark.django_db
def test_one_statement_over_thousands_of_rows_keeps_every_count_after_a_one_row_write(world: Any, make_task: Any) -> None:
    first = make_task(region=world.county)
    Task.objects.filter(pk=first.pk).update(state=TaskState.IN_PROGRESS)
    round_ = dispatch.open_round(world.city_office, region=world.city, title="12月市级调度", period_start=datetime.date(2026, 12, 1),
                                 period_end=datetime.date(2026, 12, 31), due_date=datetime.date(2027, 1, 5))
    responsible = first.assignments.get(unit=world.unit_county_env)
    report = dispatch.submit_report(round_, responsible, world.county_unit, text="已完成排查。", schedule="on_schedule")
    first.refresh_from_db()

    tasks = Task.objects.bulk_create([_clone(first, seq=f"批{i}", seq_key=f"批{i:05d}") for i in range(MANY)])
    lead = first.assignments.get(unit=world.unit_city_env)
    assignments = Assignment.objects.bulk_create([_clone(a, task_id=t.pk) for t in tasks for a in (lead, responsible)])
    by_task = {a.task_id: a for a in assignments if a.unit_id == world.unit_county_env.pk}
    ProgressReport.objects.bulk_create([_clone(report, task_id=t.pk, assignment_id=by_task[t.pk].pk) for t in tasks])
    ids = [t.pk for t in tasks]
    assert counters.check_all() == {name: [] for name in counters.COUNTERS}

    # One-row writes first: in this connection every trigger has now run (and planned) for one row.
    Task.objects.filter(pk=ids[0]).update(state=TaskState.APPLIED)
    ProgressReport.objects.filter(task_id=ids[0]).update(schedule="lagging")
    Assignment.objects.filter(task_id=ids[0], unit=world.unit_city_env).update(unit=world.unit_county_gov)

    # Then each statement over every row: tasks moved to another county and closed half of them, their reports
    # relabelled, a unit of each replaced, then everything but the county written again (no count moves).
    Task.objects.filter(pk__in=ids).update(region=world.county2, region_path=world.county2.path)
    Task.objects.filter(pk__in=ids[::2]).update(state=TaskState.CLOSED)
    ProgressReport.objects.filter(task_id__in=ids).update(schedule="behind_schedule")
    Assignment.objects.filter(task_id__in=ids, unit=world.unit_city_env).update(unit=world.unit_county_gov)
    Task.objects.filter(pk__in=ids).update(title="批量改名")
    assert counters.check_all() == {name: [] for name in counters.COUNTERS}
    assert copies.check_all() == {name: [] for name in copies.COPIES}
    assert Task.objects.filter(region_path=world.county2.path, state=TaskState.CLOSED).count() == MANY // 2

    # And back to one row: the counts still move right.
    Task.objects.filter(pk=ids[1]).update(state=TaskState.CLOSED)
    ProgressReport.objects.filter(task_id=ids[3]).update(schedule="on_schedule")
    Assignment.objects.filter(task_id=ids[3], unit=world.unit_county_gov).delete()
    assert counters.check_all() == {name: [] for name in counters.COUNTERS}
