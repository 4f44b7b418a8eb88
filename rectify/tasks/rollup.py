"""Decomposition roll-up: a parent task's progress and state derive from its children.

Each state carries a progress figure; a parent's progress is the plain mean of its children's,
and its state is the least advanced of theirs (work counts as started as soon as one child
has started). A closed parent whose child is reopened is itself reopened.
"""
from __future__ import annotations

from collections.abc import Iterable

from .states import TaskState

STATE_PROGRESS: dict[str, int] = {
    TaskState.ASSIGNED: 0,
    TaskState.IN_PROGRESS: 30,
    TaskState.SENT_BACK: 30,
    TaskState.REOPENED: 30,
    TaskState.APPLIED: 70,
    TaskState.ACCEPTED: 85,
    TaskState.ANNOUNCED: 95,
    TaskState.CLOSED: 100,
}

# How far along the loop a state is, for "least advanced"; send-back and reopening are work again.
_STAGE: list[str] = [TaskState.ASSIGNED, TaskState.IN_PROGRESS, TaskState.APPLIED, TaskState.ACCEPTED, TaskState.ANNOUNCED, TaskState.CLOSED]
_AS_STAGE: dict[str, str] = {TaskState.SENT_BACK: TaskState.IN_PROGRESS, TaskState.REOPENED: TaskState.IN_PROGRESS}


def derived_progress(child_states: Iterable[str]) -> int:
    states = list(child_states)
    if not states:
        return 0
    return round(sum(STATE_PROGRESS[s] for s in states) / len(states))


def derived_state(child_states: Iterable[str], current: str) -> str:
    """The parent's state given its children's and its own current state."""
    states = [_AS_STAGE.get(s, s) for s in child_states]
    if not states:
        return current
    least = min(states, key=_STAGE.index)
    if least == TaskState.ASSIGNED and any(s != TaskState.ASSIGNED for s in states):
        least = TaskState.IN_PROGRESS
    if current == TaskState.CLOSED and least != TaskState.CLOSED:
        return TaskState.REOPENED
    if current == TaskState.REOPENED and least == TaskState.IN_PROGRESS:
        return TaskState.REOPENED
    return least
