"""Reads a page makes after its rows, run as ONE statement: each read's rows tagged in a ``UNION ALL``.

A ledger page asks three things about its 25 tasks once it has them: their milestones and whether a unit
missed a report (their lights, ``supervision.schedule``) and their units' names (``tasks.views``). Asked one
statement each, every one cost a round trip and the driver's work (~0.3 ms of wall and CPU each on
PostgreSQL). Each is declared once, as a ``Read``, by the module that owns what it means: run alone
(``Read.run``) it is the plain ``SELECT … ORDER BY …``; added to ``Reads`` with others, they are asked
together and each gets the same rows in the same order.

The statement of reads r0, r1, …: one branch a read, ``SELECT <tag>, <r0's slots>, <r1's slots>, … <r's FROM
and WHERE>``, each read's slots being its columns and then its order keys, the other reads' slots typed
NULLs; ordered by the tag, then r0's keys, r1's keys… A read's rows have NULL in every other read's keys, so
they come in the order of its own keys, as alone (the same values compared by the same engine: NULL dates
where alone). The typed NULLs let PostgreSQL match the branches' columns (an untyped NULL is ``text`` to it).
"""
from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Model

# A column of a read: (its SQL expression, its type: one of ``TYPES``).
Column = tuple[str, str]

# The types a read's columns may have: their SQL name (the typed NULL of the other branches) and, on SQLite,
# what makes a value the Python value PostgreSQL's driver gives (alone, SQLite converts a table's date column
# by its declared type; in the union the column is an expression's and comes back as text; booleans are 0/1).
TYPES: dict[str, tuple[str, Callable[[Any], Any] | None]] = {
    "integer": ("bigint", None),
    "text": ("text", None),
    "date": ("date", lambda value: datetime.date.fromisoformat(value) if isinstance(value, str) else value),
    "boolean": ("boolean", bool),
}


@dataclass(frozen=True)
class Read:
    """``SELECT <columns> <body> ORDER BY <order>`` (``body``: its FROM and WHERE, with ``%s`` for ``params``),
    read from where ``model`` is read (``router.db_for_read``). Its rows: tuples of its columns' values."""

    model: type[Model]
    columns: tuple[Column, ...]
    body: str
    params: tuple[Any, ...] = ()
    order: tuple[Column, ...] = ()

    def __post_init__(self) -> None:
        unknown = {kind for _, kind in self.columns + self.order} - set(TYPES)
        if unknown:
            raise ValueError(f"unknown column types: {sorted(unknown)}")

    @property
    def using(self) -> str:
        return router.db_for_read(self.model)

    def sql(self) -> str:
        select = ", ".join(expression for expression, _ in self.columns)
        order = f" ORDER BY {', '.join(expression for expression, _ in self.order)}" if self.order else ""
        return f"SELECT {select} {self.body}{order}"

    def converted(self, rows: list[tuple[Any, ...]], vendor: str) -> list[tuple[Any, ...]]:
        """``rows`` of the read's columns as tuples of the same Python values on either engine."""
        converters = [(i, convert) for i, (_, kind) in enumerate(self.columns) if (convert := TYPES[kind][1]) is not None]
        if vendor != "sqlite" or not converters:
            return rows
        converted = []
        for row in rows:
            values = list(row)
            for i, convert in converters:
                if values[i] is not None:
                    values[i] = convert(values[i])
            converted.append(tuple(values))
        return converted

    def run(self) -> list[tuple[Any, ...]]:
        """The read alone: its own statement."""
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(self.sql(), list(self.params))
            return self.converted(cursor.fetchall(), connection.vendor)


class Rows:
    """The rows of a read added to ``Reads``: there once the reads ran."""

    def __init__(self) -> None:
        self._rows: list[tuple[Any, ...]] | None = None

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        if self._rows is None:
            raise RuntimeError("the reads have not run yet")
        return self._rows


class Reads:
    """Reads to ask together (``add``), and what to do once they are answered (``then``, in the order added)."""

    def __init__(self) -> None:
        self._reads: list[tuple[Read, Rows]] = []
        self._steps: list[Callable[[], None]] = []

    def add(self, read: Read) -> Rows:
        rows = Rows()
        self._reads.append((read, rows))
        return rows

    def then(self, step: Callable[[], None]) -> None:
        self._steps.append(step)

    def run(self) -> None:
        """One statement for the reads of each database (all of them in one, but in tests of a replica), then the steps."""
        by_database: dict[str, list[tuple[Read, Rows]]] = {}
        for read, rows in self._reads:
            by_database.setdefault(read.using, []).append((read, rows))
        for using, reads in by_database.items():
            _run_together(using, reads)
        self._reads = []
        steps, self._steps = self._steps, []
        for step in steps:
            step()


@contextmanager
def reading(reads: Reads | None = None) -> Iterator[Reads]:
    """``reads`` when given (its owner runs it), else new ``Reads`` run when the block ends."""
    if reads is not None:
        yield reads
        return
    own = Reads()
    yield own
    own.run()


def _run_together(using: str, reads: list[tuple[Read, Rows]]) -> None:
    if len(reads) == 1:
        read, rows = reads[0]
        rows._rows = read.run()
        return
    sql, params, slots = union_of([read for read, _ in reads])
    found: list[list[tuple[Any, ...]]] = [[] for _ in reads]
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            found[row[0]].append(row)
    for (read, rows), start, own in zip(reads, slots, found, strict=True):
        rows._rows = read.converted([row[start:start + len(read.columns)] for row in own], connection.vendor)


def union_of(reads: list[Read]) -> tuple[str, list[Any], list[int]]:
    """The statement of ``reads`` together, its parameters and where each read's columns start in its rows."""
    slots: list[int] = []
    width = 1
    for read in reads:
        slots.append(width)
        width += len(read.columns) + len(read.order)
    branches: list[str] = []
    params: list[Any] = []
    for tag, read in enumerate(reads):
        values: list[str] = [str(tag)]
        for index, other in enumerate(reads):
            if index == tag:
                values += [expression for expression, _ in read.columns + read.order]
            else:
                values += [f"CAST(NULL AS {TYPES[kind][0]})" for _, kind in other.columns + other.order]
        branches.append(f"SELECT {', '.join(values)} {read.body}")
        params += read.params
    keys = ["1"] + [str(start + len(read.columns) + i) for read, start in zip(reads, slots, strict=True)
                    for i in range(1, len(read.order) + 1)]
    return f"{' UNION ALL '.join(branches)} ORDER BY {', '.join(keys)}", params, slots
