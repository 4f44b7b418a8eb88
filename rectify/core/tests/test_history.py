"""The change history: append-only rows in per-task chains, sealed by root digests, checked by
``rectify audit verify`` (``core.history.verify_chain``) against every kind of tampering."""
from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from rectify.core.history import chain_key_for, chain_label, record_change, seal, verify_chain
from rectify.core.models import AuditChain, ChangeRecord, RootDigest, RootDigestEntry

pytestmark = pytest.mark.django_db

TABLE = ChangeRecord._meta.db_table


def sql(statement: str, params: list[Any]) -> None:
    """Tamper as someone with database access would: plain SQL, past the model's refusals."""
    with connection.cursor() as cursor:
        cursor.execute(statement.replace("{table}", TABLE), params)


def write(obj: Any, n: int, *, task: Any = None) -> list[ChangeRecord]:
    rows = []
    for i in range(n):
        with transaction.atomic():
            rows.append(record_change(obj, ChangeRecord.Action.UPDATE, after={"n": i}, reason=f"第{i}次",
                                      task_uuid=task.uuid if task is not None else None))
    return rows


def audit(capsys: Any) -> str:
    """Run ``audit verify`` expecting a failure; return what it wrote to stderr."""
    with pytest.raises(CommandError, match="审计链校验失败"):
        call_command("audit_verify", "--no-seal")
    return str(capsys.readouterr().err)


def test_history_rows_cannot_be_changed_or_deleted(make_task: Any) -> None:
    make_task()
    row = ChangeRecord.objects.first()
    assert row is not None
    row.reason = "改写"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        ChangeRecord.objects.all().delete()
    with pytest.raises(PermissionError):
        ChangeRecord.objects.update(reason="x")
    root = seal()
    assert root is not None
    with pytest.raises(PermissionError):
        root.save()
    with pytest.raises(PermissionError):
        RootDigest.objects.all().delete()


def test_each_task_has_its_own_chain_and_other_records_chain_by_type(world: Any, make_task: Any) -> None:
    first, second = make_task(), make_task()
    write(first, 3, task=first)
    write(world.plan, 2)  # a plan belongs to no task: the chain of plans
    keys = {chain.key: chain.seq for chain in AuditChain.objects.all()}
    assert keys == {f"task:{first.uuid}": 4, f"task:{second.uuid}": 1, "type:inspections.plan": 2}
    mine = list(ChangeRecord.objects.filter(chain_key=chain_key_for(first, first.uuid)).order_by("seq"))
    assert [r.seq for r in mine] == [1, 2, 3, 4]
    assert [r.previous_digest for r in mine] == ["", *[r.digest for r in mine[:-1]]]
    assert verify_chain() == (7, [])


def test_audit_verify_is_clean_then_seals(make_task: Any, capsys: Any) -> None:
    for _ in range(3):
        make_task()
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "审计链完整：共 3 条记录，3 条链，1 个根摘要" in out
    assert f"最新根摘要（本次新封存）：{RootDigest.objects.get().digest}" in out
    call_command("audit_verify")  # nothing moved since: no second seal
    assert "1 个根摘要" in capsys.readouterr().out


def test_a_tampered_row_is_found(make_task: Any, capsys: Any) -> None:
    task = make_task()
    rows = write(task, 3, task=task)
    sql("UPDATE {table} SET reason = %s WHERE id = %s", ["篡改", rows[1].id])
    err = audit(capsys)
    assert f"任务 {task.uuid} 的审计链：第 {rows[1].id} 条记录的内容被改动（摘要不符）" in err


def test_a_deleted_middle_row_is_found(make_task: Any, capsys: Any) -> None:
    task = make_task()
    rows = write(task, 3, task=task)
    sql("DELETE FROM {table} WHERE id = %s", [rows[1].id])
    err = audit(capsys)
    assert f"第 {rows[2].id} 条记录之前的记录被删除或改动（链断开）" in err


