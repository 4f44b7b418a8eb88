"""The ledger: tasks, their measures and milestones, and the units assigned to them."""
from __future__ import annotations

import datetime
import re
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Func, Q, Value
from django.db.models.functions import Coalesce, Left, NullIf
from django.utils import timezone

from rectify.accounts.scope import ScopedQuerySet, task_edit_scope, task_scope
from rectify.core.models import CounterRow, VersionedModel
from rectify.core.types import AnyUser
from rectify.inspections.models import Inspection, Plan
from rectify.regions.models import Region, Unit
from rectify.regions.services import repath, subtree_moved

from .states import DONE_STATES, OPEN_STATES, AssignmentState, TaskState


class TaskQuerySet(ScopedQuerySet["Task"]):
    """Tasks carry their own rule (``accounts.scope.task_scope``); every other model's scope leads here."""

    def visible_q(self, user: AnyUser, roles: set[str] | None = None) -> Q:
        return task_scope(user, roles=roles)

    def editable_q(self, user: AnyUser) -> Q:
        return task_edit_scope(user)

    def overdue(self, today: datetime.date | None = None) -> TaskQuerySet:
        return self.filter(overdue_q(today))


def overdue_q(today: datetime.date | None = None) -> Q:
    today = today or timezone.localdate()
    return Q(deadline__lt=today, long_term=False, state__in=list(OPEN_STATES))


NUMBER_RUN = re.compile(r"\d+|\D+")


def seq_sort_key(seq: str) -> str:
    """序号 as text whose plain order is the natural one (1, 2, … 10, 11; 2.3 before 2.10; the order of
    ``tasks.excel.natural_key``) under any database collation: only the characters 0-9 and a-f are used —
    a number is "0" and twenty digits, any other run is "1", six hex digits per character after a "1",
    and a closing "0"."""
    parts = []
    for run in NUMBER_RUN.findall(seq.strip()):
        if run.isdigit():
            parts.append("0" + str(min(int(run), 10**20 - 1)).zfill(20))
        else:
            parts.append("1" + "".join(f"1{ord(c):06x}" for c in run) + "0")
    return "".join(parts)


