"""``rectify import`` (the import_documents command)."""
from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from rectify.core.models import ChangeRecord
from rectify.imports.models import ImportBatch
from rectify.inspections.models import Plan
from rectify.tasks.models import Task

from . import documents
from .helpers import ledger_counts

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_documents", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_cli_imports_with_yes_and_second_run_imports_nothing(world: Any, parser: Any, tmp_path: Any) -> None:
    path = tmp_path / "城区方案.txt"
    path.write_bytes(documents.txt_plan())
    out, err = run(str(path), "--yes", "--user", "city_office")
    assert "任务：3 项" in out
    assert "新单位 3 个" in out and "区水务局" in out
    assert "导入完成" in out and "新增任务 3 项" in out
    plan = Plan.objects.get(title=documents.TXT_TITLE)
    assert plan.region == world.county  # from the document's own region name
    assert plan.tasks.count() == 3
    rows = ChangeRecord.objects.filter(action=ChangeRecord.Action.IMPORT, task_uuid__isnull=False)
    assert rows.count() == 3 and all(r.user_id == world.city_office.pk for r in rows)

    before = ledger_counts()
    out, err = run(str(path), "--yes")
    assert "重复导入不会新增任务" in out
    assert ledger_counts() == before
    assert ImportBatch.objects.filter(status=ImportBatch.Status.CONFIRMED).count() == 1


def test_cli_asks_and_no_means_nothing(world: Any, stub_parser: Any, tmp_path: Any, monkeypatch: Any) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes(documents.txt_plan())
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    before = ledger_counts()
    with pytest.raises(CommandError):
        run(str(path), "--region", "140502")
    assert ledger_counts() == before
    assert ImportBatch.objects.get().status == ImportBatch.Status.CANCELLED
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    out, _ = run(str(path), "--region", "140502")
    assert "新增任务 3 项" in out and Task.objects.count() == 3


def test_cli_revision_updates(world: Any, parser: Any, tmp_path: Any) -> None:
    v1, v2 = tmp_path / "v1.txt", tmp_path / "v2.txt"
    v1.write_bytes(documents.txt_plan())
    v2.write_bytes(documents.revised_txt_plan()[0])
    run(str(v1), "--yes")
    out, _ = run(str(v2), "--yes")
    assert "[修改] 1." in out and "[新增] 4." in out and "[无变化] 2." in out
    assert "新增任务 1 项，修改 1 项，无变化 2 项" in out
    assert Task.objects.count() == 4
    # Without --user nobody signed the import: every row it wrote says the system did it.
    rows = ChangeRecord.objects.filter(action=ChangeRecord.Action.IMPORT)
    assert rows.exists() and {(r.user_id, r.user_name) for r in rows} == {(None, "系统")}


def test_cli_errors(world: Any, parser: Any, tmp_path: Any) -> None:
    garbage = tmp_path / "bad.docx"
    garbage.write_bytes(documents.GARBAGE)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    before = ledger_counts()
    with pytest.raises(CommandError, match="2 个文件没有导入"):
        run(str(garbage), str(empty), "--yes", "--region", "140502")
    assert ledger_counts() == before
    with pytest.raises(CommandError, match="没有区划代码为 999999"):
        run(str(garbage), "--region", "999999")
    with pytest.raises(CommandError, match="没有用户名为 ghost"):
        run(str(garbage), "--user", "ghost")


def test_cli_region_not_found(world: Any, stub_parser: Any, tmp_path: Any) -> None:
    data = "无区划\n".encode("gbk")
    stub_parser.register(data, {**documents.TXT_EXPECTED, "region": None})
    path = tmp_path / "x.txt"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_documents", str(path), "--yes", stdout=out, stderr=err)
    assert "文档中没有写明所属区划" in err.getvalue()
    assert Plan.objects.count() == 2


def test_cli_refuses_tasks_with_problems(world: Any, stub_parser: Any, tmp_path: Any) -> None:
    data = "无内容的任务\n".encode("gbk")
    row = dict(documents.TXT_EXPECTED["tasks"][0], problem=None, target=None, title=None)
    stub_parser.register(data, {**documents.TXT_EXPECTED, "tasks": [row]})
    path = tmp_path / "x.txt"
    path.write_bytes(data)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_documents", str(path), "--yes", stdout=io.StringIO(), stderr=err)
    assert "反馈问题、整改目标、任务名称至少填写一项" in err.getvalue()
    assert Task.objects.count() == 0


