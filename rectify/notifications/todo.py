"""待我处理: what waits for the signed-in user, per role, declared in one table (``TODO_BY_ROLE``).

Each source is a function ``(user, limit) -> TodoList | Pending`` that narrows through
``accounts/scope.py``. A ``Pending`` list is its rows not yet counted: ``todo_for`` counts every pending
list of the page in ONE query (a scalar subquery each) and then loads the first ``limit`` rows of the
lists that are not empty, so the panel costs one query plus one per non-empty list however much is
waiting. A user with several roles gets the union of their roles' lists.
"""
from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from rectify.accounts.permissions import can
from rectify.accounts.roles import Role
from rectify.accounts.scope import unit_ids
from rectify.core.ordering import sorted_after_filter
from rectify.core.types import AnyUser, AuthedUser, signed_in
from rectify.regions.paths import path_prefixes
from rectify.tasks.models import Assignment, Task, overdue_q
from rectify.tasks.states import OPEN_STATES, TaskState

PANEL_LIMIT = 5
PAGE_LIMIT = 50


@dataclass
class TodoEntry:
    text: str
    url: str
    note: str = ""


@dataclass
class TodoList:
    key: str
    label: str
    count: int
    entries: list[TodoEntry] = field(default_factory=list)

    @property
    def rest(self) -> int:
        return self.count - len(self.entries)


@dataclass
class Pending:
    """A list not counted yet: its rows (already select_related and ordered) and how one row reads."""

    key: str
    label: str
    rows: QuerySet[Any]
    entry: Callable[[Any], TodoEntry]
    limit: int

    def resolve(self, count: int) -> TodoList:
        """The list, given its count: the first ``limit`` rows are loaded only when there are any."""
        entries = [self.entry(row) for row in self.rows[:self.limit]] if count else []
        return TodoList(self.key, self.label, count, entries)


Source = Callable[[AuthedUser, int], "TodoList | Pending"]


def _listed(key: str, label: str, rows: QuerySet[Any], entry: Callable[[Any], TodoEntry], limit: int) -> Pending:
    return Pending(key, label, rows, entry, limit)


