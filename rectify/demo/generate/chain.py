"""Writing change history in bulk: ``core.history.BulkHistory`` chains each row exactly as
``core.history.record_change`` does (per-task chains, one digest function), in bulk inserts."""
from __future__ import annotations

from rectify.core.history import BulkHistory


class ChainWriter(BulkHistory):
    """The generator's history writer (rows by the system user, one request id for the run)."""