class Task(VersionedModel):
    plan = models.ForeignKey(Plan, verbose_name="整改方案", on_delete=models.PROTECT, related_name="tasks")
    inspection = models.ForeignKey(Inspection, verbose_name="督察", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    region = models.ForeignKey(Region, verbose_name="区划", on_delete=models.PROTECT, related_name="tasks")
    parent = models.ForeignKey("self", verbose_name="上级任务", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    seq = models.CharField("序号", max_length=20)
    seq_key = models.CharField(max_length=400, editable=False, blank=True)  # natural order of 序号 (seq_sort_key)
    feedback_no = models.CharField("反馈问题序号", max_length=20, blank=True)
    section = models.JSONField("所属章节", default=list, blank=True)
    section_title = models.CharField("章节", max_length=200, blank=True, db_index=True)
    title = models.CharField("任务名称", max_length=200, blank=True)
    problem = models.TextField("反馈问题", blank=True)
    target = models.TextField("整改目标", blank=True)
    responsible_person = models.CharField("责任人", max_length=120, blank=True)
    deadline = models.DateField("整改时限", null=True, blank=True, db_index=True)
    deadline_text = models.CharField("时限原文", max_length=60, blank=True)
    long_term = models.BooleanField("长期坚持", default=False)
    priority = models.BooleanField("重点任务", default=False)
    state = models.CharField("状态", max_length=16, choices=TaskState.choices, default=TaskState.ASSIGNED, db_index=True)
    progress = models.TextField("进展情况", blank=True)
    progress_percent = models.PositiveSmallIntegerField("完成进度（%）", default=0, help_text="由状态得出；有下级任务时由下级汇总")
    completion = models.TextField("整改完成情况", blank=True)
    needs_completion = models.BooleanField(
        "待完善", default=False, db_index=True, help_text="文档中缺少整改时限或责任单位，导入后待整改办补充；补全后自动取消",
    )
    incomplete_reason = models.CharField("待完善原因", max_length=120, blank=True)
    search_text = models.TextField(editable=False, blank=True)
    # A copy of ``region.path`` (kept by ``save`` and the services): the scope filter of every ledger,
    # and the leading key of the ledger's index, so a page costs what the caller's tasks cost.
    region_path = models.CharField("区划路径", max_length=120, editable=False, blank=True)

    # Seen over its region subtree and by its assigned units; changed by the office over its region.
    scope_path = ("region", "assignments__unit")
    scope_edit_path = "region"
    objects = TaskQuerySet.as_manager()

    # The change history shows neither the derived copy of the section nor the search text.
    history_hidden = ("section_title", "region_path")
    history_labels = {"measures": "整改措施", "milestones": "时间节点", "assignments": "责任分工"}

    class Meta:
        verbose_name = "整改任务"
        verbose_name_plural = "整改任务"
        ordering = ["plan_id", "id"]
        indexes = [
            models.Index(fields=["plan", "seq"], name="task_plan_seq"),
            models.Index(fields=["plan", "seq_key", "id"], name="task_plan_seq_key"),  # the ledger's 序号 sort
            models.Index(fields=["state", "deadline"], name="task_state_deadline"),
            models.Index(fields=["updated_at", "id"], name="task_updated_order"),  # API updated_since, "最近更新"
            # The ledger's other chosen orders, either way, ties broken by the id (``filters.LedgerOrdering``): the
            # administrator's page of a search in one of them is found by walking its index (``paging.window_order``).
            # The update time's ties are few: read backwards, its index is re-sorted within each.
            models.Index(fields=["deadline", "id"], name="task_deadline_order"),
            models.Index(fields=["-deadline", "id"], name="task_deadline_desc_order"),
            models.Index(fields=["state", "id"], name="task_state_order"),
            models.Index(fields=["-state", "id"], name="task_state_desc_order"),
            # The ledger of a region subtree: a prefix range on the path, then the page order.
            models.Index(fields=["region_path", "plan", "id"], name="task_region_path_order",
                         opclasses=["varchar_pattern_ops", "", ""]),
            # The same order over the whole table (the administrator's ledger): a page is its 25 index entries.
            models.Index(fields=["plan", "id"], name="task_plan_order"),
            # The counts above the ledger (per state, overdue, to complete: one grouped query) from the index
            # alone: a prefix range for an office, the whole index for the administrator (the id too: the
            # administrator's scope is ``id IS NOT NULL`` and the counts count ids).
            models.Index(fields=["region_path", "state", "deadline", "long_term", "needs_completion", "id"],
                         name="task_region_path_counts", opclasses=["varchar_pattern_ops", "", "", "", "", ""]),
            # The overdue count (``overdue_q``) from the open dated tasks alone: a range on the deadline. The
            # columns a ledger filtered on overdue tasks counts (per state, to complete) and orders by are
            # carried along: its counts and its page's keys are read from this index alone.
            models.Index(fields=["deadline", "region_path"], name="task_open_deadline",
                         include=["state", "long_term", "needs_completion", "plan", "id"],
                         condition=Q(long_term=False, state__in=sorted(OPEN_STATES))),
            # The same open dated tasks by region path first: an office's overdue count and its page filtered on
            # overdue tasks read its subtree's range alone (a province at 300,000 tasks: 2,128 entries, 1 ms), where
            # ``task_open_deadline`` walks every overdue task of the country (63,000, 13 ms) for its own.
            models.Index(fields=["region_path", "deadline"], name="task_open_path_deadline", opclasses=["varchar_pattern_ops", ""],
                         include=["state", "needs_completion", "plan", "id"],
                         condition=Q(long_term=False, state__in=sorted(OPEN_STATES))),
            # 待我处理 "已验收待发布公示" over every task (the administrator): the first rows in the list's order.
            models.Index(fields=["updated_at", "id"], name="task_accepted_updated",
                         condition=Q(state=TaskState.ACCEPTED)),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.region_id is not None:
            path = self.region.path
            if path != self.region_path:
                self.region_path = path
                fields = kwargs.get("update_fields")
                if fields is not None:
                    kwargs["update_fields"] = [*fields, "region_path"]
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return task_label(self.seq, self.title, self.problem, self.target)

    @property
    def display_title(self) -> str:
        return shortened_title(self.title or self.problem or self.target)

    @property
    def is_overdue(self) -> bool:
        return self.overdue_on(timezone.localdate())

    def overdue_on(self, today: datetime.date) -> bool:
        """Whether the task is open past its deadline on ``today`` (a page of rows asks the date once)."""
        return bool(self.deadline and not self.long_term and self.state in OPEN_STATES and self.deadline < today)

    @property
    def is_done(self) -> bool:
        return self.state in DONE_STATES

    def refresh_search_text(self) -> None:
        """The derived copies: section title, 序号 sort key, search text."""
        self.section_title = " / ".join(self.section)[:200]
        self.seq_key = seq_sort_key(self.seq)
        parts = [self.seq, self.title, self.problem, self.target, self.responsible_person, self.section_title, self.deadline_text]
        parts += [m.text for m in self.measures.all()] if self.pk else []
        parts += [a.unit.name for a in self.assignments_with_units()] if self.pk else []
        self.search_text = "\n".join(p for p in parts if p)

    def units_by_role(self, role: str) -> list[Unit]:
        return [a.unit for a in self.assignments.all() if a.role == role]

    def history_extra(self) -> dict[str, Any]:
        return {
            "measures": [m.text for m in self.measures.all()],
            "milestones": [{"date": m.date.isoformat() if m.date else None, "text": m.text} for m in self.milestones.all()],
            "assignments": [f"{a.get_role_display()}：{a.unit.name}" for a in self.assignments_with_units()],
        }

    def assignments_with_units(self) -> list[Assignment]:
        """The assignments with their units: those prefetched, else one query (not one more per unit)."""
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("assignments")
        if prefetched is not None:
            return list(prefetched)
        return list(self.assignments.select_related("unit"))


class Measure(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="measures")
    order = models.PositiveSmallIntegerField("顺序")
    text = models.TextField("整改措施")

    scope_path = 'task'

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "整改措施"
        verbose_name_plural = "整改措施"
        ordering = ["task_id", "order"]


class Milestone(models.Model):
    """A dated step inside a task's measures. A unit ticks it done in its progress report; the office may
    mark, unmark or move it with a reason (``rectify/tasks/milestones.py``, a history row on the task)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="milestones")
    date = models.DateField("节点日期", null=True, blank=True)
    text = models.TextField("节点内容")
    done = models.BooleanField("已完成", default=False)
    done_at = models.DateTimeField("完成登记时间", null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="完成登记人", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")

    scope_path = 'task'

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "时间节点"
        verbose_name_plural = "时间节点"
        ordering = ["task_id", "date", "id"]


class Assignment(VersionedModel):
    """A unit's part in a task, with its own state."""

    class Role(models.TextChoices):
        LEAD = "lead", "牵头单位"
        COOPERATING = "cooperating", "配合单位"
        RESPONSIBLE = "responsible", "责任单位"

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField("角色", max_length=12, choices=Role.choices)
    state = models.CharField("状态", max_length=16, choices=AssignmentState.choices, default=AssignmentState.ASSIGNED)

    scope_path = 'task'

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "任务分工"
        verbose_name_plural = "任务分工"
        ordering = ["task_id", "role", "id"]
        constraints = [models.UniqueConstraint(fields=["task", "unit", "role"], name="assignment_unique")]
        indexes = [
            models.Index(fields=["unit", "state"], name="assignment_unit_state"),
            models.Index(fields=["updated_at"], name="assignment_updated_at"),  # API updated_since
        ]

    def __str__(self) -> str:
        return f"{self.unit.name}（{self.get_role_display()}）"


class TaskCount(CounterRow):
    """How many tasks have this region path, state and "to complete" mark: kept by database triggers
    (``rectify.tasks.counters``), read by the ledger's landing page instead of counting the tasks."""

    region_path = models.CharField(max_length=120)
    state = models.CharField(max_length=16, choices=TaskState.choices)
    needs_completion = models.BooleanField()

    # Maintained counters: no person reads a row directly; the counting code sums them under the caller's own scope paths.
    scope_exempt = "counts of tasks per region path; read only through the caller's scope paths (rectify.tasks.counts)"

    class Meta:
        verbose_name = "任务计数"
        verbose_name_plural = "任务计数"
        constraints = [models.UniqueConstraint(fields=["region_path", "state", "needs_completion", "shard"], name="taskcount_key_shard")]
        indexes = [models.Index(fields=["region_path"], name="taskcount_path", opclasses=["varchar_pattern_ops"])]


class AssignmentCount(CounterRow):
    """How many task assignments the tasks of this region path have: kept by database triggers
    (``rectify.tasks.counters``), read by the API's unfiltered list of task assignments instead of counting them."""

    region_path = models.CharField(max_length=120)

    # Maintained counters: no person reads a row directly; the counting code sums them under the caller's own scope paths.
    scope_exempt = "counts of task assignments per region path; read only through the caller's scope paths (rectify.tasks.counts)"

    class Meta:
        verbose_name = "任务分工计数"
        verbose_name_plural = "任务分工计数"
        constraints = [models.UniqueConstraint(fields=["region_path", "shard"], name="assignmentcount_key_shard")]
        indexes = [models.Index(fields=["region_path"], name="assignmentcount_path", opclasses=["varchar_pattern_ops"])]


def _carry_moved_paths(sender: Any, old_path: str, new_path: str, **kwargs: Any) -> None:
    """A region subtree moved (``regions.services.move_region``): its tasks' copies follow, in one statement
    (the notices' copies and the counters follow them by trigger)."""
    Task.objects.filter(region_path__startswith=old_path).update(region_path=repath("region_path", old_path, new_path))


subtree_moved.connect(_carry_moved_paths, dispatch_uid="task_region_paths_moved")


TITLE_CHARS = 60


def task_label(seq: str, title: str, problem: str, target: str) -> str:
    """How a task is named in lists and links (``str(task)``): 序号, then its title (else its problem, else its target) shortened."""
    return f"{seq}. {shortened_title(title or problem or target)}"


def shortened_title(text: str) -> str:
    """A task's title as lists show it: its first 60 characters, and … when there were more."""
    return text[:TITLE_CHARS] + ("…" if len(text) > TITLE_CHARS else "")


def title_text(task: str = "task") -> Func:
    """The first 61 characters of ``Task.display_title``'s text, computed by the database (title, else problem,
    else target), for ``shortened_title``: a list of many tasks reads a few characters instead of whole rows."""
    text = Coalesce(NullIf(f"{task}__title", Value("")), NullIf(f"{task}__problem", Value("")), f"{task}__target",
                    output_field=models.TextField())
    return Left(text, TITLE_CHARS + 1, output_field=models.TextField())
