"""The import pages, through HTTP."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from rectify.core.models import ChangeRecord
from rectify.imports import services
from rectify.imports.models import ImportBatch
from rectify.inspections.models import Inspection, Plan
from rectify.regions.models import Unit
from rectify.tasks.models import Assignment, Task
from rectify.tasks.services import task_data_from, update_task

from . import documents
from .helpers import batch_from, confirm, form_data, ledger_counts, upload

pytestmark = pytest.mark.django_db


def test_upload_page_for_office(world: Any, login: Any) -> None:
    response = login(world.city_office).get(reverse("imports:upload"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "导入整改方案" in text
    assert "晋城市城区（140502）" in text  # regions of the caller's scope
    assert "太原市" not in text


@pytest.mark.parametrize("who", ["leader", "reviewer", "county_unit", "lead_unit", "nobody"])
def test_non_office_users_get_403(world: Any, login: Any, who: str) -> None:
    client = login(getattr(world, who))
    assert client.get(reverse("imports:upload")).status_code == 403
    response = upload(client, documents.txt_plan(), "plan.txt")
    assert response.status_code == 403
    assert ImportBatch.objects.count() == 0


def test_anonymous_is_sent_to_login(world: Any, client: Any) -> None:
    response = client.get(reverse("imports:upload"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_upload_preview_confirm_txt(world: Any, login: Any, parser: Any, media_root: Any) -> None:
    client = login(world.city_office)
    response = upload(client, documents.txt_plan(), "城区整改方案.txt")
    batch = batch_from(response)
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert batch.region == world.county  # taken from the document's own region name
    assert (media_root / "imports" / str(batch.uuid)).read_bytes() == documents.txt_plan()
    assert Task.objects.count() == 0  # nothing in the ledger before confirmation

    page = client.get(reverse("imports:preview", args=[batch.uuid]))
    assert page.status_code == 200
    text = page.content.decode()
    assert documents.TXT_TITLE in text
    assert "省第三生态环境保护督察组" in text and "已有督察" in text
    for seq in ("1", "2", "3"):
        assert f'id="task-{int(seq) - 1}"' in text
    assert "油烟净化设备" in text
    assert "已有单位</span> 区生态环境分局" in text
    assert "已有单位</span> 城区人民政府" in text
    assert "新单位</span> 区市场监督管理局" in text
    assert "新单位</span> 区水务局" in text

    before_units = Unit.objects.count()
    response = confirm(client, batch)
    assert response.status_code == 302
    plan = Plan.objects.get(title=documents.TXT_TITLE)
    assert response["Location"] == f"{reverse('tasks:ledger')}?plan={plan.pk}"
    assert plan.region == world.county
    assert plan.inspection == world.inspection  # matched: same team and level, over the county's city
    assert plan.source_hash == batch.content_hash and plan.source_document == "城区整改方案.txt"
    tasks = list(plan.tasks.order_by("id"))
    assert [t.seq for t in tasks] == ["1", "2", "3"]
    assert tasks[0].deadline == datetime.date(2024, 12, 31)
    assert tasks[1].long_term is True
    assert tasks[2].deadline == datetime.date(2025, 6, 30)
    assert all(t.region == world.county and t.inspection == world.inspection for t in tasks)
    names = {a.unit.name for a in Assignment.objects.filter(task__plan=plan, role="responsible")}
    assert {"区生态环境分局", "区市场监督管理局", "区住房和城乡建设局", "区水务局", "城区人民政府"} <= names
    assert Assignment.objects.get(task=tasks[0], unit=world.unit_county_env).role == "responsible"
    assert Unit.objects.count() == before_units + 3
    new_unit = Unit.objects.get(name="区水务局")
    assert new_unit.region == world.county
    history = ChangeRecord.objects.filter(task_uuid__in=[t.uuid for t in tasks])
    assert history.count() == 3
    assert set(history.values_list("action", flat=True)) == {ChangeRecord.Action.IMPORT}
    assert all(r.reason == "导入文档：城区整改方案.txt" and r.user_id == world.city_office.pk for r in history)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CONFIRMED and batch.plan == plan
    assert batch.counts["created"] == 3 and batch.counts["units_created"] == 3
    ledger = client.get(response["Location"], follow=True).content.decode()
    assert "导入完成" in ledger and "新增任务 3 项" in ledger


def test_same_file_again_creates_nothing(world: Any, login: Any, parser: Any) -> None:
    client = login(world.city_office)
    confirm(client, batch_from(upload(client, documents.txt_plan(), "a.txt")))
    before = ledger_counts()
    batches = ImportBatch.objects.count()
    response = upload(client, documents.txt_plan(), "再传一次.txt")
    assert response.status_code == 200
    text = response.content.decode()
    assert "该文档已于" in text and f"导入（方案：{documents.TXT_TITLE}），重复导入不会新增任务" in text
    assert "打开该方案的台账" in text
    assert ledger_counts() == before
    assert ImportBatch.objects.count() == batches


def test_second_preview_of_same_file_cannot_be_confirmed_twice(world: Any, login: Any, parser: Any) -> None:
    client = login(world.city_office)
    first = batch_from(upload(client, documents.txt_plan(), "a.txt"))
    second = batch_from(upload(client, documents.txt_plan(), "a.txt"))  # both previewed before either is confirmed
    assert confirm(client, first).status_code == 302
    before = ledger_counts()
    response = confirm(client, second)
    assert response.status_code == 400  # refused, with the reason on the page
    assert "重复导入不会新增任务" in response.content.decode()
    assert ledger_counts() == before
    with pytest.raises(services.DuplicateDocument):
        services.apply_import(second)
    assert ledger_counts() == before


def test_revision_shows_changes_and_updates(world: Any, login: Any, parser: Any) -> None:
    client = login(world.city_office)
    confirm(client, batch_from(upload(client, documents.txt_plan(), "v1.txt")))
    plan = Plan.objects.get(title=documents.TXT_TITLE)
    first = plan.tasks.get(seq="1")
    assert first.version == 1

    revised, _ = documents.revised_txt_plan()
    batch = batch_from(upload(client, revised, "v2.txt"))
    text = client.get(reverse("imports:preview", args=[batch.uuid])).content.decode()
    assert "已有方案" in text
    assert "修改</span>" in text and "新增</span>" in text and "无变化</span>" in text
    assert "2024-12-31 → 2025-03-31" in text

    response = confirm(client, batch)
    assert response.status_code == 302
    assert Plan.objects.filter(title=documents.TXT_TITLE).count() == 1
    plan.refresh_from_db()
    assert plan.source_hash == batch.content_hash and plan.source_document == "v2.txt"
    first.refresh_from_db()
    assert first.deadline == datetime.date(2025, 3, 31) and first.version == 2
    assert plan.tasks.count() == 4
    update = ChangeRecord.objects.filter(task_uuid=first.uuid).order_by("id").last()
    assert update.action == ChangeRecord.Action.IMPORT and update.before["deadline"] == "2024-12-31"
    assert update.after["deadline"] == "2025-03-31"
    assert plan.tasks.get(seq="2").version == 1  # unchanged tasks are not touched
    batch.refresh_from_db()
    assert batch.counts == {**batch.counts, "created": 1, "updated": 1, "unchanged": 2}
    ledger = client.get(response["Location"]).content.decode()
    assert "新增任务 1 项，修改 1 项，无变化 2 项" in ledger


def test_revision_refuses_a_task_changed_after_preview(world: Any, login: Any, parser: Any) -> None:
    client = login(world.city_office)
    confirm(client, batch_from(upload(client, documents.txt_plan(), "v1.txt")))
    batch = batch_from(upload(client, documents.revised_txt_plan()[0], "v2.txt"))
    data = form_data(batch)  # the page as shown: task 1 at version 1
    task = Task.objects.get(plan__title=documents.TXT_TITLE, seq="1")
    update_task(task, task_data_from(task, target="另一位同事改过的目标"), expected_version=1, reason="并发修改")
    before = ledger_counts()
    response = client.post(reverse("imports:preview", args=[batch.uuid]), data)
    assert response.status_code == 400
    assert "在预览之后已被他人修改" in response.content.decode()
    assert ledger_counts() == before
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED


def test_edit_skip_and_validation(world: Any, login: Any, parser: Any) -> None:
    client = login(world.city_office)
    batch = batch_from(upload(client, documents.txt_plan(), "plan.txt"))
    url = reverse("imports:preview", args=[batch.uuid])
    # Clearing the deadline (and 长期坚持) of task 1 and every unit of task 3 is not refused: both
    # would be imported as 待完善; a task with neither problem, target nor title is refused.
    response = client.post(url, form_data(
        batch, action="save",
        t0={"deadline": "", "long_term": None},
        t2={"responsible_units": "", "lead_units": ""},
    ))
    assert response.status_code == 200
    text = response.content.decode()
    assert "请填写整改时限" not in text and "请至少填写一个牵头单位或责任单位" not in text
    assert text.count("tag-incomplete") >= 3  # the count and the two tasks
    assert "缺少整改时限" in text and "缺少牵头单位或责任单位" in text
    response = client.post(url, form_data(
        batch,
        t0={"title": "", "problem": "", "target": ""},
        t2={"title": "", "problem": "", "target": ""},
    ))
    assert response.status_code == 400
    text = response.content.decode()
    assert "反馈问题、整改目标、任务名称至少填写一项" in text
    assert "有 2 项任务需要修改" in text
    assert Task.objects.count() == 0
    # A bad date is refused too.
    response = client.post(url, form_data(batch, t0={"deadline": "2024-02-30"}))
    assert response.status_code == 400 and Task.objects.count() == 0
    # Edited problem and units, task 2 left out.
    response = client.post(url, form_data(
        batch,
        t0={"problem": "改写后的问题描述", "responsible_units": "区生态环境分局、各县（市、区）政府", "deadline": "2024-11-30"},
        t1={"skip": "on"},
    ))
    assert response.status_code == 302
    tasks = list(Task.objects.order_by("id"))
    assert [t.seq for t in tasks] == ["1", "3"]
    assert tasks[0].problem == "改写后的问题描述"
    assert tasks[0].deadline == datetime.date(2024, 11, 30) and tasks[0].deadline_text == ""
    assert sorted(tasks[0].units_by_role("responsible"), key=lambda u: u.name)[0].name in {"区生态环境分局", "各县（市、区）政府"}
    assert {u.name for u in tasks[0].units_by_role("responsible")} == {"区生态环境分局", "各县（市、区）政府"}
    batch.refresh_from_db()
    assert batch.counts["skipped"] == 1 and batch.parsed["tasks"][0]["problem"] == "改写后的问题描述"


def test_save_edits_keeps_them_for_later(world: Any, login: Any, parser: Any) -> None:
    client = login(world.city_office)
    batch = batch_from(upload(client, documents.txt_plan(), "plan.txt"))
    url = reverse("imports:preview", args=[batch.uuid])
    response = client.post(url, form_data(batch, action="save", t1={"target": "新的整改目标"}))
    assert response.status_code == 200 and "修改已保存" in response.content.decode()
    batch.refresh_from_db()
    assert batch.parsed["tasks"][1]["target"] == "新的整改目标"
    assert "新的整改目标" in client.get(url).content.decode()
    assert Task.objects.count() == 0


def test_cancel(world: Any, login: Any, parser: Any) -> None:
    client = login(world.city_office)
    batch = batch_from(upload(client, documents.txt_plan(), "plan.txt"))
    before = ledger_counts()
    response = client.post(reverse("imports:preview", args=[batch.uuid]), {"action": "cancel"})
    assert response.status_code == 302 and response["Location"] == reverse("imports:upload")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CANCELLED
    assert ledger_counts() == before
    # A cancelled batch cannot be confirmed, and the same file can be uploaded again.
    page = client.post(reverse("imports:preview", args=[batch.uuid]), form_data(batch))
    assert page.status_code == 200 and "已取消" in page.content.decode()
    assert Task.objects.count() == 0
    assert upload(client, documents.txt_plan(), "plan.txt").status_code == 302


def test_docx_with_task_table_creates_inspection(world: Any, login: Any, parser: Any) -> None:
    client = login(world.admin)
    batch = batch_from(upload(client, documents.docx_plan(), "清单.docx", region=world.county2))
    text = client.get(reverse("imports:preview", args=[batch.uuid])).content.decode()
    assert "已有单位</span> 泽州县人民政府" in text
    assert "新单位</span> 县住房和城乡建设局" in text
    response = confirm(client, batch)
    assert response.status_code == 302
    plan = Plan.objects.get(source_hash=batch.content_hash)
    assert plan.tasks.count() == 2
    task = plan.tasks.get(seq="1")
    assert {u.name for u in task.units_by_role("lead")} == {"县住房和城乡建设局"}
    assert {u.name for u in task.units_by_role("responsible")} == {"泽州县人民政府"}
    assert task.deadline == datetime.date(2025, 6, 30)
    if plan.inspection is not None:  # the real parser may or may not find the team in the opening line
        assert plan.inspection.level == "central" and plan.inspection.target_region == world.county2


def test_garbage_file_gives_chinese_error_and_writes_nothing(world: Any, login: Any, parser: Any) -> None:
    client = login(world.city_office)
    before = ledger_counts()
    response = upload(client, documents.GARBAGE, "方案.docx", region=world.county)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'class="alert alert-error"' in text and "无法读取文档“方案.docx”" in text
    assert ledger_counts() == before
    failed = ImportBatch.objects.get()
    assert failed.status == ImportBatch.Status.FAILED and failed.plan is None and failed.error


def test_unexpected_parser_error_is_a_message(world: Any, login: Any, stub_parser: Any) -> None:
    stub_parser.raise_unexpected = True
    client = login(world.city_office)
    before = ledger_counts()
    response = upload(client, documents.txt_plan(), "plan.txt", region=world.county)
    assert response.status_code == 200
    assert services.GENERIC_PARSE_ERROR in response.content.decode()
    assert ledger_counts() == before


def test_empty_file(world: Any, login: Any, parser: Any) -> None:
    client = login(world.city_office)
    before = ledger_counts()
    response = upload(client, b"", "空.txt", region=world.county)
    assert response.status_code == 200
    assert "文件是空的" in response.content.decode()
    assert ledger_counts() == before and ImportBatch.objects.count() == 0


def test_wrong_type_and_size(world: Any, login: Any, stub_parser: Any, settings: Any, monkeypatch: Any) -> None:
    client = login(world.city_office)
    response = upload(client, b"MZ\x90\x00", "setup.exe", region=world.county)
    assert "不支持的文件类型" in response.content.decode()
    monkeypatch.setattr("rectify.imports.forms.MAX_SIZE", 10)
    response = upload(client, documents.txt_plan(), "plan.txt", region=world.county)
    assert "超过了 20 MB 的上限" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_region_outside_scope_is_refused(world: Any, login: Any, stub_parser: Any) -> None:
    client = login(world.city_office)
    response = upload(client, documents.txt_plan(), "plan.txt", region=world.other_city)
    assert response.status_code == 200
    assert ImportBatch.objects.count() == 0


def test_document_region_unknown_asks_for_one(world: Any, login: Any, stub_parser: Any) -> None:
    data = "某县整改方案\n".encode("gbk")
    stub_parser.register(data, {**documents.TXT_EXPECTED, "region": "某某县"})
    client = login(world.city_office)
    response = upload(client, data, "x.txt")
    assert "文档所属区划为“某某县”" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_other_office_cannot_open_a_batch(world: Any, login: Any, stub_parser: Any, django_user_model: Any) -> None:
    from rectify.accounts.models import RoleGrant

    batch = batch_from(upload(login(world.city_office), documents.txt_plan(), "plan.txt"))
    other = django_user_model.objects.create_user(username="ty_office", password="Rectify-test-2026")
    RoleGrant.objects.create(user=other, role="office", region=world.other_city)
    assert login(other).get(reverse("imports:preview", args=[batch.uuid])).status_code == 404
    assert login(world.leader).get(reverse("imports:preview", args=[batch.uuid])).status_code == 403


def test_failure_midway_rolls_everything_back(world: Any, login: Any, stub_parser: Any, monkeypatch: Any) -> None:
    from rectify.tasks import services as task_services

    calls = {"n": 0}
    real = task_services.create_task

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr("rectify.imports.services.create_task", flaky)
    client = login(world.city_office)
    batch = batch_from(upload(client, documents.txt_plan(), "plan.txt"))
    before = ledger_counts()
    response = confirm(client, batch)
    assert response.status_code == 400
    assert "已全部撤销，台账没有任何改动" in response.content.decode()
    assert ledger_counts() == before
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    monkeypatch.setattr("rectify.imports.services.create_task", real)
    assert confirm(client, batch).status_code == 302
    assert Task.objects.count() == 3


def test_non_plan_document_cannot_be_confirmed(world: Any, login: Any, stub_parser: Any) -> None:
    data = "整改落实情况\n".encode("gbk")
    stub_parser.register(data, {**documents.TXT_EXPECTED, "kind": "progress_report", "tasks": [],
                                "stats": {"tasks_total": 3, "tasks_done": 1},
                                "unparsed": [{"line": 7, "text": "一段没有看懂的话"}]})
    client = login(world.city_office)
    batch = batch_from(upload(client, data, "report.txt", region=world.county))
    text = client.get(reverse("imports:preview", args=[batch.uuid])).content.decode()
    assert "不是整改方案或行动计划" in text
    assert "以下内容未能识别，请核对" in text and "一段没有看懂的话" in text
    # Chinese labels, never the field names of the parser's output.
    assert "整改任务总数：3" in text and "已完成任务：1" in text
    assert "tasks_total" not in text and "tasks_done" not in text
    response = confirm(client, batch)
    assert response.status_code == 400
    assert ledger_counts()["plans"] == 2


def test_action_plan_without_inspection(world: Any, login: Any, stub_parser: Any) -> None:
    data = "行动计划\n".encode("gbk")
    expected = {
        **documents.TXT_EXPECTED, "kind": "action_plan", "title": "晋城市大气质量提升三年行动计划（2024—2026年）",
        "region": "晋城市", "inspection": None, "period": {"start_year": 2024, "end_year": 2026},
        "indicators": [{"name": "细颗粒物浓度", "comparator": "<=", "value": 35, "unit": "微克/立方米", "year": 2026, "baseline_year": None}],
    }
    stub_parser.register(data, expected)
    client = login(world.city_office)
    batch = batch_from(upload(client, data, "action.txt"))
    assert batch.region == world.city
    text = client.get(reverse("imports:preview", args=[batch.uuid])).content.decode()
    assert "行动计划" in text and "细颗粒物浓度" in text and "2024—2026年" in text
    response = confirm(client, batch)
    assert response.status_code == 302
    plan = Plan.objects.get(title=expected["title"])
    assert plan.inspection is None and plan.kind == "action_plan"
    assert (plan.period_start, plan.period_end) == (2024, 2026)
    assert response["Location"] == f"{reverse('tasks:ledger')}?plan={plan.pk}"
    assert Inspection.objects.count() == 1
