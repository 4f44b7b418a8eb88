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


LEGACY_CHAIN = ""
"""The chain key of rows written before per-task chains: one global chain, hashed as before."""


def change_digest(row: Any) -> str:
    """The digest of a history row, from a ``ChangeRecord`` or any row with its fields as attributes (the
    audit walk reads plain rows: building 10 million model objects cost it a quarter of its time)."""
    content: list[Any] = [
        row.previous_digest,
        row.time.isoformat() if row.time else None,
        row.user_id,
        row.request_id,
        row.action,
        row.object_type,
        str(row.object_uuid),
        str(row.task_uuid) if row.task_uuid else None,
        row.before,
        row.after,
        row.reason,
    ]
    if row.chain_key != LEGACY_CHAIN:
        # A chained row also covers which chain it belongs to and where: a row moved to another
        # chain or position no longer matches. Legacy rows keep the payload they were hashed with.
        content = [row.chain_key, row.seq, *content]
    payload = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class ChangeRecord(models.Model):
    """One change of one object: before and after as JSON, who, when, which request and why.

    Rows are append-only and hash-chained per chain (``chain_key``): the changes of a task and of
    everything under it (reports, notices, applications …) form the chain ``task:<uuid>``; a record
    about no task joins the chain of its object type, ``type:<app.model>``. ``digest`` covers the
    row, its chain and position, and the previous digest of the same chain, so an edited, deleted
    or moved row breaks its chain; ``RootDigest`` rows seal all chain heads, so a removed chain or
    a cut-off tail is found too (``rectify audit verify``). Rows written before the chains existed
    keep ``chain_key = ""`` and their old digest (the legacy global chain, verified as before).
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
    chain_key = models.CharField("审计链", max_length=100, blank=True, default=LEGACY_CHAIN)
    seq = models.PositiveBigIntegerField("链内序号", null=True, blank=True)
    previous_digest = models.CharField(max_length=64, blank=True)
    digest = models.CharField(max_length=64, blank=True)

    objects = ChangeRecordQuerySet.as_manager()

    # No data scope: history rows are read through the record they describe, which is scoped
    scope_exempt = "history rows are read through the record they describe, which is scoped"

    class Meta:
        verbose_name = "变更记录"
        verbose_name_plural = "变更记录"
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["chain_key", "seq"], name="change_record_chain_position")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("变更记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("变更记录只能追加，不能删除")

    def compute_digest(self) -> str:
        return change_digest(self)

    def display_changes(self) -> list[Any]:
        """The changed fields as a person reads them (``core.changes``): labels, values, no internals."""
        from .changes import describe

        return describe(self)


class SavedFilter(models.Model):
    """A named ledger query a user keeps (台账常用筛选)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField("名称", max_length=60)
    query = models.CharField("筛选条件", max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    # No data scope: a user's own saved filters, read only by their owner
    scope_exempt = "a user's own saved filters, read only by their owner"

    class Meta:
        verbose_name = "常用筛选"
        verbose_name_plural = "常用筛选"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_unique_name")]

    def __str__(self) -> str:
        return self.name


class AuditChain(models.Model):
    """The head of one history chain (``ChangeRecord.chain_key``): its length and last digest.

    ``core.history.record_change`` locks only the head of the chain it appends to, so writers on
    different tasks never wait for each other; writers on one task take turns."""

    key = models.CharField(max_length=100, unique=True)
    seq = models.PositiveBigIntegerField(default=0)
    digest = models.CharField(max_length=64, blank=True)

    # No data scope: the heads of the audit chains, written only by core.history
    scope_exempt = "the heads of the audit chains, written only by core.history"

    class Meta:
        verbose_name = "审计链头"

    def __str__(self) -> str:
        return self.key or "旧的全局链"


class RootDigestQuerySet(models.QuerySet["RootDigest"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("根摘要只能追加，不能修改")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("根摘要只能追加，不能删除")


class RootDigest(models.Model):
    """A seal over every chain head at one moment, chained to the previous seal.

    The heads that moved since the previous seal are stored as ``RootDigestEntry`` rows; ``digest``
    covers them, the totals and the previous seal's digest. Replaying the seals gives, for every
    chain, a length and digest it once had: a chain removed or cut short afterwards no longer
    matches (``core.history.verify_chain``). Written by the periodic check ``core.seal_audit``
    and by ``rectify audit verify`` after a clean check."""

    time = models.DateTimeField(default=timezone.now)
    previous = models.CharField(max_length=64, blank=True, unique=True)
    chains = models.PositiveIntegerField(default=0)
    records = models.PositiveBigIntegerField(default=0)
    digest = models.CharField(max_length=64, blank=True)

    objects = RootDigestQuerySet.as_manager()

    # No data scope: seals of the audit chains, written only by core.history
    scope_exempt = "seals of the audit chains, written only by core.history"

    class Meta:
        verbose_name = "审计根摘要"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"根摘要 {self.digest[:12]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("根摘要只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("根摘要只能追加，不能删除")

    def compute_digest(self, entries: list[tuple[str, int, str]]) -> str:
        """``entries`` are the (chain key, length, head digest) this seal records, in key order."""
        payload = json.dumps(
            [self.previous, self.time.isoformat() if self.time else None, self.chains, self.records, entries],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class RootDigestEntry(models.Model):
    """One chain head as a ``RootDigest`` saw it (only heads that moved since the previous seal)."""

    root = models.ForeignKey(RootDigest, on_delete=models.PROTECT, related_name="entries")
    chain_key = models.CharField(max_length=100)
    seq = models.PositiveBigIntegerField()
    digest = models.CharField(max_length=64)

    # No data scope: part of a seal of the audit chains, written only by core.history
    scope_exempt = "part of a seal of the audit chains, written only by core.history"

    class Meta:
        verbose_name = "审计根摘要条目"
        indexes = [models.Index(fields=["chain_key", "id"], name="root_entry_chain")]


# ---------------------------------------------------------------- the holiday calendar (core/workdays.py)

class HolidayYear(VersionedModel):
    """One year of the official holiday arrangement (法定节假日 and 调休上班日), from the State
    Council's annual notice: loaded from the chinese-calendar package or entered by an administrator."""

    class Source(models.TextChoices):
        PACKAGE = "package", "节假日数据包（chinese-calendar）"
        MANUAL = "manual", "管理员按国务院通知录入"

    year = models.PositiveSmallIntegerField("年度", unique=True)
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    notice = models.CharField("依据（通知名称或文号）", max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    # No data scope: the national working-day calendar is the same for everyone
    scope_exempt = "the national working-day calendar is the same for everyone"

    class Meta:
        verbose_name = "节假日安排"
        verbose_name_plural = "节假日安排"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年节假日安排"


class CalendarDay(models.Model):
    """A day that differs from the plain week: a holiday (放假) or a make-up workday (调休上班)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "放假"
        WORKDAY = "workday", "调休上班"

    holiday_year = models.ForeignKey(HolidayYear, verbose_name="年度", on_delete=models.CASCADE, related_name="days")
    day = models.DateField("日期", unique=True)
    kind = models.CharField("类别", max_length=8, choices=Kind.choices)
    name = models.CharField("节日", max_length=20, blank=True)

    # No data scope: the national working-day calendar is the same for everyone
    scope_exempt = "the national working-day calendar is the same for everyone"

    class Meta:
        verbose_name = "节假日"
        verbose_name_plural = "节假日"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()


class HolidayReminder(models.Model):
    """A reminder sent to administrators that next year's holiday arrangement is missing (one per year and month)."""

    year = models.PositiveSmallIntegerField("缺少的年度")
    month = models.PositiveSmallIntegerField("提醒月份")
    sent_at = models.DateTimeField("提醒时间", default=timezone.now)

    # No data scope: the calendar reminder is the same for everyone
    scope_exempt = "the calendar reminder is the same for everyone"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "month"], name="holiday_reminder_once_a_month")]


# ---------------------------------------------------------------- document numbers (core/numbering.py)

class DocumentCounter(models.Model):
    """The last number given per kind of document (销号, 督办), issuer and year; taken with one
    atomic upsert, so two offices or two clicks never receive the same number."""

    kind = models.CharField("文书类别", max_length=20)
    issuer = models.CharField("发文机关简称", max_length=40)
    year = models.PositiveSmallIntegerField("年度")
    last = models.PositiveIntegerField("已用到的序号", default=0)

    # No data scope: a numbering counter, used only inside the numbering service
    scope_exempt = "a numbering counter, used only inside the numbering service"

    class Meta:
        verbose_name = "文书编号计数"
        verbose_name_plural = "文书编号计数"
        constraints = [models.UniqueConstraint(fields=["kind", "issuer", "year"], name="document_counter_unique")]

    def __str__(self) -> str:
        return f"{self.issuer}{self.kind}〔{self.year}〕{self.last}号"


class Generation(models.Model):
    """A followed table's token, renewed by a trigger on every write to it (``rectify.core.generations``)."""

    name = models.CharField(max_length=63, primary_key=True)
    token = models.CharField(max_length=64)

    # No person reads a row: random tokens of whole tables, no record's content
    scope_exempt = "tokens of table versions, read only by rectify.core.generations"
    bookkeeping = True  # made by the migrations in every new database: a restore may overwrite them

    class Meta:
        verbose_name = "数据版本"
        verbose_name_plural = "数据版本"


class CounterRow(models.Model):
    """A row of a maintained counter table (``core.counters``): its key columns are the subclass's, then how many
    (``n``) in the writer's ``shard``. Concurrent writers add to their own connection's row of a key
    (``core.counters.SHARDS``); readers sum a key's rows."""

    n = models.BigIntegerField(default=0)
    shard = models.SmallIntegerField(default=0, db_default=0)

    class Meta:
        abstract = True