def test_a_deleted_last_row_is_found_even_when_the_head_is_rewound(make_task: Any, capsys: Any) -> None:
    task = make_task()
    rows = write(task, 3, task=task)
    other = make_task()
    assert seal() is not None
    sql("DELETE FROM {table} WHERE id = %s", [rows[-1].id])
    assert "最后的记录被删除（链头摘要不符）" in audit(capsys)
    # Someone who also rewinds the head leaves a consistent chain: only the seal remembers its length.
    AuditChain.objects.filter(key=f"task:{task.uuid}").update(seq=3, digest=rows[-2].digest)
    err = audit(capsys)
    assert f"任务 {task.uuid} 的审计链：根摘要记录了 4 条，现只有 3 条（链尾的记录被删除）" in err
    assert str(other.uuid) not in err


def test_a_whole_deleted_chain_is_found_by_the_seal(make_task: Any, capsys: Any) -> None:
    task, other = make_task(), make_task()
    write(task, 2, task=task)
    assert seal() is not None
    sql("DELETE FROM {table} WHERE chain_key = %s", [f"task:{task.uuid}"])
    AuditChain.objects.filter(key=f"task:{task.uuid}").delete()
    err = audit(capsys)
    assert f"任务 {task.uuid} 的审计链：整条链的记录都被删除" in err
    assert str(other.uuid) not in err


def test_reordered_rows_are_found(make_task: Any, capsys: Any) -> None:
    task = make_task()
    rows = write(task, 3, task=task)
    # Swap the positions of two rows (through a free position, the pair is unique).
    sql("UPDATE {table} SET seq = 99 WHERE id = %s", [rows[0].id])
    sql("UPDATE {table} SET seq = %s WHERE id = %s", [rows[0].seq, rows[1].id])
    sql("UPDATE {table} SET seq = %s WHERE id = %s", [rows[1].seq, rows[0].id])
    err = audit(capsys)
    assert f"第 {rows[1].id} 条记录之前的记录被删除或改动（链断开）" in err
    assert f"第 {rows[1].id} 条记录的内容被改动（摘要不符）" in err


def test_a_row_moved_within_its_chain_is_found(make_task: Any, capsys: Any) -> None:
    task = make_task()
    rows = write(task, 2, task=task)
    sql("UPDATE {table} SET seq = 9 WHERE id = %s", [rows[-1].id])
    err = audit(capsys)
    assert f"第 {rows[-1].id} 条记录的位置不对（链内序号 9，应为 3）" in err
    assert f"第 {rows[-1].id} 条记录的内容被改动（摘要不符）" in err


def test_a_row_moved_to_another_chain_is_found(make_task: Any, capsys: Any) -> None:
    task, other = make_task(), make_task()
    rows = write(task, 2, task=task)
    sql("UPDATE {table} SET chain_key = %s, seq = 2 WHERE id = %s", [f"task:{other.uuid}", rows[-1].id])
    err = audit(capsys)
    assert f"任务 {other.uuid} 的审计链：第 {rows[-1].id} 条记录之前的记录被删除或改动（链断开）" in err
    assert f"任务 {task.uuid} 的审计链：最后的记录被删除（链头摘要不符）" in err


def test_a_rewritten_row_with_a_recomputed_chain_is_found_by_the_seal(make_task: Any, capsys: Any) -> None:
    """Someone who rewrites a row and recomputes every digest after it still differs from the seal."""
    task = make_task()
    write(task, 2, task=task)
    assert seal() is not None
    previous = ""
    for row in ChangeRecord.objects.filter(chain_key=f"task:{task.uuid}").order_by("seq"):
        row.reason = "改写" if row.seq == 2 else row.reason
        row.previous_digest = previous
        previous = row.compute_digest()
        sql("UPDATE {table} SET reason = %s, previous_digest = %s, digest = %s WHERE id = %s",
            [row.reason, row.previous_digest, previous, row.id])
    AuditChain.objects.filter(key=f"task:{task.uuid}").update(digest=previous)
    err = audit(capsys)
    assert "与根摘要记录的不符（记录被替换）" in err
    assert "摘要不符）" not in err.replace("与根摘要记录的不符", "")  # every row's own digest is consistent


