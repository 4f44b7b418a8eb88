"""Acceptance and closure (验收销号): applications, reviews, announcements, objections, closures."""
from __future__ import annotations

import uuid as uuid_lib
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.db import models

from rectify.accounts.roles import Role
from rectify.accounts.scope import ScopedQuerySet
from rectify.core.copies import Copy, LatestFlag
from rectify.core.models import PublicModel
from rectify.core.numbering import CLOSURE, format_number
from rectify.regions.models import Region, Unit
from rectify.tasks.models import Task
from rectify.tasks.states import TaskState

DEFAULT_ANNOUNCEMENT_DAYS = 5


class AnnouncementRule(models.Model):
    """The announcement period of a region's subtree; the nearest rule up the region path wins."""

    region = models.OneToOneField(Region, verbose_name="区划", on_delete=models.CASCADE, related_name="announcement_rule")
    working_days = models.PositiveSmallIntegerField("公示期（工作日）", default=DEFAULT_ANNOUNCEMENT_DAYS)

    scope_path = 'region'

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "公示期设置"
        verbose_name_plural = "公示期设置"

    def __str__(self) -> str:
        return f"{self.region}：{self.working_days}个工作日"


class TaskRecord(PublicModel):
    """A step of one task's acceptance file; ``task.<class name>s`` lists them."""

    task = models.ForeignKey(Task, verbose_name="整改任务", on_delete=models.PROTECT, related_name="%(class)ss")

    scope_path = 'task'

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["task_id", "id"]


