"""Dispatch (调度): reporting rounds, the units' progress reports with evidence, and quarterly verification."""
from __future__ import annotations

import datetime
import uuid as uuid_lib
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from rectify.accounts.roles import UNIT_ROLES
from rectify.accounts.scope import EVERYTHING, NOTHING, ScopedQuerySet, unit_ids
from rectify.core.copies import Agreement, Copy
from rectify.core.files import CONTENT_TYPES as SERVED_TYPES
from rectify.core.models import CounterRow, PublicModel, VersionedModel
from rectify.core.types import AnyUser
from rectify.regions.models import Region, Unit
from rectify.regions.paths import all_path_prefixes
from rectify.tasks.models import Assignment, Task
from rectify.tasks.states import OPEN_STATES

from .labels import ScheduleLabel


def month_of(day: datetime.date) -> datetime.date:
    """The reporting month a date falls in, as its first day."""
    return day.replace(day=1)




class ReportingRoundQuerySet(ScopedQuerySet["ReportingRound"]):
    def visible_q(self, user: AnyUser, roles: set[str] | None = None) -> Q:
        """Rounds over the user's region subtrees, plus rounds in which the user's units must report
        (a round over a region above one of their open assignments)."""
        q = super().visible_q(user, roles)
        if q in (NOTHING, EVERYTHING) or not (roles is None or roles & UNIT_ROLES):
            return q
        ids = unit_ids(user)
        if ids:
            paths = (Assignment.objects.filter(unit_id__in=ids).filter(Q(task__state__in=list(OPEN_STATES)) | Q(task__long_term=True))
                     .values_list("task__region__path", flat=True).distinct())
            q |= Q(region__path__in=all_path_prefixes(paths))
        return q