def test_a_tampered_or_removed_seal_is_found(make_task: Any, capsys: Any) -> None:
    task = make_task()
    first = seal()
    write(task, 1, task=task)
    second = seal()
    assert first is not None and second is not None
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {RootDigest._meta.db_table} SET records = 7 WHERE id = %s", [first.id])  # noqa: S608 - table name from _meta, values bound
    assert "第 1 个根摘要的内容被改动（摘要不符）" in audit(capsys)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {RootDigestEntry._meta.db_table} WHERE root_id = %s", [first.id])  # noqa: S608 - table name from _meta, values bound
        cursor.execute(f"DELETE FROM {RootDigest._meta.db_table} WHERE id = %s", [first.id])  # noqa: S608 - table name from _meta, values bound
    err = audit(capsys)
    assert "第 1 个根摘要之前的根摘要被删除或改动（根摘要链断开）" in err


def test_rectify_audit_verify_command(make_task: Any, capsys: Any) -> None:
    from rectify.cli import main

    make_task()
    assert main(["audit", "verify"]) == 0
    assert "审计链完整：共 1 条记录" in capsys.readouterr().out


def test_the_seal_job_is_registered_and_seals_only_when_a_chain_moved(make_task: Any) -> None:
    from rectify.jobs import registry

    check = registry.get_periodic("core.seal_audit")
    assert check is not None
    task = make_task()
    assert check.func() == 1
    assert check.func() == 0
    write(task, 1, task=task)
    assert check.func() == 1
    assert list(RootDigest.objects.values_list("chains", "records")) == [(1, 1), (1, 2)]
    assert verify_chain() == (2, [])


def test_bulk_history_chains_like_record_change_and_cannot_fork_a_chain(world: Any, make_task: Any) -> None:
    from rectify.core.history import BulkHistory

    task = make_task()
    bulk = BulkHistory(batch_size=2)
    bulk.start()
    for i in range(3):
        bulk.append(task, ChangeRecord.Action.UPDATE, time=task.created_at, after={"i": i}, task_uuid=task.uuid)
    bulk.append(world.plan, ChangeRecord.Action.UPDATE, time=task.created_at, after={})
    bulk.finish()
    assert set(AuditChain.objects.values_list("key", "seq")) == {(f"task:{task.uuid}", 4), ("type:inspections.plan", 1)}
    write(task, 1, task=task)  # record_change continues the bulk-written chain
    assert verify_chain() == (6, [])

    bulk.append(task, ChangeRecord.Action.UPDATE, time=task.created_at, after={}, task_uuid=task.uuid)
    with pytest.raises(IntegrityError), transaction.atomic():  # its position 5 is taken by record_change's row
        bulk.finish()


TRICKY: list[Any] = [
    "", "整改\n\t\"引号\"\\反斜杠", "😀 emoji", "\u2028 separator", 0, -7, 2**70, 1.5, True, False, None,
    [1, "二", None, {"b": 1, "a": [2.25]}], {"z": {"y": 1, "x": "甲"}, "a": []}, {},
]


