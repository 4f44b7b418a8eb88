"""The daily job ``core.prune_counters`` deletes the maintained counters' rows whose count went to 0 (tasks
moved away, a label no report carries any more), on both engines; the counts and the pages' figures stay
what they were, and a later write to a pruned key counts again from a fresh row."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from rectify.core import counters
from rectify.dispatch import services as dispatch
from rectify.dispatch.models import ProgressReport
from rectify.jobs import services as jobs
from rectify.jobs.models import Job
from rectify.notifications.services import mark_all_read, notify
from rectify.tasks.models import Assignment, TaskCount
from rectify.tasks.services import task_data_from, transition_task, update_task
from rectify.tasks.states import TaskState

pytestmark = pytest.mark.django_db


def zero_rows() -> dict[str, int]:
    with connection.cursor() as cursor:
        found = {}
        for name, counter in sorted(counters.COUNTERS.items()):
            cursor.execute(f"SELECT count(*) FROM {counter.table} WHERE n = 0")  # noqa: S608
            found[name] = cursor.fetchone()[0]
        return found


def run_job_as_the_worker(name: str) -> Job:
    jobs.run_now(name)
    claimed = jobs.claim("test-worker")
    assert claimed is not None and claimed.name == name
    return jobs.run(claimed, "test-worker")


def test_the_job_prunes_rows_at_zero_and_every_count_stays(world: Any, make_task: Any, login: Any) -> None:
    round_ = dispatch.open_round(world.city_office, region=world.city, title="12月市级调度", period_start=datetime.date(2026, 12, 1),
                                 period_end=datetime.date(2026, 12, 31), due_date=datetime.date(2027, 1, 5))
    tasks = [make_task(region=world.county) for _ in range(3)]
    for task in tasks:
        transition_task(task, TaskState.IN_PROGRESS, reason="开始整改")
        assignment = Assignment.objects.get(task=task, unit=world.unit_county_env)
        dispatch.submit_report(round_, assignment, world.county_unit, text="已完成排查。", schedule="on_schedule", percent=30)
    # Every count of the county goes to 0: its tasks move to the neighbouring county, one report changes label.
    report = ProgressReport.objects.get(task=tasks[0])
    dispatch.submit_report(round_, report.assignment, world.county_unit, text="进度滞后。", schedule="lagging",
                           percent=20, expected_version=report.version)
    for task in tasks:
        task.refresh_from_db()
        update_task(task, task_data_from(task, region=world.county2), expected_version=task.version, reason="调整区域")
    notify([world.county_unit], "调度提醒")  # read: its recipient's unread count goes to 0
    mark_all_read(world.county_unit)
    zeros = zero_rows()
    assert all(zeros.values()), zeros  # (county, assigned), (county, in progress), the county's reports and pairs …
    assert counters.check_all() == {name: [] for name in counters.COUNTERS}
    office = login(world.city_office)
    before = (dispatch.round_counts(round_), list(dispatch.unit_rows(round_)),
              office.get(reverse("tasks:ledger")).context["counts"])

    job = run_job_as_the_worker("core.prune_counters")

    assert (job.status, job.result) == (Job.Status.DONE, sum(zeros.values()))
    assert zero_rows() == {name: 0 for name in counters.COUNTERS}
    assert counters.check_all() == {name: [] for name in counters.COUNTERS}
    after = (dispatch.round_counts(round_), list(dispatch.unit_rows(round_)),
             office.get(reverse("tasks:ledger")).context["counts"])
    assert after == before
    assert run_job_as_the_worker("core.prune_counters").result == 0
    # A task moved back counts again from a fresh row.
    task = tasks[1]
    task.refresh_from_db()
    update_task(task, task_data_from(task, region=world.county), expected_version=task.version, reason="调整区域")
    assert counters.check_all() == {name: [] for name in counters.COUNTERS}
    assert dispatch.round_counts(round_) == dispatch.fresh_round_counts(round_)


def test_the_prune_folds_a_keys_shards_negative_rows_included(world: Any, make_task: Any, login: Any, counter_shard: Any) -> None:
    """A key's rows in several shards (concurrent writers on PostgreSQL), one negative (a task counted in one shard
    and moved away in another's): every reader sums them; the prune folds them into one row and deletes the keys
    whose rows sum to 0, and the counts stay what they were."""
    counter_shard(0)
    tasks = [make_task(region=world.county) for _ in range(2)]
    assigned = {"region_path": world.county.path, "state": TaskState.ASSIGNED, "needs_completion": False}
    row = TaskCount.objects.get(**assigned)
    assert (row.shard, row.n) == (0, 2)
    TaskCount.objects.filter(**assigned).delete()
    TaskCount.objects.bulk_create([TaskCount(shard=0, n=3, **assigned), TaskCount(shard=5, n=-2, **assigned),
                                   TaskCount(shard=9, n=1, **assigned),
                                   TaskCount(region_path=world.county2.path, state=TaskState.CLOSED, needs_completion=False, shard=2, n=4),
                                   TaskCount(region_path=world.county2.path, state=TaskState.CLOSED, needs_completion=False, shard=7, n=-4)])
    assert counters.check_all() == {name: [] for name in counters.COUNTERS}
    office = login(world.city_office)
    before = office.get(reverse("tasks:ledger")).context["counts"]
    assert {c["value"]: c["count"] for c in before}[TaskState.ASSIGNED] == 2

    assert counters.prune(counters.COUNTERS["tasks"]) == 4  # two of the county's three rows, both of the neighbour's
    assert list(TaskCount.objects.filter(region_path__in=[world.county.path, world.county2.path]).values_list("state", "n")) == [
        (TaskState.ASSIGNED, 2)]
    assert counters.check_all() == {name: [] for name in counters.COUNTERS}
    assert office.get(reverse("tasks:ledger")).context["counts"] == before
    transition_task(tasks[0], TaskState.IN_PROGRESS, reason="开始整改")  # the folded row counts on
    assert counters.check_all() == {name: [] for name in counters.COUNTERS}
    assert counters.prune(counters.COUNTERS["tasks"]) == 0
