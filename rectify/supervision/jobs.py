"""Periodic supervision checks: escalate late steps, record daily lights, issue notices for repeated yellows.

Each returns how many things it did and is idempotent: running it twice the same day does nothing more.
"""
from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from rectify.jobs.registry import periodic
from rectify.tasks.models import Task
from rectify.tasks.states import DONE_STATES

from . import services
from .models import AutoNoticeCause, LightCheck, SupervisionNotice
from .schedule import YELLOW, annotate_lights, rules_by_task

CHUNK = 500


@periodic("supervision.escalate_overdue_steps", every_minutes=60, label="督办超时升级：办理步骤超过时限的督办单提级督办")
def escalate_overdue_steps(today: datetime.date | None = None) -> int:
    return services.escalate_overdue(today)


@periodic("supervision.issue_for_repeated_yellows", every_minutes=1440, label="预警灯记录：记录每项未完成任务当日的红黄绿灯，连续黄灯自动督办")
def issue_for_repeated_yellows(today: datetime.date | None = None) -> int:
    """Record today's light of every open task; issue a notice after ``escalate_after_yellows`` yellows in a row.

    An automatic notice fires at most once per task and cause (``AutoNoticeCause``, unique while active):
    a cause that already drew one does not draw another until a day when the light no longer shows it.
    """
    today = today or timezone.localdate()
    previous = LightCheck.objects.filter(task=OuterRef("pk"), day__lt=today).order_by("-day")
    open_notice = SupervisionNotice.objects.filter(task=OuterRef("pk")).exclude(status=SupervisionNotice.Status.CLOSED)
    tasks = (
        Task.objects.exclude(state__in=list(DONE_STATES))
        .exclude(light_checks__day=today)
        .annotate(previous_streak=Subquery(previous.values("yellow_streak")[:1]), has_open_notice=Exists(open_notice))
        .prefetch_related("milestones")
        .order_by("pk")
    )
    did = 0
    last = 0
    while True:
        chunk = list(tasks.filter(pk__gt=last)[:CHUNK])
        if not chunk:
            break
        last = chunk[-1].pk
        did += _check_chunk(chunk, today)
    return did


def _check_chunk(chunk: Sequence[Task], today: datetime.date) -> int:
    did = 0
    lights = annotate_lights(chunk, today)
    rules = rules_by_task(chunk)
    active: dict[int, dict[str, AutoNoticeCause]] = {}
    for row in AutoNoticeCause.objects.filter(task__in=chunk, cleared_on__isnull=True):
        active.setdefault(row.task_id, {})[row.cause] = row
    for task in chunk:
        light = lights[task.pk]
        streak = ((getattr(task, "previous_streak", None) or 0) + 1) if light.colour == YELLOW else 0
        try:
            with transaction.atomic():
                LightCheck.objects.create(task=task, day=today, colour=light.colour, reasons=light.reasons, yellow_streak=streak)
        except IntegrityError:
            continue  # another run recorded it meanwhile
        did += 1
        still = _clear_causes(active.get(task.pk, {}), light.causes, today)
        threshold = rules[task.pk].escalate_after_yellows
        if threshold and streak >= threshold and not getattr(task, "has_open_notice", False):
            new = {cause: reason for cause, reason in light.causes.items() if cause not in still}
            if new and _issue_automatic(task, new, streak, today):
                did += 1
    return did


def _clear_causes(active: dict[str, AutoNoticeCause], current: dict[str, str], today: datetime.date) -> set[str]:
    """Clear the active causes the light no longer shows; returns those still active."""
    gone = [row.pk for cause, row in active.items() if cause not in current]
    if gone:
        AutoNoticeCause.objects.filter(pk__in=gone, cleared_on__isnull=True).update(cleared_on=today)
    return {cause for cause in active if cause in current}


def _issue_automatic(task: Task, causes: dict[str, str], streak: int, today: datetime.date) -> bool:
    """Issue one automatic notice for ``causes`` and record them; False when another run recorded them first."""
    units = services.default_units(task)
    if not units:
        return False
    try:
        with transaction.atomic():
            notice = services.issue_notice(
                task, None, units=units, today=today, automatic=True,
                reason=f"连续{streak}次预警黄灯（{'；'.join(causes.values())}），系统自动督办",
            )
            AutoNoticeCause.objects.bulk_create(
                AutoNoticeCause(task=task, cause=cause, reason=reason[:300], notice=notice, raised_on=today)
                for cause, reason in causes.items()
            )
    except IntegrityError:
        return False
    return True
