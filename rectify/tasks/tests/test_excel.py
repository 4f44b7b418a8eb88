"""The Excel round trip of the ledger, through HTTP with real .xlsx files."""
from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from rectify.core.models import ChangeRecord
from rectify.tasks.excel import (
    HEADERS,
    ExcelError,
    parse_deadline,
    parse_measures,
    parse_units,
    read_ledger,
)
from rectify.tasks.excel_import import ImportRefused, apply_preview, build_preview
from rectify.tasks.models import Assignment, Task
from rectify.tasks.services import task_data_from, update_task

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The eleven columns of the first ledger layout: sheets filled in with them still import
# (a missing column leaves that field alone), so the tests below write them positionally.
OLD_HEADERS = ["序号", "反馈问题", "整改任务", "整改目标", "整改措施", "责任单位", "责任人", "整改时限", "进展情况", "状态", "系统编号"]
LEAD, RESP, COOP = Assignment.Role.LEAD, Assignment.Role.RESPONSIBLE, Assignment.Role.COOPERATING


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def export(client: Client, query: str = "") -> Any:
    response = client.get(reverse("tasks:export") + (f"?{query}" if query else ""))
    assert response.status_code == 200, response.content[:500]
    return response


def sheet_of(content: bytes) -> Any:
    return load_workbook(io.BytesIO(content)).worksheets[0]


def data_rows(content: bytes) -> list[tuple[Any, ...]]:
    return [row for row in sheet_of(content).iter_rows(min_row=3, values_only=True) if any(v is not None for v in row)]


def data_dicts(content: bytes) -> list[dict[str, Any]]:
    return [dict(zip(HEADERS, row, strict=True)) for row in data_rows(content)]


def make_sheet(rows: list[list[Any]], headers: list[str] = OLD_HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["整改任务台账"])
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def edit_sheet(content: bytes, edits: dict[tuple[int, str], Any]) -> bytes:
    """``content`` with cells changed: (row number, header) → value."""
    wb = load_workbook(io.BytesIO(content))
    ws = wb.worksheets[0]
    for (row, header), value in edits.items():
        ws.cell(row=row, column=HEADERS.index(header) + 1, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client: Client, content: bytes, world: SimpleNamespace, *, name: str = "台账.xlsx", plan: Any = None, region: Any = None) -> Any:
    return client.post(
        reverse("tasks:import"),
        {
            "action": "preview",
            "plan": (plan or world.plan).pk,
            "region": (region or world.county).pk,
            "file": SimpleUploadedFile(name, content, content_type=XLSX),
        },
    )


def confirm(client: Client, preview_response: Any) -> Any:
    return client.post(reverse("tasks:import"), {"action": "confirm", "token": preview_response.context["token"]})


def statuses(response: Any) -> dict[str, int]:
    return dict(response.context["counts"])


def history_count() -> int:
    return ChangeRecord.objects.count()


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_contents_headers_and_layout(world: SimpleNamespace, make_task: Callable[..., Task], login: Callable[[Any], Client]) -> None:
    task = make_task(
        seq="1", title="河道垃圾整治", problem="河道两岸存在生活垃圾堆放", target="全部清理", responsible_person="张三",
        measures=["开展排查", "建立台账"], deadline=datetime.date(2025, 12, 31), progress="已完成排查",
        units={LEAD: [world.unit_city_env], RESP: [world.unit_county_env], COOP: [world.unit_county_gov]},
    )
    make_task(seq="2", deadline=None, long_term=True)
    response = export(login(world.city_office))

    assert response["Content-Type"] == XLSX
    disposition = response["Content-Disposition"]
    stamp = datetime.date.today().strftime("%Y%m%d")
    assert disposition.startswith("attachment; ")
    assert f'filename="ledger_{stamp}.xlsx"' in disposition
    assert "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"台账_{stamp}.xlsx"

    ws = sheet_of(response.content)
    assert str(ws["A1"].value).startswith("整改任务台账（截至") and str(ws["A1"].value).endswith("日）")
    assert [c.value for c in ws[2]] == HEADERS
    assert HEADERS[-1] == "系统编号" and set(OLD_HEADERS) | {"区划", "整改方案", "章节", "时间节点", "重点"} == set(HEADERS)
    rows = data_dicts(response.content)
    assert [rows[0][h] for h in OLD_HEADERS] == [
        "1", "河道两岸存在生活垃圾堆放", "河道垃圾整治", "全部清理", "1. 开展排查\n2. 建立台账",
        "市生态环境局（牵头）、区生态环境分局、城区人民政府（配合）", "张三", "2025-12-31", "已完成排查", "已交办", str(task.uuid),
    ]
    assert (rows[0]["区划"], rows[0]["整改方案"], rows[0]["重点"], rows[0]["章节"], rows[0]["时间节点"]) == ("晋城市城区", "晋城市整改方案", None, None, None)
    assert rows[1]["整改时限"] == "长期坚持"
    # Layout: wrapped text, frozen header, print titles, A4 landscape, a narrow grey uuid column.
    assert ws.freeze_panes == "B3"
    assert ws.print_title_rows == "$1:$2"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    def letter(header: str) -> str:
        return chr(ord("A") + HEADERS.index(header))

    assert ws[f"{letter('反馈问题')}3"].alignment.wrap_text
    assert ws.column_dimensions[letter("系统编号")].width <= 12 and ws.column_dimensions[letter("整改措施")].width > 30
    assert ws[f"{letter('系统编号')}3"].font.color.rgb.endswith("999999")


