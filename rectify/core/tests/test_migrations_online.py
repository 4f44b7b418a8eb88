"""Indexes on tables that already hold rows are built and dropped online (``core.migration_helpers.AddIndexOnline``,
``RemoveIndexOnline``): on PostgreSQL ``CONCURRENTLY``, so an upgrade never holds the table's writes while it
reads the table; the migration can be run again after an interruption."""
from __future__ import annotations

import re
from functools import partial
from typing import Any

import pytest
from django.core.management import call_command
from django.db import NotSupportedError, connection, migrations, models
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from rectify.core.migration_helpers import AddIndexOnline, RemoveIndexOnline

ONLINE = (AddIndexOnline, RemoveIndexOnline)

# Written before the online operations: every database that ran them has their indexes; one upgrading across
# them holds the table's writes while each is built (seconds at 300,000 tasks). Never add to this list.
BUILT_UNDER_LOCK = frozenset({
    ("acceptance", "0008_announcement_public_indexes"), ("acceptance", "0009_announcement_latest"),
    ("dispatch", "0002_report_once_per_unit_task_month"), ("dispatch", "0004_report_once_constraint"),
    ("dispatch", "0009_report_round_order"), ("inspections", "0002_updated_at_index"),
    ("regions", "0002_updated_at_index"), ("supervision", "0004_notice_issued_order"),
    ("supervision", "0006_notice_region_path"), ("tasks", "0003_updated_at_index"), ("tasks", "0006_g1_seq_key"),
    ("tasks", "0007_g6_task_region_path"), ("tasks", "0009_g5_counts_index"), ("tasks", "0011_g2_task_counts"),
    ("tasks", "0013_he_ledger_indexes"), ("tasks", "0015_open_path_deadline"),
})


# Indexes built by raw SQL before the online operations (PostgreSQL's expression and GIN indexes), under a lock
# as above. Never add to this list: a raw build on a table that holds rows says ``CREATE INDEX CONCURRENTLY``.
RAW_BUILT_UNDER_LOCK = frozenset({
    ("tasks", "0008_g9_search_grams"), ("tasks", "0020_search_chars"), ("tasks", "0021_province_order"),
})
LOCKING_BUILD = re.compile(r"\bCREATE\s+(UNIQUE\s+)?INDEX\b(?!\s+CONCURRENTLY)", re.IGNORECASE)


def raw_statements(operation: Any) -> list[str]:
    """The SQL an operation runs as text: ``RunSQL``'s, and the lists of statements a ``RunPython`` function is
    bound to (``migration_helpers.on_postgresql``'s ``partial``, or a closure's)."""
    if isinstance(operation, migrations.RunSQL):
        sql = operation.sql
        return [sql] if isinstance(sql, str) else [s if isinstance(s, str) else s[0] for s in sql]
    if not isinstance(operation, migrations.RunPython):
        return []
    code = operation.code
    bound = list(code.args) if isinstance(code, partial) else [c.cell_contents for c in code.__closure__ or ()]
    return [s for value in bound if isinstance(value, list) for s in value if isinstance(s, str)]


def project_migrations() -> dict[tuple[str, str], migrations.Migration]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {key: m for key, m in loader.disk_migrations.items() if m.__module__.startswith("rectify.")}


def test_an_index_on_an_existing_table_is_built_online() -> None:
    """An index added to (or dropped from) a model the migration does not create is an online operation."""
    locking = set()
    for key, migration in project_migrations().items():
        created = {op.name.lower() for op in migration.operations if isinstance(op, migrations.CreateModel)}
        if any(isinstance(op, (migrations.AddIndex, migrations.RemoveIndex)) and not isinstance(op, ONLINE)
               and op.model_name.lower() not in created for op in migration.operations):
            locking.add(key)
    assert locking - BUILT_UNDER_LOCK == set(), "use AddIndexOnline / RemoveIndexOnline"
    assert BUILT_UNDER_LOCK <= locking, "a migration of the list changed: take it off the list"


def test_no_raw_sql_builds_an_index_under_a_lock() -> None:
    locking = {key for key, migration in project_migrations().items()
               if any(LOCKING_BUILD.search(sql) for op in migration.operations for sql in raw_statements(op))}
    assert locking - RAW_BUILT_UNDER_LOCK == set(), "CREATE INDEX CONCURRENTLY, in a migration with atomic = False"
    assert RAW_BUILT_UNDER_LOCK <= locking, "a migration of the list changed: take it off the list"


