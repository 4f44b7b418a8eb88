"""Splitting a task into tasks for lower regions (分解到下级).

The office writes one line per lower region: ``泽州县：泽州县人民政府、泽州县生态环境分局``.
Each line becomes a child task with the parent's problem, target, measures and deadline.
A unit group (an umbrella phrase of the plan: ``泽州县：各县（市、区）政府``) expands to its
members in that region (``rectify.regions.groups.expand_group``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction

from rectify.core.refusals import Refused
from rectify.regions.groups import expand_group
from rectify.regions.matching import find_unit, normalise_name
from rectify.regions.models import Region, Unit

from . import validation
from .models import Assignment, Task
from .services import TaskData, create_task

LINE = re.compile(r"^\s*([^：:]+?)\s*[：:]\s*(.+)$")


class DecompositionError(Refused):
    def __init__(self, errors: list[str]) -> None:
        self.problems = errors  # one Chinese sentence per line that cannot be decomposed
        super().__init__("；".join(errors))


@dataclass
class ChildPlan:
    region: Region
    units: list[Unit]


def parse_lines(task: Task, text: str) -> list[ChildPlan]:
    """Each line to a region below the task's region and its responsible units; all errors at once."""
    below = {normalise_name(r.full_name): r for r in Region.objects.filter(path__startswith=task.region.path).exclude(pk=task.region_id).select_related("parent")}
    below.update({normalise_name(r.name): r for r in below.values()})
    plans: list[ChildPlan] = []
    errors: list[str] = []
    taken = set(Task.objects.filter(parent=task).values_list("region_id", flat=True))
    for number, line in enumerate((ln for ln in text.splitlines() if ln.strip()), 1):
        match = LINE.match(line)
        if not match:
            errors.append(f"第 {number} 行格式不对：请写成“区划：责任单位、责任单位”")
            continue
        region = below.get(normalise_name(match.group(1)))
        if region is None:
            errors.append(f"第 {number} 行：“{match.group(1)}”不是{task.region.full_name}的下级区划")
            continue
        if region.pk in taken:
            errors.append(f"第 {number} 行：{region.full_name}已有本任务的分解任务")
            continue
        taken.add(region.pk)
        units, missing = _line_units(number, region, match.group(2), errors)
        if missing:
            errors.append(f"第 {number} 行：{region.full_name}没有这些单位：{'、'.join(missing)}")
        elif not units:
            errors.append(f"第 {number} 行：请填写{region.full_name}的责任单位")
        else:
            plans.append(ChildPlan(region, units))
    if not plans and not errors:
        errors.append("请至少填写一个下级区划")
    if errors:
        raise DecompositionError(errors)
    return plans


def _line_units(number: int, region: Region, names: str, errors: list[str]) -> tuple[list[Unit], list[str]]:
    """The units one line names in ``region`` (a group stands for its members) and the names not found."""
    units: list[Unit] = []
    missing: list[str] = []
    for name, completed in validation.unit_names(names):  # split and completed as every unit list
        unit = find_unit(completed, region) or (find_unit(name, region) if name != completed else None)
        if unit is not None and unit.is_group:
            members = expand_group(unit, region)
            if not members:
                errors.append(f"第 {number} 行：“{unit.name}”在{region.full_name}没有成员单位，请直接填写责任单位")
            units.extend(m for m in members if m not in units)
        elif unit is not None:
            units.append(unit)
        else:
            missing.append(name)
    return units, missing


@transaction.atomic
def decompose(task: Task, text: str, *, reason: str = "") -> list[Task]:
    plans = parse_lines(task, text)
    start = task.children.count()
    measures = [m.text for m in task.measures.all()]
    milestones = [(m.date, m.text) for m in task.milestones.all()]
    children = []
    for offset, plan in enumerate(plans, 1):
        children.append(create_task(TaskData(
            plan=task.plan, region=plan.region, parent=task, seq=f"{task.seq}-{start + offset}", feedback_no=task.feedback_no,
            section=list(task.section), title=task.title, problem=task.problem, target=task.target,
            deadline=task.deadline, deadline_text=task.deadline_text, long_term=task.long_term, priority=task.priority,
            measures=measures, milestones=milestones, units={Assignment.Role.RESPONSIBLE: plan.units},
        ), reason=reason or f"由上级任务“{task.seq}”分解"))
    return children
