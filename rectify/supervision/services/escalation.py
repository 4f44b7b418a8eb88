"""Escalation: a notice whose step limit has passed is marked escalated, once."""
from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from rectify.core.actions import Action

from ..models import SupervisionNotice
from .constants import Status, Step

# ---------------------------------------------------------------- escalation

def late_q(today: datetime.date) -> Q:
    """Notices whose current step limit has passed (escalated ones included)."""
    return (
        Q(arranged_at__isnull=True, arranged_by__lt=today)
        | Q(arranged_at__isnull=False, reported_at__isnull=True, first_report_by__lt=today)
        | Q(reported_at__isnull=False, done_at__isnull=True, done_by__lt=today)
    ) & ~Q(status=Status.CLOSED)


def late_step_q(step: str, today: datetime.date) -> Q:
    if step == Step.ARRANGE:
        return Q(arranged_at__isnull=True, arranged_by__lt=today) & ~Q(status=Status.CLOSED)
    if step == Step.REPORT:
        return Q(arranged_at__isnull=False, reported_at__isnull=True, first_report_by__lt=today) & ~Q(status=Status.CLOSED)
    return Q(reported_at__isnull=False, done_at__isnull=True, done_by__lt=today) & ~Q(status=Status.CLOSED)


def escalate_overdue(today: datetime.date | None = None) -> int:
    """Mark every notice whose current step limit has passed as escalated; each once."""
    today = today or timezone.localdate()
    done = 0
    ids = list(SupervisionNotice.objects.filter(late_q(today)).exclude(status=Status.ESCALATED).values_list("pk", flat=True))
    for pk in ids:
        if _escalate_one(pk, today):
            done += 1
    return done


ESCALATE = Action(SupervisionNotice, reason="升级督办", select_related=("task", "region__parent"))


def _escalate_one(pk: int, today: datetime.date) -> bool:
    with ESCALATE(pk, None) as act:
        notice = act.obj
        if notice.status in (Status.ESCALATED, Status.CLOSED) or not notice.is_late(today):
            return False
        step = notice.current_step
        notice.status = Status.ESCALATED
        notice.escalated_at = timezone.now()
        notice.escalated_step = step
        due = notice.due_for(step)
        act.save(["status", "escalated_at", "escalated_step"], reason=f"{Step(step).label}逾期（时限{due:%Y年%m月%d日}），升级督办")
    return True
