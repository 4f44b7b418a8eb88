"""``rectify generate``: fill an empty database at a chosen scale through the project's own models.

Each part of the product registers its fillers in its ``fillers`` module (``rectify.core.fill``); ``run``
discovers them, calls them in order with one shared ``Context`` (the random generator, the scale, what earlier
fillers made) and reports rows per second. Writes are bulk (``rectify.core.bulk``); the change history is
hash-chained by ``rectify.core.fill.ChainWriter`` with the history module's own digest, so ``rectify audit verify``
accepts the result.
"""
from __future__ import annotations

import time

from django.apps import apps
from django.db import transaction
from django.test.utils import override_settings

from rectify.core import counters
from rectify.core.bulk import indexes_dropped
from rectify.core.fill import Context, discover
from rectify.core.refusals import Refused

__all__ = ["Context", "NotEmpty", "check_empty", "run"]


class NotEmpty(Refused):
    """The database already holds data; the message is for the user."""


# Tables whose rows mean the database is in use (migrations create none of them).
IN_USE = ["regions.Region", "regions.Unit", "accounts.User", "inspections.Inspection", "tasks.Task", "core.ChangeRecord"]


def check_empty() -> None:
    used = [label for label in IN_USE if apps.get_model(label).objects.exists()]
    if used:
        names = "、".join(str(apps.get_model(label)._meta.verbose_name) for label in used)
        raise NotEmpty(f"数据库不是空的（已有{names}），generate 只能在空数据库中生成数据；请换一个新的数据库后再运行")


def run(ctx: Context) -> Context:
    fillers = discover()
    check_empty()
    ctx.rng.seed(ctx.seed)
    started = time.perf_counter()
    large = list(dict.fromkeys(label for filler in fillers for label in filler.large))
    # Millions of bulk inserts: never keep their SQL in the debug query log.
    with override_settings(DEBUG=False), transaction.atomic():
        with counters.paused():
            ctx.chain.start()
            with indexes_dropped([apps.get_model(label) for label in large]):
                for filler in fillers:
                    part_start = time.perf_counter()
                    before = sum(ctx.rows.values())
                    filler.fill(ctx)
                    ctx.chain.flush()
                    ctx.rows["变更记录"] = ctx.chain.written
                    written = sum(ctx.rows.values()) - before
                    seconds = time.perf_counter() - part_start
                    ctx.say(f"  {filler.name}：{written} 行，{seconds:.1f} 秒，{written / max(seconds, 1e-9):,.0f} 行/秒")
                index_start = time.perf_counter()
            ctx.say(f"  重建索引和外键：{time.perf_counter() - index_start:.1f} 秒")
            ctx.chain.finish()
            counted_start = time.perf_counter()
        ctx.say(f"  计数表（重建触发器，重新计数）：{time.perf_counter() - counted_start:.1f} 秒")
    ctx.data["seconds"] = time.perf_counter() - started
    return ctx
