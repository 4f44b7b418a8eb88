"""Concurrent writers on PostgreSQL: a history row locks only its own chain's head."""
from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.db.utils import OperationalError

from rectify.core.history import record_change, verify_chain
from rectify.core.models import AuditChain, ChangeRecord

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="concurrent writers need PostgreSQL row locks (SQLite serialises every writer)"),
]


def in_thread(work: Callable[[], Any], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def write(task: Any, reason: str) -> ChangeRecord:
    return record_change(task, ChangeRecord.Action.UPDATE, after={"reason": reason}, reason=reason, task_uuid=task.uuid)


def test_a_writer_on_another_task_does_not_wait_and_one_on_the_same_task_does(make_task: Any) -> None:
    first, second = make_task(), make_task()
    holding, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold_first_open() -> None:
        with transaction.atomic():
            write(first, "长事务")
            holding.set()
            release.wait(timeout=20)

    holder = in_thread(hold_first_open, errors)
    assert holding.wait(timeout=10)

    # Another task: commits at once while the first transaction is still open (a wait would time out).
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
        started = time.monotonic()
        write(second, "另一任务")
    assert time.monotonic() - started < 2

    # The same task: the writer waits for the open transaction ...
    with pytest.raises(OperationalError) as refused, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '300ms'")
        write(first, "同一任务，不等")
    assert getattr(refused.value.__cause__, "sqlstate", None) == "55P03"  # lock_not_available
    done = threading.Event()

    def same_task() -> None:
        with transaction.atomic():
            write(first, "同一任务，排队")
        done.set()

    waiter = in_thread(same_task, errors)
    assert not done.wait(timeout=0.5), "a writer on the same task must wait for the open transaction"
    release.set()  # ... and goes on after it commits, after its row
    holder.join(timeout=20)
    waiter.join(timeout=20)
    assert not errors, errors
    assert done.is_set()
    chain = list(ChangeRecord.objects.filter(chain_key=f"task:{first.uuid}").order_by("seq").values_list("seq", "reason"))
    assert chain == [(1, "测试数据"), (2, "长事务"), (3, "同一任务，排队")]
    assert verify_chain()[1] == []


def test_many_concurrent_writers_lose_and_duplicate_nothing(make_task: Any, capsys: Any) -> None:
    from django.core.management import call_command

    tasks = [make_task() for _ in range(3)]
    workers, each = 8, 10
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def writer(n: int) -> Callable[[], None]:
        def work() -> None:
            barrier.wait(timeout=20)
            for i in range(each):
                task = tasks[(n + i) % len(tasks)]  # every task gets writers from several threads at once
                with transaction.atomic():
                    write(task, f"写入者{n}-{i}")
                    if i % 3 == 0:
                        record_change(task, ChangeRecord.Action.UPDATE, after={}, reason=f"无任务{n}-{i}")  # the type chain
        return work

    threads = [in_thread(writer(n), errors) for n in range(workers)]
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors

    reasons = Counter(ChangeRecord.objects.values_list("reason", flat=True))
    expected = {f"写入者{n}-{i}" for n in range(workers) for i in range(each)} | {
        f"无任务{n}-{i}" for n in range(workers) for i in range(0, each, 3)}
    assert {r for r in reasons if r != "测试数据"} == expected
    assert all(count == 1 for reason, count in reasons.items() if reason != "测试数据")  # none written twice
    for chain in AuditChain.objects.all():
        seqs = list(ChangeRecord.objects.filter(chain_key=chain.key).order_by("seq").values_list("seq", flat=True))
        assert seqs == list(range(1, chain.seq + 1))
    assert AuditChain.objects.get(key="type:tasks.task").seq == workers * len(range(0, each, 3))
    call_command("audit_verify")
    assert f"审计链完整：共 {len(tasks) + len(expected)} 条记录，{len(tasks) + 1} 条链" in capsys.readouterr().out
