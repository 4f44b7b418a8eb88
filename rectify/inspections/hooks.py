"""Questions about plans that the ledger answers, asked without importing it.

An inspection's page shows how many of each plan's tasks the caller sees. Tasks belong to the ledger,
which sits above inspections (``tasks`` imports ``inspections``, not the other way), so the ledger
registers the answer when it starts (``TasksConfig.ready``) and the page asks here.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

VisibleTaskIds = Callable[[Any], QuerySet[Any]]

_visible_task_ids: list[VisibleTaskIds] = []


def answer_visible_task_ids(func: VisibleTaskIds) -> VisibleTaskIds:
    """Register ``func(user) → the ids (a ``values("pk")`` query) of the tasks the user sees``."""
    _visible_task_ids[:] = [func]
    return func


def visible_task_ids(user: Any) -> QuerySet[Any] | None:
    """The ids of the tasks ``user`` sees, or None when no ledger answers (no count is shown then)."""
    return _visible_task_ids[0](user) if _visible_task_ids else None