@pytest.mark.parametrize("value", TRICKY)
def test_bulk_digests_are_byte_identical_to_compute_digest(value: Any) -> None:
    """``row_digest`` (the bulk writer's, from JSON text encoded once) equals ``ChangeRecord.compute_digest``
    for the same row, whatever the values; ``JsonParts`` gives the same text as encoding the merged dict."""
    import datetime
    import uuid

    from rectify.core.history import JsonParts, json_text, row_digest

    base = {"title": "标题", "state": "assigned", "version": 1, "list": [1, 2], "nested": {"k": "v"}, "value": value}
    parts = JsonParts(base)
    for changes in [{}, {"value": value}, {"state": value, "version": 2}, {"new_key": value}, {"title": value, "value": None}]:
        assert parts.text(changes) == json_text(base | changes)
        assert parts.text(changes) == json_text(base | changes)  # the second time from the kept pieces
    when = datetime.datetime(2026, 3, 1, 8, 30, 5, 123456, tzinfo=datetime.UTC)
    for before, after, task_uuid, user_id in [({"value": value}, base, uuid.uuid4(), None), (None, {"v": [value]}, None, 42),
                                              (None, None, None, None)]:
        record = ChangeRecord(time=when, user_id=user_id, request_id="r" * 32, action="update", object_type="tasks.task",
                              object_uuid=uuid.uuid4(), task_uuid=task_uuid, before=before, after=after,
                              reason=str(value)[:500], chain_key=f"task:{task_uuid}", seq=3, previous_digest="ab" * 32)
        encoded = [None if v is None else json_text(v) for v in (before, after)]
        assert row_digest(record.chain_key, 3, record.previous_digest, when, user_id, record.request_id, "update",
                          "tasks.task", record.object_uuid, task_uuid, encoded[0], encoded[1], record.reason) \
            == record.compute_digest()


def test_the_walk_read_a_few_chains_at_a_time_finds_the_same_rows_and_breaks(world: Any, make_task: Any) -> None:
    """On PostgreSQL the chains are read a range at a time (``CHAINS_PER_READ``); a range of one chain
    walks the same rows and reports the same breaks, a broken chain among whole ones included."""
    tasks = [make_task() for _ in range(4)]
    rows = {task.pk: write(task, 2, task=task) for task in tasks}
    write(world.plan, 3)
    assert verify_chain(chains_per_read=1) == verify_chain() == (ChangeRecord.objects.count(), [])
    broken = tasks[2]
    sql("UPDATE {table} SET reason = %s WHERE id = %s", ["篡改", rows[broken.pk][0].id])
    # Chains that lost their heads, first, last and between, bound no range: their rows are read all the same.
    keys = sorted(AuditChain.objects.values_list("key", flat=True))
    headless = [keys[0], keys[len(keys) // 2], keys[-1]]
    AuditChain.objects.filter(key__in=headless).delete()
    count, problems = verify_chain(chains_per_read=1)
    assert (count, problems) == verify_chain(chains_per_read=2) == verify_chain()
    assert count == ChangeRecord.objects.count()
    assert f"任务 {broken.uuid} 的审计链：第 {rows[broken.pk][0].id} 条记录的内容被改动（摘要不符）" in problems
    assert sorted(p for p in problems if p.endswith("链头缺失（链头被删除）")) == sorted(
        f"{chain_label(key)}：链头缺失（链头被删除）" for key in headless)
    assert len(problems) == 4


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL walks the chains in one read-only snapshot")
@pytest.mark.django_db(transaction=True)
def test_rows_written_during_the_walk_are_not_mistaken_for_breaks(world: Any, make_task: Any,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """While the walk reads a chain, another connection appends to a chain it has not read yet: the walk
    sees neither that row nor its new head (one snapshot), so nothing is reported."""
    import threading

    from rectify.core import history
    from rectify.tasks.models import Task

    tasks = [make_task() for _ in range(3)]
    for task in tasks:
        write(task, 1, task=task)
    last = max(tasks, key=lambda task: f"task:{task.uuid}")
    written: list[int] = []

    def append_elsewhere() -> None:
        try:
            fresh = Task.objects.get(pk=last.pk)
            written.append(write(fresh, 1, task=fresh)[0].id)
        finally:
            connection.close()

    original = history._ChainWalk.end

    def end_then_write(walk: Any, head: Any) -> None:
        if not written:
            thread = threading.Thread(target=append_elsewhere)
            thread.start()
            thread.join()
        original(walk, head)

    monkeypatch.setattr(history._ChainWalk, "end", end_then_write)
    before = ChangeRecord.objects.count()
    assert verify_chain(chains_per_read=1) == (before, [])
    assert written and ChangeRecord.objects.count() == before + 1
    monkeypatch.undo()
    assert verify_chain() == (before + 1, [])
