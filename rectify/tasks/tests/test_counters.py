"""The maintained counts (``rectify.core.counters``: tasks per state, a round's reports and expected pairs,
and both per unit for the round page's list of units) equal a fresh count after random writes through the services, the HTTP pages and plain queryset writes;
the check command finds a tampered count and ``--repair`` fixes it; concurrent writers lose nothing
(PostgreSQL, threads). Run on both engines (``DATABASE_URL`` set to PostgreSQL for the second)."""
from __future__ import annotations

import contextlib
import datetime
import random
import threading
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from rectify.accounts.models import RoleGrant, User
from rectify.accounts.roles import Role
from rectify.core import counters
from rectify.dispatch import services as dispatch
from rectify.dispatch.models import ProgressReport, ReportingRound, UnitPairCount, UnitReportCount
from rectify.tasks.models import Assignment, AssignmentCount, Task, TaskCount
from rectify.tasks.services import TaskData, TaskRefused, transition_task, update_task
from rectify.tasks.states import TASK_TRANSITIONS, TaskState
from rectify.tasks.views import state_counts

SCHEDULES = ["on_schedule", "behind_schedule", "lagging", "done"]
ALL_CONSISTENT: dict[str, list[Any]] = {"assignments": [], "notifications": [], "pairs": [], "reports": [], "tasks": [], "unit_pairs": [], "unit_reports": []}


def unit_list(client: Any, round_: ReportingRound, query: str = "") -> list[tuple[int, str, int, int, int]]:
    """The round page's list of units as shown: (unit, name, expected, reported, missing) per row."""
    page = client.get(reverse("dispatch:round", args=[round_.uuid]) + query)
    assert page.status_code == 200
    return [(r["unit_id"], r["unit__name"], r["expected"], r["reported"], r["missing"]) for r in page.context["rows"]]


def fresh_unit_list(round_: ReportingRound, show: str = "", q: str = "") -> list[tuple[int, str, int, int, int]]:
    rows = [(r["unit_id"], r["unit__name"], r["expected"], r["reported"], r["expected"] - r["reported"])
            for r in dispatch.fresh_unit_rows(round_) if q in r["unit__name"]]
    if show == "missing":
        return [r for r in rows if r[3] < r[2]]
    return [r for r in rows if r[3] >= r[2]] if show == "reported" else rows


def assert_consistent(world: Any, login: Any, rounds: list[ReportingRound]) -> None:
    assert counters.check_all() == ALL_CONSISTENT
    # The pages' figures: the ledger's landing counts from the counters equal the tasks counted.
    for user in (world.admin, world.province_office, world.city_office, world.leader):
        page = login(user).get(reverse("tasks:ledger"))
        fresh = state_counts(Task.objects.visible_to(user))
        assert (page.context["counts"], page.context["overdue_count"], page.context["incomplete_count"]) == fresh[:3] and fresh.more_than is None
    for round_ in rounds:
        assert dispatch.round_counts(round_) == dispatch.fresh_round_counts(round_)
        reports = dispatch.round_reports(round_)
        assert sum(dispatch.round_label_counts(round_).values()) == reports.count()
        home = login(world.admin).get(reverse("dispatch:home"))
        shown = {r.pk: r.report_count for r in home.context["rounds"]}
        assert shown[round_.pk] == reports.count()
        # The round page's list of units, from the per-unit counts, equals the list counted from scratch.
        assert list(dispatch.unit_rows(round_)) == list(dispatch.fresh_unit_rows(round_))
        office = login(world.province_office)
        for show, q in (("", ""), ("missing", ""), ("reported", ""), ("", "生态")):
            assert unit_list(office, round_, f"?show={show}&q={q}") == fresh_unit_list(round_, show, q)


def _data(task: Task, **changes: Any) -> TaskData:
    units: dict[str, list[Any]] = {}
    for a in task.assignments.select_related("unit"):
        units.setdefault(a.role, []).append(a.unit)
    values = {"plan": task.plan, "region": task.region, "seq": task.seq, "problem": task.problem, "target": task.target,
              "deadline": task.deadline, "long_term": task.long_term, "measures": [m.text for m in task.measures.all()],
              "units": units, "parent": task.parent}
    values.update(changes)
    return TaskData(**values)


def _report_write(move: int, task: Task, rng: random.Random, rounds: list[ReportingRound], gov: Any) -> int:
    """A report deleted (6: the history keeps it, here the row goes), the second unit's report through the
    service (7), or a report moved to another month by a plain queryset write (8); 1 when the second unit reported."""
    if move == 6:
        report = ProgressReport.objects.filter(task=task, files__isnull=True).first()
        if report is not None:
            report.delete()
        return 0
    if move == 7:  # assigned first when it is not (a plain create), then its report
        extra, _ = Assignment.objects.get_or_create(task=task, unit=gov.unit, defaults={"role": Assignment.Role.RESPONSIBLE})
        if ProgressReport.objects.filter(task=task, unit=gov.unit).exists():
            return 0
        try:
            dispatch.submit_report(rng.choice(rounds), extra, gov, text="已部署整改。", schedule=rng.choice(SCHEDULES), percent=30)
        except dispatch.DispatchRefused:  # e.g. the task is no longer expected
            return 0
        return 1
    report = ProgressReport.objects.filter(task=task).first()
    month = rng.choice([datetime.date(2026, 11, 1), datetime.date(2026, 12, 1)])
    if report is not None and not ProgressReport.objects.filter(task=task, unit=report.unit_id, period=month).exists():
        ProgressReport.objects.filter(pk=report.pk).update(period=month)
    return 0


