"""Reading dispatch: expected assignments, rounds and reports a person sees, counts of a round."""
from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import connections, router
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from rectify.accounts.roles import UNIT_ROLES
from rectify.accounts.scope import own_unit_ids, unit_ids
from rectify.core import generations
from rectify.core.planner import SubplanExists
from rectify.core.reads import Read
from rectify.core.types import AnyUser, AuthedUser
from rectify.regions.models import Region
from rectify.regions.paths import all_path_prefixes
from rectify.tasks.models import Assignment, Task, overdue_q
from rectify.tasks.states import OPEN_STATES

from ..models import PairCount, ProgressReport, ReportCount, ReportingRound, UnitPairCount, UnitReportCount


def expected_assignments(round_: ReportingRound) -> QuerySet[Assignment]:
    """Every open assignment in the round's region subtree: its task is open or long-term."""
    return Assignment.objects.filter(task__region__path__startswith=round_.region.path).filter(
        Q(task__state__in=list(OPEN_STATES)) | Q(task__long_term=True)
    )


def my_assignments(user: AnyUser) -> QuerySet[Assignment]:
    """Open assignments of the user's units (牵头单位 / 责任单位 roles)."""
    return Assignment.objects.filter(unit_id__in=unit_ids(user)).filter(
        Q(task__state__in=list(OPEN_STATES)) | Q(task__long_term=True)
    )


def visible_rounds(user: AnyUser) -> QuerySet[ReportingRound]:
    """Rounds over the user's region subtrees, plus rounds in which the user's units must report."""
    return ReportingRound.objects.visible_to(user)


def reviews_for(user: AuthedUser) -> QuerySet[ProgressReport]:
    """Submitted reports waiting for the user's lead unit: other units' reports on tasks it leads."""
    mine = unit_ids(user)
    own = own_unit_ids(user)
    leads_task = Assignment.objects.filter(task=OuterRef("task"), role=Assignment.Role.LEAD)
    return (ProgressReport.objects.filter(status=ProgressReport.Status.SUBMITTED)
            .filter(Exists(leads_task.filter(unit_id__in=mine)))
            .exclude(Exists(leads_task.filter(unit=OuterRef("unit"))))
            .exclude(unit_id__in=own).exclude(submitted_by=user))


def report_for(round_: ReportingRound, assignment: Assignment) -> ProgressReport | None:
    """The unit's report on the assignment's task for the round's month, whichever round it came through."""
    return ProgressReport.objects.filter(task_id=assignment.task_id, unit_id=assignment.unit_id,
                                         period=round_.report_period).first()


def round_reports(round_: ReportingRound, reports: QuerySet[ProgressReport] | None = None) -> QuerySet[ProgressReport]:
    """Every report a round counts (of ``reports``, when given): its month, tasks in its region subtree that it expects."""
    return (ProgressReport.objects.all() if reports is None else reports).filter(period=round_.report_period, task__region__path__startswith=round_.region.path).filter(
        Q(task__state__in=list(OPEN_STATES)) | Q(task__long_term=True)
    )


def open_round_for(report: ProgressReport, user: AnyUser) -> ReportingRound | None:
    """An open round through which the user may edit ``report``: its own round, else another level's round
    of the same month over the task's region."""
    rounds = visible_rounds(user).filter(status=ReportingRound.Status.OPEN, report_period=report.period)
    paths = all_path_prefixes([report.task.region.path])
    return (rounds.filter(pk=report.round_id).first()
            or rounds.filter(region__path__in=paths).order_by("due_date", "id").first())


def _reported(round_: ReportingRound) -> Exists:
    """For an assignment row: its unit has reported on its task for the round's month."""
    return _reported_for(round_.report_period)


def _reported_for(period: Any) -> Exists:
    return Exists(ProgressReport.objects.filter(task=OuterRef("task"), unit=OuterRef("unit"), period=period))


def expected_pairs(round_: ReportingRound) -> QuerySet[Any]:
    """(task, unit) pairs the round expects a report from: a unit reports once per task, whatever its roles."""
    return expected_assignments(round_).values("task_id", "unit_id").distinct()


