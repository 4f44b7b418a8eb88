"""待我处理: the lists of reporting (调度), registered with ``rectify.notifications.todo`` when the app starts
(``DispatchConfig.ready``); the table of which role sees which list stays there."""
from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse

from rectify.accounts.scope import unit_ids
from rectify.core.types import AuthedUser
from rectify.notifications.todo import Pending, TodoEntry, TodoList, listed, task_text, todo_list
from rectify.regions.paths import path_prefixes
from rectify.tasks.models import Assignment, shortened_title, title_text
from rectify.tasks.states import OPEN_STATES

from .models import ProgressReport, ReportingRound


def _report_entry(report: Any) -> TodoEntry:
    task = report.assignment.task
    return TodoEntry(f"{report.unit.name}·{task_text(task)}", reverse("dispatch:report", args=[report.uuid]), report.round.title)


@todo_list("reports_to_review")
def reports_to_review(user: AuthedUser, limit: int) -> Pending:
    """Other units' reports on tasks the user's units lead (only the lead unit reviews them)."""
    led = Assignment.objects.filter(unit_id__in=unit_ids(user), role=Assignment.Role.LEAD).values("task_id")
    rows = (ProgressReport.objects.filter(status=ProgressReport.Status.SUBMITTED, assignment__task_id__in=led)
            .exclude(assignment__role=Assignment.Role.LEAD)
            .select_related("unit", "round", "assignment__task").order_by("submitted_at", "id"))
    return listed("reports_to_review", "待审核的配合单位报送", rows, _report_entry, limit)


@todo_list("returned_reports")
def returned_reports(user: AuthedUser, limit: int) -> Pending:
    rows = (ProgressReport.objects.filter(status=ProgressReport.Status.RETURNED, unit_id__in=unit_ids(user),
                                          round__status=ReportingRound.Status.OPEN)
            .select_related("unit", "round", "assignment__task").order_by("reviewed_at", "id"))
    return listed("returned_reports", "被退回待重新报送", rows, _report_entry, limit)


@todo_list("reports_due", counts_when_called=True)
def reports_due(user: AuthedUser, limit: int) -> TodoList:
    """(open round, assignment) pairs of the user's units with no report yet: three queries in all."""
    ids = unit_ids(user)
    if not ids:
        return TodoList("reports_due", "待报送的调度任务", 0)
    # (id, uuid, unit name, task seq, task region path, title text): a unit may hold hundreds of assignments,
    # read as plain rows with a title's first characters, not as objects with whole tasks
    assignments = list(Assignment.objects.filter(unit_id__in=ids)
                       .filter(Q(task__state__in=list(OPEN_STATES)) | Q(task__long_term=True))
                       .order_by("task__seq", "id")
                       .values_list("pk", "uuid", "unit__name", "task__seq", "task__region__path", title_text()))
    above = {p for a in assignments for p in path_prefixes(a[4])}
    rounds = list(ReportingRound.objects.filter(status=ReportingRound.Status.OPEN, region__path__in=above)
                  .select_related("region").order_by("due_date", "id"))
    if not rounds:
        return TodoList("reports_due", "待报送的调度任务", 0)
    done = set(ProgressReport.objects.filter(round__in=[r.pk for r in rounds], assignment__in=[a[0] for a in assignments])
               .values_list("round_id", "assignment_id"))
    pairs = [(r, a) for r in rounds for a in assignments
             if a[4].startswith(r.region.path) and (r.pk, a[0]) not in done]
    entries = [TodoEntry(f"{unit}·第{seq}号 {shortened_title(text)}", reverse("dispatch:report_form", args=[r.uuid, uuid]),
                         f"{r.title}，{r.due_date:%Y-%m-%d}截止") for r, (_, uuid, unit, seq, _, text) in pairs[:limit]]
    return TodoList("reports_due", "待报送的调度任务", len(pairs), entries)