@pytest.mark.django_db
def test_counts_follow_random_writes(world: Any, login: Any, make_task: Any) -> None:
    rng = random.Random(14)
    today = timezone.localdate()
    city_round = dispatch.open_round(world.city_office, region=world.city, title="12月市级调度", period_start=datetime.date(2026, 12, 1),
                                     period_end=datetime.date(2026, 12, 31), due_date=datetime.date(2027, 1, 5))
    province_round = dispatch.open_round(world.province_office, region=world.province, title="四季度省级调度",
                                         period_start=datetime.date(2026, 10, 1), period_end=datetime.date(2026, 12, 31),
                                         due_date=datetime.date(2027, 1, 5))
    rounds = [city_round, province_round]
    tasks = [make_task(region=rng.choice([world.county, world.county2, world.city]),
                       deadline=today + datetime.timedelta(days=rng.choice([-30, -1, 5, 90])),
                       units={Assignment.Role.LEAD: [world.unit_city_env], Assignment.Role.RESPONSIBLE: [world.unit_county_env]})
             for _ in range(8)]
    assert_consistent(world, login, rounds)
    county = login(world.county_unit)
    gov = User.objects.create_user("county_gov_unit", password="x", unit=world.unit_county_gov)
    RoleGrant.objects.create(user=gov, role=Role.RESPONSIBLE_UNIT, unit=world.unit_county_gov)
    gov_reports = 0
    for step in range(60):
        task = Task.objects.get(pk=rng.choice(tasks).pk)
        move = rng.randrange(9)
        if move == 0:  # a report through the page (new, or a new version with another label)
            assignment = task.assignments.get(unit=world.unit_county_env, role=Assignment.Role.RESPONSIBLE)
            existing = ProgressReport.objects.filter(task=task, unit=world.unit_county_env).first()
            county.post(reverse("dispatch:report_form", args=[rng.choice(rounds).uuid, assignment.uuid]),
                        {"text": f"第{step}次报送：已完成排查。", "schedule": rng.choice(SCHEDULES), "percent": "50",
                         "version": existing.version if existing else 0})
        elif move == 1:  # the task starts, or is sent through the states by the service
            target = rng.choice([TaskState.IN_PROGRESS, TaskState.APPLIED, TaskState.ACCEPTED, TaskState.REOPENED])
            if target in TASK_TRANSITIONS[task.state]:
                transition_task(task, target, reason="测试")
        elif move == 2:  # moved to another county, turned long-term or dated, through the service
            update_task(task, _data(task, region=rng.choice([world.county, world.county2]), long_term=rng.random() < 0.3),
                        expected_version=task.version, reason="调整")
        elif move == 3:  # a second unit assigned, or removed again (no report of its own)
            units = _data(task).units
            extra = world.unit_county_gov
            responsible = units.get(Assignment.Role.RESPONSIBLE, [])
            units[Assignment.Role.RESPONSIBLE] = ([u for u in responsible if u != extra] if extra in responsible
                                                  else [*responsible, extra])
            with contextlib.suppress(TaskRefused):  # a unit with a report stays
                update_task(task, _data(task, units=units), expected_version=task.version, reason="调整分工")
        elif move == 4:  # a plain queryset write, outside the services
            Task.objects.filter(pk=task.pk).update(state=rng.choice(list(TaskState)), needs_completion=rng.random() < 0.5)
        elif move == 5:  # the same unit in a second role (a pair counted once), then dropped
            assignment, made = Assignment.objects.get_or_create(task=task, unit=world.unit_county_env, role=Assignment.Role.LEAD)
            if not made and not assignment.progress_reports.exists():
                assignment.delete()
        else:
            gov_reports += _report_write(move, task, rng, rounds, gov)
        if step % 8 == 7:
            assert_consistent(world, login, rounds)
    assert_consistent(world, login, rounds)
    assert ProgressReport.objects.exists() and gov_reports > 0


