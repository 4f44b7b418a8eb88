# ruff: noqa: S608  (SQL built from the code's own table names, never from input)
"""Small, rarely changed tables read by every page, kept in each process until the database says they changed.

The ledger asks on every page for the light rules, the latest reporting rounds and the inspections of the
caller's regions: a few rows that change a few times a month, each a query compiled by the ORM (a fifth of
a county office's page). ``cached(models, key, compute)`` keeps ``compute()``'s answer in the process and
gives it again for as long as none of ``models``' tables changed.

Whether a table changed is the database's answer, not the process's: a trigger on each followed table
(statement-level on PostgreSQL, row triggers on SQLite) writes a new random token into ``core_generation``
in the writing transaction, whatever wrote (a service, a queryset ``update``, ``bulk_create``, the
generator's ``COPY``, raw SQL). Every app server and the job worker read the same tokens, so an edit seen by
one is seen by all. The tokens are read before the data, so an answer is never kept under a token newer than
itself; a token is random, so a write rolled back (a test's, a failed import's) never makes an older token
come back. A page reads all tokens in one query (``memo``: once per GET request).

The price: a writer of a followed table holds its token row until it commits, so two transactions writing
the same followed table take turns (they are rare: rules, rounds, inspections, plans, regions, units, role grants, saved filters).
"""
from __future__ import annotations

import contextvars
import pickle  # noqa: S403  (bytes this process pickled itself, never from outside)
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import connections, router
from django.db.models import Model

T = TypeVar("T")
M = TypeVar("M", bound=Model)
TABLE = "core_generation"
# Answers kept per process (the ledger keeps one per scope and page of rounds): least recently used go first.
MAX_ENTRIES = 4096

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION rectify_new_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO {TABLE} (name, token) VALUES (TG_TABLE_NAME, md5(random()::text || clock_timestamp()::text))
    ON CONFLICT (name) DO UPDATE SET token = EXCLUDED.token;
  RETURN NULL;
END $$"""
_SQLITE_RANDOM = "lower(hex(randomblob(16)))"


def _trigger_statements(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [_PG_FUNCTION,
                f"DROP TRIGGER IF EXISTS rectify_generation ON {table}",
                f"CREATE TRIGGER rectify_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION rectify_new_generation()"]
    statements = []
    for operation in ("INSERT", "UPDATE", "DELETE"):
        name = f"rectify_generation_{table}_{operation.lower()}"
        statements += [f"DROP TRIGGER IF EXISTS {name}",
                       f"CREATE TRIGGER {name} AFTER {operation} ON {table} BEGIN "
                       f"INSERT INTO {TABLE} (name, token) VALUES ('{table}', {_SQLITE_RANDOM}) "
                       "ON CONFLICT (name) DO UPDATE SET token = excluded.token; END"]
    return statements


def follow(tables: Sequence[str], using: str = "default") -> None:
    """Install the triggers that renew each table's token (the migrations), and give each a first token."""
    connection = connections[using]
    with connection.cursor() as cursor:
        for table in tables:
            for statement in _trigger_statements(connection.vendor, table):
                cursor.execute(statement)
            cursor.execute(f"DELETE FROM {TABLE} WHERE name = %s", [table])
            cursor.execute(f"INSERT INTO {TABLE} (name, token) VALUES (%s, %s)", [table, secrets.token_hex(16)])


def unfollow(tables: Sequence[str], using: str = "default") -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS rectify_generation ON {table}")
            else:
                for operation in ("insert", "update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS rectify_generation_{table}_{operation}")
            cursor.execute(f"DELETE FROM {TABLE} WHERE name = %s", [table])


# ---------------------------------------------------------------- reading the tokens

_memo: contextvars.ContextVar[dict[str, dict[str, str]] | None] = contextvars.ContextVar("rectify_generations", default=None)


@contextmanager
def memo() -> Iterator[None]:
    """Read the tokens at most once per database within the block (a GET request: it writes none of the
    followed tables, so the tokens it read first stay true for it; a function that asks several times and
    writes nothing). Within an outer block, the outer one's."""
    if _memo.get() is not None:
        yield
        return
    reset = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(reset)


def tokens(using: str) -> dict[str, str]:
    """Every followed table's token, by table name (once per ``memo`` block)."""
    remembered = _memo.get()
    if remembered is not None and using in remembered:
        return remembered[using]
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT name, token FROM {TABLE}")
        found = dict(cursor.fetchall())
    if remembered is not None:
        remembered[using] = found
    return found


# ---------------------------------------------------------------- the answers kept

_answers: OrderedDict[Hashable, tuple[tuple[str, ...], Any]] = OrderedDict()
_lock = threading.Lock()


def cached(models: Sequence[type[Model]], key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or the answer it gave for ``key`` while none of ``models``' tables has changed since.
    ``key`` names everything else the answer depends on (the caller's scope, the date …); ``compute`` reads
    only ``models``' tables. A table without a token (not followed, or emptied by a test's flush) is never
    cached."""
    using = router.db_for_read(models[0])
    found = tokens(using)
    current = tuple(found.get(model._meta.db_table, "") for model in models)
    if "" in current:
        return compute()
    settings_dict = connections[using].settings_dict
    full_key = (using, settings_dict.get("NAME"), tuple(model._meta.db_table for model in models), key)
    with _lock:
        kept = _answers.get(full_key)
        if kept is not None and kept[0] == current:
            _answers.move_to_end(full_key)
            return kept[1]  # type: ignore[no-any-return]
    answer = compute()
    with _lock:
        _answers[full_key] = (current, answer)
        _answers.move_to_end(full_key)
        while len(_answers) > MAX_ENTRIES:
            _answers.popitem(last=False)
    return answer


def cached_copies(models: Sequence[type[Model]], key: Hashable, compute: Callable[[], list[M]]) -> list[M]:
    """``cached`` for model instances a caller may change or add to (a user's grants, with their regions and
    units): the answer is kept pickled and each caller gets copies of its own."""
    kept = cached(models, key, lambda: pickle.dumps(compute(), protocol=pickle.HIGHEST_PROTOCOL))
    return pickle.loads(kept)  # type: ignore[no-any-return]  # noqa: S301  (pickled by this process above)


def forget() -> None:
    """Drop every kept answer (tests that count queries from a cold start)."""
    with _lock:
        _answers.clear()