def round_counts(round_: ReportingRound) -> tuple[int, int]:
    """(expected, reported) reports of the round, from the maintained counts (``dispatch.counters``): the
    pairs under the round's path, and its month's reports under it (a report is its unit's on its own
    assignment, which cannot be removed while the report exists: each counted report is an expected pair
    reported, as ``fresh_round_counts`` counts them)."""
    expected = PairCount.objects.filter(region_path__startswith=round_.region.path).aggregate(n=Sum("n"))["n"]
    return int(expected or 0), sum(round_label_counts(round_).values())


def round_label_counts(round_: ReportingRound) -> dict[str, int]:
    """The round's reports per 序时进度 label, from the maintained counts."""
    rows = (ReportCount.objects.filter(period=round_.report_period, region_path__startswith=round_.region.path)
            .values_list("schedule").annotate(total=Sum("n")).order_by())
    return {schedule: int(total) for schedule, total in rows if total}


def fresh_round_counts(round_: ReportingRound) -> tuple[int, int]:
    """(expected, reported) counted from the assignments and reports (the check of ``round_counts``)."""
    reported = expected_assignments(round_).filter(_reported(round_)).values("task_id", "unit_id").distinct()
    return expected_pairs(round_).count(), reported.count()


def overdue_tasks(round_: ReportingRound, today: datetime.date | None = None) -> QuerySet[Task]:
    """Overdue tasks the round expects reports on (with an assignment): the subtree's range of an index of
    the tasks, each probed in the assignments' task index, index only and in one process (``core.planner``)."""
    return (Task.objects.filter(overdue_q(today), region_path__startswith=round_.region.path)
            .filter(SubplanExists(Assignment.objects.filter(task=OuterRef("pk")))))


def overdue_task_count(round_: ReportingRound, today: datetime.date | None = None) -> int:
    return overdue_tasks(round_, today).count()


def unit_rows(round_: ReportingRound) -> QuerySet[Any]:
    """Per unit: expected and reported counts of tasks (a query of dicts, ordered by unit name), from the
    maintained counts (``dispatch.counters``): each unit's pairs under the round's path, and its reports of
    the round's month under it (one index range per unit listed); ``fresh_unit_rows`` counts the same."""
    path = round_.region.path
    reported = (UnitReportCount.objects.filter(unit_id=OuterRef("unit_id"), period=round_.report_period, region_path__startswith=path)
                .order_by().values("unit_id").annotate(total=Sum("n")).values("total"))
    return (UnitPairCount.objects.filter(region_path__startswith=path).values("unit_id", "unit__name")
            .annotate(expected=Sum("n"), reported=Coalesce(Subquery(reported), 0)).filter(expected__gt=0)
            .order_by("unit__name", "unit_id"))


def unit_row_count(round_: ReportingRound) -> int:
    """How many rows ``unit_rows`` has: its units counted from the pair counts alone. The count of
    ``unit_rows`` itself joined every unit (a scan of the units table) and summed each unit's reports."""
    return (UnitPairCount.objects.filter(region_path__startswith=round_.region.path).values("unit_id")
            .annotate(expected=Sum("n")).filter(expected__gt=0).order_by().count())


def fresh_unit_rows(round_: ReportingRound) -> QuerySet[Any]:
    """``unit_rows`` counted from the assignments and reports (the check of the counts)."""
    return (expected_assignments(round_).annotate(has_report=_reported(round_)).values("unit_id", "unit__name")
            .annotate(expected=Count("task_id", distinct=True),
                      reported=Count("task_id", filter=Q(has_report=True), distinct=True))
            .order_by("unit__name", "unit_id"))


def missing_unit_ids(round_: ReportingRound) -> list[int]:
    return list(expected_assignments(round_).exclude(_reported(round_)).values_list("unit_id", flat=True).distinct())


