"""``rectify generate``: fill an empty database at a chosen scale through the project's own models.

Each part of the product registers a filler (``register``); ``run`` calls them in order with one
shared ``Context`` (the random generator, the scale, what earlier fillers made) and reports rows
per second. Writes are bulk inserts; the change history is hash-chained by ``chain.ChainWriter``
with the history module's own digest, so ``rectify audit verify`` accepts the result.
"""
from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import transaction
from django.test.utils import override_settings

from rectify.core.refusals import Refused

from .bulk import indexes_dropped
from .chain import ChainWriter


class NotEmpty(Refused):
    """The database already holds data; the message is for the user."""


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


FILLERS: list[tuple[int, str, Callable[[Context], None]]] = []


def register(order: int, name: str) -> Callable[[Callable[[Context], None]], Callable[[Context], None]]:
    def wrap(fn: Callable[[Context], None]) -> Callable[[Context], None]:
        FILLERS.append((order, name, fn))
        FILLERS.sort(key=lambda item: item[0])
        return fn
    return wrap


# The large tables: on PostgreSQL their secondary indexes are dropped for the load and rebuilt after it.
LARGE = ["tasks.Task", "tasks.Measure", "tasks.Assignment", "dispatch.ProgressReport", "core.ChangeRecord"]

# Tables whose rows mean the database is in use (migrations create none of them).
IN_USE = ["regions.Region", "regions.Unit", "accounts.User", "inspections.Inspection", "tasks.Task", "core.ChangeRecord"]


def check_empty() -> None:
    used = [label for label in IN_USE if apps.get_model(label).objects.exists()]
    if used:
        names = "、".join(str(apps.get_model(label)._meta.verbose_name) for label in used)
        raise NotEmpty(f"数据库不是空的（已有{names}），generate 只能在空数据库中生成数据；请换一个新的数据库后再运行")


def run(ctx: Context) -> Context:
    from . import ledger, logins, places  # noqa: F401  (each registers its filler)

    check_empty()
    ctx.rng.seed(ctx.seed)
    started = time.perf_counter()
    # Millions of bulk inserts: never keep their SQL in the debug query log.
    with override_settings(DEBUG=False), transaction.atomic():
        ctx.chain.start()
        with indexes_dropped([apps.get_model(label) for label in LARGE]):
            for _order, name, fill in FILLERS:
                part_start = time.perf_counter()
                before = sum(ctx.rows.values())
                fill(ctx)
                ctx.chain.flush()
                ctx.rows["变更记录"] = ctx.chain.written
                written = sum(ctx.rows.values()) - before
                seconds = time.perf_counter() - part_start
                ctx.say(f"  {name}：{written} 行，{seconds:.1f} 秒，{written / max(seconds, 1e-9):,.0f} 行/秒")
            index_start = time.perf_counter()
        ctx.say(f"  重建索引：{time.perf_counter() - index_start:.1f} 秒")
        ctx.chain.finish()
    ctx.data["seconds"] = time.perf_counter() - started
    return ctx
