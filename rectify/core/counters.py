# ruff: noqa: S608  (SQL built from the code's own table and column names, never from input)
"""Maintained counters: tables of counts that the database keeps right itself, with triggers.

A page that shows a count over a large table (the ledger's count per state, a reporting round's
reports) reads a small table of counts instead of counting the rows per request. The counts are kept
by triggers in the database (statement-level triggers with transition tables on PostgreSQL, row
triggers on SQLite), in the same transaction as the write: every write path — the services, a
queryset ``update``, ``bulk_create``, the generator's ``COPY``, raw SQL — moves the counts, so a new
write path cannot forget them. On PostgreSQL a statement moves its counts in one
``INSERT … ON CONFLICT DO UPDATE SET n = n + k`` in key order (``pg_add``; on SQLite increments upsert and
decrements ``UPDATE … SET n = n - 1``): it takes the counter rows' locks, so concurrent writers never lose a
count, and takes them in key order, so they do not deadlock either. ``prune`` deletes the rows at 0 (a
daily job, ``core.prune_counters``).

Each app registers its counters here (``register``, from its ``AppConfig.ready``): the table, the query
that counts from scratch (``fill``) and the triggers per engine. ``differences`` compares a table with a
fresh count, ``rebuild`` refills it in one ``INSERT … SELECT … GROUP BY`` (the data migrations and
``rectify manage check_counters --repair``), ``install`` (re)creates the triggers (the migrations).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper


@dataclass(frozen=True)
class Counter:
    """A counter table: ``keys`` columns and a count ``n``; ``fill`` selects the keys and the count from
    the counted tables (in ``keys`` order); ``triggers`` maps an engine to its trigger statements
    (each a list of SQL statements) and ``drop`` to the statements that remove them."""

    name: str
    table: str
    keys: tuple[str, ...]
    fill: str
    triggers: dict[str, list[str]] = field(default_factory=dict)
    drop: dict[str, list[str]] = field(default_factory=dict)

    def select_counts(self, connection: BaseDatabaseWrapper) -> dict[tuple[Any, ...], int]:
        with connection.cursor() as cursor:
            cursor.execute(self.fill)
            return {tuple(row[:-1]): int(row[-1]) for row in cursor.fetchall() if row[-1]}

    def stored_counts(self, connection: BaseDatabaseWrapper) -> dict[tuple[Any, ...], int]:
        columns = ", ".join(self.keys)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns}, n FROM {self.table} WHERE n <> 0")
            return {tuple(row[:-1]): int(row[-1]) for row in cursor.fetchall()}


def pg_add(table: str, keys: str, source: str) -> str:
    """The one statement a PostgreSQL trigger moves counts with: add each row's ``k`` of ``source`` (a table
    expression with the ``keys`` columns and ``k``, increments and decrements alike) to its key's count, in key
    order. Every writer takes the counter rows' locks in the same order, so two writers that move counts
    between the same keys in opposite directions (a task sent on and another sent back, one moved to a
    county and another away from it) wait for each other instead of deadlocking."""
    return (f"INSERT INTO {table} AS c ({keys}, n) SELECT {keys}, k FROM {source} WHERE k <> 0 ORDER BY {keys}"
            f" ON CONFLICT ({keys}) DO UPDATE SET n = c.n + EXCLUDED.n")


def pg_net(columns: str, op: str) -> str:
    """The rows a statement (``op``: INSERT, DELETE or UPDATE) added and removed, counted per value of ``columns``
    (a table expression with ``columns`` and ``k``, without the values whose count did not change). An UPDATE
    counts its new rows up and its old rows down, so a row whose ``columns`` kept their values cancels out: no
    join of ``old_rows`` with ``new_rows``. Such a join was planned once per session for the transition tables
    of the trigger's first call, a nested loop for one row, and scanned one table once per row of the other
    afterwards: a 3,000-row ``QuerySet.update`` took seconds per trigger, 30,000 rows minutes."""
    sides = {"INSERT": [f"SELECT {columns}, 1 AS k FROM new_rows"], "DELETE": [f"SELECT {columns}, -1 AS k FROM old_rows"]}
    sides["UPDATE"] = [*sides["DELETE"], *sides["INSERT"]]
    return f"SELECT {columns}, sum(k) AS k FROM ({' UNION ALL '.join(sides[op])}) x GROUP BY {columns} HAVING sum(k) <> 0"


def pg_planned_per_call(statement: str) -> str:
    """A trigger's statement run with ``EXECUTE``: planned on every call for the rows of the statement at hand.
    PL/pgSQL plans a static statement once per session and keeps the plan: one made for a single row (an index
    probe per row of a joined table) suits any size, but one made for a bulk write first (a hash join that reads
    the whole joined table) would then read the whole table again on every single-row write of the session."""
    return f"EXECUTE $sql${statement}$sql$"


COUNTERS: dict[str, Counter] = {}


def register(counter: Counter) -> Counter:
    COUNTERS[counter.name] = counter
    return counter


def _statements(counter: Counter, kind: str, connection: BaseDatabaseWrapper) -> list[str]:
    table = counter.triggers if kind == "create" else counter.drop
    if connection.vendor not in table:
        raise NotImplementedError(f"计数表 {counter.name} 没有 {connection.vendor} 的触发器")
    return table[connection.vendor]


def install(counter: Counter, using: str = "default") -> None:
    """(Re)create the counter's triggers: drop the old ones first."""
    connection = connections[using]
    with connection.cursor() as cursor:
        for statement in [*_statements(counter, "drop", connection), *_statements(counter, "create", connection)]:
            cursor.execute(statement)


