"""The maintained counters (``rectify.core.counters``) under concurrent writers on PostgreSQL: ten users
submitting reports, moving tasks through their states, between regions and changing their units at the
same moment, on the same counter rows, with the daily prune of zero rows (``core.prune_counters``)
running among them — no deadlock, no write lost, every count equal to a fresh count."""
from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from rectify.accounts.models import RoleGrant, User
from rectify.accounts.roles import Role
from rectify.core import counters
from rectify.dispatch import services as dispatch
from rectify.dispatch.models import ProgressReport, ReportingRound
from rectify.jobs.jobs import prune_counters
from rectify.tasks.models import Assignment, Task, TaskCount
from rectify.tasks.services import task_data_from, transition_task, update_task
from rectify.tasks.states import TaskState

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="SQLite lets one writer in at a time: no row locks to collide on, no deadlock to detect"),
    pytest.mark.django_db(transaction=True),
]

DECEMBER = (datetime.date(2026, 12, 1), datetime.date(2026, 12, 31))
# in progress → applied → sent back → in progress: three threads, each a step apart, move tasks the opposite
# ways between the same (region path, state) rows.
SHORT_CYCLE = {TaskState.IN_PROGRESS: TaskState.APPLIED, TaskState.APPLIED: TaskState.SENT_BACK,
               TaskState.SENT_BACK: TaskState.IN_PROGRESS}
# through closing and reopening: the task's reports and pairs leave the counts and come back.
LONG_CYCLE = {TaskState.IN_PROGRESS: TaskState.APPLIED, TaskState.APPLIED: TaskState.ACCEPTED,
              TaskState.ACCEPTED: TaskState.ANNOUNCED, TaskState.ANNOUNCED: TaskState.CLOSED,
              TaskState.CLOSED: TaskState.REOPENED, TaskState.REOPENED: TaskState.IN_PROGRESS}


def unit_user(username: str, unit: Any) -> User:
    user = User.objects.create_user(username, password="x", unit=unit)
    RoleGrant.objects.create(user=user, role=Role.RESPONSIBLE_UNIT, unit=unit)
    return user


def open_december_round(world: Any, region: Any, title: str) -> ReportingRound:
    office = world.province_office if region == world.province else world.city_office
    return dispatch.open_round(office, region=region, title=title, period_start=DECEMBER[0], period_end=DECEMBER[1],
                               due_date=datetime.date(2027, 1, 5))


def run_together(workers: list[Callable[[], int]],
                 alongside: Callable[[threading.Event], int]) -> tuple[list[BaseException], list[int], int, float]:
    """Start every worker in its own thread (its own connection), released together by a barrier, and
    ``alongside`` in one more thread until the workers are done; the errors raised, each worker's writes,
    what ``alongside`` returned and the seconds the workers took."""
    barrier = threading.Barrier(len(workers) + 1)
    stop = threading.Event()
    errors: list[BaseException] = []
    results: dict[int, int] = {}

    def run(index: int, work: Callable[[], int]) -> None:
        try:
            if index >= 0:  # three shards of the counters for ten writers: rows shared by several, and rows apart
                use_shard(index % 3)
            barrier.wait()
            results[index] = work()
        except BaseException as error:  # noqa: BLE001  (a deadlock, a lost update: reported by the test)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, work)) for i, work in enumerate(workers)]
    beside = threading.Thread(target=run, args=(-1, lambda: alongside(stop)))
    beside.start()
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    seconds = time.monotonic() - started
    stop.set()
    beside.join(timeout=60)
    return errors, [results.get(i, 0) for i in range(len(workers))], results.get(-1, 0), seconds


