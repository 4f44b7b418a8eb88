"""Marking time nodes (时间节点) done or moving them: the only writes to a milestone besides editing the task.

A unit ticks the nodes it completed in its progress report (``complete_from_report``, called inside the
report's transaction); the office of the task's region marks, unmarks or moves a node with a reason
(``set_milestone``). Each write locks the task, bumps its version (an edit form opened before is refused
rather than putting the old milestones back) and appends one history row on the task.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from rectify.accounts.permissions import can
from rectify.core.history import record_change
from rectify.core.models import ChangeRecord
from rectify.core.reads import Read
from rectify.core.refusals import Refused
from rectify.core.types import AuthedUser
from rectify.core.versioning import StaleEdit, save_versioned
from rectify.tasks.models import Milestone, Task


class MilestoneRefused(Refused, ValueError):
    """A request the rules refuse; the message says why, in Chinese."""


def describe(m: Milestone) -> dict[str, Any]:
    return {"date": m.date.isoformat() if m.date else None, "text": m.text, "done": m.done}


def label(m: Milestone) -> str:
    text = m.text if len(m.text) <= 30 else m.text[:30] + "…"
    return f"{m.date:%Y年%m月%d日}“{text}”" if m.date else f"“{text}”"


def _locked_task(task: Task) -> Task:
    return Task.objects.select_for_update().get(pk=task.pk)


def complete_from_report(task: Task, user: AuthedUser, milestone_ids: Iterable[int], *, source: str) -> list[Milestone]:
    """Mark the task's milestones ``milestone_ids`` done, as a unit reported them; returns those newly marked.

    Must run inside the report's transaction. Ids of another task's milestones are refused.
    """
    wanted = set(milestone_ids)
    task = _locked_task(task)
    found = {m.pk: m for m in Milestone.objects.filter(task=task, pk__in=wanted)}
    if set(found) != wanted:
        raise MilestoneRefused("所选时间节点不属于该任务，请刷新页面后重新选择")
    newly = [m for m in found.values() if not m.done]
    if not newly:
        return []
    before = [describe(m) for m in newly]
    now = timezone.now()
    for m in newly:
        m.done, m.done_at, m.done_by = True, now, user if getattr(user, "pk", None) else None
        m.save(update_fields=["done", "done_at", "done_by"])
    save_versioned(task, task.version, [])
    record_change(task, ChangeRecord.Action.UPDATE, before={"milestones": before}, after={"milestones": [describe(m) for m in newly]},
                  reason=f"时间节点完成：{'；'.join(label(m) for m in newly)}（{source}）", task_uuid=task.uuid, user=user)
    return newly


@transaction.atomic
def set_milestone(milestone: Milestone, user: AuthedUser, *, done: bool, date: datetime.date | None, reason: str,
                  expected_version: int) -> Milestone:
    """The office marks a milestone done or not done, or moves its date; ``reason`` is required.

    ``expected_version`` is the task's version the office's page showed.
    """
    if not can(user, "milestone.set", milestone.task):
        raise PermissionDenied("只有本区域的整改办可以标记或调整时间节点")
    reason = reason.strip()
    if not reason:
        raise MilestoneRefused("标记或调整时间节点须写明理由")
    task = _locked_task(milestone.task)
    if task.version != expected_version:
        raise StaleEdit(task.version)
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk, task=task)
    if milestone.done == done and milestone.date == date:
        raise MilestoneRefused("时间节点没有变化")
    before = describe(milestone)
    what = _what_changed(milestone, done, date)
    if milestone.done != done:
        milestone.done = done
        milestone.done_at, milestone.done_by = (timezone.now(), user) if done else (None, None)
    milestone.date = date
    milestone.save(update_fields=["done", "done_at", "done_by", "date"])
    save_versioned(task, expected_version, [])
    record_change(task, ChangeRecord.Action.UPDATE, before={"milestones": [before]}, after={"milestones": [describe(milestone)]},
                  reason=f"{what}：{reason}", task_uuid=task.uuid, user=user)
    return milestone


def _what_changed(m: Milestone, done: bool, date: datetime.date | None) -> str:
    """The history reason's first half, read before ``m`` changes."""
    parts = []
    if date != m.date:
        parts.append(f"时间节点{label(m)}调整至{date:%Y年%m月%d日}" if date else f"时间节点{label(m)}取消日期")
    if done != m.done:
        parts.append(f"时间节点{label(m)}标记为{'已完成' if done else '未完成'}")
    return "；".join(parts)


class MilestoneRow(NamedTuple):
    """A milestone read as a row (``milestones_read``), not as a model instance: what a task's page lists and a
    light reads (``supervision.schedule.MilestoneLike``)."""

    date: datetime.date | None
    text: str
    done: bool


def milestones_read(task_ids: Sequence[int]) -> Read:
    """The read of the tasks' milestones (rows: task id, date, text, done; each task's in its order: date, id),
    written here: built by the ORM, with a model instance per milestone, it cost ~1.2 ms of CPU per ledger
    page (most of it compiling the query), the statement alone ~0.2 ms."""
    marks = ", ".join(["%s"] * len(task_ids))
    return Read(Milestone, (("task_id", "integer"), ('"date"', "date"), ('"text"', "text"), ("done", "boolean")),
                f"FROM {Milestone._meta.db_table} WHERE task_id IN ({marks})",  # noqa: S608
                tuple(task_ids), order=(("task_id", "integer"), ('"date"', "date"), ("id", "integer")))


def milestones_by_task(rows: list[tuple[Any, ...]]) -> dict[int, list[MilestoneRow]]:
    """The rows of ``milestones_read`` by task id, each task's in its order."""
    found: dict[int, list[MilestoneRow]] = {}
    for task_id, date, text, done in rows:
        found.setdefault(task_id, []).append(MilestoneRow(date, text, done))
    return found
