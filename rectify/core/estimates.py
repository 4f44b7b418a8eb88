"""The database planner's estimates of a query's or a table's rows, where counting them would cost as much as
reading them."""
from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections


def planned_rows(queryset: Any) -> int | None:
    """PostgreSQL's estimate of the rows ``queryset`` returns (from its statistics, without running it: a
    fraction of a millisecond); None on SQLite, which gives no estimate, and for a query that returns nothing."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    try:
        sql, params = queryset.order_by().query.sql_with_params()
    except EmptyResultSet:
        return 0
    return planned_statement_rows(queryset.db, sql, params)


def planned_statement_rows(using: str, sql: str, params: Any) -> int | None:
    """PostgreSQL's estimate of the rows a statement returns; None on SQLite."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def estimated_table_rows(model: Any) -> float | None:
    """PostgreSQL's estimate of ``model``'s table rows (its statistics); None on SQLite and for a table never
    analysed (no estimate to trust)."""
    connection = connections[model.objects.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table])
        row = cursor.fetchone()
    return None if row is None or float(row[0]) < 0 else float(row[0])

