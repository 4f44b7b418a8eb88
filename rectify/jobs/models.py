"""The database-backed job queue: one row per job, one row per periodic check's last run."""
from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


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
