"""Every change to the ledger goes through these functions: one transaction, one history row each.

Views, the API, the Excel import and the document import only parse and validate, then call here.
"""
from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects

from rectify.accounts.scope import check_assignable_units, check_writable_region
from rectify.core.context import current_actor
from rectify.core.history import record_change, snapshot
from rectify.core.models import ChangeRecord
from rectify.core.refusals import Refused
from rectify.core.types import AuthedUser, signed_in
from rectify.core.versioning import StaleEdit, save_versioned
from rectify.inspections.models import Plan
from rectify.regions.models import Region, Unit

from .completeness import apply_completeness
from .models import Assignment, Measure, Milestone, Task
from .rollup import STATE_PROGRESS, derived_progress, derived_state
from .states import TaskState, check_transition

# A decomposition deeper than this is a broken tree, not a plan (province → city → county → town → …).
MAX_DEPTH = 20


class TaskRefused(Refused):
    """A change the ledger's rules refuse; the message is for the user (400 in the API)."""


class ParentCycle(TaskRefused):
    pass


PLAIN_FIELDS = [
    "seq", "feedback_no", "section", "title", "problem", "target", "responsible_person",
    "deadline", "deadline_text", "long_term", "priority", "progress", "completion",
]


@dataclass
class TaskData:
    """A task as a form, an API call or an import row describes it."""

    plan: Plan
    region: Region
    seq: str
    feedback_no: str = ""
    section: list[str] = field(default_factory=list)
    title: str = ""
    problem: str = ""
    target: str = ""
    responsible_person: str = ""
    deadline: datetime.date | None = None
    deadline_text: str = ""
    long_term: bool = False
    priority: bool = False
    progress: str = ""
    completion: str = ""
    parent: Task | None = None
    measures: list[str] = field(default_factory=list)
    milestones: list[tuple[datetime.date | None, str]] = field(default_factory=list)
    units: dict[str, list[Unit]] = field(default_factory=dict)


def _assignment_keys(task: Task) -> list[tuple[int, str]]:
    return sorted((a.unit_id, a.role) for a in task.assignments.all())


def _wanted_keys(data: TaskData) -> list[tuple[int, str]]:
    keys = {(u.pk, role) for role, units in data.units.items() for u in units}
    return sorted(keys)


def _write_children(task: Task, data: TaskData) -> None:
    if [m.text for m in task.measures.all()] != data.measures:
        task.measures.all().delete()
        Measure.objects.bulk_create(Measure(task=task, order=i, text=t) for i, t in enumerate(data.measures, 1))
    _write_milestones(task, data.milestones)
    existing = {(a.unit_id, a.role): a for a in task.assignments.all()}
    wanted = set(_wanted_keys(data))
    removed = [a for key, a in existing.items() if key not in wanted]
    reported = sorted({a.unit.name for a in removed if a.progress_reports.exists()})
    if reported:
        raise TaskRefused(f"{'、'.join(reported)}已有进展报送，不能从本任务中移除（报送记录须保留）")
    # Removals and additions in unit order, not all removals first: each moves the unit's pair count
    # (rectify.dispatch.counters), so two edits swapping units between tasks lock those counts in one order.
    for unit_id, role in sorted({*(key for key in existing if key not in wanted), *(wanted - set(existing))}):
        if (unit_id, role) in existing:
            existing[unit_id, role].delete()
        else:
            Assignment.objects.create(task=task, unit_id=unit_id, role=role)
    # Drop prefetched relations so that the snapshot below sees what was written.
    if hasattr(task, "_prefetched_objects_cache"):
        task._prefetched_objects_cache.clear()


@contextmanager
def children_loaded(task: Task) -> Iterator[None]:
    """Within the block, the task's measures, milestones and assignments (with their units) just written are read
    once, for its search text and its history row alike (not once for each, and once more per unit); dropped after."""
    prefetch_related_objects([task], "measures", "milestones", Prefetch("assignments", queryset=Assignment.objects.select_related("unit")))
    try:
        yield
    finally:
        if hasattr(task, "_prefetched_objects_cache"):
            task._prefetched_objects_cache.clear()


def _write_milestones(task: Task, wanted: list[tuple[datetime.date | None, str]]) -> None:
    """Keep the rows whose (date, text) are still wanted, with their done marks; delete the removed, add the new."""
    pool: dict[tuple[datetime.date | None, str], list[Milestone]] = {}
    for m in task.milestones.order_by("pk"):
        pool.setdefault((m.date, m.text), []).append(m)
    new = []
    for key in wanted:
        kept = pool.get(key)
        if kept:
            kept.pop(0)
        else:
            new.append(Milestone(task=task, date=key[0], text=key[1]))
    removed = [m.pk for rows in pool.values() for m in rows]
    if removed:
        Milestone.objects.filter(pk__in=removed).delete()
    Milestone.objects.bulk_create(new)


