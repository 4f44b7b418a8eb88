"""``rectify generate``'s filler of the security logs: a year of sign-ins (登录日志) and of reads of personal data
(个人信息访问记录), the two logs that only grow (``ScopedListView.countless`` pages them).

The country's people are not generated, only one login per role (``demo.generate.logins``): the sign-ins are theirs
and those of one account per unit (``unit<id>``, no user row: as a sign-in with a name that has none is recorded),
``SIGN_INS_PER_TASK`` a task, spread over ``DAYS`` — signed in, out, timed out, a wrong password now and then. The
reads of personal data are the offices' exports and views of tasks, ``READS_PER_TASK`` a task, each naming its task.
"""
from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from rectify.accounts.models import LoginEvent, PersonalDataAccess
from rectify.accounts.roles import Role
from rectify.core.bulk import insert
from rectify.core.fill import Context, register
from rectify.regions.models import Unit
from rectify.tasks.models import Task

SIGN_INS_PER_TASK = 5
READS_PER_TASK = 1
DAYS = 365
BATCH = 50_000
KINDS = ((LoginEvent.Kind.LOGIN, True, 0.62), (LoginEvent.Kind.LOGOUT, True, 0.2), (LoginEvent.Kind.TIMEOUT, True, 0.1),
         (LoginEvent.Kind.FAILURE, False, 0.08))
READS = ("台账导出", "导出调度报送", "查看整改任务联系人")
AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def _ip(ctx: Context) -> str:
    return f"10.{ctx.rng.randrange(256)}.{ctx.rng.randrange(256)}.{ctx.rng.randrange(1, 255)}"


def _moment(ctx: Context, now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(seconds=ctx.rng.uniform(0, DAYS * 86400))


@register(35, "登录日志和个人信息访问记录", large=["accounts.LoginEvent", "accounts.PersonalDataAccess"])
def fill_security_logs(ctx: Context) -> None:
    now = timezone.now()
    tasks = Task.objects.count()
    logins = list(ctx.data.get("users", {}).values())
    units = list(Unit.objects.order_by("id").values_list("id", flat=True))
    kinds = [kind for kind, _, _ in KINDS]
    weights = [weight for _, _, weight in KINDS]
    success = {kind: ok for kind, ok, _ in KINDS}
    events: list[LoginEvent] = []
    written = 0
    for _ in range(tasks * SIGN_INS_PER_TASK):
        kind = ctx.rng.choices(kinds, weights)[0]
        user = ctx.rng.choice(logins) if logins and ctx.rng.random() < 0.01 else None
        events.append(LoginEvent(user=user, username=user.username if user else f"unit{ctx.rng.choice(units)}", kind=kind,
                                 success=success[kind], ip=_ip(ctx), user_agent=AGENT, at=_moment(ctx, now)))
        if len(events) == BATCH:
            insert(events)
            written, events = written + len(events), []
    insert(events)
    ctx.wrote("登录日志", written + len(events))
    offices = [user for user in logins if any(grant.role == Role.OFFICE for grant in user.grants)] or logins
    reads: list[PersonalDataAccess] = []
    written = 0
    keys = Task.objects.order_by("id").values_list("uuid", "seq")
    for uuid, seq in keys.iterator(chunk_size=10_000):
        for _ in range(READS_PER_TASK):
            what = ctx.rng.choice(READS)
            path = reverse("tasks:export") if what == "台账导出" else reverse("tasks:detail", args=[uuid])
            reads.append(PersonalDataAccess(user=ctx.rng.choice(offices) if offices else None, what=what, object_type="tasks.task",
                                            object_id=str(uuid), object_repr=f"第{seq}号整改任务", ip=_ip(ctx), path=path,
                                            at=_moment(ctx, now)))
        if len(reads) >= BATCH:
            insert(reads)
            written, reads = written + len(reads), []
    insert(reads)
    ctx.wrote("个人信息访问记录", written + len(reads))
