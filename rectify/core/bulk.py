"""Bulk writes for ``rectify generate`` and its fillers (``core.fill``).

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
            for obj, key in zip(missing, _next_ids(cursor, model, len(missing)), strict=True):
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


def _next_ids(cursor: Any, model: type[models.Model], count: int) -> list[int]:
    """``count`` consecutive keys from the table's own sequence, moved past them in one step (the generator owns
    the database: a key another writer drew in between would collide, and the run would roll back)."""
    meta = model._meta
    cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [meta.db_table, meta.pk.column])
    sequence = cursor.fetchone()[0]
    cursor.execute("SELECT nextval(%s)", [sequence])
    first = cursor.fetchone()[0]
    if count > 1:
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return list(range(first, first + count))


class RowTemplate:
    """Rows of one model that differ from a prototype instance only in ``varying`` (attribute names): the
    prototype's values are prepared once by its fields (as ``insert`` prepares them), each row replaces the
    varying ones with values already in their database form. For ``copy_rows``."""

    def __init__(self, proto: models.Model, varying: Sequence[str]) -> None:
        meta = proto._meta
        now = timezone.now()
        for field in meta.concrete_fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                setattr(proto, field.attname, now)
        values = dict(zip([f.attname for f in meta.concrete_fields], _row_maker(type(proto), connection)(proto), strict=True))
        self.fields = [f.attname for f in meta.concrete_fields if not f.primary_key]
        self.base = [values[name] for name in self.fields]
        self.positions = [self.fields.index(name) for name in varying]

    def row(self, *values: Any) -> tuple[Any, ...]:
        row = self.base.copy()
        for position, value in zip(self.positions, values, strict=True):
            row[position] = value
        return tuple(row)


def copy_rows(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[int]:
    """Insert rows given as tuples of database values for ``fields`` (attribute names, no primary key), in their
    order; returns the keys they got. No model instances: for the largest tables, whose values the caller knows the
    database form of (on SQLite the rows become instances for ``bulk_create``: no JSON columns there)."""
    if not rows:
        return []
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        objs = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        model._default_manager.bulk_create(objs, batch_size=5000)
        return [obj.pk for obj in objs]
    meta = model._meta
    quote = db.ops.quote_name
    column_of = {field.attname: str(field.column) for field in meta.concrete_fields}
    columns = ", ".join(quote(column_of[name]) for name in [meta.pk.attname, *fields])
    with db.cursor() as cursor:
        ids = _next_ids(cursor, model, len(rows))
        for start in range(0, len(rows), COPY_BATCH):
            with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
                write = copy.write_row
                for key, row in zip(ids[start:start + COPY_BATCH], rows[start:start + COPY_BATCH], strict=True):
                    write((key, *row))
    return ids


@contextmanager
def indexes_dropped(models_: Sequence[type[models.Model]]) -> Iterator[None]:
    """PostgreSQL: drop the secondary indexes of these tables, their foreign keys and their unique constraints
    (not the primary keys), and create them again from their definitions on the way out: a full table is
    indexed and checked in one pass each, not row by row. A duplicate or a dangling key fails there and rolls
    the whole load back (this must run inside a transaction). Elsewhere: nothing."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = [model._meta.db_table for model in models_]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: checked at commit, millions of rows would
        # queue millions of trigger events (and CREATE INDEX refuses to run with any pending). Check each
        # statement's rows when it ends instead (the keys of the other tables).
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
        # Their foreign keys, and their unique constraints that no foreign key stands on: unique ones first
        # when made again (a key added to a full table is checked in one pass, not one lookup per row).
        cursor.execute(
            """SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
               JOIN pg_class t ON t.oid = c.conrelid
               WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
                 AND (c.contype = 'f' OR c.contype = 'u' AND NOT EXISTS (
                      SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid))
               ORDER BY c.contype = 'f', t.relname, c.conname""",
            [tables],
        )
        keys = cursor.fetchall()
        for table, name, _definition in reversed(keys):
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _definition in definitions:
            cursor.execute(f"DROP INDEX {quote(name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _name, definition in definitions:
            cursor.execute(definition)
        for table in tables:
            cursor.execute(f"ANALYZE {quote(table)}")
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