@pytest.mark.django_db
def test_export_text_starting_with_equals_is_not_a_formula(world: SimpleNamespace, make_task: Callable[..., Task], login: Callable[[Any], Client]) -> None:
    make_task(problem="=HYPERLINK(\"http://evil\",\"x\")", target="+1 相关\x07目标")
    content = export(login(world.city_office)).content
    row = next(sheet_of(content).iter_rows(min_row=3, max_row=3))
    problem, target = row[HEADERS.index("反馈问题")], row[HEADERS.index("整改目标")]
    assert problem.data_type == "s" and problem.value.startswith("=HYPERLINK") and problem.quotePrefix
    assert target.value == "+1 相关目标"


@pytest.mark.django_db
def test_export_has_no_n_plus_one(world: SimpleNamespace, make_task: Callable[..., Task], login: Callable[[Any], Client], django_assert_max_num_queries: Any) -> None:
    client = login(world.city_office)
    make_task()
    with CaptureQueriesContext(connection) as few:
        export(client)
    for _ in range(30):
        make_task(units={LEAD: [world.unit_city_env], COOP: [world.unit_county_gov], RESP: [world.unit_county_env]})
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = export(client)
    assert len(data_rows(response.content)) == 31


@pytest.mark.django_db
def test_export_honours_filters_and_scope(world: SimpleNamespace, make_task: Callable[..., Task], login: Callable[[Any], Client]) -> None:
    mine = make_task(seq="1", problem="城区的问题", units={RESP: [world.unit_county_env]})
    other_county = make_task(seq="2", problem="泽州的问题", region=world.county2, units={RESP: [world.unit_county2_gov]})
    other_city = make_task(seq="1", problem="太原的问题", plan=world.other_plan, region=world.other_city, units={RESP: [world.unit_other_env]})

    def uuids(client: Client, query: str = "") -> set[str]:
        return {row["系统编号"] for row in data_dicts(export(client, query).content)}

    office = login(world.city_office)
    assert uuids(office) == {str(mine.uuid), str(other_county.uuid)}
    assert uuids(office, f"region={world.county2.pk}") == {str(other_county.uuid)}
    assert uuids(office, "q=城区的问题") == {str(mine.uuid)}
    assert uuids(login(world.county_unit)) == {str(mine.uuid)}
    assert uuids(login(world.other_unit)) == {str(other_city.uuid)}
    assert uuids(login(world.nobody)) == set()
    assert str(other_city.uuid) in uuids(login(world.admin))
    assert login(world.city_office).get(reverse("tasks:export")).status_code == 200
    assert Client().get(reverse("tasks:export")).status_code == 302  # login required


