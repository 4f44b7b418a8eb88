# ruff: noqa: S608  (SQL built from the code's own table and column names, never from input)
"""Maintained copies: a column that copies a column of the row a foreign key points to, kept by triggers.

A list filtered on a related row's column (the supervision notices of a region subtree, through their
task's region path) joins the related table and reads every row in scope before it can count or order
them. A copy of that column on the listed table lets one index answer the filter and the order. The
database keeps the copy right, like the counters (``core.counters``): a trigger on the copying table fills
it when a row is inserted or its key changes, one on the source table carries a changed value to the rows
that copy it — every write path (the services, a queryset ``update``, the generator's ``COPY``, raw SQL)
keeps it, so a new write path cannot forget it.

A latest flag (``LatestFlag``) is kept the same way: a boolean column true on the row of highest id of each
group (a task's latest announcement), optionally among the rows a boolean column admits (its latest
published one), so that a partial index holds only the latest rows.

An agreement (``Agreement``) is a rule between two such columns that the database enforces rather than
fills: a write breaking it is refused.

Each app registers its copies and flags here (``register``, from its ``AppConfig.ready``); ``differences``
lists the rows whose value is not what it should be and ``repair`` sets them (``rectify manage
check_counters`` checks and repairs them with the counters), ``install`` (re)creates the triggers (the
migrations).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from django.db import connections


@dataclass(frozen=True)
class Copy:
    """``table.column`` copies ``source.source_column`` of the ``source`` row whose id is ``table.key``."""

    is_flag: ClassVar[bool] = False  # its values are shown as they are (a 序号, a name, a number)
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

    def wrong_rows(self, vendor: str) -> str:
        value = self.source_value("c")
        return f"SELECT c.id, c.{self.column}, {value} FROM {self.table} c WHERE c.{self.column} <> {value} ORDER BY c.id"

    def repair_sql(self, vendor: str) -> str:
        value = self.source_value(self.table)
        return f"UPDATE {self.table} SET {self.column} = {value} WHERE {self.column} <> {value}"


@dataclass(frozen=True)
class LatestFlag:
    """``table.column`` is true on the row of highest id among the rows of the same ``group`` (and, when
    ``among`` names a boolean column, among those whose ``among`` is true), false on every other row.
    ``owner`` is the table ``group`` points to: on PostgreSQL a writer locks the owner rows of the groups it
    changes, so two writers of one group take turns and the second sees the first's rows."""

    is_flag: ClassVar[bool] = True  # shown as 是/否 (SQLite gives the booleans as 0 and 1)
    name: str
    table: str
    column: str
    group: str
    owner: str
    among: str = ""

    def _top(self, groups: str = "") -> str:
        """The latest id of each group (NULL: no row admitted): of every group, or of those the condition
        ``groups`` admits (its ``{g}`` is the group column)."""
        admitted = f"CASE WHEN s.{self.among} THEN s.id END" if self.among else "s.id"
        where = f" WHERE {groups.format(g=f's.{self.group}')}" if groups else ""
        return f"SELECT s.{self.group} AS grp, MAX({admitted}) AS top FROM {self.table} s{where} GROUP BY s.{self.group}"

    def _expected(self, row: str) -> str:
        return f"COALESCE({row}.id = top.top, FALSE)"

    def _recompute(self, groups: str = "") -> str:
        """Set the flag where it is wrong, in every group or in those the condition ``groups`` admits."""
        t = self.table
        mine = f" AND {groups.format(g=f'{t}.{self.group}')}" if groups else ""
        return (f"UPDATE {t} SET {self.column} = {self._expected(t)} FROM ({self._top(groups)}) top"
                f" WHERE {t}.{self.group} = top.grp{mine} AND {t}.{self.column} <> {self._expected(t)}")

    def _watched(self) -> list[str]:
        return [self.group, *([self.among] if self.among else [])]

    def triggers(self, vendor: str) -> list[str]:
        if vendor == "postgresql":
            return self._pg_triggers()
        if vendor == "sqlite":
            prefix = f"rectify_latest_{self.name}"
            watched = ", ".join(self._watched())
            changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in self._watched())
            return [
                f"CREATE TRIGGER {prefix}_insert AFTER INSERT ON {self.table} BEGIN {self._recompute(f'{{g}} = NEW.{self.group}')}; END",
                f"CREATE TRIGGER {prefix}_delete AFTER DELETE ON {self.table} BEGIN {self._recompute(f'{{g}} = OLD.{self.group}')}; END",
                f"CREATE TRIGGER {prefix}_update AFTER UPDATE OF {watched} ON {self.table} WHEN {changed} BEGIN"
                f" {self._recompute(f'{{g}} IN (OLD.{self.group}, NEW.{self.group})')}; END",
            ]
        raise NotImplementedError(f"最新标记 {self.name} 没有 {vendor} 的触发器")

    def _pg_triggers(self) -> list[str]:
        """Statement triggers with transition tables: a bulk load (the generator's ``COPY``) recounts its groups
        once per statement, not once per row."""
        prefix = f"rectify_latest_{self.name}"
        watched = ", ".join(["id", *self._watched()])
        # An update's changed rows as a set difference of its old and new rows, both ways: no join of the transition
        # tables (planned once per session for the first call's rows, a nested loop over both for one row).
        changed = (f"SELECT {self.group} FROM (SELECT {watched} FROM new_rows EXCEPT SELECT {watched} FROM old_rows) n"
                   f" UNION SELECT {self.group} FROM (SELECT {watched} FROM old_rows EXCEPT SELECT {watched} FROM new_rows) o")
        sources = {"insert": f"SELECT {self.group} FROM new_rows", "delete": f"SELECT {self.group} FROM old_rows",
                   "update": changed}
        tables = {"insert": "NEW TABLE AS new_rows", "delete": "OLD TABLE AS old_rows", "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}
        statements = []
        for kind, source in sources.items():
            # The owners are locked first and the groups recounted in a later statement, which sees what a writer
            # that held them has committed meanwhile (READ COMMITTED: a snapshot per statement).
            statements.append(f"""CREATE OR REPLACE FUNCTION {prefix}_{kind}() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE groups bigint[] := ARRAY(SELECT DISTINCT g FROM ({source}) changed(g) WHERE g IS NOT NULL ORDER BY g);
            BEGIN
              IF cardinality(groups) > 0 THEN
                PERFORM 1 FROM {self.owner} o WHERE o.id = ANY(groups) ORDER BY o.id FOR NO KEY UPDATE;
                {self._recompute('{g} = ANY(groups)')};
              END IF;
              RETURN NULL;
            END $$""")
            statements.append(f"CREATE TRIGGER {prefix}_{kind} AFTER {kind.upper()} ON {self.table} REFERENCING {tables[kind]}"
                              f" FOR EACH STATEMENT EXECUTE FUNCTION {prefix}_{kind}()")
        return [*self._pg_claims(), *statements]

    def _pg_claims(self) -> list[str]:
        """Each row's owner locked as the row is written, before a copy's trigger share-locks it (a relation's
        BEFORE row triggers fire in name order: ``rectify_claim_`` sorts before ``rectify_copy_``). Locked only
        at the end of the statement, two writers could each hold the share and wait for the other's."""
        claim = f"rectify_claim_{self.name}"
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in self._watched())
        owners = f"CASE WHEN TG_OP = 'UPDATE' THEN ARRAY[OLD.{self.group}, NEW.{self.group}] ELSE ARRAY[NEW.{self.group}] END"
        return [
            f"""CREATE OR REPLACE FUNCTION {claim}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              PERFORM 1 FROM {self.owner} o WHERE o.id = ANY({owners}) ORDER BY o.id FOR NO KEY UPDATE;
              RETURN NEW;
            END $$""",
            f"CREATE TRIGGER {claim}_insert BEFORE INSERT ON {self.table} FOR EACH ROW EXECUTE FUNCTION {claim}()",
            f"CREATE TRIGGER {claim}_update BEFORE UPDATE OF {', '.join(self._watched())} ON {self.table} FOR EACH ROW"
            f" WHEN ({changed}) EXECUTE FUNCTION {claim}()",
        ]

    def drop(self, vendor: str) -> list[str]:
        prefix = f"rectify_latest_{self.name}"
        kinds = ["insert", "delete", "update"]
        if vendor == "postgresql":
            claims = [f"DROP TRIGGER IF EXISTS rectify_claim_{self.name}_{kind} ON {self.table}" for kind in ("insert", "update")]
            return [*claims, *(f"DROP TRIGGER IF EXISTS {prefix}_{kind} ON {self.table}" for kind in kinds)]
        if vendor == "sqlite":
            return [f"DROP TRIGGER IF EXISTS {prefix}_{kind}" for kind in kinds]
        raise NotImplementedError(f"最新标记 {self.name} 没有 {vendor} 的触发器")

    def wrong_rows(self, vendor: str) -> str:
        t = self.table
        return (f"SELECT {t}.id, {t}.{self.column}, {self._expected(t)} FROM {t} JOIN ({self._top()}) top"
                f" ON {t}.{self.group} = top.grp WHERE {t}.{self.column} <> {self._expected(t)} ORDER BY {t}.id")

    def repair_sql(self, vendor: str) -> str:
        return self._recompute()