def _differs(task: Task, data: TaskData) -> bool:
    for name in PLAIN_FIELDS:
        if getattr(task, name) != getattr(data, name):
            return True
    if task.parent_id != (data.parent.pk if data.parent else None) or task.region_id != data.region.pk:
        return True
    if [m.text for m in task.measures.all()] != data.measures:
        return True
    # Milestones are kept in date order whatever order they were typed in: compare them as a multiset.
    if Counter((m.date, m.text) for m in task.milestones.all()) != Counter(data.milestones):
        return True
    return _assignment_keys(task) != _wanted_keys(data)


def _acting_user() -> AuthedUser | None:
    """The person making the change, or None for the system (jobs, demo data, unattended commands)."""
    actor = current_actor()
    return actor if signed_in(actor) else None


def _check_write_scope(task: Task | None, data: TaskData) -> None:
    """Re-check, whatever the caller offered, that the actor may write what ``data`` says.

    A new task, or a task moved to another region, must land in a region of the actor's write
    scope; a newly assigned unit must be one the actor may assign; a new parent must be a task
    the actor may change. Unchanged values are not re-checked (a unit's progress report saves
    the task without changing any of them).
    """
    user = _acting_user()
    if user is None:
        return
    if task is None or task.region_id != data.region.pk:
        if task is not None:
            check_writable_region(user, task.region)
        check_writable_region(user, data.region)
    existing = set(_assignment_keys(task)) if task is not None else set()
    new_units = {u.pk: u for role, units in data.units.items() for u in units if (u.pk, role) not in existing}
    check_assignable_units(user, new_units.values())
    if data.parent is not None and (task is None or task.parent_id != data.parent.pk):
        check_writable_region(user, data.parent.region)


def _check_parent(task: Task | None, parent: Task | None) -> None:
    """Refuse a parent that is the task itself or one of its descendants (a cycle), or too deep a tree."""
    if parent is None:
        return
    if task is not None and parent.pk == task.pk:
        raise ParentCycle("上级任务不能是本任务")
    seen: set[int] = set()
    current: int | None = parent.pk
    while current is not None:
        if task is not None and current == task.pk:
            raise ParentCycle(f"不能把“{parent}”设为上级任务：它是本任务的下级任务，会形成循环")
        if current in seen or len(seen) >= MAX_DEPTH:
            raise ParentCycle(f"上级任务“{parent}”的上级关系已有循环或超过 {MAX_DEPTH} 级，不能再挂接")
        seen.add(current)
        # Locked, so that two edits at once cannot each close half of a cycle.
        current = Task.objects.select_for_update().filter(pk=current).values_list("parent_id", flat=True).first()


@transaction.atomic
def create_task(data: TaskData, *, reason: str = "", action: str = ChangeRecord.Action.CREATE) -> Task:
    _check_write_scope(None, data)
    _check_parent(None, data.parent)
    task = Task(plan=data.plan, inspection=data.plan.inspection, region=data.region, parent=data.parent)
    for name in PLAIN_FIELDS:
        setattr(task, name, getattr(data, name))
    apply_completeness(task, data)
    task.save()
    _write_children(task, data)
    with children_loaded(task):
        task.refresh_search_text()
        task.save(update_fields=["search_text", "section_title", "seq_key"])
        record_change(task, action, after=snapshot(task), reason=reason, task_uuid=task.uuid)
    if task.parent_id:
        roll_up(task.parent_id)
    return task


# The columns the maintained counters follow (rectify.tasks.counters, rectify.dispatch.counters).
COUNTED_FIELDS = ["region", "region_path", "long_term", "needs_completion"]


def _counted(task: Task) -> list[Any]:
    return [getattr(task, "region_id" if name == "region" else name) for name in COUNTED_FIELDS]


def _move_first(task: Task, counted_before: list[Any]) -> None:
    """Write the counted columns before the units: the task's counts then move in one statement, which locks
    every count it touches in key order, and the units written after it only touch counts already held
    (or one unit's pair count at the new path). Written after the units, a task moved to the neighbouring
    county while another moved the other way would lock the same counts in opposite orders: a deadlock."""
    if _counted(task) != counted_before:
        Task.objects.filter(pk=task.pk).update(**{name: getattr(task, name) for name in COUNTED_FIELDS})


