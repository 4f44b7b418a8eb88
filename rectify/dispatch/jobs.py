"""Periodic checks of dispatch, registered with the jobs app."""
from __future__ import annotations

import datetime
import logging

from django.utils import timezone

from rectify.jobs.registry import periodic

logger = logging.getLogger(__name__)


@periodic("dispatch.remind_missing_reports", every_minutes=60, label="调度报送提醒：截止前 3 天和 1 天提醒未报送进展的责任单位")
def remind_missing_reports(today: datetime.date | None = None) -> int:
    """Remind units with missing reports 3 days and 1 day before a round's due date; returns reminders sent.

    Idempotent: each automatic reminder is recorded once per round (``Reminder``), so a second run sends nothing.
    """
    from .models import Reminder, ReportingRound
    from .services import DispatchRefused, send_reminder

    today = today or timezone.localdate()
    sent = 0
    rounds = ReportingRound.objects.filter(status=ReportingRound.Status.OPEN, due_date__gte=today,
                                           due_date__lte=today + datetime.timedelta(days=3)).select_related("region")
    for round_ in rounds:
        days = (round_.due_date - today).days
        kind = Reminder.Kind.DUE_1 if days <= 1 else Reminder.Kind.DUE_3
        if Reminder.objects.filter(round=round_, kind=kind).exists():
            continue
        try:
            reminder = send_reminder(round_, kind=kind, today=today)
        except DispatchRefused as exc:
            logger.warning("dispatch reminder not sent for %s: %s", round_, exc)
            continue
        if reminder is not None:
            sent += 1
    return sent