def _distinct(vendor: str) -> str:
    """SQL's null-safe "differs": PostgreSQL's spelling, or SQLite's."""
    return "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"


@dataclass(frozen=True)
class Agreement:
    """``table.column`` equals ``source.source_column`` of the ``source`` row whose id is ``table.key`` (a progress
    report's task is its assignment's task): not a copy the database fills, a rule it enforces. A write that would
    break it, on either table, is refused with ``message`` (an ``IntegrityError``); rows that break it (written
    before the rule) are listed, never repaired: which of the two is wrong is for a person to say."""

    is_flag: ClassVar[bool] = False
    name: str
    table: str
    column: str
    key: str
    source: str
    source_column: str
    message: str

    def _differs(self, row: str, vendor: str) -> str:
        return f"{row}.{self.column} {_distinct(vendor)} (SELECT s.{self.source_column} FROM {self.source} s WHERE s.id = {row}.{self.key})"

    def _source_used(self, vendor: str) -> str:
        return (f"OLD.{self.source_column} {_distinct(vendor)} NEW.{self.source_column}"
                f" AND EXISTS (SELECT 1 FROM {self.table} c WHERE c.{self.key} = NEW.id)")

    def triggers(self, vendor: str) -> list[str]:
        prefix = f"rectify_agree_{self.name}"
        message = self.message.replace("'", "''")
        if vendor == "postgresql":
            refuse = f"RAISE EXCEPTION '{message}' USING ERRCODE = 'check_violation'"
            return [
                f"""CREATE OR REPLACE FUNCTION {prefix}_row() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF {self._differs('NEW', vendor)} THEN {refuse}; END IF; RETURN NEW; END $$""",
                f"""CREATE OR REPLACE FUNCTION {prefix}_source() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF {self._source_used(vendor)} THEN {refuse}; END IF; RETURN NEW; END $$""",
                f"CREATE TRIGGER {prefix}_row BEFORE INSERT OR UPDATE OF {self.column}, {self.key} ON {self.table}"
                f" FOR EACH ROW EXECUTE FUNCTION {prefix}_row()",
                f"CREATE TRIGGER {prefix}_source BEFORE UPDATE OF {self.source_column} ON {self.source}"
                f" FOR EACH ROW EXECUTE FUNCTION {prefix}_source()",
            ]
        if vendor == "sqlite":
            refuse = f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            return [
                f"CREATE TRIGGER {prefix}_insert BEFORE INSERT ON {self.table} WHEN {self._differs('NEW', vendor)} {refuse}",
                f"CREATE TRIGGER {prefix}_update BEFORE UPDATE OF {self.column}, {self.key} ON {self.table}"
                f" WHEN {self._differs('NEW', vendor)} {refuse}",
                f"CREATE TRIGGER {prefix}_source BEFORE UPDATE OF {self.source_column} ON {self.source}"
                f" WHEN {self._source_used(vendor)} {refuse}",
            ]
        raise NotImplementedError(f"规则 {self.name} 没有 {vendor} 的触发器")

    def drop(self, vendor: str) -> list[str]:
        prefix = f"rectify_agree_{self.name}"
        if vendor == "postgresql":
            return [f"DROP TRIGGER IF EXISTS {prefix}_row ON {self.table}", f"DROP TRIGGER IF EXISTS {prefix}_source ON {self.source}",
                    f"DROP FUNCTION IF EXISTS {prefix}_row()", f"DROP FUNCTION IF EXISTS {prefix}_source()"]
        if vendor == "sqlite":
            return [f"DROP TRIGGER IF EXISTS {prefix}_{kind}" for kind in ("insert", "update", "source")]
        raise NotImplementedError(f"规则 {self.name} 没有 {vendor} 的触发器")

    def wrong_rows(self, vendor: str) -> str:
        return (f"SELECT c.id, c.{self.column}, s.{self.source_column} FROM {self.table} c JOIN {self.source} s"
                f" ON s.id = c.{self.key} WHERE c.{self.column} {_distinct(vendor)} s.{self.source_column} ORDER BY c.id")

    def repair_sql(self, vendor: str) -> str:
        return ""  # never repaired: listed for a person


