"""Task and assignment states and the transitions allowed between them — the one place they are defined.

"Resolved" (measures, owner and date agreed: the task exists with an assignment) is kept apart
from "closed" (done, the evidence verified, announced and 销号).
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from rectify.core.refusals import Refused


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


class Step(models.TextChoices):
    """The workflow steps that own a transition. Each leaves a record of its own (an application with
    evidence, a signed review, an announcement, a closure number, …), so the state it produces is
    reached only through it — never through a generic state change."""

    ACCEPTANCE_APPLY = "acceptance_apply", "申请验收（提交整改完成情况和佐证材料）"
    ACCEPTANCE_REVIEW = "acceptance_review", "验收（本区域验收人员或整改办对验收申请作出结论，申请人不能验收自己的申请）"
    ANNOUNCEMENT = "announcement", "发布销号公示"
    OBJECTION = "objection", "处理公示异议（异议成立的重新整改）"
    CLOSURE = "closure", "销号（公示期满且异议处理完毕后办理）"
    LOOK_BACK = "look_back", "记录回头看结论（发现反弹的重新整改）"


# Where each step is done: the page, and the API operation.
STEP_ENDPOINTS: dict[str, str] = {
    Step.ACCEPTANCE_APPLY: "POST /api/v1/acceptance/tasks/{uuid}/apply",
    Step.ACCEPTANCE_REVIEW: "POST /api/v1/acceptance/applications/{uuid}/review",
    Step.ANNOUNCEMENT: "POST /api/v1/acceptance/tasks/{uuid}/announce",
    Step.OBJECTION: "POST /api/v1/acceptance/objections/{uuid}/resolve",
    Step.CLOSURE: "POST /api/v1/acceptance/tasks/{uuid}/close",
    Step.LOOK_BACK: "POST /api/v1/acceptance/look-backs/{uuid}/finding",
}


@dataclass(frozen=True)
class Transition:
    """``source`` → ``target``; ``via`` names the step that owns it ("" = a plain state change)."""

    source: str
    target: str
    via: str = ""


TRANSITIONS: tuple[Transition, ...] = (
    Transition(TaskState.ASSIGNED, TaskState.IN_PROGRESS),
    Transition(TaskState.ASSIGNED, TaskState.APPLIED, via=Step.ACCEPTANCE_APPLY),
    Transition(TaskState.IN_PROGRESS, TaskState.APPLIED, via=Step.ACCEPTANCE_APPLY),
    Transition(TaskState.APPLIED, TaskState.ACCEPTED, via=Step.ACCEPTANCE_REVIEW),
    Transition(TaskState.APPLIED, TaskState.SENT_BACK, via=Step.ACCEPTANCE_REVIEW),
    Transition(TaskState.SENT_BACK, TaskState.IN_PROGRESS),
    Transition(TaskState.SENT_BACK, TaskState.APPLIED, via=Step.ACCEPTANCE_APPLY),
    Transition(TaskState.ACCEPTED, TaskState.ANNOUNCED, via=Step.ANNOUNCEMENT),
    Transition(TaskState.ANNOUNCED, TaskState.CLOSED, via=Step.CLOSURE),
    Transition(TaskState.ANNOUNCED, TaskState.REOPENED, via=Step.OBJECTION),
    Transition(TaskState.CLOSED, TaskState.REOPENED, via=Step.LOOK_BACK),
    Transition(TaskState.REOPENED, TaskState.IN_PROGRESS),
    Transition(TaskState.REOPENED, TaskState.APPLIED, via=Step.ACCEPTANCE_APPLY),
)

TASK_TRANSITIONS: dict[str, set[str]] = {state: {t.target for t in TRANSITIONS if t.source == state} for state in TaskState}
TRANSITION_VIA: dict[tuple[str, str], str] = {(t.source, t.target): t.via for t in TRANSITIONS}

# States in which the work is still the unit's to do (a passed deadline makes them overdue).
OPEN_STATES = {TaskState.ASSIGNED, TaskState.IN_PROGRESS, TaskState.SENT_BACK, TaskState.REOPENED, TaskState.APPLIED}
DONE_STATES = {TaskState.ACCEPTED, TaskState.ANNOUNCED, TaskState.CLOSED}


class TransitionRefused(Refused):
    """A state change the states table does not allow."""

    code = "transition_refused"


def check_transition(current: str, target: str) -> None:
    if target not in TASK_TRANSITIONS.get(current, set()):
        allowed = "、".join(TaskState(s).label for s in sorted(TASK_TRANSITIONS.get(current, set()))) or "无"
        raise TransitionRefused(
            f"任务当前状态为“{TaskState(current).label}”，不能变更为“{TaskState(target).label}”（可变更为：{allowed}）"
        )


def plain_targets(current: str) -> set[str]:
    """The states a generic state change may move ``current`` to: only transitions no step owns."""
    return {t.target for t in TRANSITIONS if t.source == current and not t.via}


def check_plain_transition(current: str, target: str) -> None:
    """The rule of every generic state change (the API's transition operation, a page's button):
    a transition that a workflow step owns is refused with the step to use instead."""
    via = TRANSITION_VIA.get((current, target))
    if via is None:
        allowed = "、".join(TaskState(s).label for s in sorted(plain_targets(current))) or "无"
        raise TransitionRefused(
            f"任务当前状态为“{TaskState(current).label}”，不能变更为“{TaskState(target).label}”（可直接变更为：{allowed}）"
        )
    if via:
        raise TransitionRefused(
            f"“{TaskState(current).label}”变更为“{TaskState(target).label}”须通过“{Step(via).label}”办理"
            f"（接口 {STEP_ENDPOINTS[via]}），不能直接变更状态"
        )
