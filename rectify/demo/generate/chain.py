"""Writing change history in bulk, chained by ``core.history.chain_rows`` exactly as ``record_change`` chains it."""
from __future__ import annotations

import datetime
import uuid
from typing import Any

from rectify.core.history import chain_rows
from rectify.core.models import AuditChainHead, ChangeRecord

from .bulk import insert

SYSTEM_NAME = "系统"


class ChainWriter:
    """Appends ChangeRecord rows in order; each batch is chained (``chain_rows``) and inserted in that order."""

    def __init__(self, batch_size: int = 20000) -> None:
        self.batch_size = batch_size
        self.pending: list[ChangeRecord] = []
        self.previous = ""
        self.written = 0
        self.request_id = uuid.uuid4().hex
        self.fields = [(f.attname, f.get_default()) for f in ChangeRecord._meta.concrete_fields]

    def start(self) -> None:
        self.previous = AuditChainHead.objects.filter(pk=1).values_list("digest", flat=True).first() or ""

    def append(self, obj: Any, action: str, *, time: datetime.datetime, before: dict[str, Any] | None = None,
               after: dict[str, Any] | None = None, reason: str = "", task_uuid: uuid.UUID | None = None) -> None:
        values = {
            "time": time, "user_id": None, "user_name": SYSTEM_NAME, "request_id": self.request_id, "action": action,
            "object_type": obj._meta.label_lower, "object_uuid": obj.uuid, "object_repr": str(obj)[:200],
            "task_uuid": task_uuid, "before": before, "after": after, "reason": reason[:500],
        }
        # Positional construction (Django's fast path, as rows are loaded): every field by its column
        # name, the ones not given at their defaults.
        row = ChangeRecord(*[values.get(name, default) for name, default in self.fields])
        self.pending.append(row)
        if len(self.pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.previous = chain_rows(self.pending, self.previous)
            insert(self.pending)
            self.written += len(self.pending)
            self.pending = []

    def finish(self) -> None:
        self.flush()
        AuditChainHead.objects.update_or_create(pk=1, defaults={"digest": self.previous})