class Maintained(Protocol):
    """A column the database keeps (a copy, a latest flag): its triggers and how to find and fix wrong rows."""

    @property
    def name(self) -> str: ...

    @property
    def is_flag(self) -> bool: ...

    def triggers(self, vendor: str) -> list[str]: ...

    def drop(self, vendor: str) -> list[str]: ...

    def wrong_rows(self, vendor: str) -> str: ...

    def repair_sql(self, vendor: str) -> str:
        """The statement that sets every wrong row right; empty for a rule that is never repaired."""
        ...


COPIES: dict[str, Maintained] = {}


def register(copy: Maintained) -> Maintained:
    COPIES[copy.name] = copy
    return copy


def install(copy: Maintained, using: str = "default") -> None:
    """(Re)create the triggers: drop the old ones first."""
    connection = connections[using]
    with connection.cursor() as cursor:
        for statement in [*copy.drop(connection.vendor), *copy.triggers(connection.vendor)]:
            cursor.execute(statement)


def uninstall(copy: Maintained, using: str = "default") -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        for statement in copy.drop(connection.vendor):
            cursor.execute(statement)


def _shown(value: object, is_flag: bool) -> str:
    return ("是" if value else "否") if is_flag and value is not None else str(value)


def differences(copy: Maintained, using: str = "default") -> list[tuple[int, str, str]]:
    """(id, stored, expected) for every row whose value is not what its source says, by id (a flag as 是/否)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(copy.wrong_rows(connection.vendor))
        return [(int(row[0]), _shown(row[1], copy.is_flag), _shown(row[2], copy.is_flag)) for row in cursor.fetchall()]


def repair(copy: Maintained, using: str = "default") -> int:
    """Set every wrong row to what its source says, in one statement; the rows changed."""
    connection = connections[using]
    sql = copy.repair_sql(connection.vendor)
    if not sql:  # a rule (``Agreement``): not repaired
        return 0
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return int(cursor.rowcount)


def check_all(using: str = "default") -> dict[str, list[tuple[int, str, str]]]:
    """Every registered copy's and flag's differences (an empty list: consistent)."""
    return {name: differences(copy, using) for name, copy in sorted(COPIES.items())}