class ReportingRound(VersionedModel):
    """One round of reporting (e.g. 2026年11月调度) for a region's subtree."""

    class Status(models.TextChoices):
        OPEN = "open", "报送中"
        CLOSED = "closed", "已结束"

    # Seen over its region subtree and by the units that must report in it; opened by the office there.
    scope_path = "region"
    objects = ReportingRoundQuerySet.as_manager()

    region = models.ForeignKey(Region, verbose_name="区划", on_delete=models.PROTECT, related_name="reporting_rounds")
    title = models.CharField("名称", max_length=100)
    period_start = models.DateField("调度期起")
    period_end = models.DateField("调度期止")
    due_date = models.DateField("报送截止日期", db_index=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True)
    report_period = models.DateField("报送月份", db_index=True,
                                     help_text="调度期止所在月份的第一天；同一月份各级调度共用单位的同一份报送")

    class Meta:
        verbose_name = "调度轮次"
        verbose_name_plural = "调度轮次"
        ordering = ["-period_end", "-id"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.report_period = month_of(self.period_end)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "period_end" in update_fields:
            kwargs["update_fields"] = {*update_fields, "report_period"}
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def quarter(self) -> str:
        return f"{self.period_end.year}年第{(self.period_end.month - 1) // 3 + 1}季度"


class ProgressReport(VersionedModel):
    """A unit's report on a task for one reporting month ("report once").

    It serves every level's round whose region holds the task and whose reporting month is the report's
    (a province's and a city's December rounds read the same report); ``round`` is the round it was
    first submitted through. Resubmitting, from any of those rounds, makes a new version of the same row.
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "已报送"
        ACCEPTED = "accepted", "牵头单位已认可"
        RETURNED = "returned", "牵头单位已退回"

    round = models.ForeignKey(ReportingRound, verbose_name="首次报送的调度", on_delete=models.PROTECT, related_name="reports")
    task = models.ForeignKey(Task, verbose_name="整改任务", on_delete=models.PROTECT, related_name="progress_reports")
    period = models.DateField("报送月份")
    assignment = models.ForeignKey(Assignment, verbose_name="任务分工", on_delete=models.PROTECT, related_name="progress_reports")
    unit = models.ForeignKey(Unit, verbose_name="报送单位", on_delete=models.PROTECT, related_name="progress_reports")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="报送人", null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField("报送时间", default=timezone.now)
    text = models.TextField("进展情况")
    percent = models.PositiveSmallIntegerField("完成比例（%）", null=True, blank=True,
                                               validators=[MinValueValidator(0), MaxValueValidator(100)])
    schedule = models.CharField("序时进度", max_length=16, choices=ScheduleLabel.choices)
    status = models.CharField("审核状态", max_length=10, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    reviewer_note = models.TextField("审核意见", blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    # Copies of the unit's name and the task's 序号 (``REPORT_UNIT_NAME``, ``REPORT_TASK_SEQ``, kept by triggers):
    # a round's reports are listed by unit name, task 序号 and id, which one index of this table then gives.
    unit_name = models.CharField("单位名称", max_length=120, editable=False, blank=True)
    task_seq = models.CharField("任务序号", max_length=20, editable=False, blank=True)

    scope_path = 'assignment__task'

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "进展报送"
        verbose_name_plural = "进展报送"
        ordering = ["-period", "id"]
        constraints = [models.UniqueConstraint(fields=["task", "unit", "period"], name="progress_report_once_per_month")]
        indexes = [
            models.Index(fields=["period", "unit"], name="progress_report_period_unit"),
            # a round's reports in the lists' order (``ROUND_ORDER``): a page walks the round's range and stops
            models.Index(fields=["round", "unit_name", "task_seq", "id"], name="progress_report_round_order"),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding:  # what the insert trigger writes, known before the query
            self.unit_name = self.unit.name if self.unit_id is not None else ""
            self.task_seq = self.task.seq if self.task_id is not None else ""
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.unit.name}·{self.period:%Y年%m月}"


# The order of a round's reports (the API's and the round page's): by unit name, the task's 序号, id — read from the
# copies, as the join to the unit and the task gave it (the report's task is its assignment's task).
ROUND_ORDER = ("unit_name", "task_seq", "id")

REPORT_UNIT_NAME = Copy(name="report_unit_name", table="dispatch_progressreport", column="unit_name",
                        key="unit_id", source="regions_unit", source_column="name")
REPORT_TASK_SEQ = Copy(name="report_task_seq", table="dispatch_progressreport", column="task_seq",
                       key="task_id", source="tasks_task", source_column="seq")
# A report's task is its assignment's task: the round order, the scope (``scope_path``) and the counters read the
# report's own task, the unit's page its assignment. The services always write both; the database refuses a write that would not.
REPORT_TASK = Agreement(name="report_task", table="dispatch_progressreport", column="task_id", key="assignment_id",
                        source="tasks_assignment", source_column="task_id", message="进展报送的任务必须是其任务分工所属的任务")


class ReportCount(CounterRow):
    """Progress reports of tasks a round expects (open or long-term), per region path of the task, month and
    序时进度 label: kept by database triggers (``rectify.dispatch.counters``); a round sums the rows of its
    month under its region's path."""

    region_path = models.CharField(max_length=120)
    period = models.DateField()
    schedule = models.CharField(max_length=16, choices=ScheduleLabel.choices)

    # Maintained counters: no person reads a row directly; the counting code sums them under the caller's own scope paths.
    scope_exempt = "counts per region path; read only for a round the caller may see, under the round's path"

    class Meta:
        verbose_name = "报送计数"
        verbose_name_plural = "报送计数"
        constraints = [models.UniqueConstraint(fields=["region_path", "period", "schedule", "shard"], name="reportcount_key_shard")]
        indexes = [models.Index(fields=["period", "region_path"], name="reportcount_period_path",
                                opclasses=["", "varchar_pattern_ops"])]


class PairCount(CounterRow):
    """(Task, unit) pairs a round expects a report from, per region path of the task: kept by database
    triggers (``rectify.dispatch.counters``); a round sums the rows under its region's path."""

    region_path = models.CharField(max_length=120)

    # Maintained counters: no person reads a row directly; the counting code sums them under the caller's own scope paths.
    scope_exempt = "counts per region path; read only for a round the caller may see, under the round's path"

    class Meta:
        verbose_name = "应报计数"
        verbose_name_plural = "应报计数"
        constraints = [models.UniqueConstraint(fields=["region_path", "shard"], name="paircount_key_shard")]
        indexes = [models.Index(fields=["region_path"], name="paircount_path", opclasses=["varchar_pattern_ops"])]


class UnitPairCount(CounterRow):
    """(Task, unit) pairs a round expects a report from, per region path of the task and unit: kept by
    database triggers (``rectify.dispatch.counters``); a round's page sums each unit's rows under its path."""

    region_path = models.CharField(max_length=120)
    # No database constraint: a unit removed after its assignments leaves its zero rows behind.
    unit = models.ForeignKey(Unit, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")

    # Maintained counters: no person reads a row directly; the counting code sums them under the caller's own scope paths.
    scope_exempt = "counts per region path and unit; read only for a round the caller may see, under the round's path"

    class Meta:
        verbose_name = "单位应报计数"
        verbose_name_plural = "单位应报计数"
        constraints = [models.UniqueConstraint(fields=["region_path", "unit", "shard"], name="unitpaircount_key_shard")]
        indexes = [models.Index(fields=["region_path", "unit", "n"], name="unitpaircount_path",
                                opclasses=["varchar_pattern_ops", "", ""])]


class UnitReportCount(CounterRow):
    """Progress reports of tasks a round expects (open or long-term), per region path of the task, unit and
    month: kept by database triggers (``rectify.dispatch.counters``); a round's page sums each unit's rows of
    its month under its path."""

    region_path = models.CharField(max_length=120)
    unit = models.ForeignKey(Unit, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")
    period = models.DateField()

    # Maintained counters: no person reads a row directly; the counting code sums them under the caller's own scope paths.
    scope_exempt = "counts per region path, unit and month; read only for a round the caller may see, under the round's path"

    class Meta:
        verbose_name = "单位报送计数"
        verbose_name_plural = "单位报送计数"
        # The key also serves the page: one unit's rows of one month, then their paths under the round's.
        constraints = [models.UniqueConstraint(fields=["unit", "period", "region_path", "shard"], name="unitreportcount_key_shard")]


def evidence_path(instance: EvidenceFile, filename: str) -> str:
    """A random stored name under dispatch/: the uploader's file name never reaches the disk."""
    kind = instance.kind or "bin"
    return f"dispatch/{uuid_lib.uuid4().hex}.{kind}"


class EvidenceFile(PublicModel):
    CONTENT_TYPES = SERVED_TYPES  # one table of the kinds served, with rectify.core.files

    report = models.ForeignKey(ProgressReport, verbose_name="进展报送", on_delete=models.PROTECT, related_name="files")
    file = models.FileField("文件", upload_to=evidence_path, max_length=200)
    original_name = models.CharField("原文件名", max_length=255)
    kind = models.CharField("类型", max_length=8)
    content_type = models.CharField("内容类型", max_length=100)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, on_delete=models.SET_NULL, related_name="+")
    superseded_by = models.ForeignKey("self", verbose_name="被替换为", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes")

    scope_path = 'report__assignment__task'

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["report_id", "id"]

    def __str__(self) -> str:
        return self.original_name


class Reminder(models.Model):
    """A reminder sent for a round: by hand (一键提醒) or by the periodic check before the due date."""

    class Kind(models.TextChoices):
        MANUAL = "manual", "一键提醒"
        DUE_3 = "due_3", "截止前3天自动提醒"
        DUE_1 = "due_1", "截止前1天自动提醒"

    round = models.ForeignKey(ReportingRound, verbose_name="调度轮次", on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField("方式", max_length=8, choices=Kind.choices)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提醒人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField("提醒时间", default=timezone.now)
    units = models.JSONField("被提醒单位", default=list)
    recipients = models.PositiveIntegerField("通知人数", default=0)

    scope_path = 'round'

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "报送提醒"
        verbose_name_plural = "报送提醒"
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "kind"], condition=~Q(kind="manual"), name="reminder_auto_once"),
        ]

    def __str__(self) -> str:
        return f"{self.round}·{self.get_kind_display()}"


class VerificationSample(PublicModel):
    """A recorded random draw of tasks for quarterly verification (核查): the seed reproduces it."""

    round = models.ForeignKey(ReportingRound, verbose_name="调度轮次", on_delete=models.PROTECT, related_name="samples")
    quarter = models.CharField("季度", max_length=20)
    seed = models.BigIntegerField("随机种子")
    size = models.PositiveIntegerField("抽取数量")
    population = models.PositiveIntegerField("可抽任务数")
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="抽取人", null=True, on_delete=models.SET_NULL, related_name="+")

    scope_path = 'round'

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "核查抽样"
        verbose_name_plural = "核查抽样"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.round}·抽查{self.size}项"


class Verification(PublicModel):
    class Result(models.TextChoices):
        SUBSTANTIATED = "substantiated", "属实"
        PARTLY = "partly", "部分属实"
        NOT = "not", "不属实"

    sample = models.ForeignKey(VerificationSample, verbose_name="抽样", on_delete=models.PROTECT, related_name="verifications")
    round = models.ForeignKey(ReportingRound, verbose_name="调度轮次", on_delete=models.PROTECT, related_name="verifications")
    task = models.ForeignKey(Task, verbose_name="被抽查任务", on_delete=models.PROTECT, related_name="dispatch_verifications")
    checker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="核查人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    finding = models.TextField("核查情况", blank=True)
    result = models.CharField("核查结论", max_length=14, choices=Result.choices, blank=True)
    checked_at = models.DateTimeField("核查时间", null=True, blank=True)

    scope_path = 'round'

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "核查"
        verbose_name_plural = "核查"
        ordering = ["sample_id", "id"]
        constraints = [models.UniqueConstraint(fields=["sample", "task"], name="verification_unique_task")]

    def __str__(self) -> str:
        return f"核查：{self.task}"
