"""``rectify generate``'s filler of supervision notices (督办单): a share of the overdue tasks get one, issued by
the administrator through the office of the task's region, written as ``services.issue_notice`` writes it — the
notice with its numbers (the region's 督办 counter) and time limits (``limits_for`` / ``due_dates``), its units (the
task's lead and responsible units), and its history row in the task's chain."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.utils import timezone

from rectify.core.bulk import insert
from rectify.core.fill import Context, register
from rectify.core.history import snapshot
from rectify.core.models import ChangeRecord, DocumentCounter
from rectify.core.numbering import SUPERVISION, issuer_name
from rectify.regions.models import Unit
from rectify.tasks.models import Assignment, Task
from rectify.tasks.states import DONE_STATES

from .models import SupervisionNotice
from .services import Limits, due_dates, limits_for

SHARE = 0.3  # of the overdue tasks


def _counters(issuers: set[str], year: int) -> dict[str, int]:
    return dict(DocumentCounter.objects.filter(kind=SUPERVISION, year=year, issuer__in=issuers).values_list("issuer", "last"))


@register(50, "督办单", large=["supervision.SupervisionNotice"])
def fill_notices(ctx: Context) -> None:
    today = timezone.localdate()
    admin = ctx.data.get("users", {}).get("admin")
    overdue = list(Task.objects.filter(deadline__lt=today, long_term=False).exclude(state__in=DONE_STATES)
                   .select_related("region__parent", "plan").order_by("id"))
    tasks = [task for task in overdue if ctx.rng.random() < SHARE]
    units: dict[int, list[Unit]] = defaultdict(list)
    roles = (Assignment.Role.LEAD, Assignment.Role.RESPONSIBLE)
    ids = [task.pk for task in tasks]
    for start in range(0, len(ids), 5000):
        for assignment in (Assignment.objects.filter(task_id__in=ids[start:start + 5000], role__in=roles)
                           .select_related("unit").order_by("task_id", "role", "unit_id")):
            units[assignment.task_id].append(assignment.unit)
    tasks = [task for task in tasks if units[task.pk]]
    issuers = {task.pk: issuer_name(task.region) for task in tasks}
    last = _counters(set(issuers.values()), today.year)
    limits: dict[str, Limits] = {}
    now = timezone.now()
    notices: list[SupervisionNotice] = []
    for task in tasks:
        rule = limits.get(task.region.path) or limits.setdefault(task.region.path, limits_for(task.region))
        issuer = issuers[task.pk]
        last[issuer] = last.get(issuer, 0) + 1
        notices.append(SupervisionNotice(
            task=task, region_path=task.region_path, region=task.region, issuer=issuer, year=today.year, seq=last[issuer], issued_by=admin,
            kind=SupervisionNotice.Kind.ORDINARY, reason=f"该任务整改时限为{task.deadline:%Y年%m月%d日}，已逾期未完成，请按时限办理",
            automatic=False, issued_at=now, issued_on=today, working_days=rule.working_days, **due_dates(today, SupervisionNotice.Kind.ORDINARY, rule),
        ))
    insert(notices)
    through: Any = SupervisionNotice.units.through
    insert([through(supervisionnotice_id=notice.pk, unit_id=unit.pk) for notice in notices for unit in units[notice.task_id]])
    _count(last, today.year)
    user_name = (admin.get_full_name() or admin.get_username()) if admin else "系统"
    for notice in notices:
        ctx.chain.append(notice, ChangeRecord.Action.CREATE, time=now, task_uuid=notice.task.uuid, reason="下达督办单",
                         after={**snapshot(notice), "units": [u.name for u in units[notice.task_id]]},
                         user_id=admin.pk if admin else None, user_name=user_name)
    ctx.wrote("督办单", len(notices))
    ctx.data["notices"] = notices


def _count(last: dict[str, int], year: int) -> None:
    """Move each issuer's 督办 counter to the last number given (as ``next_seq`` leaves it)."""
    known = {row.issuer: row for row in DocumentCounter.objects.filter(kind=SUPERVISION, year=year, issuer__in=list(last))}
    for issuer, row in known.items():
        row.last = last[issuer]
    DocumentCounter.objects.bulk_update(list(known.values()), ["last"], batch_size=1000)
    DocumentCounter.objects.bulk_create([DocumentCounter(kind=SUPERVISION, issuer=i, year=year, last=n)
                                         for i, n in last.items() if i not in known], batch_size=1000)

