"""Supervision (督办): warning-light rules, daily light checks, supervision notices with 13710 limits."""
from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from rectify.accounts.roles import REGION_ROLES, UNIT_ROLES, is_admin
from rectify.accounts.scope import NOTHING, ScopedQuerySet, region_paths, unit_ids
from rectify.core.copies import Copy
from rectify.core.models import PublicModel, VersionedModel
from rectify.core.numbering import SUPERVISION, format_number
from rectify.core.types import AnyUser, signed_in
from rectify.regions.models import Region, Unit
from rectify.tasks.models import Task


class LightRule(PublicModel):
    """Warning-light rules of a region's subtree; the nearest rule up the region path wins."""

    region = models.OneToOneField(Region, verbose_name="区划", on_delete=models.CASCADE, related_name="light_rule")
    yellow_days_before_deadline = models.PositiveSmallIntegerField("距整改时限多少天内亮黄灯", default=15)
    yellow_when_report_missing = models.BooleanField("未按期报送进展亮黄灯", default=True)
    red_when_overdue = models.BooleanField("逾期亮红灯", default=True)
    escalate_after_yellows = models.PositiveSmallIntegerField("连续黄灯多少次自动督办", default=2)

    scope_path = 'region'

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "预警灯规则"
        verbose_name_plural = "预警灯规则"

    def __str__(self) -> str:
        return f"{self.region}预警灯规则"


class LightCheck(models.Model):
    """The light of one task on one day, as the daily check saw it."""

    class Colour(models.TextChoices):
        GREEN = "green", "绿灯"
        YELLOW = "yellow", "黄灯"
        RED = "red", "红灯"

    task = models.ForeignKey(Task, verbose_name="整改任务", on_delete=models.CASCADE, related_name="light_checks")
    day = models.DateField("检查日期")
    colour = models.CharField("灯色", max_length=8, choices=Colour.choices)
    reasons = models.JSONField("原因", default=list, blank=True)
    yellow_streak = models.PositiveIntegerField("连续黄灯次数", default=0)

    scope_path = 'task'

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "预警灯记录"
        verbose_name_plural = "预警灯记录"
        ordering = ["task_id", "-day"]
        constraints = [models.UniqueConstraint(fields=["task", "day"], name="light_check_unique_day")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.get_colour_display()}"


class SupervisionRule(PublicModel):
    """The 13710 time limits of a region's subtree, for tasks of one region level (or all levels)."""

    region = models.ForeignKey(Region, verbose_name="区划", on_delete=models.CASCADE, related_name="supervision_rules")
    level = models.CharField("适用任务级别", max_length=10, choices=Region.Level.choices, blank=True, default="",
                             help_text="留空为所有级别")
    arrange_days = models.PositiveSmallIntegerField("部署时限（天）", default=1)
    report_days = models.PositiveSmallIntegerField("首次回复时限（天）", default=3)
    ordinary_done_days = models.PositiveSmallIntegerField("一般事项办结时限（天）", default=7)
    major_done_days = models.PositiveSmallIntegerField("重大复杂事项办结时限（天）", default=30,
                                                       help_text="逾期未办结的须报送时间表和整改方案（申请延期）")
    working_days = models.BooleanField("按工作日计算", default=False, help_text="不勾选按自然日计算")

    scope_path = 'region'

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "督办时限规则"
        verbose_name_plural = "督办时限规则"
        constraints = [models.UniqueConstraint(fields=["region", "level"], name="supervision_rule_unique_level")]

    def __str__(self) -> str:
        return f"{self.region}{self.get_level_display() or '所有级别'}督办时限"


