"""``rectify generate``'s filler of notifications (通知): each generated login has been told of the steps of the tasks in
its scope, as the hand-offs (``handoffs.HANDOFFS``) tell people — reports to review, acceptance, announcements and
closures, supervision notices — about ``PER_TASK`` notifications a task, spread over the ``KEEP_READ_DAYS`` the purge
job keeps read ones. Most are read a few hours to days after they came; of the last month's about half are not yet,
of older ones a few never were (a backlog: what the top bar's badge and the list must count and page through).
"""
from __future__ import annotations

import datetime
from collections.abc import Callable

from django.urls import reverse
from django.utils import timezone

from rectify.core.bulk import insert
from rectify.core.fill import Context, register
from rectify.tasks.models import Task

from .jobs import KEEP_READ_DAYS
from .models import Notification

PER_TASK = 1.5
UNREAD_RECENT = 0.5  # of the last RECENT_DAYS' notifications
UNREAD_OLDER = 0.05
RECENT_DAYS = 30
BATCH = 20_000

# What the hand-offs say of a task's steps (a task's label: its number and region).
TITLES: tuple[Callable[[str], str], ...] = (
    lambda task: f"进展报送待审核：{task}",
    lambda task: f"进展报送被退回：{task}",
    lambda task: f"验收申请待验收：{task}",
    lambda task: f"验收通过，待发布销号公示：{task}",
    lambda task: f"销号公示已发布：{task}",
    lambda task: f"整改任务已销号：{task}",
    lambda task: f"收到督办单：{task}，请按时限部署",
)


@register(60, "通知", large=["notifications.Notification"])
def fill_notifications(ctx: Context) -> None:
    now = timezone.now()
    written = 0
    for user in ctx.data.get("users", {}).values():
        tasks = list(Task.objects.visible_to(user).order_by().values_list("uuid", "seq", "region__name"))
        rows: list[Notification] = []
        for _ in range(round(len(tasks) * PER_TASK)):
            uuid, seq, region = ctx.rng.choice(tasks)
            age = datetime.timedelta(minutes=ctx.rng.uniform(0, KEEP_READ_DAYS * 24 * 60))
            created = now - age
            unread = ctx.rng.random() < (UNREAD_RECENT if age.days < RECENT_DAYS else UNREAD_OLDER)
            read_at = None if unread else min(now, created + datetime.timedelta(hours=ctx.rng.uniform(1, 96)))
            rows.append(Notification(recipient=user, title=ctx.rng.choice(TITLES)(f"第{seq}号整改任务（{region}）"),
                                     url=reverse("tasks:detail", args=[uuid]), created_at=created, read_at=read_at))
            if len(rows) == BATCH:
                insert(rows)
                written, rows = written + len(rows), []
        insert(rows)
        written += len(rows)
    ctx.wrote("通知", written)
