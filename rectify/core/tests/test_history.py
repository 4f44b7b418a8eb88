import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from rectify.core.models import ChangeRecord

pytestmark = pytest.mark.django_db


def test_history_rows_cannot_be_changed_or_deleted(make_task):
    make_task()
    row = ChangeRecord.objects.first()
    row.reason = "改写"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        ChangeRecord.objects.all().delete()
    with pytest.raises(PermissionError):
        ChangeRecord.objects.update(reason="x")


def test_audit_verify_detects_edited_and_deleted_rows(make_task, capsys):
    for _ in range(3):
        make_task()
    call_command("audit_verify")
    assert "审计链完整：共 3 条记录" in capsys.readouterr().out

    table = ChangeRecord._meta.db_table
    rows = list(ChangeRecord.objects.order_by("id").values_list("id", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET reason = %s WHERE id = %s", ["篡改", rows[0]])  # noqa: S608 - table name from _meta, values bound
    with pytest.raises(CommandError, match="审计链校验失败"):
        call_command("audit_verify")
    assert f"第 {rows[0]} 条记录的内容被改动" in capsys.readouterr().err

    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET reason = %s WHERE id = %s", ["测试数据", rows[0]])  # noqa: S608 - table name from _meta, values bound
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [rows[1]])  # noqa: S608 - table name from _meta, values bound
    with pytest.raises(CommandError):
        call_command("audit_verify")
    assert f"第 {rows[2]} 条记录之前的记录被删除" in capsys.readouterr().err


def test_rectify_audit_verify_command(make_task, capsys):
    from rectify.cli import main

    make_task()
    assert main(["audit", "verify"]) == 0
    assert "审计链完整：共 1 条记录" in capsys.readouterr().out