def count_together(querysets: Sequence[QuerySet[Any]]) -> list[int]:
    """The row count of each query set, in one query: ``SELECT (SELECT COUNT(*) FROM (…)), …``.

    Each count is the query set's own (its filters, joins and DISTINCT), planned by the database as
    ``.count()`` would be; the query sets must share a database."""
    parts: list[str] = []
    params: list[Any] = []
    for qs in querysets:
        try:
            sql, p = qs.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # a filter on an empty list: nothing to count, nothing to ask
            parts.append("0")
            continue
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) counted_{len(parts)})")  # noqa: S608 - SQL compiled by the ORM, values bound
        params.extend(p)
    if all(part == "0" for part in parts):
        return [0] * len(parts)
    with connections[querysets[0].db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return [int(n) for n in row]


def _task_text(task: Task) -> str:
    return f"第{task.seq}号 {task.display_title}"


def _tasks(user: AuthedUser, role: str) -> QuerySet[Task]:
    return Task.objects.visible_to(user, roles={role})


# ---------------------------------------------------------------- 验收人员

def applications_to_review(user: AuthedUser, limit: int) -> Pending:
    from rectify.acceptance.models import AcceptanceApplication

    rows = (AcceptanceApplication.objects.filter(status=AcceptanceApplication.Status.PENDING, task__in=_tasks(user, Role.REVIEWER))
            .exclude(applicant=user).select_related("task__region", "unit").order_by("created_at", "id"))
    return _listed("applications_to_review", "待验收的申请", rows,
                   lambda a: TodoEntry(_task_text(a.task), reverse("acceptance:review", args=[a.uuid]),
                                       f"{a.unit or ''} {timezone.localtime(a.created_at):%Y-%m-%d}申请"), limit)


# ---------------------------------------------------------------- 牵头单位 / 责任单位

def _report_entry(report: Any) -> TodoEntry:
    task = report.assignment.task
    return TodoEntry(f"{report.unit.name}·{_task_text(task)}", reverse("dispatch:report", args=[report.uuid]), report.round.title)


def reports_to_review(user: AuthedUser, limit: int) -> Pending:
    """Other units' reports on tasks the user's units lead (only the lead unit reviews them)."""
    from rectify.dispatch.models import ProgressReport

    led = Assignment.objects.filter(unit_id__in=unit_ids(user), role=Assignment.Role.LEAD).values("task_id")
    rows = (ProgressReport.objects.filter(status=ProgressReport.Status.SUBMITTED, assignment__task_id__in=led)
            .exclude(assignment__role=Assignment.Role.LEAD)
            .select_related("unit", "round", "assignment__task").order_by("submitted_at", "id"))
    return _listed("reports_to_review", "待审核的配合单位报送", rows, _report_entry, limit)


def returned_reports(user: AuthedUser, limit: int) -> Pending:
    from rectify.dispatch.models import ProgressReport, ReportingRound

    rows = (ProgressReport.objects.filter(status=ProgressReport.Status.RETURNED, unit_id__in=unit_ids(user),
                                          round__status=ReportingRound.Status.OPEN)
            .select_related("unit", "round", "assignment__task").order_by("reviewed_at", "id"))
    return _listed("returned_reports", "被退回待重新报送", rows, _report_entry, limit)


def reports_due(user: AuthedUser, limit: int) -> TodoList:
    """(open round, assignment) pairs of the user's units with no report yet: three queries in all."""
    from rectify.dispatch.models import ProgressReport, ReportingRound

    ids = unit_ids(user)
    if not ids:
        return TodoList("reports_due", "待报送的调度任务", 0)
    assignments = list(Assignment.objects.filter(unit_id__in=ids)
                       .filter(Q(task__state__in=list(OPEN_STATES)) | Q(task__long_term=True))
                       .select_related("task__region", "unit").order_by("task__seq", "id"))
    above = {p for a in assignments for p in path_prefixes(a.task.region.path)}
    rounds = list(ReportingRound.objects.filter(status=ReportingRound.Status.OPEN, region__path__in=above)
                  .select_related("region").order_by("due_date", "id"))
    if not rounds:
        return TodoList("reports_due", "待报送的调度任务", 0)
    done = set(ProgressReport.objects.filter(round__in=[r.pk for r in rounds], assignment__in=[a.pk for a in assignments])
               .values_list("round_id", "assignment_id"))
    pairs = [(r, a) for r in rounds for a in assignments
             if a.task.region.path.startswith(r.region.path) and (r.pk, a.pk) not in done]
    entries = [TodoEntry(f"{a.unit.name}·{_task_text(a.task)}", reverse("dispatch:report_form", args=[r.uuid, a.uuid]),
                         f"{r.title}，{r.due_date:%Y-%m-%d}截止") for r, a in pairs[:limit]]
    return TodoList("reports_due", "待报送的调度任务", len(pairs), entries)


def notices_to_handle(user: AuthedUser, limit: int) -> Pending:
    from rectify.supervision.models import SupervisionNotice

    Status = SupervisionNotice.Status
    rows = (SupervisionNotice.objects.filter(units__in=unit_ids(user),
                                             status__in=[Status.ISSUED, Status.ARRANGED, Status.REPORTED, Status.ESCALATED])
            .distinct().select_related("task").order_by("done_by", "id"))
    return _listed("notices_to_handle", "待办理的督办单", rows,
                   lambda n: TodoEntry(f"{n.number} {_task_text(n.task)}", reverse("supervision:detail", args=[n.uuid]),
                                       n.get_status_display()), limit)


def tasks_to_redo(user: AuthedUser, limit: int) -> Pending:
    """Tasks sent back by the reviewers or reopened, on which the user's units apply again."""
    applicants = Assignment.objects.filter(unit_id__in=unit_ids(user),
                                           role__in=[Assignment.Role.LEAD, Assignment.Role.RESPONSIBLE]).values("task_id")
    rows = (Task.objects.filter(pk__in=applicants, state__in=[TaskState.SENT_BACK, TaskState.REOPENED])
            .select_related("region").order_by(sorted_after_filter("deadline", temporal=True), "id"))
    return _listed("tasks_to_redo", "退回或重新整改的任务", rows,
                   lambda t: TodoEntry(_task_text(t), reverse("tasks:detail", args=[t.uuid]), t.get_state_display()), limit)


# ---------------------------------------------------------------- 整改办

def _file_entry(task: Task, note: str = "") -> TodoEntry:
    return TodoEntry(_task_text(task), reverse("acceptance:file", args=[task.uuid]), note)


def tasks_to_announce(user: AuthedUser, limit: int) -> Pending:
    rows = (_tasks(user, Role.OFFICE).filter(state=TaskState.ACCEPTED).select_related("region")
            .order_by(sorted_after_filter("updated_at", temporal=True), "id"))
    return _listed("tasks_to_announce", "已验收待发布公示", rows, lambda t: _file_entry(t, "验收通过"), limit)


def announcements_ended(user: AuthedUser, limit: int, today: datetime.date | None = None) -> Pending:
    """Tasks in announcement whose latest period has ended with no objection open or upheld: ready to close."""
    from rectify.acceptance.models import Announcement, Objection

    today = today or timezone.localdate()
    latest = Announcement.objects.filter(task=OuterRef("pk")).order_by("-id")
    blocking = Objection.objects.filter(announcement_id=OuterRef("latest_id")).exclude(resolution=Objection.Resolution.REJECTED)
    rows = (_tasks(user, Role.OFFICE).filter(state=TaskState.ANNOUNCED)
            .annotate(latest_id=Subquery(latest.values("pk")[:1]), latest_end=Subquery(latest.values("ends_on")[:1]))
            .filter(latest_end__lt=today).exclude(Exists(blocking)).select_related("region").order_by("latest_end", "id"))
    return _listed("announcements_ended", "公示期满待销号", rows, lambda t: _file_entry(t, f"{t.latest_end:%Y-%m-%d}期满"), limit)


def objections_open(user: AuthedUser, limit: int) -> Pending:
    from rectify.acceptance.models import Objection

    rows = (Objection.objects.filter(resolution="", announcement__task__in=_tasks(user, Role.OFFICE))
            .select_related("announcement__task__region").order_by("received_on", "id"))
    return _listed("objections_open", "待处理的公示异议", rows,
                   lambda o: _file_entry(o.announcement.task, f"{o.received_on:%Y-%m-%d}收到"), limit)


def extensions_to_decide(user: AuthedUser, limit: int) -> Pending:
    from rectify.supervision.models import ExtensionRequest

    rows = (ExtensionRequest.objects.filter(decision="", notice__task__in=_tasks(user, Role.OFFICE))
            .select_related("notice__task").order_by("created_at", "id"))
    return _listed("extensions_to_decide", "待审批的延期申请", rows,
                   lambda e: TodoEntry(f"{e.notice.number} {_task_text(e.notice.task)}", reverse("supervision:detail", args=[e.notice.uuid]),
                                       f"申请延至{e.new_date:%Y-%m-%d}"), limit)


def notices_to_review(user: AuthedUser, limit: int) -> Pending:
    from rectify.supervision.models import SupervisionNotice

    rows = (SupervisionNotice.objects.filter(status=SupervisionNotice.Status.DONE, task__in=_tasks(user, Role.OFFICE))
            .select_related("task").order_by("done_at", "id"))
    return _listed("notices_to_review", "已报办结待审核的督办单", rows,
                   lambda n: TodoEntry(f"{n.number} {_task_text(n.task)}", reverse("supervision:detail", args=[n.uuid])), limit)


def filings_to_acknowledge(user: AuthedUser, limit: int) -> Pending:
    from rectify.acceptance.models import Filing

    rows = Filing.objects.visible_to(user).filter(acknowledged_at__isnull=True)
    if not can(user, "acceptance.acknowledge_own"):
        rows = rows.exclude(filed_by=user)
    rows = rows.select_related("closure__task__region").order_by("filed_at", "id")
    return _listed("filings_to_acknowledge", "待确认的销号备案", rows,
                   lambda f: TodoEntry(f"{f.closure.number} {_task_text(f.closure.task)}", reverse("acceptance:filings")), limit)


# ---------------------------------------------------------------- 领导

def overdue_tasks(user: AuthedUser, limit: int) -> Pending:
    rows = _tasks(user, Role.LEADER).filter(overdue_q()).select_related("region").order_by("deadline", "id")
    return _listed("overdue_tasks", "逾期未完成的任务", rows,
                   lambda t: TodoEntry(_task_text(t), reverse("tasks:detail", args=[t.uuid]),
                                       f"{t.deadline:%Y-%m-%d}到期" if t.deadline else ""), limit)


UNIT_SOURCES: list[Source] = [reports_to_review, returned_reports, reports_due, notices_to_handle, tasks_to_redo]
OFFICE_SOURCES: list[Source] = [tasks_to_announce, announcements_ended, objections_open, extensions_to_decide,
                                notices_to_review, filings_to_acknowledge]

TODO_BY_ROLE: dict[str, list[Source]] = {
    Role.REVIEWER: [applications_to_review],
    Role.LEAD_UNIT: UNIT_SOURCES,
    Role.RESPONSIBLE_UNIT: UNIT_SOURCES,
    Role.OFFICE: OFFICE_SOURCES,
    Role.LEADER: [overdue_tasks],
    Role.ADMIN: OFFICE_SOURCES,
}


def sources_for(roles: Iterable[str]) -> list[Source]:
    held = set(roles)
    seen: list[Source] = []
    for role, sources in TODO_BY_ROLE.items():
        for source in sources if role in held else []:
            if source not in seen:
                seen.append(source)
    return seen


def todo_for(user: AnyUser | None, limit: int = PANEL_LIMIT) -> list[TodoList]:
    """Every list of the user's roles, in the table's order (empty ones included: a zero is news too).
    The pending lists are counted together in one query."""
    return todo_and_counts(user, limit)[0]


def todo_and_counts(user: AnyUser | None, limit: int, also: Sequence[QuerySet[Any]] = ()) -> tuple[list[TodoList], list[int]]:
    """``todo_for``, and the counts of ``also`` asked in the same query (the header's unread notifications
    on the page that shows the panel)."""
    if not signed_in(user):
        return [], [0] * len(also)
    found = [source(user, limit) for source in sources_for(user.roles())]
    pending = [item for item in found if isinstance(item, Pending)]
    counted = count_together([*(p.rows for p in pending), *also])
    counts = dict(zip((id(p) for p in pending), counted, strict=False))
    lists = [item.resolve(counts[id(item)]) if isinstance(item, Pending) else item for item in found]
    return lists, counted[len(pending):]