@transaction.atomic
def update_task(task: Task, data: TaskData, *, expected_version: int, reason: str = "", action: str = ChangeRecord.Action.UPDATE) -> bool:
    """Apply ``data``; returns False (and writes nothing) when nothing differs."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.version != expected_version:
        raise StaleEdit(task.version)
    if not _differs(task, data):
        return False
    _check_write_scope(task, data)
    if task.parent_id != (data.parent.pk if data.parent else None):
        _check_parent(task, data.parent)
    old_parent_id = task.parent_id
    before, counted_before = snapshot(task), _counted(task)
    for name in PLAIN_FIELDS:
        setattr(task, name, getattr(data, name))
    task.region = data.region
    task.region_path = data.region.path
    task.parent = data.parent
    apply_completeness(task, data)
    _move_first(task, counted_before)
    _write_children(task, data)
    with children_loaded(task):
        task.refresh_search_text()
        save_versioned(
            task, expected_version,
            PLAIN_FIELDS + ["region", "region_path", "parent", "search_text", "section_title", "seq_key", "needs_completion", "incomplete_reason"],
        )
        record_change(task, action, before=before, after=snapshot(task), reason=reason, task_uuid=task.uuid)
    if old_parent_id != task.parent_id:  # the new parent's roll-up changes, and the old one's if it keeps children
        if task.parent_id:
            roll_up(task.parent_id)
        if old_parent_id and Task.objects.filter(parent_id=old_parent_id).exists():
            roll_up(old_parent_id)
    return True


@transaction.atomic
def transition_task(task: Task, target: str, *, expected_version: int | None = None, reason: str = "") -> Task:
    task = Task.objects.select_for_update().get(pk=task.pk)
    if expected_version is not None and task.version != expected_version:
        raise StaleEdit(task.version)
    check_transition(task.state, target)
    before = {"state": task.state}
    task.state = target
    if not task.children.exists():
        task.progress_percent = STATE_PROGRESS[target]
    save_versioned(task, task.version, ["state", "progress_percent"])
    record_change(
        task, ChangeRecord.Action.TRANSITION, before=before, after={"state": target}, reason=reason, task_uuid=task.uuid
    )
    if task.parent_id:
        roll_up(task.parent_id)
    return task


def roll_up(parent_id: int) -> None:
    """Recompute a parent's progress and state from its children, then its own parent's, up the tree.

    Each task is visited once and the walk stops after ``MAX_DEPTH`` levels, so a cycle that got
    into the data some other way cannot make a state change recurse without end.
    """
    visited: set[int] = set()
    current: int | None = parent_id
    while current is not None and current not in visited and len(visited) < MAX_DEPTH:
        visited.add(current)
        current = _roll_up_one(current)


def _roll_up_one(parent_id: int) -> int | None:
    """Recompute one parent; returns its own parent's id."""
    parent = Task.objects.select_for_update().get(pk=parent_id)
    child_states = list(parent.children.values_list("state", flat=True))
    state = derived_state(child_states, parent.state)
    percent = derived_progress(child_states)
    if (state, percent) != (parent.state, parent.progress_percent):
        before = {"state": parent.state, "progress_percent": parent.progress_percent}
        parent.state, parent.progress_percent = state, percent
        save_versioned(parent, parent.version, ["state", "progress_percent"])
        summary = "、".join(f"{TaskState(s).label}{n}项" for s, n in sorted(Counter(child_states).items()))
        record_change(
            parent, ChangeRecord.Action.TRANSITION, before=before, after={"state": state, "progress_percent": percent},
            reason=f"由下级任务汇总（{summary}）", task_uuid=parent.uuid,
        )
    return parent.parent_id


def task_data_from(task: Task, **overrides: Any) -> TaskData:
    """The current task as TaskData, e.g. to change one field of it."""
    units: dict[str, list[Unit]] = {}
    for a in task.assignments.select_related("unit"):
        units.setdefault(a.role, []).append(a.unit)
    values: dict[str, Any] = {name: getattr(task, name) for name in PLAIN_FIELDS}
    values.update(
        plan=task.plan,
        region=task.region,
        parent=task.parent,
        measures=[m.text for m in task.measures.all()],
        milestones=[(m.date, m.text) for m in task.milestones.all()],
        units=units,
    )
    values.update(overrides)
    return TaskData(**values)


__all__ = [
    "TaskData", "create_task", "update_task", "transition_task", "task_data_from", "StaleEdit", "TaskState",
    "TaskRefused", "ParentCycle",
]