# ---------------------------------------------------------------------------------------------
# Template
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_template_download(world: SimpleNamespace, login: Callable[[Any], Client]) -> None:
    client = login(world.county_unit)
    response = client.get(reverse("tasks:template"))
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["整改台账", "填写说明"]
    ws = wb["整改台账"]
    assert [c.value for c in ws[2]] == HEADERS
    assert ws["A3"].value == "示例" and ws["B3"].font.i and ws["B3"].font.color.rgb.endswith("808080")
    help_text = "\n".join(str(v) for row in wb["填写说明"].iter_rows(values_only=True) for v in row if v)
    for header in HEADERS:
        assert header in help_text
    assert "导入时忽略" in help_text
    assert read_ledger(response.content).rows == []  # the example row is never imported

    office = login(world.city_office)
    refused = upload(office, response.content, world)
    assert refused.status_code == 400
    assert "没有可导入的任务行" in refused.content.decode()


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_preview_then_confirm_creates_tasks(world: SimpleNamespace, login: Callable[[Any], Client], media: Any) -> None:
    content = make_sheet([
        ["示例", "示例行", "", "", "", "不存在的单位", "", "明天", "", "", ""],
        ["1", "河道两岸存在垃圾", "河道整治", "全部清理", "1. 开展排查\n2. 集中清理\n  并建立台账", "市生态环境局（牵头）、区生态环境分局、城区人民政府（配合）",
         "张三", datetime.datetime(2026, 6, 30), "", "整改中", None],
        [2, "扬尘污染", "", "", "每日巡查\n建立台账", "晋城市生态环境局(牵头)", "", "2026年12月底", "", "", ""],
        ["3", "", "", "建立长效机制", "", "区生态环境分局", "", "长期坚持", "", "", ""],
        ["4", "秸秆焚烧", "", "", "", "城区人民政府", "", "2026年底前", "", "", ""],
    ])
    client = login(world.city_office)
    before = history_count()
    preview = upload(client, content, world, name="新任务.xlsx")
    assert preview.status_code == 200
    assert statuses(preview) == {"新增": 4, "修改": 0, "无变化": 0, "错误": 0}
    assert "确认导入" in preview.content.decode()
    assert Task.objects.count() == 0 and history_count() == before  # the preview writes nothing
    stored = list((media / "imports").iterdir())
    assert any(p.suffix == ".xlsx" for p in stored)
    assert str(media) not in preview.context["token"] and "imports" not in preview.context["token"]
    assert all(len(p.stem) == 32 for p in stored)

    done = confirm(client, preview)
    assert done.status_code == 302 and done["Location"] == reverse("tasks:ledger")
    assert Task.objects.count() == 4
    t1 = Task.objects.get(seq="1")
    assert (t1.plan, t1.region, t1.problem, t1.title, t1.target, t1.responsible_person) == (world.plan, world.county, "河道两岸存在垃圾", "河道整治", "全部清理", "张三")
    assert [m.text for m in t1.measures.all()] == ["开展排查", "集中清理\n并建立台账"]
    assert sorted((a.role, a.unit.name) for a in t1.assignments.all()) == sorted(
        [(LEAD, "市生态环境局"), (RESP, "区生态环境分局"), (COOP, "城区人民政府")]
    )
    assert (t1.deadline, t1.long_term, t1.state) == (datetime.date(2026, 6, 30), False, "assigned")  # 状态 column ignored
    t2 = Task.objects.get(seq="2")
    assert (t2.deadline, t2.deadline_text) == (datetime.date(2026, 12, 31), "2026年12月底")
    assert [m.text for m in t2.measures.all()] == ["每日巡查", "建立台账"]
    assert [a.unit for a in t2.assignments.all()] == [world.unit_city_env]  # matched through the alias
    t3 = Task.objects.get(seq="3")
    assert (t3.deadline, t3.long_term) == (None, True)
    assert Task.objects.get(seq="4").deadline == datetime.date(2026, 12, 31)
    records = ChangeRecord.objects.filter(task_uuid=t1.uuid)
    assert [r.reason for r in records] == ["Excel导入：新任务.xlsx"]
    assert records[0].user == world.city_office
    assert not (media / "imports").exists() or not list((media / "imports").iterdir())  # cleaned up after confirm