def test_a_migration_of_online_operations_holds_nothing_else() -> None:
    """Not atomic (``CONCURRENTLY`` refuses a transaction), so nothing else in it: run again after an interruption,
    each online operation finishes its own work, where a half-applied ``AlterField`` would fail the second run."""
    online = {key: m for key, m in project_migrations().items() if any(isinstance(op, ONLINE) for op in m.operations)}
    assert {("accounts", "0008_log_order_indexes"), ("notifications", "0003_inbox_order_index"),
            ("tasks", "0023_chosen_order_indexes")} <= set(online)
    for key, migration in online.items():
        assert migration.atomic is False, key
        assert all(isinstance(op, ONLINE) for op in migration.operations), key


@pytest.mark.django_db(transaction=True)
def test_the_sql_of_an_online_migration(capsys: Any) -> None:
    call_command("sqlmigrate", "tasks", "0023_chosen_order_indexes")
    sql = capsys.readouterr().out
    if connection.vendor == "postgresql":
        assert sql.count("CREATE INDEX CONCURRENTLY") == 5 and "DROP INDEX CONCURRENTLY IF EXISTS" in sql, sql
    else:
        assert sql.count("CREATE INDEX") == 5 and "CONCURRENTLY" not in sql, sql


ORDER = models.Index(fields=["at", "id"], name="loginevent_at_order")
AT_0008 = ("accounts", "0008_log_order_indexes")


def states() -> tuple[Any, Any]:
    loader = MigrationExecutor(connection).loader
    return loader.project_state(("accounts", "0007_follow_generations")), loader.project_state(AT_0008)


def index_of(name: str) -> tuple[bool, str] | None:
    """(valid, definition) of the index ``name`` on PostgreSQL; on SQLite (True, its SQL); None when absent."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT i.indisvalid, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                           "JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s", [name])
        else:
            cursor.execute("SELECT 1, sql FROM sqlite_master WHERE type = 'index' AND name = %s", [name])
        row = cursor.fetchone()
    return None if row is None else (bool(row[0]), row[1])


def build(operation: Any, forwards: bool = True) -> None:
    before, after = states()
    with connection.schema_editor(atomic=False) as editor:
        if forwards:
            operation.database_forwards("accounts", editor, before, after)
        else:
            operation.database_backwards("accounts", editor, after, before)


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_build_is_finished_by_running_the_migration_again() -> None:
    """The build is left as an interruption leaves it — on PostgreSQL an INVALID index of the name, elsewhere
    the index already there — and the operation run again ends with the one valid index on (at, id)."""
    operation = AddIndexOnline("loginevent", ORDER)
    try:
        build(operation, forwards=False)
        assert index_of("loginevent_at_order") is None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # two equal keys: the unique build fails, its index stays INVALID
                cursor.execute("INSERT INTO accounts_loginevent (at, username, kind, ip, user_agent, success) "
                               "VALUES (now(), 'a', 'login', '127.0.0.1', '', true), "
                               "(now(), 'b', 'login', '127.0.0.1', '', true)")
                with pytest.raises(Exception, match="could not create unique index"):
                    cursor.execute('CREATE UNIQUE INDEX CONCURRENTLY "loginevent_at_order" '
                                   "ON accounts_loginevent ((1))")
            assert index_of("loginevent_at_order") == (
                False, 'CREATE UNIQUE INDEX loginevent_at_order ON public.accounts_loginevent USING btree ((1))')
        else:
            build(operation)
        build(operation)
        valid, definition = index_of("loginevent_at_order") or (False, "")
        assert valid and "UNIQUE" not in definition and definition.replace('"', "").endswith("(at, id)"), definition
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM accounts_loginevent")
        build(operation)  # as the migration left it, whatever failed above


@pytest.mark.django_db(transaction=True)
def test_an_online_drop_can_run_twice() -> None:
    operation = RemoveIndexOnline("loginevent", "loginevent_at_order")
    before, after = states()
    try:
        for _ in range(2):
            with connection.schema_editor(atomic=False) as editor:
                operation.database_forwards("accounts", editor, after, before)
            assert index_of("loginevent_at_order") is None
    finally:
        build(AddIndexOnline("loginevent", ORDER))
    assert index_of("loginevent_at_order") is not None


@pytest.mark.django_db
def test_postgresql_refuses_an_online_build_inside_a_transaction() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("CONCURRENTLY is PostgreSQL's: SQLite builds the index in the migration's transaction")
    before, after = states()
    with pytest.raises(NotSupportedError, match="atomic = False"), connection.schema_editor() as editor:
        AddIndexOnline("loginevent", ORDER).database_forwards("accounts", editor, before, after)
