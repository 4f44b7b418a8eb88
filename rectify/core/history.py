"""Recording changes: one append-only, hash-chained row per changed object."""
from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.db.models.fields.files import FieldFile

from .context import current_actor, current_request_id
from .models import AuditChainHead, ChangeRecord, PublicModel


def plain(value: Any) -> Any:
    """A JSON-safe form of a field value."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, models.Model):
        return str(getattr(value, "uuid", value.pk))
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model, exclude: Iterable[str] = ("id", "created_at", "updated_at")) -> dict[str, Any]:
    """The object's own fields as JSON; a foreign key as the related object's text."""
    data: dict[str, Any] = {}
    skip = set(exclude)
    for field in obj._meta.concrete_fields:
        if field.name in skip:
            continue
        if isinstance(field, models.ForeignKey):
            related = getattr(obj, field.name)
            data[field.name] = str(related) if related is not None else None
        else:
            data[field.name] = plain(getattr(obj, field.attname))
    extra = getattr(obj, "history_extra", None)
    if callable(extra):
        data.update(plain(extra()))
    return data


def record_change(
    obj: PublicModel,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    task_uuid: uuid.UUID | None = None,
    user: Any = None,
) -> ChangeRecord:
    """Append a change row for ``obj``; must run inside the transaction that made the change."""
    actor = user if user is not None else current_actor()
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        row = ChangeRecord(
            user=actor if getattr(actor, "pk", None) else None,
            user_name=(actor.get_full_name() or actor.get_username()) if getattr(actor, "pk", None) else "系统",
            request_id=current_request_id(),
            action=action,
            object_type=obj._meta.label_lower,
            object_uuid=obj.uuid,
            object_repr=str(obj)[:200],
            task_uuid=task_uuid,
            before=before,
            after=after,
            reason=reason[:500],
            previous_digest=head.digest,
        )
        row.digest = row.compute_digest()
        row.save()
        AuditChainHead.objects.filter(pk=1).update(digest=row.digest)
    return row


def chain_rows(rows: Iterable[ChangeRecord], previous: str) -> str:
    """Link unsaved rows, in order, exactly as ``record_change`` links each one: its ``previous_digest`` is
    the digest before it and its ``digest`` is ``compute_digest()``. Returns the last digest, the new chain
    head. For bulk writers (``rectify generate``), which then insert the rows in this order and store the head."""
    for row in rows:
        row.previous_digest = previous
        row.digest = row.compute_digest()
        previous = row.digest
    return previous


def verify_chain() -> tuple[int, list[str]]:
    """Walk the history in order; return the rows checked and a description of each break."""
    problems: list[str] = []
    previous = ""
    count = 0
    for row in ChangeRecord.objects.order_by("id").iterator(chunk_size=2000):
        count += 1
        if row.previous_digest != previous:
            problems.append(f"第 {row.id} 条记录之前的记录被删除或改动（链断开）")
        if row.compute_digest() != row.digest:
            problems.append(f"第 {row.id} 条记录的内容被改动（摘要不符）")
        previous = row.digest
    head = AuditChainHead.objects.filter(pk=1).values_list("digest", flat=True).first()
    if count and head is not None and head != previous:
        problems.append("最后的记录被删除（链头摘要不符）")
    return count, problems