@pytest.mark.django_db
def test_reimport_of_exported_sheet_changes_nothing(world: SimpleNamespace, make_task: Callable[..., Task], login: Callable[[Any], Client]) -> None:
    make_task(seq="1", measures=["开展排查\n\n分两步", "1. 已带编号的措施"], units={LEAD: [world.unit_city_env], COOP: [world.unit_county_gov], RESP: [world.unit_county_env]})
    make_task(seq="2", deadline=datetime.date(2025, 12, 31), long_term=True, deadline_text="2025年底前并长期坚持", problem="  有空格的问题 \r\n第二行  ")
    make_task(seq="3", deadline=None, long_term=False, measures=[], units={}, title="没有时限和单位的旧任务")
    make_task(seq="4", region=world.county2, units={RESP: [world.unit_county2_gov]}, responsible_person="李四")
    client = login(world.city_office)
    content = export(client).content
    versions = dict(Task.objects.values_list("pk", "version"))
    before = history_count()

    preview = upload(client, content, world)
    assert preview.status_code == 200
    assert statuses(preview) == {"新增": 0, "修改": 0, "无变化": 4, "错误": 0}
    assert "没有需要导入的内容" in preview.content.decode()
    done = confirm(client, preview)
    assert done.status_code == 302
    assert history_count() == before
    assert dict(Task.objects.values_list("pk", "version")) == versions


@pytest.mark.django_db
def test_edited_cell_is_a_change_with_new_version_and_history(world: SimpleNamespace, make_task: Callable[..., Task], login: Callable[[Any], Client]) -> None:
    task = make_task(seq="1", target="旧目标")
    other = make_task(seq="2")
    client = login(world.city_office)
    content = edit_sheet(export(client).content, {
        (3, "整改目标"): "新目标：全部清理到位",
        (3, "责任单位"): "市生态环境局（牵头）、城区人民政府",
        (3, "整改时限"): "2027年6月底",
        (3, "整改措施"): "1. 开展排查\n2. 建立台账\n3. 定期复查",
        (3, "状态"): "已销号",  # informational, ignored
    })
    before = history_count()
    preview = upload(client, content, world, name="修改后.xlsx")
    assert statuses(preview) == {"新增": 0, "修改": 1, "无变化": 1, "错误": 0}
    row = next(r for r in preview.context["rows"] if r.status == "changed")
    changes = {c.label: (c.old, c.new) for c in row.changes}
    assert changes["整改目标"] == ("旧目标", "新目标：全部清理到位")
    assert changes["责任单位"] == ("市生态环境局（牵头）、区生态环境分局", "市生态环境局（牵头）、城区人民政府")
    assert changes["整改时限"] == ("2030-12-31", "2027-06-30")
    assert "整改措施" in changes and "状态" not in changes
    html = preview.content.decode()
    assert "旧目标" in html and "新目标：全部清理到位" in html and "修改" in html

    assert confirm(client, preview).status_code == 302
    task.refresh_from_db()
    assert task.target == "新目标：全部清理到位"
    assert task.version == 2
    assert (task.deadline, task.deadline_text, task.state) == (datetime.date(2027, 6, 30), "2027年6月底", "assigned")
    assert [m.text for m in task.measures.all()] == ["开展排查", "建立台账", "定期复查"]
    assert sorted((a.role, a.unit_id) for a in task.assignments.all()) == sorted([(LEAD, world.unit_city_env.pk), (RESP, world.unit_county_gov.pk)])
    assert history_count() == before + 1
    record = ChangeRecord.objects.filter(task_uuid=task.uuid).order_by("-id").first()
    assert record is not None and record.before and record.after
    assert record.action == ChangeRecord.Action.UPDATE and record.reason == "Excel导入：修改后.xlsx"
    assert record.before["target"] == "旧目标" and record.after["target"] == "新目标：全部清理到位"
    other.refresh_from_db()
    assert other.version == 1


@pytest.mark.django_db
def test_rows_without_uuid_match_by_plan_and_seq(world: SimpleNamespace, make_task: Callable[..., Task], login: Callable[[Any], Client]) -> None:
    task = make_task(seq="7", target="旧目标")
    make_task(seq="7", plan=world.other_plan, region=world.other_city, units={RESP: [world.unit_other_env]})
    content = make_sheet([["7", task.problem, "", "按序号匹配的新目标", "1. 开展排查\n2. 建立台账", "市生态环境局（牵头）、区生态环境分局", "", "2030-12-31", "", "", ""]])
    client = login(world.city_office)
    preview = upload(client, content, world)
    assert statuses(preview) == {"新增": 0, "修改": 1, "无变化": 0, "错误": 0}
    confirm(client, preview)
    task.refresh_from_db()
    assert task.target == "按序号匹配的新目标" and Task.objects.count() == 2


