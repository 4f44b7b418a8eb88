"""The ledger's background work: building a large Excel export (``rectify.jobs.exports``)."""
from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from rectify.jobs.registry import exporter

LEDGER_EXPORT = "tasks.ledger"


@exporter(LEDGER_EXPORT)
def build_ledger_export(args: dict[str, Any], progress: Callable[[int], None]) -> bytes:
    """The ledger sheet of the tasks chosen when the export was asked for (``args["ids"]``, in sheet order)."""
    from .excel_export import ledger_rows, write_rows

    today = datetime.date.fromisoformat(args["today"])
    return write_rows(ledger_rows(args["ids"], progress=progress), today=today)
