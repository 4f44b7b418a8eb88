"""One upload of a plan document: what was read from it, what a person confirmed, what it wrote."""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from rectify.accounts.scope import NOTHING, ScopedQuerySet
from rectify.core.types import AnyUser


class ImportBatchQuerySet(ScopedQuerySet["ImportBatch"]):
    def visible_q(self, user: AnyUser, roles: set[str] | None = None) -> Q:
        """Batches into the user's write scope, and the user's own uploads."""
        if not user or not user.is_authenticated:
            return NOTHING
        return self.editable_q(user) | Q(uploaded_by=user)


class ImportBatch(models.Model):
    class Status(models.TextChoices):
        PREVIEWED = "previewed", "待确认"
        CONFIRMED = "confirmed", "已导入"
        CANCELLED = "cancelled", "已取消"
        FAILED = "failed", "解析失败"

    uuid = models.UUIDField("编号", default=uuid.uuid4, unique=True, editable=False)
    filename = models.CharField("文件名", max_length=255)
    content_hash = models.CharField("文件摘要", max_length=64, db_index=True)
    size = models.PositiveBigIntegerField("文件大小（字节）", default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name="导入区划", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PREVIEWED, db_index=True)
    parsed = models.JSONField("识别结果", null=True, blank=True, help_text="解析模块的输出，可能经过人工修改")
    error = models.TextField("错误信息", blank=True)
    plan = models.ForeignKey(
        "inspections.Plan", verbose_name="整改方案", null=True, blank=True, on_delete=models.PROTECT, related_name="import_batches"
    )
    counts = models.JSONField("导入统计", default=dict, blank=True)
    part = models.PositiveSmallIntegerField(
        "第几次导入", default=1,
        help_text="同一文档第几次确认导入：再次导入只导入上次未进入台账的任务（如上次跳过的）",
    )
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Seen and confirmed by the office writing into its region (and by whoever uploaded it).
    scope_path = "region"
    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = "文档导入"
        verbose_name_plural = "文档导入"
        ordering = ["-created_at", "-id"]
        constraints = [
            # Each part of a document is imported once: two confirms of the same bytes at the same
            # moment compute the same part number, and the second fails here.
            models.UniqueConstraint(
                fields=["content_hash", "part"], condition=Q(status="confirmed"), name="import_batch_part_confirmed_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename}（{self.get_status_display()}）"

    @property
    def file_path(self) -> Path:
        """Where the uploaded bytes are kept: under MEDIA_ROOT, never served by the web server."""
        return Path(settings.MEDIA_ROOT) / "imports" / str(self.uuid)

    @property
    def tasks(self) -> list[dict[str, Any]]:
        return list((self.parsed or {}).get("tasks") or [])