def use_shard(shard: int) -> None:
    """This thread's connection writes the counters' shard ``shard`` (``core.counters.PG_SHARD``)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('rectify.counter_shard', %s, false)", [str(shard)])


def counted(**key: Any) -> int:
    """A key's task count: the sum of its shards' rows."""
    return int(TaskCount.objects.filter(**key).aggregate(n=Sum("n"))["n"] or 0)


def pruner(stop: threading.Event) -> int:
    """The daily prune, run again and again among the writers; the rows it deleted."""
    deleted = 0
    while not stop.is_set():
        deleted += prune_counters()
        time.sleep(0.02)
    return deleted


class Scene:
    """Tasks in the county (and its neighbour), their units' users and three December rounds."""

    def __init__(self, world: Any, make_task: Any) -> None:
        self.world = world
        self.gov = unit_user("county_gov_unit", world.unit_county_gov)
        units = {Assignment.Role.LEAD: [world.unit_city_env],
                 Assignment.Role.RESPONSIBLE: [world.unit_county_env, world.unit_county_gov]}
        self.rounds = [open_december_round(world, world.city, "12月市级调度"),
                       open_december_round(world, world.province, "12月省级调度"),
                       open_december_round(world, world.county, "12月区级调度")]

        def tasks(n: int, region: Any = None) -> list[Task]:
            made = [make_task(region=region or world.county, units=units) for _ in range(n)]
            for task in made:
                transition_task(task, TaskState.IN_PROGRESS, reason="开始整改")
            return made

        self.reported = tasks(10)  # the submitters' tasks
        self.short = [tasks(4) for _ in range(3)]  # one group per short-cycle thread
        self.long = tasks(4)
        self.moving = [tasks(3), tasks(3, world.county2)]
        self.toggled = tasks(4)
        # The tasks that change state or region already have reports on the rows the submitters write.
        for group in [*self.short, self.long, *self.moving, self.toggled]:
            for task in group:
                self.submit(task, world.unit_county_env, world.county_unit, self.rounds[0], "on_schedule")
        for phase, group in enumerate(self.short):
            for _ in range(phase):
                for task in group:
                    transition_task(task, SHORT_CYCLE[Task.objects.get(pk=task.pk).state], reason="准备")

    def submit(self, task: Task, unit: Any, user: User, round_: ReportingRound, schedule: str) -> None:
        assignment = Assignment.objects.filter(task=task, unit=unit).order_by("role").first()
        assert assignment is not None
        existing = ProgressReport.objects.filter(task=task, unit=unit, period=round_.report_period).first()
        dispatch.submit_report(round_, assignment, user, text=f"{unit.name}：{schedule}", schedule=schedule, percent=40,
                               expected_version=existing.version if existing else 0)

    def submitter(self, unit: Any, user: User, round_: ReportingRound, first: str, then: str) -> Callable[[], int]:
        """Reports on every task of ``reported``, then a new version of each with another label."""
        def work() -> int:
            for schedule in (first, then):
                for task in self.reported:
                    self.submit(task, unit, user, round_, schedule)
            return 2 * len(self.reported)
        return work

    @staticmethod
    def cycler(tasks: list[Task], cycle: dict[str, str], steps: int) -> Callable[[], int]:
        def work() -> int:
            for _ in range(steps):
                for task in tasks:
                    transition_task(task, cycle[Task.objects.get(pk=task.pk).state], reason="并发测试")
            return steps * len(tasks)
        return work

    @staticmethod
    def toggled_units(task: Task, unit: Any) -> dict[str, list[Any]]:
        """The task's units with ``unit`` added as a second lead unit, or taken off again."""
        units = task_data_from(task).units
        leads = units.get(Assignment.Role.LEAD, [])
        units[Assignment.Role.LEAD] = [u for u in leads if u != unit] if unit in leads else [*leads, unit]
        return units

    def mover(self, tasks: list[Task], there: Any, back: Any, steps: int) -> Callable[[], int]:
        """Moves each task to ``there`` and ``back`` in turn, and in the same edit assigns a unit or takes it off."""
        def work() -> int:
            for step in range(steps):
                for task in tasks:
                    task = Task.objects.get(pk=task.pk)
                    data = task_data_from(task, region=there if step % 2 == 0 else back,
                                          units=self.toggled_units(task, self.world.unit_county2_gov))
                    update_task(task, data, expected_version=task.version, reason="调整区域和分工")
            return steps * len(tasks)
        return work

    def toggler(self, tasks: list[Task], unit: Any, steps: int) -> Callable[[], int]:
        def work() -> int:
            for _ in range(steps):
                for task in tasks:
                    task = Task.objects.get(pk=task.pk)
                    data = task_data_from(task, units=self.toggled_units(task, unit))
                    update_task(task, data, expected_version=task.version, reason="调整分工")
            return steps * len(tasks)
        return work

    def workers(self) -> list[Callable[[], int]]:
        w = self.world
        return [
            self.submitter(w.unit_county_env, w.county_unit, self.rounds[0], "on_schedule", "lagging"),
            self.submitter(w.unit_city_env, w.lead_unit, self.rounds[1], "lagging", "on_schedule"),
            self.submitter(w.unit_county_gov, self.gov, self.rounds[2], "on_schedule", "lagging"),
            *[self.cycler(group, SHORT_CYCLE, 3) for group in self.short],
            self.cycler(self.long, LONG_CYCLE, 6),
            self.mover(self.moving[0], w.county2, w.county, 4),
            self.mover(self.moving[1], w.county, w.county2, 4),
            self.toggler(self.toggled, w.unit_county2_gov, 4),
        ]


