"""Shared model features: public ids, optimistic versions and the append-only change history."""
from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class PublicModel(models.Model):
    """A record with a stable public identifier, so it can move between instances."""

    uuid = models.UUIDField("公开编号", default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A partial save (``update_fields``) still moves ``updated_at``: it is a change like any other."""
        fields = kwargs.get("update_fields")
        if fields is not None and "updated_at" not in fields:
            kwargs["update_fields"] = [*fields, "updated_at"]
        super().save(*args, **kwargs)


class VersionedModel(PublicModel):
    """A record edited by people: every save through ``core.versioning`` checks ``version``."""

    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        abstract = True


class ChangeRecordQuerySet(models.QuerySet["ChangeRecord"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("变更记录只能追加，不能修改")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("变更记录只能追加，不能删除")


class ChangeRecord(models.Model):
    """One change of one object: before and after as JSON, who, when, which request and why.

    Rows are append-only and hash-chained: ``digest`` covers the row and the previous digest,
    so an edited or deleted row breaks the chain (``rectify manage audit_verify``).
    """

    class Action(models.TextChoices):
        CREATE = "create", "创建"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"
        TRANSITION = "transition", "状态变更"
        IMPORT = "import", "导入"

    time = models.DateTimeField("时间", default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    user_name = models.CharField("操作人姓名", max_length=150, blank=True)
    request_id = models.CharField("请求编号", max_length=32, db_index=True)
    action = models.CharField("操作", max_length=16, choices=Action.choices)
    object_type = models.CharField("对象类型", max_length=64, db_index=True)
    object_uuid = models.UUIDField("对象编号", db_index=True)
    object_repr = models.CharField("对象", max_length=200)
    task_uuid = models.UUIDField("所属任务", null=True, blank=True, db_index=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    reason = models.CharField("原因", max_length=500, blank=True)
    previous_digest = models.CharField(max_length=64, blank=True)
    digest = models.CharField(max_length=64, blank=True)

    objects = ChangeRecordQuerySet.as_manager()

    class Meta:
        verbose_name = "变更记录"
        verbose_name_plural = "变更记录"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("变更记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("变更记录只能追加，不能删除")

    def compute_digest(self) -> str:
        payload = json.dumps(
            [
                self.previous_digest,
                self.time.isoformat() if self.time else None,
                self.user_id,
                self.request_id,
                self.action,
                self.object_type,
                str(self.object_uuid),
                str(self.task_uuid) if self.task_uuid else None,
                self.before,
                self.after,
                self.reason,
            ],
            ensure_ascii=False,
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def display_changes(self) -> list[Any]:
        """The changed fields as a person reads them (``core.changes``): labels, values, no internals."""
        from .changes import describe

        return describe(self)

    def changed_fields(self) -> list[tuple[str, Any, Any]]:
        before = self.before or {}
        after = self.after or {}
        keys = [k for k in after if before.get(k) != after.get(k)] + [k for k in before if k not in after]
        return [(k, before.get(k), after.get(k)) for k in keys]


class SavedFilter(models.Model):
    """A named ledger query a user keeps (台账常用筛选)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField("名称", max_length=60)
    query = models.CharField("筛选条件", max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "常用筛选"
        verbose_name_plural = "常用筛选"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_unique_name")]

    def __str__(self) -> str:
        return self.name


class AuditChainHead(models.Model):
    """The last digest of the change history; locked while a row is appended."""

    digest = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "审计链头"
