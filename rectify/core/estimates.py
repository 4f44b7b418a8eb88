"""The database planner's estimates of a query's or a table's rows, where counting them would cost as much as
reading them."""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction


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


@contextmanager
def serial_plans(using: str) -> Iterator[None]:
    """The block's statements planned without parallel workers (PostgreSQL; in a transaction, or a savepoint of the
    one around it, which keeps its setting after the block): for a read of a few rows whose per-row cost the planner
    weighs high (the keyword search's pair function), it planned two workers, whose start cost more than the read on
    a 2-core machine (70 ms against 9 ms for 1,001 rows of 300,000 tasks)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('max_parallel_workers_per_gather'),"
                           " set_config('max_parallel_workers_per_gather', '0', true)")
            before = cursor.fetchone()[0]
        yield  # an error rolls the savepoint or transaction back, and the setting with it
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('max_parallel_workers_per_gather', %s, true)", [before])
