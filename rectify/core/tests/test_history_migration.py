"""Upgrading a database that holds the old single global chain: its rows stay verifiable as they
were hashed (no digest is recomputed), new rows go to per-task chains, and both are checked."""
from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from conftest import migrate_to_latest
from rectify.core.history import record_change, verify_chain
from rectify.core.models import AuditChain, ChangeRecord

BEFORE = ("core", "0003_load_package_holiday_years")
AFTER = ("core", "0004_g3_audit_chains")


def old_digest(previous: str, time: datetime.datetime, request_id: str, object_uuid: uuid.UUID, reason: str) -> str:
    """The digest as the global-chain code wrote it (written out here, not taken from the model)."""
    payload = json.dumps([previous, time.isoformat(), None, request_id, "update", "inspections.plan", str(object_uuid),
                          None, None, {"n": reason}, reason], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def migrate(target: tuple[str, str]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_the_old_global_chain_survives_the_upgrade_and_new_rows_chain_per_task(make_task: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {ChangeRecord._meta.db_table}")  # noqa: S608 - table name from _meta, values bound
        cursor.execute(f"DELETE FROM {AuditChain._meta.db_table}")  # noqa: S608 - table name from _meta, values bound
    old = migrate(BEFORE)
    OldRecord, OldHead = old.get_model("core", "ChangeRecord"), old.get_model("core", "AuditChainHead")
    previous, digests = "", []
    start = datetime.datetime(2025, 3, 1, 9, tzinfo=datetime.UTC)
    for i in range(3):
        time, object_uuid, request_id = start + datetime.timedelta(hours=i), uuid.uuid4(), uuid.uuid4().hex
        digest = old_digest(previous, time, request_id, object_uuid, f"旧{i}")
        OldRecord.objects.create(time=time, request_id=request_id, action="update", object_type="inspections.plan",
                                 object_uuid=object_uuid, object_repr="旧方案", after={"n": f"旧{i}"}, reason=f"旧{i}",
                                 previous_digest=previous, digest=digest)
        previous = digest
        digests.append(digest)
    OldHead.objects.create(pk=1, digest=previous)

    migrate(AFTER)
    try:
        assert list(ChangeRecord.objects.order_by("id").values_list("digest", flat=True)) == digests  # nothing rehashed
        assert AuditChain.objects.filter(key="").values_list("seq", "digest").get() == (3, previous)
        assert verify_chain() == (3, [])

        task = make_task()
        with transaction.atomic():
            record_change(task, ChangeRecord.Action.UPDATE, after={"n": 1}, reason="升级后", task_uuid=task.uuid)
        assert set(AuditChain.objects.values_list("key", "seq")) == {("", 3), (f"task:{task.uuid}", 2)}
        assert verify_chain() == (5, [])

        legacy = ChangeRecord.objects.filter(chain_key="").order_by("id")[1]
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {ChangeRecord._meta.db_table} SET reason = %s WHERE id = %s", ["篡改", legacy.id])  # noqa: S608 - table name from _meta, values bound
        count, problems = verify_chain()
        assert problems == [f"旧的全局审计链：第 {legacy.id} 条记录的内容被改动（摘要不符）"]
    finally:
        migrate_to_latest()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {ChangeRecord._meta.db_table}")  # noqa: S608 - table name from _meta, values bound
