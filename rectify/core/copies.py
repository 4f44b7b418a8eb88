# ruff: noqa: S608  (SQL built from the code's own table and column names, never from input)
"""Maintained copies: a column that copies a column of the row a foreign key points to, kept by triggers.

A list filtered on a related row's column (the supervision notices of a region subtree, through their
task's region path) joins the related table and reads every row in scope before it can count or order
them. A copy of that column on the listed table lets one index answer the filter and the order. The
database keeps the copy right, like the counters (``core.counters``): a trigger on the copying table fills
it when a row is inserted or its key changes, one on the source table carries a changed value to the rows
that copy it — every write path (the services, a queryset ``update``, the generator's ``COPY``, raw SQL)
keeps it, so a new write path cannot forget it.

Each app registers its copies here (``register``, from its ``AppConfig.ready``); ``differences`` lists the
rows whose copy is not the source's value and ``repair`` sets them (``rectify manage check_counters``
checks and repairs the copies with the counters), ``install`` (re)creates the triggers (the migrations).
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import connections


@dataclass(frozen=True)
class Copy:
    """``table.column`` copies ``source.source_column`` of the ``source`` row whose id is ``table.key``."""

    name: str
    table: str
    column: str
    key: str
    source: str
    source_column: str

    def source_value(self, row: str, lock: str = "") -> str:
        """The SQL of the value a row (the alias or table name ``row``) of the copying table should hold."""
        return f"COALESCE((SELECT s.{self.source_column} FROM {self.source} s WHERE s.id = {row}.{self.key}{lock}), '')"

    def triggers(self, vendor: str) -> list[str]:
        prefix = f"rectify_copy_{self.name}"
        value = self.source_value("NEW")
        fill = f"UPDATE {self.table} SET {self.column} = {value} WHERE id = NEW.id AND {self.column} IS NOT {value};"
        if vendor == "postgresql":
            # The source row is share-locked until the writer commits: a concurrent change of the source waits
            # for the new row and then carries its value to it too (a change committed first is read here).
            return [
                f"""CREATE OR REPLACE FUNCTION {prefix}_fill() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN NEW.{self.column} := {self.source_value('NEW', ' FOR SHARE')}; RETURN NEW; END $$""",
                f"""CREATE OR REPLACE FUNCTION {prefix}_carry() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  UPDATE {self.table} SET {self.column} = NEW.{self.source_column}
                    WHERE {self.key} = NEW.id AND {self.column} IS DISTINCT FROM NEW.{self.source_column};
                  RETURN NULL;
                END $$""",
                f"CREATE TRIGGER {prefix}_insert BEFORE INSERT ON {self.table} FOR EACH ROW EXECUTE FUNCTION {prefix}_fill()",
                f"CREATE TRIGGER {prefix}_key BEFORE UPDATE OF {self.key} ON {self.table} FOR EACH ROW"
                f" WHEN (OLD.{self.key} IS DISTINCT FROM NEW.{self.key}) EXECUTE FUNCTION {prefix}_fill()",
                f"CREATE TRIGGER {prefix}_source AFTER UPDATE OF {self.source_column} ON {self.source} FOR EACH ROW"
                f" WHEN (OLD.{self.source_column} IS DISTINCT FROM NEW.{self.source_column}) EXECUTE FUNCTION {prefix}_carry()",
            ]
        if vendor == "sqlite":
            return [
                f"CREATE TRIGGER {prefix}_insert AFTER INSERT ON {self.table} BEGIN {fill} END",
                f"CREATE TRIGGER {prefix}_key AFTER UPDATE OF {self.key} ON {self.table}"
                f" WHEN OLD.{self.key} IS NOT NEW.{self.key} BEGIN {fill} END",
                f"CREATE TRIGGER {prefix}_source AFTER UPDATE OF {self.source_column} ON {self.source}"
                f" WHEN OLD.{self.source_column} IS NOT NEW.{self.source_column} BEGIN"
                f" UPDATE {self.table} SET {self.column} = NEW.{self.source_column} WHERE {self.key} = NEW.id; END",
            ]
        raise NotImplementedError(f"副本 {self.name} 没有 {vendor} 的触发器")

    def drop(self, vendor: str) -> list[str]:
        prefix = f"rectify_copy_{self.name}"
        on = {"insert": self.table, "key": self.table, "source": self.source}
        if vendor == "postgresql":
            return [f"DROP TRIGGER IF EXISTS {prefix}_{kind} ON {table}" for kind, table in on.items()]
        if vendor == "sqlite":
            return [f"DROP TRIGGER IF EXISTS {prefix}_{kind}" for kind in on]
        raise NotImplementedError(f"副本 {self.name} 没有 {vendor} 的触发器")


COPIES: dict[str, Copy] = {}


def register(copy: Copy) -> Copy:
    COPIES[copy.name] = copy
    return copy


def install(copy: Copy, using: str = "default") -> None:
    """(Re)create the copy's triggers: drop the old ones first."""
    connection = connections[using]
    with connection.cursor() as cursor:
        for statement in [*copy.drop(connection.vendor), *copy.triggers(connection.vendor)]:
            cursor.execute(statement)


def uninstall(copy: Copy, using: str = "default") -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        for statement in copy.drop(connection.vendor):
            cursor.execute(statement)


def differences(copy: Copy, using: str = "default") -> list[tuple[int, str, str]]:
    """(id, stored, expected) for every row whose copy is not its source's value, by id."""
    with connections[using].cursor() as cursor:
        value = copy.source_value("c")
        cursor.execute(f"SELECT c.id, c.{copy.column}, {value} FROM {copy.table} c WHERE c.{copy.column} <> {value} ORDER BY c.id")
        return [(int(row[0]), row[1], row[2]) for row in cursor.fetchall()]


def repair(copy: Copy, using: str = "default") -> int:
    """Set every wrong copy to its source's value, in one statement; the rows changed."""
    value = copy.source_value(copy.table)
    with connections[using].cursor() as cursor:
        cursor.execute(f"UPDATE {copy.table} SET {copy.column} = {value} WHERE {copy.column} <> {value}")
        return int(cursor.rowcount)


def check_all(using: str = "default") -> dict[str, list[tuple[int, str, str]]]:
    """Every registered copy's differences (an empty list: consistent)."""
    return {name: differences(copy, using) for name, copy in sorted(COPIES.items())}
