"""Schedule status (序时进度 / 滞后 / 逾期) and warning lights (绿 / 黄 / 红灯) of tasks.

``schedule_status`` and ``light_for`` are pure: they look at a task, its milestones and a rule.
``annotate_lights`` computes the light of many tasks with a fixed number of queries, whatever
their number: one for the regions, one for the rules, one for milestones (unless prefetched)
and, when the dispatch app offers it, one for missing progress reports; a page's lights
(``attach_lights`` with the page's ``core.reads.Reads``) ask the last two with the page's other reads.
"""
from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import models
from django.utils import timezone

from rectify.core import generations
from rectify.core.reads import Read, Reads, reading
from rectify.regions.models import Region, region_facts
from rectify.regions.paths import all_path_prefixes, path_prefixes
from rectify.tasks.milestones import MilestoneRow, milestones_by_task, milestones_read
from rectify.tasks.models import Task
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
    # A stable key per cause that made the light yellow or red ("deadline_near", "milestone:2026-06-30:…",
    # "report_missing", "overdue"): an automatic notice fires once per task and cause until the cause clears.
    causes: dict[str, str] = field(default_factory=dict)
    # Things for the office to review that do not change the colour (a milestone already past at import).
    warnings: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return COLOUR_LABELS[self.colour]

    @property
    def title(self) -> str:
        """The reasons as one line, for a tooltip."""
        return "；".join(self.reasons) or self.label


class MilestoneLike(Protocol):
    """What the light reads of a milestone: a ``Milestone`` or a ``MilestoneRow``."""

    @property
    def date(self) -> datetime.date | None: ...

    @property
    def text(self) -> str: ...

    @property
    def done(self) -> bool: ...


def default_rule() -> LightRule:
    return LightRule()


def _milestones(task: Task, milestones: Sequence[MilestoneLike] | None) -> Sequence[MilestoneLike]:
    if milestones is not None:
        return milestones
    return list(task.milestones.all())


def _created_on(task: Task) -> datetime.date | None:
    created = getattr(task, "created_at", None)
    return timezone.localtime(created).date() if created else None


def predates_task(task: Task, m: MilestoneLike) -> bool:
    """A milestone whose date had already passed when the task was entered (a plan imported late).

    Rule: it is a warning for the office to review (mark it done or move it), never "behind": it does
    not turn the light yellow and so never draws an automatic supervision notice on day one.
    """
    created = _created_on(task)
    return m.date is not None and created is not None and m.date < created


def missed_milestones(task: Task, today: datetime.date, milestones: Sequence[MilestoneLike] | None = None) -> list[MilestoneLike]:
    """Milestones past and not done that were still ahead when the task was entered: the task is behind."""
    return [m for m in _milestones(task, milestones)
            if m.date is not None and m.date < today and not m.done and not predates_task(task, m)]


def milestones_to_review(task: Task, milestones: Sequence[MilestoneLike] | None = None) -> list[MilestoneLike]:
    """Milestones not done whose date was already past when the task was entered (see ``predates_task``)."""
    return [m for m in _milestones(task, milestones) if not m.done and predates_task(task, m)]


def milestone_cause(m: MilestoneLike) -> str:
    digest = hashlib.sha256(m.text.encode()).hexdigest()[:12]
    return f"milestone:{m.date.isoformat() if m.date else ''}:{digest}"


def schedule_status(task: Task, today: datetime.date, milestones: Sequence[MilestoneLike] | None = None) -> str:
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
    milestones: Sequence[MilestoneLike] | None = None,
    report_missing: bool = False,
) -> Light:
    """The light of ``task`` on ``today`` under ``rule`` (the defaults when None)."""
    rule = rule or default_rule()
    if task.state in DONE_STATES:
        return Light(GREEN, ["已完成整改"])
    milestones = _milestones(task, milestones)
    reasons: list[str] = []
    causes: dict[str, str] = {}
    colour = GREEN
    status = schedule_status(task, today, milestones)
    if status == ScheduleStatus.OVERDUE and task.deadline:
        days = (today - task.deadline).days
        reasons.append(f"已超过整改时限（{task.deadline:%Y年%m月%d日}）{days}天")
        causes["overdue"] = reasons[-1]
        colour = RED if rule.red_when_overdue else YELLOW
    elif task.deadline and not task.long_term:
        left = (task.deadline - today).days
        if 0 <= left <= rule.yellow_days_before_deadline:
            reasons.append("今天到期" if left == 0 else f"距整改时限仅剩{left}天")
            causes["deadline_near"] = reasons[-1]
            colour = YELLOW
    for m in missed_milestones(task, today, milestones):
        if m.date is None:  # missed_milestones keeps dated ones only
            continue
        text = m.text if len(m.text) <= 30 else m.text[:30] + "…"
        reasons.append(f"时间节点{m.date:%Y年%m月%d日}“{text}”已过未完成")
        causes[milestone_cause(m)] = reasons[-1]
        if colour == GREEN:
            colour = YELLOW
    if report_missing and rule.yellow_when_report_missing:
        reasons.append("未按期报送进展")
        causes["report_missing"] = reasons[-1]
        if colour == GREEN:
            colour = YELLOW
    warnings = [f"时间节点{m.date:%Y年%m月%d日}早于任务录入日期且未标记完成，请核实" for m in milestones_to_review(task, milestones)
                if m.date is not None]
    if colour == GREEN:
        reasons.append("长期坚持，按序时推进" if task.long_term else "按序时推进")
    return Light(colour, reasons + warnings, causes, warnings)




def nearest_rule(path: str, rules: dict[str, LightRule], default: LightRule | None = None) -> LightRule:
    """The rule of the nearest region above ``path`` that has one, else ``default`` (a new default rule)."""
    for prefix in reversed(path_prefixes(path)):
        if prefix in rules:
            return rules[prefix]
    return default if default is not None else default_rule()


