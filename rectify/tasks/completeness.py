"""待完善: a task the document gave without a deadline or without a unit to do it.

Such a task is imported all the same (the document is the record) and flagged on the ledger;
the flag is derived on every write (``tasks.services``) so it clears itself once the office
fills in what is missing.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

NO_DEADLINE = "缺少整改时限"
NO_UNIT = "缺少牵头单位或责任单位"
OWNER_ROLES = ("lead", "responsible")


def completion_gaps(deadline: datetime.date | str | None, long_term: bool, owners: Iterable[Any]) -> list[str]:
    """What a task lacks before anyone can be held to it (empty when complete)."""
    gaps = []
    if not deadline and not long_term:
        gaps.append(NO_DEADLINE)
    if not any(True for _ in owners):
        gaps.append(NO_UNIT)
    return gaps


def owners_of(units: Mapping[str, Iterable[Any]]) -> list[Any]:
    """The lead and responsible units among ``units`` (role → units)."""
    return [u for role in OWNER_ROLES for u in units.get(role, [])]


def apply_completeness(task: Any, data: Any) -> None:
    """Set ``task.needs_completion`` and its reason from a ``TaskData``."""
    gaps = completion_gaps(data.deadline, data.long_term, owners_of(data.units))
    task.needs_completion = bool(gaps)
    task.incomplete_reason = "；".join(gaps)
