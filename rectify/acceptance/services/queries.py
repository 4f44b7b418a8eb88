"""Reading acceptance records: the rule in force, the current announcement, closures, candidates, filings, whom to tell."""
from __future__ import annotations

import datetime
from typing import Any

from django.db import models

from rectify.accounts.roles import Role
from rectify.core.types import AnyUser, AuthedUser
from rectify.regions.models import Region
from rectify.regions.paths import path_prefixes
from rectify.tasks.models import Task
from rectify.tasks.states import TaskState

from ..models import (
    DEFAULT_ANNOUNCEMENT_DAYS,
    AcceptanceApplication,
    Announcement,
    AnnouncementRule,
    Closure,
    Filing,
    LookBack,
)


def announcement_days(region: Region) -> int:
    """The nearest rule up the region path wins; without any, 5 working days."""
    prefixes = path_prefixes(region.path)
    rules = {r.region.path: r.working_days for r in AnnouncementRule.objects.filter(region__path__in=prefixes).select_related("region")}
    for prefix in reversed(prefixes):
        if prefix in rules:
            return rules[prefix]
    return DEFAULT_ANNOUNCEMENT_DAYS


def current_announcement(task: Task) -> Announcement | None:
    return task.announcements.order_by("-id").first()


def accepted_application(task: Task) -> AcceptanceApplication | None:
    return task.acceptance_applications.filter(status=AcceptanceApplication.Status.ACCEPTED).order_by("-id").first()


def latest_closure(task: Task) -> Closure | None:
    return task.closures.order_by("-id").first()


def closure_history(task: Task) -> list[dict[str, Any]]:
    """The task's closures in order, each with its look-backs: closed → relapse → reopened → closed again."""
    closures = list(task.closures.order_by("id").prefetch_related("look_backs__checker", "look_backs__evidence"))
    return [{"closure": c, "look_backs": sorted(c.look_backs.all(), key=lambda lb: (lb.scheduled_for, lb.id))} for c in closures]


def look_back_candidates(user: AnyUser, *, inspection: Any = None, closed_before: datetime.date | None = None) -> Any:
    """Closed tasks in the user's office subtree without a pending look-back, optionally of one
    inspection and closed (their latest closure) on or before ``closed_before``."""
    from django.db.models import Exists, Max, OuterRef

    tasks = Task.objects.visible_to(user, roles={Role.OFFICE})
    pending = LookBack.objects.filter(task=OuterRef("pk"), result=LookBack.Result.PENDING)
    tasks = tasks.filter(state=TaskState.CLOSED).exclude(Exists(pending))
    if inspection is not None:
        tasks = tasks.filter(inspection=inspection)
    closed = tasks.annotate(last_closed_on=Max("closures__closed_on"))
    if closed_before is not None:
        closed = closed.filter(last_closed_on__lte=closed_before)
    return closed.order_by("region__path", "seq", "id")


def filing_region(task: Task) -> Region:
    """Where a closure is filed: the parent of the task's region; a province files with itself."""
    return task.region.parent or task.region


def received_filings(user: AnyUser) -> Any:
    """Filings sent to the user's office subtree (every filing for an administrator), unacknowledged first."""
    return unacknowledged_first(Filing.objects.visible_to(user))


def unacknowledged_first(filings: models.QuerySet[Filing]) -> models.QuerySet[Filing]:
    """Filings in the order of the filing list: unacknowledged first, then the latest filed."""
    done = models.ExpressionWrapper(models.Q(acknowledged_at__isnull=False), output_field=models.BooleanField())
    return filings.annotate(done=done).order_by("done", "-filed_at", "-id")


def office_users(region: Region) -> list[AuthedUser]:
    """The active users of the nearest rectification office up the region path."""
    from rectify.accounts.models import RoleGrant

    prefixes = path_prefixes(region.path)
    grants = list(RoleGrant.objects.filter(role=Role.OFFICE, region__path__in=prefixes, user__is_active=True)
                  .select_related("user", "region"))
    if not grants:
        return []
    deepest = max(len(g.region.path) for g in grants if g.region is not None)
    return [g.user for g in grants if g.region is not None and len(g.region.path) == deepest]


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` calendar months earlier (the month's last day where it is shorter)."""
    import calendar

    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
