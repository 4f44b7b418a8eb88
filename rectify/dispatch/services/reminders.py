"""Reminders to units with missing reports (by hand or by the periodic check)."""
from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from rectify.core.history import record_change
from rectify.core.models import ChangeRecord
from rectify.core.types import AuthedUser

from ..models import Reminder, ReportingRound
from .permissions import DispatchRefused
from .queries import missing_unit_ids, unit_users


def _notify_function() -> Any:
    from rectify.notifications.services import notify

    return notify


def notifications_available() -> bool:
    from rectify.dispatch import services  # the package: tests replace ``_notify_function`` there

    return services._notify_function() is not None


def send_reminder(round_: ReportingRound, *, kind: str, user: AuthedUser | None = None, today: datetime.date | None = None) -> Reminder | None:
    """Notify every unit user with a missing report and record it; None when nothing is missing.

    Automatic kinds are sent at most once per round (a unique constraint guards against two runs at once).
    """
    from rectify.dispatch import services  # the package: tests replace ``_notify_function`` there

    notify = services._notify_function()
    if notify is None:
        raise DispatchRefused("通知功能尚未启用，无法发送提醒")
    with transaction.atomic():
        missing = missing_unit_ids(round_)
        if not missing:
            return None
        from rectify.regions.models import Unit

        names = list(Unit.objects.filter(pk__in=missing).order_by("name").values_list("name", flat=True))
        try:
            with transaction.atomic():
                reminder = Reminder.objects.create(round=round_, kind=kind, sent_by=user,
                                                   units=names)
        except IntegrityError:
            return None
        days = (round_.due_date - (today or timezone.localdate())).days
        when = f"还有 {days} 天截止" if days > 0 else ("今天截止" if days == 0 else f"已超过截止日期 {-days} 天")
        body = (f"“{round_.title}”的进展报送截止日期为{round_.due_date:%Y年%m月%d日}（{when}），"
                f"贵单位尚有任务未报送，请尽快登录系统报送进展情况和佐证材料。")
        url = reverse("dispatch:round", args=[round_.uuid])
        recipients = notify(list(unit_users(missing)), f"调度报送提醒：{round_.title}", body, url, email=True)
        reminder.recipients = int(recipients or 0)
        reminder.save(update_fields=["recipients"])
        from rectify.notifications.recipients import units_without_users

        no_account = units_without_users(missing)  # units nobody can receive it for: the office must reach them
        reminder.no_account = no_account  # type: ignore[attr-defined]
        record_change(round_, ChangeRecord.Action.UPDATE, after={"reminder": reminder.get_kind_display(), "units": names,
                                                                 "recipients": reminder.recipients, "no_account": no_account},
                      reason=f"报送提醒：{reminder.get_kind_display()}", user=user)
        return reminder