def latest_due_rounds(prefixes: Iterable[str], today: datetime.date) -> dict[str, tuple[Any, Any]]:
    """Region path → (period end, report period) of the latest round already due over each of ``prefixes``
    that has one: kept until a round or a region changes, or the day does (``core.generations``)."""
    wanted = sorted(set(prefixes))

    def latest() -> dict[str, tuple[Any, Any]]:
        found: dict[str, tuple[Any, Any]] = {}
        for path, period_end, period in (ReportingRound.objects.filter(due_date__lt=today, region__path__in=wanted)
                                         .order_by("-due_date", "-id").values_list("region__path", "period_end", "report_period")):
            found.setdefault(path, (period_end, period))
        return found

    return generations.cached([ReportingRound, Region], ("latest due rounds", today, tuple(wanted)), latest)


def missing_report_task_ids(task_paths: dict[int, str], today: datetime.date) -> set[int]:
    """Of the tasks (id → region path), those with a unit that did not report for the latest round already
    due over the task's region (one query for the rounds, kept, and one for the reports of them all:
    ``missing_reports_read`` alone)."""
    read = missing_reports_read(task_paths, today)
    return {task_id for (task_id,) in read.run()} if read is not None else set()


def missing_reports_read(task_paths: dict[int, str], today: datetime.date) -> Read | None:
    """The read of the tasks (id → region path) with a unit that did not report for the latest round already
    due over the task's region (rows: a task id, once per such unit), None when no round is due over them:
    run alone by ``missing_report_task_ids``, with a page's other reads by its lights (``supervision.schedule``).

    Only tasks that existed by the end of that round's period (its last day, local time) are expected to
    have reported.
    """
    tasks = list(task_paths.items())
    latest = latest_due_rounds(all_path_prefixes(path for _, path in tasks), today)
    rounds = [(ids, period_end, period) for round_path, (period_end, period) in sorted(latest.items())
              if (ids := [pk for pk, path in tasks if path.startswith(round_path)])]
    if not rounds:
        return None
    body, params = _missing_reports_sql(rounds)
    return Read(Assignment, (("a.task_id", "integer"),), body, tuple(params))


def _missing_reports_sql(rounds: list[tuple[list[int], datetime.date, datetime.date]]) -> tuple[str, list[Any]]:
    """The FROM and WHERE of one statement for every round: the assignments of each round's tasks entered by
    the end of its period whose unit has no report on the task for its month. Written here rather than by the
    ORM, whose compilation of the query per round (its ``NOT EXISTS`` most) cost ~2 ms of CPU per ledger
    page, the statement alone ~0.2 ms. The day's end is an instant, so the task's creation time is compared as
    stored (``created_at__date__lte`` cast each row's to a date in the current time zone: the same tasks)."""
    connection = connections[router.db_for_read(Assignment)]
    conditions: list[str] = []
    params: list[Any] = []
    for ids, period_end, period in rounds:
        day_after = timezone.make_aware(datetime.datetime.combine(period_end + datetime.timedelta(days=1), datetime.time.min))
        conditions.append(f"(a.task_id IN ({', '.join(['%s'] * len(ids))}) AND t.created_at < %s AND NOT EXISTS ("  # noqa: S608
                          f"SELECT 1 FROM {ProgressReport._meta.db_table} r "
                          "WHERE r.task_id = a.task_id AND r.unit_id = a.unit_id AND r.period = %s))")
        params += [*ids, connection.ops.adapt_datetimefield_value(day_after), connection.ops.adapt_datefield_value(period)]
    body = (f"FROM {Assignment._meta.db_table} a JOIN {Task._meta.db_table} t ON t.id = a.task_id "  # noqa: S608
            f"WHERE {' OR '.join(conditions)}")
    return body, params


def unit_users(unit_id_list: Iterable[int]) -> QuerySet[AuthedUser]:
    from rectify.accounts.models import User

    return User.objects.filter(is_active=True, role_grants__role__in=list(UNIT_ROLES),
                               role_grants__unit_id__in=list(unit_id_list)).distinct()
