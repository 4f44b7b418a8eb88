"""Schedule status (序时进度 / 滞后 / 逾期) and warning lights (绿 / 黄 / 红灯) of tasks.

``schedule_status`` and ``light_for`` are pure: they look at a task, its milestones and a rule.
``annotate_lights`` computes the light of many tasks with a fixed number of queries, whatever
their number: one for the regions, one for the rules, one for milestones (unless prefetched)
and, when the dispatch app offers it, one for missing progress reports.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from rectify.regions.models import Region
from rectify.tasks.models import Milestone, Task
from rectify.tasks.states import DONE_STATES, OPEN_STATES

from .models import LightRule


class ScheduleStatus(models.TextChoices):
    OVERDUE = "overdue", "逾期"
    BEHIND = "behind", "滞后"
    ON_SCHEDULE = "on_schedule", "序时推进"
    DONE = "done", "已完成"
    LONG_TERM = "long_term", "长期坚持"


GREEN, YELLOW, RED = "green", "yellow", "red"
COLOUR_LABELS = {GREEN: "绿灯", YELLOW: "黄灯", RED: "红灯"}


@dataclass(frozen=True)
class Light:
    colour: str
    reasons: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return COLOUR_LABELS[self.colour]

    @property
    def title(self) -> str:
        """The reasons as one line, for a tooltip."""
        return "；".join(self.reasons) or self.label


def default_rule() -> LightRule:
    return LightRule()


def _milestones(task: Task, milestones: Sequence[Milestone] | None) -> Sequence[Milestone]:
    if milestones is not None:
        return milestones
    return list(task.milestones.all())


def missed_milestones(task: Task, today: datetime.date, milestones: Sequence[Milestone] | None = None) -> list[Milestone]:
    return [m for m in _milestones(task, milestones) if m.date is not None and m.date < today and not m.done]


def schedule_status(task: Task, today: datetime.date, milestones: Sequence[Milestone] | None = None) -> str:
    if task.state in DONE_STATES:
        return ScheduleStatus.DONE
    if task.deadline and not task.long_term and task.state in OPEN_STATES and task.deadline < today:
        return ScheduleStatus.OVERDUE
    if missed_milestones(task, today, milestones):
        return ScheduleStatus.BEHIND
    if task.long_term:
        return ScheduleStatus.LONG_TERM
    return ScheduleStatus.ON_SCHEDULE


def light_for(
    task: Task,
    today: datetime.date,
    rule: LightRule | None = None,
    *,
    milestones: Sequence[Milestone] | None = None,
    report_missing: bool = False,
) -> Light:
    """The light of ``task`` on ``today`` under ``rule`` (the defaults when None)."""
    rule = rule or default_rule()
    if task.state in DONE_STATES:
        return Light(GREEN, ["已完成整改"])
    reasons: list[str] = []
    colour = GREEN
    status = schedule_status(task, today, milestones)
    if status == ScheduleStatus.OVERDUE and task.deadline:
        days = (today - task.deadline).days
        reasons.append(f"已超过整改时限（{task.deadline:%Y年%m月%d日}）{days}天")
        colour = RED if rule.red_when_overdue else YELLOW
    elif task.deadline and not task.long_term:
        left = (task.deadline - today).days
        if 0 <= left <= rule.yellow_days_before_deadline:
            reasons.append("今天到期" if left == 0 else f"距整改时限仅剩{left}天")
            colour = YELLOW
    for m in missed_milestones(task, today, milestones):
        assert m.date is not None
        text = m.text if len(m.text) <= 30 else m.text[:30] + "…"
        reasons.append(f"时间节点{m.date:%Y年%m月%d日}“{text}”已过未完成")
        if colour == GREEN:
            colour = YELLOW
    if report_missing and rule.yellow_when_report_missing:
        reasons.append("未按期报送进展")
        if colour == GREEN:
            colour = YELLOW
    if colour == GREEN:
        reasons.append("长期坚持，按序时推进" if task.long_term else "按序时推进")
    return Light(colour, reasons)


def path_prefixes(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{p}/" for p in parts[: i + 1]) for i in range(len(parts))]


def nearest_rule(path: str, rules: dict[str, LightRule]) -> LightRule:
    for prefix in reversed(path_prefixes(path)):
        if prefix in rules:
            return rules[prefix]
    return default_rule()


def rules_for_paths(paths: Iterable[str]) -> dict[str, LightRule]:
    prefixes = {p for path in paths for p in path_prefixes(path)}
    if not prefixes:
        return {}
    return {r.region.path: r for r in LightRule.objects.filter(region__path__in=prefixes).select_related("region")}


def rule_for_region(region: Region) -> LightRule:
    return nearest_rule(region.path, rules_for_paths([region.path]))


def missing_report_ids(task_ids: list[int], today: datetime.date, paths: Iterable[str] = ()) -> set[int]:
    """Tasks with an assignment that did not report in the latest reporting round already due.

    Uses ``rectify.dispatch.services.missing_report_task_ids(task_ids, today)`` when the dispatch app
    offers it, else the dispatch models (one query for the rounds, one per round); none without dispatch.
    """
    try:
        from rectify.dispatch import services as dispatch_services
    except ImportError:
        return set()
    offered = getattr(dispatch_services, "missing_report_task_ids", None)
    if offered is not None:
        return set(offered(task_ids, today))
    try:
        from rectify.dispatch.models import ProgressReport, ReportingRound
    except ImportError:
        return set()
    prefixes = {p for path in paths for p in path_prefixes(path)}
    latest: dict[int, Any] = {}
    for round_ in ReportingRound.objects.filter(due_date__lt=today, region__path__in=prefixes).select_related("region").order_by("-due_date", "-id"):
        latest.setdefault(round_.region_id, round_)
    missing: set[int] = set()
    from rectify.tasks.models import Assignment

    for round_ in latest.values():
        reported = ProgressReport.objects.filter(round=round_).values("assignment_id")
        missing |= set(
            Assignment.objects.filter(task_id__in=task_ids, task__region__path__startswith=round_.region.path,
                                      task__created_at__date__lte=round_.period_end)
            .exclude(pk__in=reported).values_list("task_id", flat=True)
        )
    return missing


def _prefetched_milestones(task: Task) -> Sequence[Milestone] | None:
    cache: dict[str, Any] = getattr(task, "_prefetched_objects_cache", {})
    if "milestones" in cache:
        return list(cache["milestones"])
    return None


def annotate_lights(tasks: Sequence[Task], today: datetime.date | None = None) -> dict[int, Light]:
    """The light of each task, by task id, in a fixed number of queries."""
    from django.utils import timezone

    today = today or timezone.localdate()
    tasks = list(tasks)
    if not tasks:
        return {}
    region_paths = dict(Region.objects.filter(pk__in={t.region_id for t in tasks}).values_list("pk", "path"))
    rules = rules_for_paths(region_paths.values())
    milestones: dict[int, list[Milestone]] = {}
    need = [t.pk for t in tasks if _prefetched_milestones(t) is None]
    if need:
        for m in Milestone.objects.filter(task_id__in=need).order_by("task_id", "date", "id"):
            milestones.setdefault(m.task_id, []).append(m)
    open_ids = [t.pk for t in tasks if t.state not in DONE_STATES]
    missing = missing_report_ids(open_ids, today, region_paths.values()) if open_ids else set()
    lights: dict[int, Light] = {}
    for task in tasks:
        own = _prefetched_milestones(task)
        rule = nearest_rule(region_paths.get(task.region_id, ""), rules)
        lights[task.pk] = light_for(task, today, rule, milestones=own if own is not None else milestones.get(task.pk, []),
                                    report_missing=task.pk in missing)
    return lights


def rules_by_task(tasks: Sequence[Task]) -> dict[int, LightRule]:
    region_paths = dict(Region.objects.filter(pk__in={t.region_id for t in tasks}).values_list("pk", "path"))
    rules = rules_for_paths(region_paths.values())
    return {t.pk: nearest_rule(region_paths.get(t.region_id, ""), rules) for t in tasks}


def attach_lights(tasks: Sequence[Task], today: datetime.date | None = None) -> Sequence[Task]:
    """Set ``task.light`` on each task (for templates: ``{{ task.light.colour }}``); returns the tasks."""
    lights = annotate_lights(tasks, today)
    for task in tasks:
        task.light = lights[task.pk]  # type: ignore[attr-defined]
    return tasks
