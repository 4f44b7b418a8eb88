"""Bulk writes for the generator.

On PostgreSQL rows go in with ``COPY … FROM STDIN`` (psycopg's ``cursor.copy``): the ids are drawn from the
table's own sequence first, in one query, so the objects carry their keys for the rows that point at them,
and the secondary indexes of the large tables are dropped for the load and rebuilt from their own
definitions at the end, inside the same transaction (a failure rolls all of it back). Elsewhere (SQLite)
it is Django's ``bulk_create``. No per-row query or signal either way; values are prepared by the fields
themselves (``pre_save`` for the automatic times, ``get_db_prep_save`` for the rest), as ``bulk_create``
prepares them.
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from operator import attrgetter
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.utils import timezone

COPY_BATCH = 20000


# Field types whose Python value psycopg takes as it is on PostgreSQL (their get_db_prep_save returns it unchanged).
PLAIN = (models.AutoField, models.BigAutoField, models.CharField, models.TextField, models.IntegerField,
         models.PositiveSmallIntegerField, models.PositiveIntegerField, models.SmallIntegerField, models.BigIntegerField,
         models.BooleanField, models.DateField, models.DateTimeField, models.UUIDField, models.ForeignKey)


def _row_maker(model: type[models.Model], db: Any) -> Any:
    """A function from an object to its row for COPY, in ``concrete_fields`` order."""
    fields = list(model._meta.concrete_fields)
    getter = attrgetter(*[field.attname for field in fields])
    special: list[tuple[int, Any]] = []
    for index, field in enumerate(fields):
        if isinstance(field, models.JSONField):
            special.append((index, lambda value, f=field: None if value is None else json.dumps(value, ensure_ascii=False, cls=f.encoder)))
        elif not isinstance(field, PLAIN) or type(field).get_db_prep_value is not _base_prep(field):
            special.append((index, lambda value, f=field: f.get_db_prep_save(value, db)))
    if not special:
        return lambda obj: getter(obj) if len(fields) > 1 else (getter(obj),)

    def row(obj: Any) -> list[Any]:
        values = list(getter(obj))
        for index, convert in special:
            values[index] = convert(values[index])
        return values
    return row


def _base_prep(field: Any) -> Any:
    """The get_db_prep_value of the built-in class the field derives from (a subclass that overrides it is not plain)."""
    for cls in type(field).__mro__:
        if cls in PLAIN:
            return cls.get_db_prep_value
    return None


def insert(objs: Sequence[models.Model]) -> None:
    """Insert unsaved objects of one model in their order; afterwards each has its primary key."""
    if not objs:
        return
    model = type(objs[0])
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=5000)
        return
    meta = model._meta
    quote = db.ops.quote_name
    missing = [obj for obj in objs if obj.pk is None]
    now = timezone.now()
    automatic = [f.attname for f in meta.concrete_fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    with db.cursor() as cursor:
        if missing:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [meta.db_table, meta.pk.column, len(missing)])
            for obj, key in zip(missing, sorted(row[0] for row in cursor.fetchall()), strict=True):
                obj.pk = key
        make_row = _row_maker(model, db)
        columns = ", ".join(quote(str(field.column)) for field in meta.concrete_fields)
        for start in range(0, len(objs), COPY_BATCH):
            with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
                for obj in objs[start:start + COPY_BATCH]:
                    for name in automatic:  # what pre_save does for auto_now(_add) on an insert
                        setattr(obj, name, now)
                    copy.write_row(make_row(obj))
    for obj in objs:
        obj._state.adding = False
        obj._state.db = db.alias


@contextmanager
def indexes_dropped(models_: Sequence[type[models.Model]]) -> Iterator[None]:
    """PostgreSQL: drop the secondary indexes of these tables (not those behind a primary key or a unique
    or other constraint) and create them again from their definitions on the way out; must run inside a
    transaction, so an error leaves the indexes as they were. Elsewhere: nothing."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = [model._meta.db_table for model in models_]
    with connection.cursor() as cursor:
        # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: checked at commit, millions of rows would
        # queue millions of trigger events (and CREATE INDEX refuses to run with any pending). Check each
        # statement's rows when it ends instead.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            """SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
               JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
               WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace AND NOT x.indisprimary
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
               ORDER BY t.relname, i.relname""",
            [tables],
        )
        definitions = cursor.fetchall()
        for name, _definition in definitions:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _name, definition in definitions:
            cursor.execute(definition)
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
