"""The database-backed job queue: one row per job, one row per periodic check's last run."""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from rectify.accounts.roles import is_admin
from rectify.core.types import AnyUser


class Job(models.Model):
    """One piece of background work: a registered function's name and its JSON arguments."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "运行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    uuid = models.UUIDField("编号", default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField("任务名称", max_length=200, db_index=True)
    args = models.JSONField("参数", default=dict, blank=True)
    run_after = models.DateTimeField("计划运行时间", default=timezone.now)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField("已尝试次数", default=0)
    max_attempts = models.PositiveIntegerField("最多尝试次数", default=3)
    last_error = models.TextField("最近错误", blank=True)
    locked_by = models.CharField("执行进程", max_length=120, blank=True)
    locked_at = models.DateTimeField("开始执行时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now, db_index=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    result = models.JSONField("结果", null=True, blank=True)

    # No data scope: background jobs are infrastructure, read by administrators
    scope_exempt = "background jobs are infrastructure, read by administrators"

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "run_after"], name="job_status_run_after")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_status_display()}）"

    @property
    def duration_seconds(self) -> float | None:
        if self.locked_at and self.finished_at:
            return (self.finished_at - self.locked_at).total_seconds()
        return None


class PeriodicRun(models.Model):
    """When a periodic check was last enqueued; the conditional update on it makes that happen once per interval."""

    name = models.CharField("定时检查", max_length=200, unique=True)
    last_run_at = models.DateTimeField("上次运行", null=True, blank=True)

    # No data scope: schedule bookkeeping of the job runner
    scope_exempt = "schedule bookkeeping of the job runner"

    class Meta:
        verbose_name = "定时检查"
        verbose_name_plural = "定时检查"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ExportQuerySet(models.QuerySet["ExportFile"]):
    def for_user(self, user: AnyUser | None) -> ExportQuerySet:
        """The exports ``user`` may follow and download: their own; administrators see every one."""
        if not user or not user.is_authenticated:
            return self.none()
        if is_admin(user):
            return self
        return self.filter(user=user)


class ExportFile(models.Model):
    """A large export built by a background job: its progress, then the file for the person who asked.

    What goes into the file is fixed when it is asked for (``args``, e.g. the ids of the tasks the
    ledger showed that person then); the file expires after ``settings.RECTIFY_EXPORT_KEEP_HOURS``.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "正在生成"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"
        EXPIRED = "expired", "已过期"

    uuid = models.UUIDField("编号", default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.CASCADE, related_name="exports")
    kind = models.CharField("导出类型", max_length=100)
    title = models.CharField("名称", max_length=200)
    filename = models.CharField("文件名", max_length=200)
    args = models.JSONField("参数", default=dict, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField("总行数", default=0)
    done = models.PositiveIntegerField("已完成行数", default=0)
    file = models.FileField("文件", upload_to="exports/", blank=True, max_length=200)
    size = models.PositiveBigIntegerField("文件大小", default=0)
    error = models.TextField("错误", blank=True)
    job = models.ForeignKey(Job, verbose_name="后台任务", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("申请时间", default=timezone.now, db_index=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    expires_at = models.DateTimeField("过期时间", null=True, blank=True, db_index=True)

    objects = ExportQuerySet.as_manager()

    # No data scope of its own: an export belongs to the user who asked for it (``ExportQuerySet.for_user``);
    # its rows were chosen through that user's scope (``visible_to``) when it was asked for.
    scope_exempt = "owned by the user who asked for it; its rows were scoped when asked for"

    class Meta:
        verbose_name = "导出文件"
        verbose_name_plural = "导出文件"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.title}（{self.get_status_display()}）"

    @property
    def percent(self) -> int:
        if self.status in {self.Status.DONE, self.Status.EXPIRED}:
            return 100
        return min(100, self.done * 100 // self.total) if self.total else 0