class AcceptanceApplication(TaskRecord):
    class Status(models.TextChoices):
        PENDING = "pending", "待验收"
        ACCEPTED = "accepted", "验收通过"
        SENT_BACK = "sent_back", "已退回"

    task = models.ForeignKey(Task, verbose_name="整改任务", on_delete=models.PROTECT, related_name="acceptance_applications")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name="申请单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    completion_report = models.TextField("整改完成情况")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)

    class Meta(TaskRecord.Meta):
        verbose_name = "验收申请"
        verbose_name_plural = "验收申请"
        ordering = ["task_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"验收申请（{self.unit or self.applicant}，{self.created_at:%Y-%m-%d}）" if self.created_at else "验收申请"


def evidence_path(instance: Evidence, filename: str) -> str:
    """A random stored name: the uploader's file name never reaches the disk."""
    ext = PurePosixPath(filename).suffix.lower()
    return f"evidence/{uuid_lib.uuid4().hex}{ext}"


class EvidenceFile(PublicModel):
    """An uploaded file checked by ``files.check_upload``: stored under a random name with its hash."""

    file = models.FileField("文件", upload_to=evidence_path, max_length=200)
    original_name = models.CharField("原文件名", max_length=255)
    kind = models.CharField("类型", max_length=8)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name


class Evidence(EvidenceFile):
    application = models.ForeignKey(AcceptanceApplication, verbose_name="验收申请", on_delete=models.PROTECT, related_name="evidence")

    scope_path = 'application__task'

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["application_id", "id"]


def signature_path(instance: object, filename: str) -> str:
    ext = PurePosixPath(filename).suffix.lower()
    return f"signatures/{uuid_lib.uuid4().hex}{ext}"


class AcceptanceReview(PublicModel):
    class Decision(models.TextChoices):
        ACCEPT = "accept", "验收通过"
        SEND_BACK = "send_back", "退回整改"

    application = models.ForeignKey(AcceptanceApplication, verbose_name="验收申请", on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="验收人", on_delete=models.PROTECT, related_name="+")
    site_check = models.TextField("现场核查记录")
    decision = models.CharField("验收结论", max_length=12, choices=Decision.choices)
    reasons = models.TextField("理由/退回原因", blank=True)
    implemented = models.BooleanField("整改措施已落实")
    signed_by = models.CharField("签字人", max_length=60, help_text="签字人为录入验收意见的登录用户本人")
    signed_at = models.DateTimeField("签字时间")
    signature_image = models.FileField("签名图片", upload_to=signature_path, max_length=200, blank=True,
                                       help_text="签字时验收人个人资料中的签名图片副本")

    scope_path = 'application__task'

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "验收意见"
        verbose_name_plural = "验收意见"
        ordering = ["application_id", "id"]

    def __str__(self) -> str:
        return f"验收意见：{self.get_decision_display()}（{self.signed_by}）"


class Announcement(TaskRecord):
    starts_on = models.DateField("公示开始")
    ends_on = models.DateField("公示截止")
    working_days = models.PositiveSmallIntegerField("公示期（工作日）")
    published = models.BooleanField("已发布", default=True)
    body = models.JSONField("公示内容", default=dict)
    ended_notified = models.BooleanField("已提醒公示期满", default=False)
    calendar_note = models.CharField("节假日日历提示", max_length=300, blank=True,
                                     help_text="公示期跨越尚未录入节假日安排的年度时，截止日为推算结果")
    # Kept by triggers (ANNOUNCEMENT_LATEST, ANNOUNCEMENT_LATEST_PUBLISHED): true on the task's announcement of
    # highest id, and on its published one of highest id. The lists that ask for "the latest of its task"
    # read a partial index of these rows instead of comparing each announcement with its task's others.
    is_latest = models.BooleanField("本任务最新的公示", default=False, editable=False)
    is_latest_published = models.BooleanField("本任务最新的已发布公示", default=False, editable=False)
    # A copy of the task's state (ANNOUNCEMENT_TASK_STATE, kept by triggers): the tasks still in announcement
    # have their latest announcements in one small partial index.
    task_state = models.CharField("任务状态", max_length=16, editable=False, blank=True)

    class Meta(TaskRecord.Meta):
        verbose_name = "销号公示"
        verbose_name_plural = "销号公示"
        indexes = [
            # the public list: each task's latest published announcement, in the list's order (a page is a range)
            models.Index(fields=["-starts_on", "-id"], condition=models.Q(is_latest_published=True),
                         name="announcement_public_latest"),
            # 公示期满待销号: the latest announcement of each task in announcement, by the day it ends (the list's
            # order); with its id (the objections' key) it is counted without reading the announcements
            models.Index(fields=["ends_on", "task"], include=["id"], condition=models.Q(is_latest=True, task_state=TaskState.ANNOUNCED),
                         name="announcement_announced_end"),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding:  # what the insert triggers write, known before the query: a new row is its task's latest
            self.is_latest, self.is_latest_published = True, self.published
            if self.task_id is not None:
                self.task_state = self.task.state
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"销号公示（{self.starts_on:%Y-%m-%d}至{self.ends_on:%Y-%m-%d}）"


ANNOUNCEMENT_TASK_STATE = Copy(name="announcement_task_state", table="acceptance_announcement", column="task_state",
                               key="task_id", source="tasks_task", source_column="state")
ANNOUNCEMENT_LATEST = LatestFlag(name="announcement_latest", table="acceptance_announcement", column="is_latest",
                                 group="task_id", owner="tasks_task")
ANNOUNCEMENT_LATEST_PUBLISHED = LatestFlag(name="announcement_latest_published", table="acceptance_announcement",
                                           column="is_latest_published", group="task_id", owner="tasks_task", among="published")


class Objection(PublicModel):
    class Resolution(models.TextChoices):
        PENDING = "", "待处理"
        UPHELD = "upheld", "异议成立"
        REJECTED = "rejected", "异议不成立"

    announcement = models.ForeignKey(Announcement, verbose_name="公示", on_delete=models.PROTECT, related_name="objections")
    received_on = models.DateField("收到日期")
    content = models.TextField("异议内容")
    contact = models.CharField("联系方式（不公开）", max_length=120, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, on_delete=models.SET_NULL, related_name="+")
    resolution = models.CharField("处理结果", max_length=10, choices=Resolution.choices, default="", blank=True)
    resolution_note = models.TextField("处理说明", blank=True)
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    reopened_task = models.BooleanField("已据此重新整改", default=False)

    scope_path = 'announcement__task'

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "异议"
        verbose_name_plural = "异议"
        ordering = ["announcement_id", "id"]

    def __str__(self) -> str:
        return f"异议（{self.received_on:%Y-%m-%d}）"


class Closure(TaskRecord):
    announcement = models.ForeignKey(Announcement, verbose_name="公示", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, verbose_name="销号区划", on_delete=models.PROTECT, related_name="+")
    issuer = models.CharField("发文机关简称", max_length=40, default="")
    year = models.PositiveSmallIntegerField("年度")
    seq = models.PositiveIntegerField("序号")
    closed_on = models.DateField("销号日期")

    class Meta(TaskRecord.Meta):
        verbose_name = "销号"
        verbose_name_plural = "销号"
        ordering = ["region_id", "year", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "seq"], name="closure_number_unique"),
            models.UniqueConstraint(fields=["issuer", "year", "seq"], name="closure_number_unique_per_issuer"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return format_number(self.issuer, CLOSURE, self.year, self.seq)


class ClosureCounter(models.Model):
    """No longer used: numbers come from ``core.numbering`` (kept for the rows already stored)."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    # No data scope: a numbering counter, used only inside the closure service
    scope_exempt = "a numbering counter, used only inside the closure service"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="closure_counter_unique")]


class LookBack(TaskRecord):
    """A re-check of a closed task (回头看); a relapse (反弹) reopens it, the link to its closure stays."""

    class Result(models.TextChoices):
        PENDING = "", "待回头看"
        CONSOLIDATED = "consolidated", "巩固"
        RELAPSE = "relapse", "反弹"

    closure = models.ForeignKey(Closure, verbose_name="所查销号", on_delete=models.PROTECT, related_name="look_backs")
    scheduled_for = models.DateField("计划回头看日期", db_index=True)
    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="安排人", on_delete=models.PROTECT, related_name="+")
    checker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="核查人", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField("核查时间", null=True, blank=True)
    finding = models.TextField("核查情况", blank=True)
    result = models.CharField("结论", max_length=12, choices=Result.choices, default="", blank=True, db_index=True)
    due_notified = models.BooleanField("已提醒到期", default=False)

    class Meta(TaskRecord.Meta):
        verbose_name = "回头看"
        verbose_name_plural = "回头看"
        ordering = ["task_id", "scheduled_for", "id"]
        constraints = [
            models.UniqueConstraint(fields=["closure"], condition=models.Q(result=""), name="lookback_one_pending_per_closure"),
        ]

    def __str__(self) -> str:
        return f"回头看（{self.scheduled_for:%Y-%m-%d}，{self.get_result_display()}）"


class LookBackEvidence(EvidenceFile):
    look_back = models.ForeignKey(LookBack, verbose_name="回头看", on_delete=models.PROTECT, related_name="evidence")

    scope_path = 'look_back__task'

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "回头看佐证材料"
        verbose_name_plural = "回头看佐证材料"
        ordering = ["look_back_id", "id"]


class Filing(PublicModel):
    """A closure filed (备案) with the rectification office one level up (a province files with itself)."""

    closure = models.OneToOneField(Closure, verbose_name="销号", on_delete=models.PROTECT, related_name="filing")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="报送人", on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField("报送时间")
    filed_to_region = models.ForeignKey(Region, verbose_name="备案机关区划", on_delete=models.PROTECT, related_name="+")
    note = models.TextField("报送说明", blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField("确认时间", null=True, blank=True, db_index=True)

    # Read by the offices of the region it is filed to (their inbox); the closing office reads
    # its own through the closure of a task it sees.
    scope_path = "filed_to_region"
    scope_roles = {Role.OFFICE}

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "销号备案"
        verbose_name_plural = "销号备案"
        ordering = ["-filed_at", "-id"]

    def __str__(self) -> str:
        return f"销号备案（{self.closure.number}）"

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None