class NoticeQuerySet(ScopedQuerySet["SupervisionNotice"]):
    """The scope of ``scope_path`` ("task", "units"), the task's region read from the notice's own copy of its
    path (``region_path``): a region subtree is a range of ``supervision_scope_order``, without the tasks."""

    def visible_q(self, user: AnyUser, roles: set[str] | None = None) -> Q:
        if not signed_in(user) or is_admin(user) or (roles and roles & UNIT_ROLES):
            return super().visible_q(user, roles)  # nothing, everything, or a task reached through its units
        q = NOTHING
        for path in region_paths(user, roles):  # no roles asked: the region roles
            q |= Q(region_path__startswith=path)
        ids = unit_ids(user) if roles is None else []
        if ids:
            q |= Q(pk__in=SupervisionNotice._base_manager.filter(units__in=ids).values("pk"))
        return q


class SupervisionNotice(VersionedModel):
    """A supervision notice (督办单) with a hard time limit for each step."""

    class Kind(models.TextChoices):
        ORDINARY = "ordinary", "一般事项"
        MAJOR = "major", "重大复杂事项"

    class Status(models.TextChoices):
        ISSUED = "issued", "已下达"
        ARRANGED = "arranged", "已部署"
        REPORTED = "reported", "已回复"
        DONE = "done", "已办结待审核"
        ESCALATED = "escalated", "逾期升级"
        CLOSED = "closed", "已销号"

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", "优秀"
        GOOD = "good", "良好"
        PASS = "pass", "合格"
        FAIL = "fail", "不合格"

    class Step(models.TextChoices):
        ARRANGE = "arrange", "部署"
        REPORT = "report", "首次回复"
        DONE = "done", "办结"

    task = models.ForeignKey(Task, verbose_name="整改任务", on_delete=models.PROTECT, related_name="supervision_notices")
    region = models.ForeignKey(Region, verbose_name="督办区划", on_delete=models.PROTECT, related_name="+")
    issuer = models.CharField("发文机关简称", max_length=40, default="")
    year = models.PositiveSmallIntegerField("年度")
    seq = models.PositiveIntegerField("序号")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="督办人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    units = models.ManyToManyField(Unit, verbose_name="督办单位", related_name="supervision_notices")
    kind = models.CharField("事项类别", max_length=10, choices=Kind.choices, default=Kind.ORDINARY)
    reason = models.TextField("督办事由")
    automatic = models.BooleanField("系统自动督办", default=False)
    issued_at = models.DateTimeField("下达时间")
    issued_on = models.DateField("下达日期")
    working_days = models.BooleanField("按工作日计算", default=False)
    arranged_by = models.DateField("部署时限")
    first_report_by = models.DateField("首次回复时限")
    done_by = models.DateField("办结时限")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ISSUED, db_index=True)
    arranged_at = models.DateTimeField("部署时间", null=True, blank=True)
    arrangement = models.TextField("部署情况", blank=True)
    reported_at = models.DateTimeField("回复时间", null=True, blank=True)
    report = models.TextField("回复内容", blank=True)
    done_at = models.DateTimeField("办结时间", null=True, blank=True)
    done_report = models.TextField("办结情况", blank=True)
    done_reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="报办结人", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    escalated_at = models.DateTimeField("升级时间", null=True, blank=True)
    escalated_step = models.CharField("逾期环节", max_length=10, choices=Step.choices, blank=True)
    grade = models.CharField("办结评定", max_length=10, choices=Grade.choices, blank=True)
    review_note = models.TextField("审核意见/退回原因", blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    send_backs = models.PositiveSmallIntegerField("退回次数", default=0)
    # A copy of the task's ``region_path`` (``NOTICE_REGION_PATH``, kept by triggers): the scope filter of the
    # lists and the leading key of their index.
    region_path = models.CharField("任务区划路径", max_length=120, editable=False, blank=True)

    # Seen by the region roles over its task and by the units it is addressed to (not by every unit
    # of the task); changed by the office over its task.
    scope_path = ("task", "units")
    scope_roles = REGION_ROLES
    scope_edit_path = "task"

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = "督办单"
        verbose_name_plural = "督办单"
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "seq"], name="supervision_number_unique"),
            models.UniqueConstraint(fields=["issuer", "year", "seq"], name="supervision_number_unique_per_issuer"),
        ]
        indexes = [
            models.Index(fields=["status", "done_by"], name="supervision_status_due"),
            # the lists' order: their first page read from it instead of sorting every notice in scope
            models.Index(fields=["-issued_at", "-id"], name="supervision_issued_order"),
            # a region subtree's notices (the region roles' scope, the region filter): a prefix range, then the order
            models.Index(fields=["region_path", "-issued_at", "-id"], name="supervision_scope_order",
                         opclasses=["varchar_pattern_ops", "", ""]),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and self.task_id is not None:
            self.region_path = self.task.region_path  # what the insert trigger writes, known before the query
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return format_number(self.issuer, SUPERVISION, self.year, self.seq)

    @property
    def current_step(self) -> str:
        """The step the units owe next ('' once they reported done or the notice is closed)."""
        if self.status == self.Status.CLOSED:
            return ""
        if self.arranged_at is None:
            return self.Step.ARRANGE
        if self.reported_at is None:
            return self.Step.REPORT
        if self.done_at is None:
            return self.Step.DONE
        return ""

    def due_for(self, step: str) -> datetime.date:
        dates: dict[str, datetime.date] = {self.Step.ARRANGE: self.arranged_by, self.Step.REPORT: self.first_report_by, self.Step.DONE: self.done_by}
        return dates[step]

    def current_due(self) -> datetime.date | None:
        step = self.current_step
        return self.due_for(step) if step else None

    def is_late(self, today: datetime.date) -> bool:
        due = self.current_due()
        return due is not None and due < today


NOTICE_REGION_PATH = Copy(name="notice_region_path", table="supervision_supervisionnotice", column="region_path",
                          key="task_id", source="tasks_task", source_column="region_path")


class NoticeCounter(models.Model):
    """The last notice number given per region and year (locked while the next is taken)."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    # No data scope: a numbering counter, used only inside the notice service
    scope_exempt = "a numbering counter, used only inside the notice service"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="supervision_counter_unique")]


class ExtensionRequest(PublicModel):
    class Decision(models.TextChoices):
        PENDING = "", "待审批"
        APPROVED = "approved", "同意延期"
        REFUSED = "refused", "不同意延期"

    notice = models.ForeignKey(SupervisionNotice, verbose_name="督办单", on_delete=models.CASCADE, related_name="extensions")
    step = models.CharField("延期环节", max_length=10, choices=SupervisionNotice.Step.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("延期理由（重大复杂事项附时间表和整改方案）")
    old_date = models.DateField("原时限")
    new_date = models.DateField("申请延至")
    decision = models.CharField("审批结果", max_length=10, choices=Decision.choices, default="", blank=True)
    decision_note = models.TextField("审批意见", blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)

    scope_path = 'notice'

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        ordering = ["notice_id", "id"]

    def __str__(self) -> str:
        return f"延期申请（{self.get_step_display()}延至{self.new_date:%Y-%m-%d}）"


class AutoNoticeCause(models.Model):
    """A cause (a missed milestone, a near deadline, a missing report …) that drew an automatic notice on a task.

    While it stays active (``cleared_on`` empty) no further automatic notice fires for the same task and
    cause; the daily light check clears it on the first day the light no longer shows it.
    """

    task = models.ForeignKey(Task, verbose_name="整改任务", on_delete=models.CASCADE, related_name="auto_notice_causes")
    cause = models.CharField("原因代码", max_length=120)
    reason = models.CharField("原因", max_length=300)
    notice = models.ForeignKey(SupervisionNotice, verbose_name="督办单", on_delete=models.CASCADE, related_name="causes")
    raised_on = models.DateField("督办日期")
    cleared_on = models.DateField("原因消除日期", null=True, blank=True)

    scope_path = 'task'

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "自动督办原因"
        verbose_name_plural = "自动督办原因"
        ordering = ["task_id", "-raised_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "cause"], condition=Q(cleared_on__isnull=True), name="auto_notice_cause_once"),
        ]

    def __str__(self) -> str:
        return f"{self.reason}（{self.raised_on:%Y-%m-%d}）"