@pytest.mark.django_db
def test_a_bad_row_blocks_the_whole_import(world: SimpleNamespace, make_task: Callable[..., Task], login: Callable[[Any], Client]) -> None:
    existing = make_task(seq="1", target="原目标")
    foreign = make_task(seq="1", plan=world.other_plan, region=world.other_city, units={RESP: [world.unit_other_env]})
    good = ["10", "好的一行", "", "", "", "市生态环境局（牵头）", "", "2026-12-31", "", "", ""]
    content = make_sheet([
        good,
        ["11", "单位写错了", "", "", "", "市生态环境局（牵头）、不存在的局、城区政府办", "", "2026-12-31", "", "", ""],
        ["", "没有序号", "", "", "", "市生态环境局", "", "2026-12-31", "", "", ""],
        ["12", "时限写错了", "", "", "", "市生态环境局", "", "尽快", "", "", ""],
        ["10", "序号重复", "", "", "", "市生态环境局", "", "2026-12-31", "", "", ""],
        ["1", "别的城市的任务", "", "", "", "太原市生态环境局", "", "2026-12-31", "", "", str(foreign.uuid)],
        ["13", "", "", "", "", "", "", "", "", "", ""],
        ["1", "", "", "改了原任务的目标", "", "市生态环境局（牵头）", "", "2030-12-31", "", "", str(existing.uuid)],
    ])
    client = login(world.city_office)
    before_tasks, before_history = Task.objects.count(), history_count()
    preview = upload(client, content, world)
    assert preview.status_code == 200
    counts = statuses(preview)
    assert counts["错误"] == 6 and counts["新增"] == 1 and counts["修改"] == 1
    html = preview.content.decode()
    assert "整个文件都不会导入" in html and "确认导入" not in html
    errors = {r.row.number: " ".join(r.errors) for r in preview.context["rows"] if r.errors}
    assert "不存在的局、城区政府办" in errors[4] and "没有这些单位" in errors[4]
    assert "缺少序号" in errors[5]
    assert "无法识别的整改时限“尽快”" in errors[6]
    assert "序号 10 与第 3 行重复" in errors[7]
    assert "不在您可修改的范围内" in errors[8] and str(foreign.uuid) in errors[8]
    assert "至少填写一项" in errors[9] and "整改时限" in errors[9]
    assert "第 4 行：" in html

    # Even through the service directly, a preview with errors writes nothing.
    sheet = read_ledger(content)
    direct = build_preview(sheet, plan=world.plan, region=world.county, user=world.city_office)
    with pytest.raises(ImportRefused):
        apply_preview(direct, reason="test")
    assert (Task.objects.count(), history_count()) == (before_tasks, before_history)
    existing.refresh_from_db()
    assert existing.target == "原目标"


@pytest.mark.django_db
def test_non_office_users_get_403(world: SimpleNamespace, login: Callable[[Any], Client]) -> None:
    content = make_sheet([["1", "问题", "", "", "", "市生态环境局", "", "2026-12-31", "", "", ""]])
    for user in (world.county_unit, world.lead_unit, world.leader, world.reviewer, world.nobody):
        client = login(user)
        assert client.get(reverse("tasks:import")).status_code == 403
        assert upload(client, content, world).status_code == 403
        assert client.post(reverse("tasks:import"), {"action": "confirm", "token": "x"}).status_code == 403
    assert Task.objects.count() == 0
    assert login(world.city_office).get(reverse("tasks:import")).status_code == 200
    assert login(world.admin).get(reverse("tasks:import")).status_code == 200


