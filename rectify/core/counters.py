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
count, and takes them in key order, so they do not deadlock either. Each key has up to ``SHARDS`` rows (``shard``): a PostgreSQL writer adds
to its connection's shard, so concurrent writers of one key meet on a row only when their connections share a
shard; readers and ``differences`` sum a key's shards. ``prune`` folds a key's shards into one row and deletes the
rows at 0 (a daily job, ``core.prune_counters``).

Each app registers its counters here (``register``, from its ``AppConfig.ready``): the table (its model a
``core.models.CounterRow``: the key columns, then ``n`` and ``shard``), the query
that counts from scratch (``fill``) and the triggers per engine. ``differences`` compares a table with a
fresh count, ``rebuild`` refills it in one ``INSERT … SELECT … GROUP BY`` (the data migrations and
``rectify manage check_counters --repair``), ``install`` (re)creates the triggers (the migrations).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
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
        """Each key's count: the sum of its shards' rows (keys at 0 left out)."""
        columns = ", ".join(self.keys)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns}, sum(n) FROM {self.table} GROUP BY {columns} HAVING sum(n) <> 0")
            return {tuple(row[:-1]): int(row[-1]) for row in cursor.fetchall()}


SHARDS = 16
# The shard a PostgreSQL writer adds to: its connection's, from the backend's process id (a test may set
# ``rectify.counter_shard`` for its session to choose one). SQLite lets one writer in at a time: shard 0.
PG_SHARD = f"(COALESCE(NULLIF(current_setting('rectify.counter_shard', true), '')::int, pg_backend_pid()) % {SHARDS})"


def pg_add(table: str, keys: str, source: str) -> str:
    """The one statement a PostgreSQL trigger moves counts with: add each row's ``k`` of ``source`` (a table
    expression with the ``keys`` columns and ``k``, increments and decrements alike) to its key's count in the
    writer's shard, in key order. Writers of different shards share no row; writers of one shard take the counter
    rows' locks in the same order, so two writers that move counts between the same keys in opposite directions
    (a task sent on and another sent back, one moved to a county and another away from it) wait for each other
    instead of deadlocking. A decrement in a shard that has no row for its key leaves a negative row there."""
    return (f"INSERT INTO {table} AS c ({keys}, shard, n) SELECT {keys}, {PG_SHARD}, k FROM {source} WHERE k <> 0"
            f" ORDER BY {keys} ON CONFLICT ({keys}, shard) DO UPDATE SET n = c.n + EXCLUDED.n")


def pg_counting_function(name: str, moves: Callable[[str], str]) -> str:
    """A PostgreSQL counter's trigger function ``name()``: the statement ``moves(op)`` gives for the statement's
    operation (INSERT, DELETE or UPDATE), run with its transition tables."""
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {moves("INSERT")};
  ELSIF TG_OP = 'DELETE' THEN
    {moves("DELETE")};
  ELSE
    {moves("UPDATE")};
  END IF;
  RETURN NULL;
END $$
"""


def pg_statement_triggers(name: str, table: str, function: str | None = None) -> list[str]:
    """The three statement-level triggers of a PostgreSQL counter on ``table`` (``{name}_insert``, ``_delete``,
    ``_update``), each running ``function`` (default: ``name``) with the statement's transition tables. PostgreSQL
    fires a table's triggers in name order: the name places a counter's rows among the others' locks."""
    return [f"CREATE TRIGGER {name}_{op.lower()} AFTER {op} ON {table} REFERENCING {refs}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {function or name}()"
            for op, refs in (("INSERT", "NEW TABLE AS new_rows"), ("DELETE", "OLD TABLE AS old_rows"),
                             ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"))]


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


def _has_shards(counter: Counter, connection: BaseDatabaseWrapper) -> bool:
    with connection.cursor() as cursor:
        return "shard" in {column.name for column in connection.introspection.get_table_description(cursor, counter.table)}


def install(counter: Counter, using: str = "default") -> None:
    """(Re)create the counter's triggers: drop the old ones first. The triggers write the ``shard`` column: an older
    migration, run before its table has one (``tasks.0017``, ``dispatch.0012``), leaves the triggers as they are,
    and the migration that adds the column installs them."""
    connection = connections[using]
    if not _has_shards(counter, connection):
        return
    with connection.cursor() as cursor:
        for statement in [*_statements(counter, "drop", connection), *_statements(counter, "create", connection)]:
            cursor.execute(statement)


def uninstall(counter: Counter, using: str = "default") -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        for statement in _statements(counter, "drop", connection):
            cursor.execute(statement)


def rebuild(counter: Counter, using: str = "default") -> None:
    """Empty the table and count again from the counted tables, in one statement (every row in shard 0, the
    column's default)."""
    connection = connections[using]
    columns = ", ".join(counter.keys)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {counter.table}")
        cursor.execute(f"INSERT INTO {counter.table} ({columns}, n) {counter.fill}")


def prune(counter: Counter, using: str = "default") -> int:
    """Fold each key's shards into one row (its count, the sum of theirs, on the lowest id) and delete the rows
    that leaves at 0 (a region path whose tasks all moved away, a month no task reports in any more); the number
    of rows deleted. A shard's row may be negative (a task counted in one writer's shard and moved away by
    another's); only the sum of a key's rows means anything. A later write to a deleted key inserts a row again.

    Safe among concurrent writers on PostgreSQL: the rows are locked first, skipping any row a writer holds
    (it is folded next time), and folded and deleted while locked, in one statement. Folding any of a key's rows
    keeps their sum, so a row skipped or inserted meanwhile (a writer of another shard) is simply left beside the
    folded one. A writer's upsert on a row being deleted waits for the prune to commit, then inserts the row
    afresh; a row a writer changed before the prune locked it is folded with its new count (the lock reads the
    newest version). The prune never waits for a writer, so it cannot deadlock with one.

    The kept row is written whatever it holds: a condition on its count (``c.n <> f.n``, to skip a row that
    already holds the sum) is read from the statement's snapshot, older than the lock, so a row a writer had
    raised after the snapshot was skipped while the rows folded into it were deleted — a lost count, seen once
    in the ten-writer test."""
    connection = connections[using]
    keys = ", ".join(counter.keys)
    same_key = " AND ".join(f"s.{k} = {counter.table}.{k}" for k in counter.keys)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"""
                WITH locked AS (
                  SELECT id, {keys}, n FROM {counter.table}
                  WHERE ({keys}) IN (SELECT {keys} FROM {counter.table} GROUP BY {keys} HAVING count(*) > 1 OR min(n) <= 0)
                  FOR UPDATE SKIP LOCKED
                ), folded AS (SELECT min(id) AS keep, sum(n) AS n FROM locked GROUP BY {keys}),
                kept AS (UPDATE {counter.table} c SET n = f.n FROM folded f WHERE c.id = f.keep AND f.n <> 0
                         RETURNING c.id)
                DELETE FROM {counter.table} WHERE id IN (SELECT id FROM locked)
                  AND id NOT IN (SELECT keep FROM folded WHERE n <> 0)""")
            return int(cursor.rowcount)
        # SQLite: one writer at a time
        cursor.execute(f"UPDATE {counter.table} SET n = (SELECT sum(s.n) FROM {counter.table} s WHERE {same_key})"
                       f" WHERE id IN (SELECT min(id) FROM {counter.table} GROUP BY {keys} HAVING count(*) > 1)")
        cursor.execute(f"DELETE FROM {counter.table} WHERE id NOT IN (SELECT min(id) FROM {counter.table} GROUP BY {keys}) OR n = 0")
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
