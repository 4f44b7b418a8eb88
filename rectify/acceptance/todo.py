"""待我处理: the lists of acceptance (验收销号), registered with ``rectify.notifications.todo`` when the app starts
(``AcceptanceConfig.ready``); the table of which role sees which list stays there."""
from __future__ import annotations

import datetime

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from rectify.accounts.permissions import can
from rectify.accounts.roles import Role
from rectify.core.types import AuthedUser
from rectify.notifications.todo import Pending, TodoEntry, file_entry, listed, role_tasks, task_text, todo_list
from rectify.tasks.states import TaskState
from rectify.tasks.through import through_tasks

from .models import AcceptanceApplication, Announcement, Filing, Objection


@todo_list("applications_to_review")
def applications_to_review(user: AuthedUser, limit: int) -> Pending:
    rows = (AcceptanceApplication.objects.filter(through_tasks(user, "task", role_tasks(user, Role.REVIEWER)), status=AcceptanceApplication.Status.PENDING)
            .exclude(applicant=user).select_related("task", "unit").order_by("created_at", "id"))
    return listed("applications_to_review", "待验收的申请", rows,
                  lambda a: TodoEntry(task_text(a.task), reverse("acceptance:review", args=[a.uuid]),
                                      f"{a.unit or ''} {timezone.localtime(a.created_at):%Y-%m-%d}申请"), limit)


@todo_list("announcements_ended")
def announcements_ended(user: AuthedUser, limit: int, today: datetime.date | None = None) -> Pending:
    """Tasks in announcement whose latest period has ended with no objection open or upheld: ready to close.
    Read in ``announcement_announced_end``: the latest announcement (``is_latest``) of each task in announcement
    (``task_state``, both kept by triggers), by the day it ends — a few rows, already in the list's order —
    not every ended announcement of the country compared with its task's others. A row is the announcement,
    its task's end date as ``latest_end``.

    Counted from the scope's tasks in announcement (the index on region path and state: a province office's ~400
    at 300,000 tasks, not its ~10,000 hashed against the country's ended announcements: 7.1 → 1.9 ms a count, planning included); its first
    rows are read in the order of the ends (joining ~400 tasks before sorting them took longer)."""
    today = today or timezone.localdate()

    def ended(scope: Q) -> QuerySet[Announcement]:
        blocking = Objection.objects.filter(announcement_id=OuterRef("pk")).exclude(resolution=Objection.Resolution.REJECTED)
        return (Announcement.objects.filter(scope, is_latest=True, task_state=TaskState.ANNOUNCED, ends_on__lt=today)
                .exclude(Exists(blocking)))

    office_tasks = role_tasks(user, Role.OFFICE)
    rows = (ended(through_tasks(user, "task", office_tasks)).annotate(latest_end=F("ends_on"))
            .select_related("task").order_by("ends_on", "task_id"))
    counted = ended(through_tasks(user, "task", office_tasks.filter(state=TaskState.ANNOUNCED)))  # as task_state says
    return listed("announcements_ended", "公示期满待销号", rows, lambda a: file_entry(a.task, f"{a.latest_end:%Y-%m-%d}期满"),
                  limit, counted)


@todo_list("objections_open")
def objections_open(user: AuthedUser, limit: int) -> Pending:
    rows = (Objection.objects.filter(through_tasks(user, "announcement__task", role_tasks(user, Role.OFFICE)), resolution="")
            .select_related("announcement__task").order_by("received_on", "id"))
    return listed("objections_open", "待处理的公示异议", rows,
                  lambda o: file_entry(o.announcement.task, f"{o.received_on:%Y-%m-%d}收到"), limit)


@todo_list("filings_to_acknowledge")
def filings_to_acknowledge(user: AuthedUser, limit: int) -> Pending:
    rows = Filing.objects.visible_to(user).filter(acknowledged_at__isnull=True)
    if not can(user, "acceptance.acknowledge_own"):
        rows = rows.exclude(filed_by=user)
    rows = rows.select_related("closure__task").order_by("filed_at", "id")
    return listed("filings_to_acknowledge", "待确认的销号备案", rows,
                  lambda f: TodoEntry(f"{f.closure.number} {task_text(f.closure.task)}", reverse("acceptance:filings")), limit)
