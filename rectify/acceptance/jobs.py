"""Periodic checks of the acceptance loop (run by ``rectify.jobs``): each is idempotent — a
flag on the record says its notice went out, so running twice tells nobody twice."""
from __future__ import annotations

import datetime

from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from rectify.core.types import AuthedUser
from rectify.jobs.registry import periodic
from rectify.tasks.states import TaskState

from .models import Announcement, LookBack, Objection
from .services import office_users


def _notify(users: list[AuthedUser], title: str, body: str, url: str) -> int:
    from rectify.notifications.services import notify

    return notify(users, title, body, url, email=True)


@periodic("acceptance.lookbacks_due", every_minutes=1440)
def lookbacks_due(today: datetime.date | None = None) -> int:
    """回头看到期提醒：通知安排人和任务所在区域的整改办。"""
    today = today or timezone.localdate()
    done = 0
    due = (LookBack.objects.filter(result=LookBack.Result.PENDING, due_notified=False, scheduled_for__lte=today)
           .select_related("task__region", "closure", "scheduled_by").order_by("id"))
    for look_back in due:
        with transaction.atomic():
            if not LookBack.objects.filter(pk=look_back.pk, due_notified=False).update(due_notified=True):
                continue
            task = look_back.task
            _notify([look_back.scheduled_by, *office_users(task.region)],
                    f"回头看到期：任务 {task.seq}",
                    f"{task.display_title}（{look_back.closure.number}）计划于{look_back.scheduled_for:%Y年%m月%d日}回头看，请组织核查并记录结论。",
                    reverse("acceptance:look_back", args=[look_back.uuid]))
            done += 1
    return done


@periodic("acceptance.announcement_periods_ended", every_minutes=60)
def announcement_periods_ended(today: datetime.date | None = None) -> int:
    """公示期满提醒：公示期已过且无未处理或成立的异议的，通知整改办可以销号。"""
    today = today or timezone.localdate()
    done = 0
    ended = (Announcement.objects.filter(task__state=TaskState.ANNOUNCED, ended_notified=False, ends_on__lt=today, is_latest=True)
             .select_related("task__region").prefetch_related("objections").order_by("id"))
    for announcement in ended:
        task = announcement.task
        if any(o.resolution != Objection.Resolution.REJECTED for o in announcement.objections.all()):
            continue
        with transaction.atomic():
            if not Announcement.objects.filter(pk=announcement.pk, ended_notified=False).update(ended_notified=True):
                continue
            _notify(office_users(task.region), f"公示期满，可以销号：任务 {task.seq}",
                    f"{task.display_title}的销号公示已于{announcement.ends_on:%Y年%m月%d日}期满，无异议，可以销号。",
                    reverse("acceptance:file", args=[task.uuid]))
            done += 1
    return done


@periodic("acceptance.holiday_calendar_next_year", every_minutes=1440)
def holiday_calendar_next_year(today: datetime.date | None = None) -> int:
    """下一年节假日安排未录入提醒：每年 11 月起，每月提醒系统管理员一次（先载入数据包已有的年度）。"""
    from django.db import IntegrityError

    from rectify.accounts.models import User
    from rectify.accounts.roles import Role
    from rectify.core.holidays import load_package_years
    from rectify.core.models import HolidayReminder, HolidayYear
    today = today or timezone.localdate()
    next_year = today.year + 1
    load_package_years()  # a newer chinese-calendar may know more years
    if today.month < 11 or HolidayYear.objects.filter(year=next_year).exists():
        return 0
    try:
        with transaction.atomic():
            HolidayReminder.objects.create(year=next_year, month=today.month)
            admins = list(User.objects.filter(is_active=True).filter(
                models.Q(is_superuser=True) | models.Q(role_grants__role=Role.ADMIN)).distinct())
            _notify(admins, f"请录入{next_year}年节假日安排",
                    f"系统尚未录入{next_year}年的法定节假日和调休安排。国务院办公厅通知发布后，请在“节假日日历”页面录入；"
                    f"未录入前，跨入{next_year}年的公示期和督办时限按周末和法定节假日推算。",
                    reverse("acceptance:holiday_calendar") + f"?year={next_year}")
    except IntegrityError:  # already reminded this month
        return 0
    return 1