def all_rules() -> dict[str, LightRule]:
    """Every region's own rule by region path, kept until a rule or a region changes (``core.generations``):
    a few rows read on every ledger page. The rules are shared: read them, never change them."""
    return generations.cached([LightRule, Region], "light rules", lambda: {
        r.region.path: r for r in LightRule.objects.select_related("region")})


def rules_for_paths(paths: Iterable[str]) -> dict[str, LightRule]:
    rules = all_rules()
    return {prefix: rules[prefix] for prefix in all_path_prefixes(paths) if prefix in rules}


def rule_for_region(region: Region) -> LightRule:
    return nearest_rule(region.path, rules_for_paths([region.path]))


def missing_report_reads(task_paths: dict[int, str], today: datetime.date) -> list[Read]:
    """The reads of the tasks (id → region path) with a unit that did not report in the latest reporting round
    already due (rows: a task id; none without dispatch), to ask with a page's others."""
    from rectify.tasks.hooks import missing_report_reads as reads

    return reads(task_paths, today)


def _prefetched_milestones(task: Task) -> Sequence[MilestoneLike] | None:
    """The task's milestones already loaded: by a page that shows them (``task.shown_milestones``, all of them in
    their order, e.g. a task's page) or prefetched (``prefetch_related("milestones")``); None when not loaded."""
    shown: Sequence[MilestoneLike] | None = getattr(task, "shown_milestones", None)
    if shown is not None:
        return shown
    cache: dict[str, Any] = getattr(task, "_prefetched_objects_cache", {})
    if "milestones" in cache:
        return list(cache["milestones"])
    return None


def milestone_rows(task_ids: Sequence[int]) -> dict[int, list[MilestoneRow]]:
    """The tasks' milestones as rows, by task id, each task's in its order (date, id): ``milestones_read`` alone."""
    return milestones_by_task(milestones_read(task_ids).run()) if task_ids else {}


def _region_paths(tasks: Sequence[Task]) -> dict[int, str]:
    """Region id → path of the tasks' regions: from the regions already loaded with the tasks
    (``select_related("region")``), else from those kept in the process (``region_facts``), one query for
    any other (a region newer than them)."""
    paths = {t.region_id: t.region.path for t in tasks if Task.region.is_cached(t)}
    missing = {t.region_id for t in tasks} - set(paths)
    if missing:
        facts = region_facts()
        paths.update((pk, facts[pk].path) for pk in missing if pk in facts)
        missing -= set(paths)
    if missing:
        paths.update(Region.objects.filter(pk__in=missing).values_list("pk", "path"))
    return paths


def annotate_lights(tasks: Sequence[Task], today: datetime.date | None = None) -> dict[int, Light]:
    """The light of each task, by task id, in a fixed number of queries."""
    lights: dict[int, Light] = {}
    with reading() as reads:
        lights_when_read(tasks, today or timezone.localdate(), reads, lights.update)
    return lights


def lights_when_read(tasks: Sequence[Task], today: datetime.date, reads: Reads,
                     use: Callable[[dict[int, Light]], object]) -> None:
    """Add to ``reads`` what the tasks' lights read (their milestones, unless loaded; their missing reports),
    and ``use(lights by task id)`` once they are answered."""
    tasks = list(tasks)
    if not tasks:
        use({})
        return
    with generations.memo():  # the rules and the rounds: their tokens read once
        region_paths = _region_paths(tasks)
        rules = rules_for_paths(region_paths.values())
        open_tasks = [t for t in tasks if t.state not in DONE_STATES]  # a done task's light is green whatever else
        open_paths = {t.pk: region_paths.get(t.region_id, "") for t in open_tasks}
        missing_reads = [reads.add(read) for read in missing_report_reads(open_paths, today)] if open_paths else []
    to_read = [t.pk for t in open_tasks if _prefetched_milestones(t) is None]
    milestone_reads = reads.add(milestones_read(to_read)) if to_read else None

    def light_up() -> None:
        fallback = default_rule()  # one for every task without a rule above it (a model instance each is 0.1 ms)
        region_rules = {pk: nearest_rule(path, rules, fallback) for pk, path in region_paths.items()}
        milestones: dict[int, Sequence[MilestoneLike]] = {
            **(milestones_by_task(milestone_reads.rows) if milestone_reads is not None else {}),
            **{t.pk: found for t in open_tasks if (found := _prefetched_milestones(t)) is not None}}
        missing = {task_id for found in missing_reads for (task_id,) in found.rows}
        no_milestones: list[MilestoneLike] = []
        use({task.pk: light_for(task, today, region_rules.get(task.region_id, fallback),
                                milestones=milestones.get(task.pk, no_milestones), report_missing=task.pk in missing)
             for task in tasks})

    reads.then(light_up)


def rules_by_task(tasks: Sequence[Task]) -> dict[int, LightRule]:
    region_paths = _region_paths(tasks)
    rules = rules_for_paths(region_paths.values())
    return {t.pk: nearest_rule(region_paths.get(t.region_id, ""), rules) for t in tasks}


def attach_lights(tasks: Sequence[Task], today: datetime.date | None = None, *,
                  reads: Reads | None = None) -> Sequence[Task]:
    """Set ``task.light`` on each task (for templates: ``{{ task.light.colour }}``); returns the tasks. With a
    page's ``reads``, what the lights read is asked with the page's other reads and set when they run."""

    def attach(lights: dict[int, Light]) -> None:
        for task in tasks:
            task.light = lights[task.pk]  # type: ignore[attr-defined]

    with reading(reads) as page_reads:
        lights_when_read(tasks, today or timezone.localdate(), page_reads, attach)
    return tasks
