"""The filler registry of ``rectify generate``: each part of the product fills its own tables.

An app declares its filler in ``rectify/<app>/fillers.py``::

    from rectify.core.fill import Context, register

    @register(60, "信访件", large=["petitions.Petition"])
    def fill_petitions(ctx: Context) -> None:
        ...

``discover`` imports the ``fillers`` module of every installed app; ``rectify generate`` (``rectify.demo.generate.run``)
runs the fillers in their order with one shared ``Context``: the random generator, the scale, what earlier fillers
made (``ctx.data``), the history writer (``ctx.chain``, chained exactly as ``core.history.record_change`` chains) and
the row counts, and events one filler announces for others (``Context.on`` / ``Context.emit``). ``large`` names the tables a filler loads in bulk: on PostgreSQL their secondary indexes and foreign
keys are dropped for the load and made again at the end (``core.bulk.indexes_dropped``). Writes go through
``core.bulk`` (COPY on PostgreSQL, ``bulk_create`` elsewhere).
"""
from __future__ import annotations

import importlib
import importlib.util
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection

from .bulk import copy_rows
from .history import ROW_FIELDS, BulkHistory
from .models import ChangeRecord


class ChainWriter(BulkHistory):
    """The generator's history writer (rows by the system user, one request id for the run); on PostgreSQL
    the rows go in by COPY as tuples, with the JSON text their digests were computed from."""

    def __init__(self, batch_size: int = 20000) -> None:
        super().__init__(batch_size=batch_size)

    def flush(self) -> None:
        if self.pending and connection.vendor == "postgresql":
            copy_rows(ChangeRecord, ROW_FIELDS, self.pending)
            self.written += len(self.pending)
            self.pending = []
        super().flush()


@dataclass
class Context:
    tasks: int
    reports_per_task: int
    seed: int
    provinces: int = 31
    rng: random.Random = field(default_factory=random.Random)
    chain: ChainWriter = field(default_factory=ChainWriter)
    rows: Counter[str] = field(default_factory=Counter)
    data: dict[str, Any] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    say: Callable[[str], None] = print

    def wrote(self, label: str, count: int) -> None:
        self.rows[label] += count

    hooks: dict[str, list[Callable[..., Any]]] = field(default_factory=dict)

    def on(self, event: str, hook: Callable[..., Any]) -> None:
        """Have ``hook`` called at ``event`` (e.g. ``task.transition``: a filler that runs before the ledger's writes
        its own records at the moment a service would, in the task's chain before the transition row;
        ``task.transitioned``: after it, for the steps a task takes in its new state, as objections in 公示中).
        When the ledger writes, its tasks already hold their final values (``task.state``: where the task ends)."""
        self.hooks.setdefault(event, []).append(hook)

    def emit(self, event: str, *args: Any) -> list[Any]:
        """Call the event's hooks in order; their answers (e.g. the reason a service gives a transition)."""
        return [hook(*args) for hook in self.hooks.get(event, [])]


FillFunction = Callable[[Context], None]


@dataclass(frozen=True)
class Filler:
    order: int
    name: str
    fill: FillFunction
    large: tuple[str, ...] = ()


FILLERS: list[Filler] = []


def register(order: int, name: str, *, large: Sequence[str] = ()) -> Callable[[FillFunction], FillFunction]:
    """Declare a filler: run in ``order`` (lower first), reported as ``name``; ``large``: "app.Model" labels."""
    def wrap(fn: FillFunction) -> FillFunction:
        key = (fn.__module__, fn.__qualname__)
        FILLERS[:] = [f for f in FILLERS if (f.fill.__module__, f.fill.__qualname__) != key]  # registered again on a reload
        FILLERS.append(Filler(order, name, fn, tuple(large)))
        FILLERS.sort(key=lambda f: f.order)
        return fn
    return wrap


def discover() -> list[Filler]:
    """Import every installed app's ``fillers`` module (each registers its fillers); the fillers in order."""
    for config in apps.get_app_configs():
        name = f"{config.name}.fillers"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
    return list(FILLERS)