@pytest.mark.django_db
def test_check_finds_a_tampered_count_and_repair_fixes_it(world: Any, make_task: Any, capsys: Any) -> None:
    for _ in range(3):
        make_task()
    call_command("check_counters")
    row = TaskCount.objects.get(region_path=world.county.path, state=TaskState.ASSIGNED)
    assert row.n == 3
    TaskCount.objects.filter(pk=row.pk).update(n=7)
    TaskCount.objects.create(region_path=world.county2.path, state=TaskState.CLOSED, needs_completion=False, n=2)
    with pytest.raises(CommandError, match="计数表不一致"):
        call_command("check_counters")
    assert "记录 7，实际 3" in capsys.readouterr().err
    call_command("check_counters", "--repair")
    assert TaskCount.objects.get(region_path=world.county.path, state=TaskState.ASSIGNED).n == 3
    assert counters.check_all()["tasks"] == []
    # The task assignments' counts likewise (two per task).
    AssignmentCount.objects.filter(region_path=world.county.path).update(n=2)
    with pytest.raises(CommandError, match="计数表不一致"):
        call_command("check_counters")
    assert "assignments" in capsys.readouterr().err
    call_command("check_counters", "--repair")
    assert AssignmentCount.objects.get(region_path=world.county.path).n == 6
    # The audit check reports the counts too.
    TaskCount.objects.filter(region_path=world.county.path).update(n=1)
    with pytest.raises(CommandError, match="计数表校验失败"):
        call_command("audit_verify", "--no-seal")


@pytest.mark.django_db
def test_check_finds_tampered_unit_counts_and_repair_fixes_them(world: Any, make_task: Any, login: Any, capsys: Any) -> None:
    task = make_task(region=world.county)
    transition_task(task, TaskState.IN_PROGRESS, reason="开始")
    round_ = dispatch.open_round(world.city_office, region=world.city, title="12月市级调度", period_start=datetime.date(2026, 12, 1),
                                 period_end=datetime.date(2026, 12, 31), due_date=datetime.date(2027, 1, 5))
    assignment = task.assignments.get(unit=world.unit_county_env)
    dispatch.submit_report(round_, assignment, world.county_unit, text="已完成排查。", schedule="on_schedule")
    office = login(world.city_office)
    before = unit_list(office, round_)
    assert (world.unit_county_env.pk, "区生态环境分局", 1, 1, 0) in before
    UnitPairCount.objects.filter(unit=world.unit_county_env).update(n=5)
    UnitReportCount.objects.create(unit=world.unit_city_env, period=round_.report_period, region_path=world.county.path, n=1)
    assert unit_list(office, round_) != before  # the page reads the counts
    with pytest.raises(CommandError, match="计数表不一致"):
        call_command("check_counters")
    err = capsys.readouterr().err
    assert "unit_pairs" in err and "记录 5，实际 1" in err and "unit_reports" in err
    with pytest.raises(CommandError, match="计数表校验失败"):
        call_command("audit_verify", "--no-seal")
    call_command("check_counters", "--repair")
    assert counters.check_all() == ALL_CONSISTENT
    assert unit_list(office, round_) == before == fresh_unit_list(round_)


def counted(model: Any, **key: Any) -> int:
    """A key's count: the sum of its shards' rows."""
    return int(model.objects.filter(**key).aggregate(n=Sum("n"))["n"] or 0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks of concurrent writers: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_lose_no_count(world: Any, make_task: Any, counter_shard: Any) -> None:
    counter_shard(1)
    tasks = [make_task(region=world.county) for _ in range(12)]
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def work(shard: int, chunk: list[Task]) -> None:
        try:
            with connection.cursor() as cursor:  # two threads per shard: rows shared, and rows apart
                cursor.execute("SELECT set_config('rectify.counter_shard', %s, false)", [str(shard)])
            barrier.wait()
            for task in chunk:
                with transaction.atomic():  # same counter keys in every thread: (county, assigned) → (county, in_progress)
                    Task.objects.filter(pk=task.pk).update(state=TaskState.IN_PROGRESS)
                    Assignment.objects.create(task=task, unit=world.unit_county_gov, role=Assignment.Role.RESPONSIBLE)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(3 + i // 2, tasks[i::4])) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    in_progress = {"region_path": world.county.path, "state": TaskState.IN_PROGRESS}
    assert counted(TaskCount, **in_progress) == 12
    assert counted(TaskCount, region_path=world.county.path, state=TaskState.ASSIGNED) == 0
    assert counted(UnitPairCount, region_path=world.county.path, unit=world.unit_county_gov) == 12
    assert set(TaskCount.objects.filter(**in_progress).values_list("shard", "n")) == {(3, 6), (4, 6)}
    # A decrement in a shard the increment did not land in: the key's rows sum right, one of them negative.
    assert set(TaskCount.objects.filter(region_path=world.county.path, state=TaskState.ASSIGNED).values_list("shard", "n")) == {
        (1, 12), (3, -6), (4, -6)}
    assert counters.check_all() == ALL_CONSISTENT
    # The prune folds each key's shards into one row and deletes the keys at 0.
    counters.prune_all()
    assert set(TaskCount.objects.filter(region_path=world.county.path).values_list("state", "n")) == {(TaskState.IN_PROGRESS, 12)}
    assert counters.check_all() == ALL_CONSISTENT