def test_cli_imports_tasks_without_deadline_or_units_as_incomplete(world: Any, stub_parser: Any, tmp_path: Any) -> None:
    data = "缺少时限和单位\n".encode("gbk")
    tasks = [dict(t) for t in documents.TXT_EXPECTED["tasks"]]
    tasks[0] = dict(tasks[0], deadline=None, deadline_text=None)
    tasks[2] = dict(tasks[2], responsible_units=[], lead_units=[], cooperating_units=["区水务局"])
    stub_parser.register(data, {**documents.TXT_EXPECTED, "tasks": tasks})
    path = tmp_path / "x.txt"
    path.write_bytes(data)
    out, _ = run(str(path), "--yes")
    assert "其中待完善 2 项" in out and "待完善：缺少整改时限" in out and "待完善：缺少牵头单位或责任单位" in out
    assert "新增任务 3 项" in out and "待完善 2 项" in out
    flagged = {t.seq: t.incomplete_reason for t in Task.objects.filter(needs_completion=True)}
    assert flagged == {"1": "缺少整改时限", "3": "缺少牵头单位或责任单位"}
    assert not Task.objects.get(seq="2").needs_completion


def _skip_invalid_document(stub_parser: Any, tmp_path: Any) -> Any:
    data = "一项无内容\n".encode("gbk")
    tasks = [dict(t) for t in documents.TXT_EXPECTED["tasks"]]
    tasks[1] = dict(tasks[1], problem=None, target=None, title=None)
    stub_parser.register(data, {**documents.TXT_EXPECTED, "tasks": tasks})
    path = tmp_path / "x.txt"
    path.write_bytes(data)
    return path


def test_cli_skip_invalid_imports_the_rest_and_a_second_run_offers_the_skipped(world: Any, stub_parser: Any, tmp_path: Any) -> None:
    path = _skip_invalid_document(stub_parser, tmp_path)
    out, _ = run(str(path), "--yes", "--skip-invalid")
    assert "跳过需要修改的任务 1 项" in out and "新增任务 2 项，跳过 1 项" in out
    assert sorted(Task.objects.values_list("seq", flat=True)) == ["1", "3"]
    # The same document again: not 重复导入, but exactly the task not yet in the ledger.
    before = ledger_counts()
    err = io.StringIO()
    out_io = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_documents", str(path), "--yes", stdout=out_io, stderr=err)
    out = out_io.getvalue()
    assert "重复导入" not in out + err.getvalue()
    assert "本次只导入其中尚未进入台账的 1 项任务" in out
    assert "任务：1 项" in out and " 2. " in out and " 1. " not in out and " 3. " not in out
    assert "反馈问题、整改目标、任务名称至少填写一项" in err.getvalue()
    assert ledger_counts() == before


def test_second_import_on_the_web_completes_the_document(world: Any, stub_parser: Any, tmp_path: Any, login: Any) -> None:
    from django.urls import reverse

    from .helpers import batch_from, confirm, upload

    path = _skip_invalid_document(stub_parser, tmp_path)
    run(str(path), "--yes", "--skip-invalid", "--user", "city_office")
    client = login(world.city_office)
    batch = batch_from(upload(client, path.read_bytes(), "x.txt"))
    assert [t["seq"] for t in batch.tasks] == ["2"]
    page = client.get(reverse("imports:preview", args=[batch.uuid])).content.decode()
    assert "本次只导入其中尚未进入台账的 1 项任务" in page and 'id="task-1"' not in page
    response = confirm(client, batch, t0={"problem": "补写的反馈问题"})
    assert response.status_code == 302
    plan = Plan.objects.get(title=documents.TXT_TITLE)
    assert sorted(plan.tasks.values_list("seq", flat=True)) == ["1", "2", "3"]
    assert ImportBatch.objects.filter(status=ImportBatch.Status.CONFIRMED).count() == 2
    # Now every task is in the ledger: a third import is a duplicate, on the web and at the command line.
    response = upload(client, path.read_bytes(), "x.txt")
    assert response.status_code == 200 and "重复导入不会新增任务" in response.content.decode()
    out, _ = run(str(path), "--yes")
    assert "重复导入不会新增任务" in out
    assert Task.objects.count() == 3
