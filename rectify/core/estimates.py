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
    """PostgreSQL's estimate of ``model``'s table rows, as its planner makes it: the rows per page its statistics
    counted (``reltuples`` / ``relpages``) times the pages the table has now. None on SQLite and for a table never
    analysed or analysed empty (no density to trust): a table analysed when it held nothing kept an estimate of 0
    rows while it filled, until autovacuum analysed it again."""
    connection = connections[model.objects.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples, relpages, pg_relation_size(oid) / current_setting('block_size')::int "
                       "FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table])
        row = cursor.fetchone()
    if row is None or float(row[0]) < 0 or not row[1]:
        return None
    return float(row[0]) / float(row[1]) * float(row[2])