def test_concurrent_service_writes_keep_every_count_exact(world: Any, make_task: Any) -> None:
    scene = Scene(world, make_task)
    assert all(rows == [] for rows in counters.check_all().values())
    reports_before = ProgressReport.objects.count()

    workers = scene.workers()
    errors, writes, pruned, seconds = run_together(workers, pruner)

    assert errors == [], "\n\n".join(str(e) for e in errors)
    assert writes == [20, 20, 20, 12, 12, 12, 24, 12, 12, 16]
    assert pruned > 0  # rows went to 0 and were pruned while the writers ran
    print(f"{sum(writes)} service writes in {len(workers)} threads, {pruned} zero rows pruned: {seconds:.1f} s")  # noqa: T201
    # Every write landed: 3 units × 10 reports, each in a second version with the other label.
    assert ProgressReport.objects.count() == reports_before + 30
    for unit, last in ((world.unit_county_env, "lagging"), (world.unit_city_env, "on_schedule"), (world.unit_county_gov, "lagging")):
        reports = ProgressReport.objects.filter(task__in=scene.reported, unit=unit)
        assert set(reports.values_list("schedule", "version")) == {(last, 2)}
    for phase, group in enumerate(scene.short):  # three steps of a three-step cycle: back where it started
        assert set(Task.objects.filter(pk__in=[t.pk for t in group]).values_list("state", flat=True)) == {
            [TaskState.IN_PROGRESS, TaskState.APPLIED, TaskState.SENT_BACK][phase]}
    assert set(Task.objects.filter(pk__in=[t.pk for t in scene.long]).values_list("state", flat=True)) == {TaskState.IN_PROGRESS}
    assert set(Task.objects.filter(pk__in=[t.pk for t in scene.moving[0]]).values_list("region", flat=True)) == {world.county.pk}
    assert not Assignment.objects.filter(task__in=[*scene.toggled, *scene.moving[0], *scene.moving[1]],
                                         unit=world.unit_county2_gov).exists()
    assert counters.check_all() == {name: [] for name in counters.COUNTERS}


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """``work`` started in a thread of its own (its own connection); its result or error lands in the list."""
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(work())
        except BaseException as error:  # noqa: BLE001
            out.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def test_prune_and_a_writer_on_the_same_zero_row_lose_nothing(world: Any, make_task: Any, counter_shard: Any) -> None:
    """Both orders on one key: a writer holding a count it just raised from 0 while the prune runs, and
    the prune holding a row it deleted while a writer of the same shard raises the same count; a writer of
    another shard does not wait for the prune at all."""
    counter_shard(1)
    tasks = [make_task(region=world.county) for _ in range(4)]
    for task in tasks:
        transition_task(task, TaskState.IN_PROGRESS, reason="开始整改")
    transition_task(tasks[0], TaskState.APPLIED, reason="申请销号")
    transition_task(tasks[0], TaskState.SENT_BACK, reason="退回")  # (county, applied) is at 0 now
    applied = {"region_path": world.county.path, "state": TaskState.APPLIED, "needs_completion": False}
    assert counted(**applied) == 0
    everything_right = {name: [] for name in counters.COUNTERS}

    # The writer first: its transaction holds (county, applied) at 1 while the prune runs beside it.
    with transaction.atomic():
        transition_task(tasks[1], TaskState.APPLIED, reason="申请销号")
        pruning, out = in_thread(prune_counters)
        pruning.join(timeout=10)
        assert not pruning.is_alive()  # the prune skips the row the writer holds: it never waits for a writer
    assert not isinstance(out[0], BaseException), out
    assert counted(**applied) == 1
    assert counters.check_all() == everything_right

    # The prune first: it deleted (county, applied), back at 0, and holds it while a writer raises it.
    transition_task(tasks[1], TaskState.SENT_BACK, reason="退回")
    deleted, go_on = threading.Event(), threading.Event()

    def prune_and_hold() -> int:
        with transaction.atomic():
            n = counters.prune(counters.COUNTERS["tasks"])
            deleted.set()
            go_on.wait(timeout=30)
        return n

    pruning, pruned = in_thread(prune_and_hold)
    assert deleted.wait(timeout=30)
    writing, written = in_thread(lambda: (use_shard(1), transition_task(tasks[2], TaskState.APPLIED, reason="申请销号")))
    writing.join(timeout=1)
    assert writing.is_alive()  # the writer of the same shard waits for the prune's transaction
    go_on.set()
    for thread in (pruning, writing):
        thread.join(timeout=30)
    assert pruned[0] >= 1 and not isinstance(written[0], BaseException), (pruned, written)
    assert counted(**applied) == 1
    assert counters.check_all() == everything_right

    # The prune holds the key's rows again; a writer of another shard adds a row of its own without waiting.
    transition_task(tasks[2], TaskState.SENT_BACK, reason="退回")
    deleted.clear()
    go_on.clear()
    pruning, pruned = in_thread(prune_and_hold)
    assert deleted.wait(timeout=30)
    writing, written = in_thread(lambda: (use_shard(2), transition_task(tasks[3], TaskState.APPLIED, reason="申请销号")))
    writing.join(timeout=10)
    assert not writing.is_alive() and not isinstance(written[0], BaseException), written
    go_on.set()
    pruning.join(timeout=30)
    assert counted(**applied) == 1
    assert counters.check_all() == everything_right


