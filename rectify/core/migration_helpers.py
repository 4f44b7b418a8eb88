"""Used by the migrations: stored documents given their issuer (numbers that name who issued them); tables
followed by ``core.generations``; maintained counters installed and counted (``core.counters``); indexes built
and dropped without holding the table's writes (``AddIndexOnline``, ``RemoveIndexOnline``)."""
from __future__ import annotations

from functools import partial
from typing import Any

from django.db import NotSupportedError, migrations

from .numbering import issuer_name


def fill_issuers(apps: Any, app_label: str, model_name: str, kind: str) -> None:
    """Set ``issuer`` on every stored document from its region; where two regions would print the
    same number, the later one keeps its region code beside the name; then start the counters
    after the highest number already given."""
    model = apps.get_model(app_label, model_name)
    counter = apps.get_model("core", "DocumentCounter")
    taken: set[tuple[str, int, int]] = set()
    for item in model.objects.select_related("region__parent__parent").order_by("id"):
        issuer = issuer_name(item.region)
        if (issuer, item.year, item.seq) in taken:
            issuer = f"{issuer}（{item.region.code}）"
        taken.add((issuer, item.year, item.seq))
        model.objects.filter(pk=item.pk).update(issuer=issuer)
    highest: dict[tuple[str, int], int] = {}
    for issuer, year, seq in taken:
        highest[(issuer, year)] = max(seq, highest.get((issuer, year), 0))
    for (issuer, year), last in highest.items():
        counter.objects.update_or_create(kind=kind, issuer=issuer, year=year, defaults={"last": last})


def _follow(tables: list[str], apps: Any, schema_editor: Any) -> None:
    from . import generations

    generations.follow(tables, schema_editor.connection.alias)


def _unfollow(tables: list[str], apps: Any, schema_editor: Any) -> None:
    from . import generations

    generations.unfollow(tables, schema_editor.connection.alias)


def follow_generations(tables: list[str]) -> migrations.RunPython:
    """The operation that gives each of ``tables`` a token renewed by a trigger on every write (pages keep what
    they read from the table until it changes: ``rectify.core.generations``), and takes them away backwards."""
    return migrations.RunPython(partial(_follow, tables), partial(_unfollow, tables))


def _execute_on_postgresql(statements: list[str], apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in statements:
            schema_editor.execute(statement)


def on_postgresql(forwards: list[str], backwards: list[str]) -> migrations.RunPython:
    """The operation that runs ``forwards`` (and ``backwards`` to undo it) on PostgreSQL, nothing on SQLite: the
    indexes and statistics that only PostgreSQL's planner reads."""
    return migrations.RunPython(partial(_execute_on_postgresql, forwards), partial(_execute_on_postgresql, backwards))


def _counter(path: str) -> Any:
    from importlib import import_module

    module, name = path.rsplit(".", 1)
    return getattr(import_module(module), name)


def _install_and_fill(path: str, apps: Any, schema_editor: Any) -> None:
    from . import counters

    counters.install(_counter(path), schema_editor.connection.alias)
    counters.rebuild(_counter(path), schema_editor.connection.alias)


def _uninstall(path: str, apps: Any, schema_editor: Any) -> None:
    from . import counters

    counters.uninstall(_counter(path), schema_editor.connection.alias)


def count_with(path: str) -> migrations.RunPython:
    """The operation that installs the triggers of the counter at ``path`` (``"rectify.<app>.counters.NAME"``, a
    ``core.counters.Counter``), then counts the rows already there (one ``INSERT … SELECT … GROUP BY``); backwards, it
    takes the triggers away. Creating the triggers locks the counted tables against writes until the migration
    commits: no write goes uncounted between the two."""
    return migrations.RunPython(partial(_install_and_fill, path), partial(_uninstall, path))


def _ensure_not_in_transaction(operation: migrations.operations.base.Operation, schema_editor: Any) -> None:
    if schema_editor.connection.in_atomic_block:
        raise NotSupportedError(f"{type(operation).__name__} 不能在事务中执行：所在迁移须设 atomic = False")


def _index_state(schema_editor: Any, table: str, name: str) -> str:
    """"absent", "valid" or "invalid" (PostgreSQL's mark on an index whose ``CONCURRENTLY`` build was interrupted:
    it exists, is kept up to date by writes, and is never read)."""
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor != "postgresql":
            names = schema_editor.connection.introspection.get_constraints(cursor, table)
            return "valid" if name in names else "absent"
        cursor.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = %s AND c.relnamespace = to_regnamespace(current_schema())", [name])
        row = cursor.fetchone()
    return "absent" if row is None else ("valid" if row[0] else "invalid")


def _drop_online(operation: migrations.operations.base.Operation, schema_editor: Any, model: Any, index: Any) -> None:
    """Drop ``index`` without holding the table's writes and without failing when it is already gone: on PostgreSQL
    ``DROP INDEX CONCURRENTLY IF EXISTS``, elsewhere a plain drop of an index that is there."""
    if schema_editor.connection.vendor == "postgresql":
        _ensure_not_in_transaction(operation, schema_editor)
        schema_editor.remove_index(model, index, concurrently=True)
    elif schema_editor.collect_sql or _index_state(schema_editor, model._meta.db_table, index.name) != "absent":
        schema_editor.remove_index(model, index)


class AddIndexOnline(migrations.AddIndex):
    """``AddIndex`` that leaves the table writable while the index is built: on PostgreSQL ``CREATE INDEX
    CONCURRENTLY`` (a plain ``CREATE INDEX`` holds every write to the table until it ends: minutes for a log of tens
    of millions of rows), elsewhere the plain build. Its migration is ``atomic = False`` and holds only online
    operations (``test_migrations_online``), so running it again after an interruption finishes the work: an
    index already built is kept, one an interrupted build left invalid is dropped and built again."""

    atomic = False

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        postgresql = schema_editor.connection.vendor == "postgresql"
        if postgresql:
            _ensure_not_in_transaction(self, schema_editor)
        if not schema_editor.collect_sql:
            state = _index_state(schema_editor, model._meta.db_table, self.index.name)
            if state == "valid":
                return
            if state == "invalid":
                schema_editor.execute(schema_editor.sql_delete_index_concurrently % {
                    "name": schema_editor.quote_name(self.index.name)})
        schema_editor.add_index(model, self.index, **({"concurrently": True} if postgresql else {}))

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        _drop_online(self, schema_editor, model, self.index)

    def describe(self) -> str:
        return f"{super().describe()} (online)"


class RemoveIndexOnline(migrations.RemoveIndex):
    """``RemoveIndex`` that never waits holding the table's writes: on PostgreSQL ``DROP INDEX CONCURRENTLY IF
    EXISTS`` (safe to run again); backwards, the index comes back as ``AddIndexOnline`` builds it."""

    atomic = False

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        _drop_online(self, schema_editor, model, from_state.models[app_label, self.model_name_lower].get_index_by_name(self.name))

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        index = to_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
        AddIndexOnline(self.model_name, index).database_forwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        return f"{super().describe()} (online)"
