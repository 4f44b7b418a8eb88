"""Writing change history in bulk: ``core.history.BulkHistory`` chains each row exactly as
``core.history.record_change`` does (per-task chains, one digest function); the rows go in by COPY
on PostgreSQL (``bulk.insert``)."""
from __future__ import annotations

from rectify.core.history import BulkHistory

from .bulk import insert


class ChainWriter(BulkHistory):
    """The generator's history writer (rows by the system user, one request id for the run)."""

    def __init__(self, batch_size: int = 20000) -> None:
        super().__init__(batch_size=batch_size)

    def flush(self) -> None:
        if self.pending:
            insert(self.pending)
            self.written += len(self.pending)
            self.pending = []