@pytest.mark.django_db
def test_import_form_offers_only_plans_in_scope(world: SimpleNamespace, login: Callable[[Any], Client]) -> None:
    client = login(world.city_office)
    page = client.get(reverse("tasks:import"))
    plans = list(page.context["form"].fields["plan"].queryset)
    assert plans == [world.plan]
    content = make_sheet([["1", "问题", "", "", "", "太原市生态环境局", "", "2026-12-31", "", "", ""]])
    refused = upload(client, content, world, plan=world.other_plan, region=world.other_city)
    assert refused.status_code == 400 and Task.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("坏文件.xlsx", b"PK\x03\x04this is not really a zip file", "文件已损坏"),
        ("说明.txt", "这只是一段文字".encode(), "不是 Excel"),
        ("旧版.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "旧版 Excel（.xls）"),
        ("空.xlsx", b"", "空"),
    ],
)
def test_corrupt_or_wrong_files_get_a_chinese_error(world: SimpleNamespace, login: Callable[[Any], Client], name: str, content: bytes, message: str) -> None:
    response = upload(login(world.city_office), content, world, name=name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Task.objects.count() == 0


@pytest.mark.django_db
def test_sheet_without_header_and_truncated_file(world: SimpleNamespace, login: Callable[[Any], Client]) -> None:
    client = login(world.city_office)
    no_header = make_sheet([["1", "2"]], headers=["甲", "乙"])
    assert "没有找到表头" in upload(client, no_header, world).content.decode()
    good = make_sheet([["1", "问题", "", "", "", "市生态环境局", "", "2026-12-31", "", "", ""]])
    truncated = upload(client, good[: len(good) // 2], world)
    assert truncated.status_code == 400 and "文件已损坏" in truncated.content.decode()


@pytest.mark.django_db
def test_oversized_upload_is_refused(world: SimpleNamespace, login: Callable[[Any], Client]) -> None:
    big = b"PK\x03\x04" + b"\0" * (10 * 1024 * 1024 + 10)
    response = upload(login(world.city_office), big, world)
    assert response.status_code == 400 and "不能超过 10 MB" in response.content.decode()


@pytest.mark.django_db
def test_stale_edit_between_preview_and_confirm_is_refused(world: SimpleNamespace, make_task: Callable[..., Task], login: Callable[[Any], Client]) -> None:
    task = make_task(seq="1", target="旧目标")
    client = login(world.city_office)
    content = edit_sheet(export(client).content, {(3, "整改目标"): "表格中的新目标"})
    content = edit_sheet(content, {(4, "序号"): "2", (4, "反馈问题"): "新增的一行", (4, "责任单位"): "市生态环境局", (4, "整改时限"): "2026-12-31"})
    preview = upload(client, content, world)
    assert statuses(preview)["修改"] == 1 and statuses(preview)["新增"] == 1

    # Someone else edits the task in the meantime.
    update_task(task, task_data_from(task, progress="他人填写的进展"), expected_version=1, reason="他人修改")
    before_tasks, before_history = Task.objects.count(), history_count()
    refused = confirm(client, preview)
    assert refused.status_code == 409
    html = refused.content.decode()
    assert "该记录已被他人修改（当前版本为 2）" in html and "第 3 行" in html
    assert (Task.objects.count(), history_count()) == (before_tasks, before_history)
    task.refresh_from_db()
    assert (task.target, task.progress, task.version) == ("旧目标", "他人填写的进展", 2)

    # The refreshed preview shows the change against the current ledger and can now be confirmed.
    row = next(r for r in refused.context["rows"] if r.status == "changed")
    assert {c.label for c in row.changes} == {"整改目标", "进展情况"}
    assert confirm(client, refused).status_code == 302
    task.refresh_from_db()
    assert (task.target, task.version) == ("表格中的新目标", 3)
    assert Task.objects.filter(problem="新增的一行").exists()


@pytest.mark.django_db
def test_stale_version_inside_apply_rolls_back_everything(world: SimpleNamespace, make_task: Callable[..., Task]) -> None:
    """A race after the check: update_task's own version check refuses and the created rows roll back."""
    task = make_task(seq="1", target="旧目标")
    content = make_sheet([
        ["2", "新增", "", "", "", "市生态环境局", "", "2026-12-31", "", "", ""],
        ["1", task.problem, "", "新目标", "1. 开展排查\n2. 建立台账", "市生态环境局（牵头）、区生态环境分局", "", "2030-12-31", "", "", str(task.uuid)],
    ])
    preview = build_preview(read_ledger(content), plan=world.plan, region=world.county, user=world.city_office)
    expected: dict[str, Any] = dict(preview.matches())
    expected["4"] = [str(task.uuid), 1]
    Task.objects.filter(pk=task.pk).update(version=5)
    for r in preview.rows:
        if r.task is not None:
            r.task.version = 1  # as if read before the other edit
    before = history_count()
    with pytest.raises(ImportRefused, match="该记录已被他人修改"):
        apply_preview(preview, reason="Excel导入：x.xlsx", expected=expected)
    assert Task.objects.count() == 1 and history_count() == before


@pytest.mark.django_db
def test_tampered_or_foreign_token_is_refused(world: SimpleNamespace, login: Callable[[Any], Client]) -> None:
    content = make_sheet([["1", "问题", "", "", "", "市生态环境局", "", "2026-12-31", "", "", ""]])
    office = login(world.city_office)
    preview = upload(office, content, world)
    token = preview.context["token"]
    bad = office.post(reverse("tasks:import"), {"action": "confirm", "token": token[:-2] + "xx"}, follow=True)
    assert "已过期或无效" in bad.content.decode()
    other = login(world.province_office).post(reverse("tasks:import"), {"action": "confirm", "token": token}, follow=True)
    assert "已过期或无效" in other.content.decode()
    assert Task.objects.count() == 0
    assert confirm(office, preview).status_code == 302
    assert Task.objects.count() == 1
    again = confirm(office, preview)  # the stored file is gone after a confirm
    assert again.status_code == 302 and Task.objects.count() == 1


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "date", "long_term"),
    [
        (datetime.datetime(2025, 12, 31), datetime.date(2025, 12, 31), False),
        (datetime.date(2025, 6, 30), datetime.date(2025, 6, 30), False),
        ("2025-12-31", datetime.date(2025, 12, 31), False),
        ("2025/6/1", datetime.date(2025, 6, 1), False),
        ("2025年6月30日前", datetime.date(2025, 6, 30), False),
        ("2025年12月底", datetime.date(2025, 12, 31), False),
        ("2026年2月底前", datetime.date(2026, 2, 28), False),
        ("2025年底前", datetime.date(2025, 12, 31), False),
        ("长期坚持", None, True),
        ("2025-12-31，长期坚持", datetime.date(2025, 12, 31), True),
        ("2025年底前完成并长期坚持", datetime.date(2025, 12, 31), True),
        (46022, datetime.date(2025, 12, 31), False),
        (None, None, False),
    ],
)
def test_parse_deadline(value: Any, date: datetime.date | None, long_term: bool) -> None:
    parsed = parse_deadline(value)
    assert (parsed.date, parsed.long_term) == (date, long_term)


@pytest.mark.parametrize("value", ["尽快", "2025年2月30日", "1999-12-31", "12/31"])
def test_parse_deadline_refuses(value: str) -> None:
    with pytest.raises(ValueError):
        parse_deadline(value)


def test_parse_measures_and_units() -> None:
    assert parse_measures("1. 甲\n续行\n2、乙\n3) 丙") == ["甲\n续行", "乙", "丙"]
    assert parse_measures("（1）甲\n（2）乙") == ["甲", "乙"]
    assert parse_measures("甲\n\n乙") == ["甲", "乙"]
    assert parse_measures("1.5万亩林地补植") == ["1.5万亩林地补植"]
    assert parse_units("甲局（牵头）、乙局, 丙局(配合)；丁局（牵头单位）") == [(LEAD, "甲局"), (RESP, "乙局"), (COOP, "丙局"), (LEAD, "丁局")]


def test_read_ledger_rejects_non_xlsx() -> None:
    with pytest.raises(ExcelError, match="不是 Excel"):
        read_ledger(b"%PDF-1.4")


def test_every_export_is_logged_with_user_and_time(world: Any, make_task: Any, login: Any) -> None:
    from rectify.accounts.models import PersonalDataAccess

    make_task()
    assert login(world.city_office).get("/ledger/export.xlsx").status_code == 200
    row = PersonalDataAccess.objects.get()
    assert row.user == world.city_office and row.what == "导出整改台账" and row.at is not None
