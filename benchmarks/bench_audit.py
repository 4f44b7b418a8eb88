#!/usr/bin/env python
"""History writes by concurrent writers on different tasks: one global chain lock (before) against
per-task chains (after), in the same run on the same PostgreSQL database.

    DATABASE_URL=postgres://…/scratch .venv/bin/python benchmarks/bench_audit.py [--writers 8] [--each 50] [--work-ms 2]

Each writer appends ``--each`` history rows to its own task's chain, one transaction per row; the
transaction stays open ``--work-ms`` after the row (the rest of a service's write: other rows,
notifications, the commit). "Before" is the same code with one extra row lock taken first, held
to commit: exactly the old single ``AuditChainHead`` lock. Use a scratch database: the rows stay
(history is append-only).
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402

from rectify.core.history import record_change  # noqa: E402
from rectify.core.models import AuditChain, ChangeRecord  # noqa: E402
from rectify.regions.models import Unit  # noqa: E402

GLOBAL = "bench:global-lock"


def run(writers: int, each: int, work_ms: float, global_lock: bool) -> float:
    """Rows per second for ``writers`` threads, each on its own task chain."""
    barrier = threading.Barrier(writers + 1)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            task_uuid = uuid.uuid4()
            subject = Unit(name="基准单位")  # any public record: only its type, uuid and name are read
            barrier.wait()
            for i in range(each):
                with transaction.atomic():
                    if global_lock:
                        AuditChain.objects.select_for_update().get(key=GLOBAL)
                    record_change(subject, ChangeRecord.Action.UPDATE, after={"i": i}, reason="基准", task_uuid=task_uuid)
                    if work_ms:
                        with connection.cursor() as cursor:
                            cursor.execute("SELECT pg_sleep(%s)", [work_ms / 1000])
        except BaseException as exc:  # noqa: BLE001 - printed below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(writers)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    if errors:
        raise errors[0]
    return writers * each / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--each", type=int, default=50)
    parser.add_argument("--work-ms", type=float, nargs="*", default=[0, 2, 10])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("需要 PostgreSQL（设置 DATABASE_URL）：SQLite 一次只允许一个写入者，无从比较")
    call_command("migrate", verbosity=0)
    AuditChain.objects.get_or_create(key=GLOBAL)
    connections.close_all()
    print(f"{args.writers} 个并发写入者，各 {args.each} 条历史记录（每条一个事务）")
    print(f"{'事务内其余工作':>14} {'全局锁 行/秒':>12} {'按任务分链 行/秒':>16} {'倍数':>6}")
    for work_ms in args.work_ms:
        before, after = [], []
        for _ in range(args.rounds):  # interleaved, best of rounds: the machine is shared
            before.append(run(args.writers, args.each, work_ms, global_lock=True))
            after.append(run(args.writers, args.each, work_ms, global_lock=False))
        b, a = max(before), max(after)
        print(f"{work_ms:>12.0f}ms {b:>12.0f} {a:>16.0f} {a / b:>6.2f}")


if __name__ == "__main__":
    main()
