#!/usr/bin/env python
"""One large ``QuerySet.update`` with the counters' and copies' triggers against the same update without them.

    BENCH_PG_URL=postgres://…/scratch .venv/bin/python benchmarks/bench_triggers.py
    BENCH_ROWS=3000 BENCH_REPEAT=3 BENCH_ENGINES=postgres …

Per engine (``_engines``): the database is migrated and generated if it holds too few tasks (BENCH_TASKS,
default 30,000, 10 reports each), then each case updates BENCH_ROWS rows in one statement: tasks closed
(their counts, reports and pairs move), tasks touched (no counted column changes), reports relabelled (their
counts move) and reports touched. Each run is one transaction rolled back at the end, so the database is
unchanged. "With" first updates one row the same way in the same connection, so every trigger's cached plan
is the plan made for one row (what a server's connection holds after a service's single-row write); "without"
drops every counter's and copy's triggers inside the transaction first (the baseline: the update's own cost).
The figure that matters is the ratio, not the milliseconds (the machine is shared).

On PostgreSQL, then: BENCH_WRITERS threads (default 8) moving tasks of one region path between two states,
BENCH_EACH transactions each, every writer on one shard of the counters against each on its own connection's
(``core.counters.PG_SHARD``). These writes are committed; each task ends in the state it started in.
"""
from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _engines import ensure_generated, env_int, run_per_engine, run_script, start_django  # noqa: E402

ROWS = env_int("BENCH_ROWS", 3000)
REPEAT = env_int("BENCH_REPEAT", 3)
TASKS = env_int("BENCH_TASKS", 30000)


class _Rollback(Exception):
    pass


def _timed(update: Callable[[list[int]], int], ids: list[int], *, triggers: bool) -> float:
    """Seconds of ``update(ids)`` in a transaction rolled back afterwards."""
    from django.db import transaction

    from rectify.core import copies, counters

    seconds = 0.0
    try:
        with transaction.atomic():
            if triggers:
                update(ids[:1])  # the one-row plan cached first, as on a server's connection
            else:
                for counter in counters.COUNTERS.values():
                    counters.uninstall(counter)
                for copy in copies.COPIES.values():
                    copies.uninstall(copy)
            start = time.perf_counter()
            update(ids[1:])
            seconds = time.perf_counter() - start
            raise _Rollback
    except _Rollback:
        pass
    return seconds


def _cases() -> dict[str, tuple[list[int], Callable[[list[int]], int]]]:
    from django.db.models import F, Value
    from django.db.models.functions import Concat

    from rectify.dispatch.models import ProgressReport
    from rectify.tasks.models import Task

    open_tasks = list(Task.objects.filter(state="in_progress", long_term=False).order_by("id").values_list("id", flat=True)[:ROWS + 1])
    reports = list(ProgressReport.objects.filter(schedule="on_schedule").order_by("id").values_list("id", flat=True)[:ROWS + 1])
    return {
        "任务销号（计数移动）": (open_tasks, lambda ids: Task.objects.filter(id__in=ids).update(state="closed")),
        "任务改标题（计数不变）": (open_tasks, lambda ids: Task.objects.filter(id__in=ids).update(title=Concat(F("title"), Value("·")))),
        "报送改序时进度（计数移动）": (reports, lambda ids: ProgressReport.objects.filter(id__in=ids).update(schedule="lagging")),
        "报送改审核意见（计数不变）": (reports, lambda ids: ProgressReport.objects.filter(id__in=ids).update(reviewer_note="基准")),
    }


def child() -> None:
    start_django()
    from django.db import connection

    from rectify.tasks.models import Task

    ensure_generated(TASKS, 10, enough=lambda: Task.objects.filter(state="in_progress", long_term=False).count() > ROWS)
    print(f"{connection.vendor}: 一条语句更新 {ROWS} 行，有触发器 / 无触发器（中位数，{REPEAT} 次）")
    print(f"{'':<16} {'有触发器 ms':>12} {'无触发器 ms':>12} {'倍数':>8}")
    for name, (ids, update) in _cases().items():
        with_triggers, without = [], []
        for _ in range(REPEAT):  # interleaved: the machine is shared
            with_triggers.append(_timed(update, ids, triggers=True))
            without.append(_timed(update, ids, triggers=False))
        a, b = statistics.median(with_triggers), statistics.median(without)
        print(f"{name:<16} {a * 1000:>12.0f} {b * 1000:>12.0f} {a / b:>8.1f}")
    if connection.vendor == "postgresql":
        _contention()


WRITERS = env_int("BENCH_WRITERS", 8)
EACH = env_int("BENCH_EACH", 40)


def _writers_per_second(ids: list[int], shard: int | None) -> float:
    """Transactions per second of WRITERS threads, each moving its own task between two states (an even number of
    times: it ends where it started) and holding the transaction 2 ms longer (the rest of a service's write); every
    writer adds to one shard (``shard``) or each to its connection's (None)."""
    import threading

    from django.db import connection, transaction

    from rectify.tasks.models import Task

    barrier = threading.Barrier(WRITERS + 1)
    errors: list[BaseException] = []

    def work(task_id: int) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('rectify.counter_shard', %s, false)", ["" if shard is None else str(shard)])
            barrier.wait()
            for i in range(EACH):
                with transaction.atomic():
                    Task.objects.filter(pk=task_id).update(state="applied" if i % 2 == 0 else "in_progress")
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_sleep(0.002)")
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(task_id,)) for task_id in ids[:WRITERS]]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    if errors:
        raise errors[0]
    return WRITERS * EACH / seconds


def _contention() -> None:
    """Writers of one counter key (tasks of one region path, in progress → applied → in progress), on one shard
    against each on its connection's shard (PostgreSQL; SQLite lets one writer in at a time)."""
    from django.db.models import Count

    from rectify.tasks.models import Task

    path = (Task.objects.filter(state="in_progress", long_term=False).values("region_path").annotate(n=Count("id"))
            .filter(n__gte=WRITERS).order_by("-n").values_list("region_path", flat=True).first())
    if path is None:
        return
    ids = list(Task.objects.filter(state="in_progress", long_term=False, region_path=path).values_list("id", flat=True)[:WRITERS])
    one, own = [], []
    for _ in range(REPEAT):  # interleaved: the machine is shared
        one.append(_writers_per_second(ids, 0))
        own.append(_writers_per_second(ids, None))
    a, b = statistics.median(one), statistics.median(own)
    print(f"{WRITERS} 个写入者同一计数键（同一区域路径的任务），每个 {EACH} 个事务：一个分片 {a:.0f} 事务/秒，各自分片 {b:.0f} 事务/秒（{b / a:.1f} 倍）")


def main() -> int:
    return run_per_engine(__file__, sqlite_prefix="rectify-bench-triggers-")


if __name__ == "__main__":
    run_script(main, child)
