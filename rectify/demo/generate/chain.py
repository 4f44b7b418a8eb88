"""Writing change history in bulk, chained exactly as ``core.history.record_change`` chains it."""
from __future__ import annotations

import datetime
import uuid
from typing import Any

from rectify.core.models import AuditChainHead, ChangeRecord

SYSTEM_NAME = "系统"


class ChainWriter:
    """Appends ChangeRecord rows in order; each row's digest covers the previous one (``compute_digest``)."""

    def __init__(self, batch_size: int = 5000) -> None:
        self.batch_size = batch_size
        self.pending: list[ChangeRecord] = []
        self.previous = ""
        self.written = 0
        self.request_id = uuid.uuid4().hex

    def start(self) -> None:
        self.previous = AuditChainHead.objects.filter(pk=1).values_list("digest", flat=True).first() or ""

    def append(self, obj: Any, action: str, *, time: datetime.datetime, before: dict[str, Any] | None = None,
               after: dict[str, Any] | None = None, reason: str = "", task_uuid: uuid.UUID | None = None) -> None:
        row = ChangeRecord(
            time=time, user=None, user_name=SYSTEM_NAME, request_id=self.request_id, action=action,
            object_type=obj._meta.label_lower, object_uuid=obj.uuid, object_repr=str(obj)[:200], task_uuid=task_uuid,
            before=before, after=after, reason=reason[:500], previous_digest=self.previous,
        )
        row.digest = row.compute_digest()
        self.previous = row.digest
        self.pending.append(row)
        if len(self.pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            ChangeRecord.objects.bulk_create(self.pending, batch_size=self.batch_size)
            self.written += len(self.pending)
            self.pending = []

    def finish(self) -> None:
        self.flush()
        AuditChainHead.objects.update_or_create(pk=1, defaults={"digest": self.previous})