def uninstall(counter: Counter, using: str = "default") -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        for statement in _statements(counter, "drop", connection):
            cursor.execute(statement)


def rebuild(counter: Counter, using: str = "default") -> None:
    """Empty the table and count again from the counted tables, in one statement."""
    connection = connections[using]
    columns = ", ".join(counter.keys)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {counter.table}")
        cursor.execute(f"INSERT INTO {counter.table} ({columns}, n) {counter.fill}")


def prune(counter: Counter, using: str = "default") -> int:
    """Delete the counter's rows whose count is 0 (a region path whose tasks all moved away, a month no task
    reports in any more); the number deleted. A later write to such a key inserts its row again.

    Safe among concurrent writers on PostgreSQL: the rows are locked first, skipping any row a writer holds
    (it is pruned next time), and deleted while locked. A writer's upsert on a key being deleted waits for
    the prune to commit, then inserts the row afresh; a writer that changed a row to a count other than 0
    before the prune locked it keeps it (the lock re-checks ``n = 0`` on the newest version). The prune never
    waits for a writer, so it cannot deadlock with one. A decrement only reaches a row that counts at least
    what it takes away (else the counts were wrong already), so no decrement meets a pruned row."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DELETE FROM {counter.table} WHERE ctid = ANY(ARRAY("
                           f"SELECT ctid FROM {counter.table} WHERE n = 0 FOR UPDATE SKIP LOCKED)) AND n = 0")
        else:  # SQLite: one writer at a time
            cursor.execute(f"DELETE FROM {counter.table} WHERE n = 0")
        return int(cursor.rowcount)


def prune_all(using: str = "default") -> int:
    """Prune every registered counter, each in its own short transaction; the rows deleted."""
    deleted = 0
    for _, counter in sorted(COUNTERS.items()):
        with transaction.atomic(using=using):
            deleted += prune(counter, using)
    return deleted


@contextmanager
def paused(using: str = "default") -> Iterator[None]:
    """Every counter's triggers off for a bulk load (``rectify generate``), and on the way out made again and
    every table counted from scratch, in the caller's transaction: one ``INSERT … SELECT … GROUP BY`` per
    table instead of a trigger per loaded statement (with the load's indexes dropped, a trigger that looks
    rows up — a unit's other assignments of the task — scanned the whole table for each batch)."""
    for counter in COUNTERS.values():
        uninstall(counter, using)
    yield
    for counter in COUNTERS.values():
        install(counter, using)
        rebuild(counter, using)


def differences(counter: Counter, using: str = "default") -> list[tuple[tuple[Any, ...], int, int]]:
    """(key, stored, counted) for every key whose stored count is not the fresh count (zero rows ignored)."""
    connection = connections[using]
    counted = counter.select_counts(connection)
    stored = counter.stored_counts(connection)
    keys = sorted(set(counted) | set(stored), key=lambda key: tuple(str(part) for part in key))
    return [(key, stored.get(key, 0), counted.get(key, 0)) for key in keys if stored.get(key, 0) != counted.get(key, 0)]


def check_all(using: str = "default") -> dict[str, list[tuple[tuple[Any, ...], int, int]]]:
    """Every registered counter's differences (an empty list: consistent)."""
    return {name: differences(counter, using) for name, counter in sorted(COUNTERS.items())}