def test_a_unit_added_beside_a_task_made_expected_again_waits_instead_of_deadlocking(world: Any, make_task: Any,
                                                                                     counter_shard: Any) -> None:
    """``update_task``'s order on one shard and one path: a closed task made long-term (its pairs counted again: the
    pair count locked) then given a unit, while another writer adds a unit to another task of the path. The
    assignment count is taken after the pair count on every statement (``tasks.counters.ASSIGNMENT_COUNTS``), so
    the second writer waits for the pair count holding nothing the first needs: both commit. Taken first, the
    second writer held it while waiting, the first then waited for it: ``deadlock detected``."""
    counter_shard(1)
    closed, other = make_task(region=world.county), make_task(region=world.county)
    Task.objects.filter(pk=closed.pk).update(state=TaskState.CLOSED)
    holding, go_on = threading.Event(), threading.Event()

    def long_term_then_unit() -> int:
        use_shard(1)
        with transaction.atomic():
            Task.objects.filter(pk=closed.pk).update(long_term=True)
            holding.set()
            go_on.wait(timeout=30)
            Assignment.objects.create(task_id=closed.pk, unit=world.unit_county_gov, role=Assignment.Role.COOPERATING)
        return 1

    first, first_out = in_thread(long_term_then_unit)
    assert holding.wait(timeout=30)
    second, second_out = in_thread(lambda: (use_shard(1), Assignment.objects.create(
        task=other, unit=world.unit_county_gov, role=Assignment.Role.COOPERATING)))
    deadline = time.monotonic() + 20
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:  # the second writer waits on a counter row
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")
            if cursor.fetchone()[0]:
                break
            time.sleep(0.05)
    go_on.set()
    for thread in (first, second):
        thread.join(timeout=30)
    assert not any(isinstance(out, BaseException) for out in (*first_out, *second_out)), (first_out, second_out)
    assert Assignment.objects.filter(unit=world.unit_county_gov).count() == 2
    assert counters.check_all() == {name: [] for name in counters.COUNTERS}
