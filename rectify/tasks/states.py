"""Task and assignment states and the transitions allowed between them — the one place they are defined.

"Resolved" (measures, owner and date agreed: the task exists with an assignment) is kept apart
from "closed" (done, the evidence verified, announced and 销号).
"""
from __future__ import annotations

from django.db import models


class TaskState(models.TextChoices):
    ASSIGNED = "assigned", "已交办"
    IN_PROGRESS = "in_progress", "整改中"
    APPLIED = "applied", "申请验收"
    SENT_BACK = "sent_back", "已退回"
    ACCEPTED = "accepted", "已验收"
    ANNOUNCED = "announced", "公示中"
    CLOSED = "closed", "已销号"
    REOPENED = "reopened", "重新整改"


class AssignmentState(models.TextChoices):
    ASSIGNED = "assigned", "已交办"
    IN_PROGRESS = "in_progress", "整改中"
    DONE = "done", "已完成"
    SENT_BACK = "sent_back", "已退回"


TASK_TRANSITIONS: dict[str, set[str]] = {
    TaskState.ASSIGNED: {TaskState.IN_PROGRESS, TaskState.APPLIED},
    TaskState.IN_PROGRESS: {TaskState.APPLIED},
    TaskState.APPLIED: {TaskState.ACCEPTED, TaskState.SENT_BACK},
    TaskState.SENT_BACK: {TaskState.IN_PROGRESS, TaskState.APPLIED},
    TaskState.ACCEPTED: {TaskState.ANNOUNCED},
    TaskState.ANNOUNCED: {TaskState.CLOSED, TaskState.REOPENED},
    TaskState.CLOSED: {TaskState.REOPENED},
    TaskState.REOPENED: {TaskState.IN_PROGRESS, TaskState.APPLIED},
}

# States in which the work is still the unit's to do (a passed deadline makes them overdue).
OPEN_STATES = {TaskState.ASSIGNED, TaskState.IN_PROGRESS, TaskState.SENT_BACK, TaskState.REOPENED, TaskState.APPLIED}
DONE_STATES = {TaskState.ACCEPTED, TaskState.ANNOUNCED, TaskState.CLOSED}


class TransitionRefused(Exception):
    pass


def check_transition(current: str, target: str) -> None:
    if target not in TASK_TRANSITIONS.get(current, set()):
        allowed = "、".join(TaskState(s).label for s in sorted(TASK_TRANSITIONS.get(current, set()))) or "无"
        raise TransitionRefused(
            f"任务当前状态为“{TaskState(current).label}”，不能变更为“{TaskState(target).label}”（可变更为：{allowed}）"
        )
