"""Orders that the database must sort rather than read from an index.

Asked for the first rows of a narrow filter in the order of an indexed column (``ORDER BY plan_id
LIMIT 25``), PostgreSQL may walk that column's index and drop every row outside the filter,
assuming the filter's rows are spread evenly; when they come last, one page reads nearly the whole
table (a province's ledger page: 915 ms at 300,000 tasks). The same order written as an expression
(``plan_id + 0``) is provided by no index: the filter's rows are read through the filter's own index
and top-N sorted, at a cost that follows the rows in the filter.
"""
from __future__ import annotations

import datetime

from django.db.models import F, OrderBy


def sorted_after_filter(field: str, *, temporal: bool = False) -> OrderBy:
    """``field`` (``-field`` descending) as an order no index provides; ``temporal`` for a date or
    time column (shifted by a zero interval instead of a zero number)."""
    name = field.removeprefix("-")
    shifted = F(name) + (datetime.timedelta(0) if temporal else 0)
    return OrderBy(shifted, descending=field.startswith("-"))
