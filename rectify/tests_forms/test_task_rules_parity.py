"""The same awkward task values through the four ways a task enters the ledger — the task form, the API,
an Excel sheet and a plan document — give the same units, the same deadline and the same refusal wording
(``rectify/tasks/validation.py``).

Where the paths differ on purpose, the test says so: a plan document with no readable deadline is imported
as 待完善 instead of refused, and a unit a document names that the system does not know is offered as 新单位
in the preview (created when the person confirms) where the other paths refuse it.
"""
from __future__ import annotations

import datetime
import io
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from rectify.imports.models import ImportBatch
from rectify.imports.services import build_preview
from rectify.tasks import validation
from rectify.tasks.models import Assignment, Task

pytestmark = pytest.mark.django_db

LEAD, COOP, RESP = Assignment.Role.LEAD, Assignment.Role.COOPERATING, Assignment.Role.RESPONSIBLE
BOTH = ["区生态环境分局", "城区人民政府"]
LONG_PERSON = "张三" * 61  # 122 characters; the field holds 120
UNREADABLE = "年底"  # no year: no path may guess one


@dataclass
class Case:
    name: str
    deadline: str
    lead: str = ""
    coop: str = ""
    resp: str = ""
    person: str = ""
    # the outcome in the form, the API and Excel: the task, or (field, message)
    date: datetime.date | None = None
    long_term: bool = False
    units: dict[str, list[str]] = field(default_factory=dict)
    refused: tuple[str, str] | None = None
    # the outcome of a plan document where it differs on purpose: "待完善" reason or "新单位" name
    document: tuple[str, str] | None = None


CASES = [
    Case("上半年、顿号、配合", "2025年上半年", lead="市生态环境局", coop="城区人民政府", resp="区生态环境分局、城区人民政府",
         date=datetime.date(2025, 6, 30), units={LEAD: ["市生态环境局"], COOP: ["城区人民政府"], RESP: BOTH}),
    Case("6月底、中文逗号", "2027年6月底", resp="区生态环境分局，城区人民政府",
         date=datetime.date(2027, 6, 30), units={RESP: BOTH}),
    Case("长期坚持、及", "长期坚持", resp="区生态环境分局及城区人民政府", long_term=True, units={RESP: BOTH}),
    Case("年底前、英文逗号、牵头", "2026年底前", lead="市生态环境局", resp="区生态环境分局,城区人民政府",
         date=datetime.date(2026, 12, 31), units={LEAD: ["市生态环境局"], RESP: BOTH}),
    Case("没有时限", "", resp="区生态环境分局", refused=("deadline", validation.NEED_DEADLINE), document=("待完善", "缺少整改时限")),
    Case("看不懂的时限", UNREADABLE, resp="区生态环境分局",
         refused=("deadline", f"无法识别的整改时限“{UNREADABLE}”，{validation.DEADLINE_FORMS}"), document=("待完善", "缺少整改时限")),
    Case("不认识的单位", "2025年底", lead="市生态环境局", resp="不存在的局",
         refused=("responsible_units", validation.unknown_units_message(["不存在的局"])), document=("新单位", "不存在的局")),
    Case("责任人太长", "2025年底", resp="区生态环境分局", person=LONG_PERSON,
         refused=("responsible_person", validation.TOO_LONG.format(length=len(LONG_PERSON), limit=120))),
]


def _outcome(task: Task) -> tuple[datetime.date | None, bool, dict[str, list[str]]]:
    units: dict[str, list[str]] = {}
    for a in task.assignments.select_related("unit").order_by("id"):
        units.setdefault(a.role, []).append(a.unit.name)
    return task.deadline, task.long_term, {role: sorted(names) for role, names in units.items()}


def _expected(case: Case) -> tuple[datetime.date | None, bool, dict[str, list[str]]]:
    return case.date, case.long_term, {role: sorted(names) for role, names in case.units.items()}


class ApiClient:
    """JSON over the test client (as an API caller sends it)."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(path, data=json.dumps(body), content_type="application/json")


def _client(user: Any) -> Client:
    from conftest import PASSWORD

    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


# ---- the four paths: each returns the task it made, or {field: [messages]} ----------------------------


def through_form(world: Any, case: Case) -> Task | dict[str, list[str]]:
    response = _client(world.city_office).post("/ledger/new/", {
        "plan": world.plan.pk, "region": world.county.pk, "seq": "F1", "problem": "表单录入的问题", "measures": "措施",
        "lead_units": case.lead, "cooperating_units": case.coop, "responsible_units": case.resp,
        "responsible_person": case.person, "deadline": "", "deadline_text": case.deadline, "reason": "录入",
    })
    if response.status_code == 302:
        return Task.objects.get(plan=world.plan, seq="F1")
    return {name: list(messages) for name, messages in response.context["form"].errors.items()}


def through_api(world: Any, case: Case) -> Task | dict[str, list[str]]:
    body = {
        "plan": str(world.plan.uuid), "region": world.county.code, "seq": "A1", "problem": "接口录入的问题", "measures": ["措施"],
        "lead_units": [case.lead] if case.lead else [], "cooperating_units": [case.coop] if case.coop else [],
        "responsible_units": [case.resp] if case.resp else [], "responsible_person": case.person,
        "deadline": None, "deadline_text": case.deadline, "reason": "接口录入",
    }
    response = ApiClient(_client(world.city_office)).post("/api/v1/tasks", body)
    if response.status_code == 201:
        return Task.objects.get(uuid=response.json()["uuid"])
    assert response.status_code == 422, response.content
    errors: dict[str, list[str]] = {}
    for error in response.json()["errors"]:
        errors.setdefault(error["field"], []).append(error["message"])
    return errors


EXCEL_FIELDS = {"整改时限": "deadline", "责任单位": "responsible_units", "责任人": "responsible_person"}


def through_excel(world: Any, case: Case) -> Task | dict[str, list[str]]:
    cell = "、".join([*([f"{case.lead}（牵头）"] if case.lead else []), *([f"{case.coop}（配合）"] if case.coop else []),
                     *([case.resp] if case.resp else [])])
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "反馈问题", "整改措施", "责任单位", "责任人", "整改时限"])
    ws.append(["E1", "表格导入的问题", "措施", cell, case.person, case.deadline])
    out = io.BytesIO()
    wb.save(out)
    client = _client(world.city_office)
    response = client.post(reverse("tasks:import"), {
        "action": "preview", "plan": world.plan.pk, "region": world.county.pk,
        "file": SimpleUploadedFile("台账.xlsx", out.getvalue()),
    })
    assert response.status_code == 200, response.content[:2000]
    (row,) = response.context["rows"]
    if row.errors:
        errors: dict[str, list[str]] = {}
        for message in row.errors:  # a sheet's row errors name their column
            column = next((c for c in EXCEL_FIELDS if f"“{c}”" in message or c in message), "")
            errors.setdefault(EXCEL_FIELDS.get(column, "responsible_units" if "单位" in message else ""), []).append(message)
        return errors
    confirmed = client.post(reverse("tasks:import"), {"action": "confirm", "token": response.context["token"]})
    assert confirmed.status_code == 302, confirmed.content[:2000]
    return Task.objects.get(plan=world.plan, seq="E1")


def document_text(case: Case) -> bytes:
    lines = ["晋城市城区落实生态环境保护督察反馈问题整改工作方案", "", "为确保反馈问题按期整改到位，制定本方案。", "",
             "一、大气环境方面", "1.文档导入的问题。", "整改目标：目标。", "整改措施：措施。"]
    for label, value in (("牵头单位", case.lead), ("配合单位", case.coop), ("责任单位", case.resp), ("责任人", case.person),
                         ("整改时限", case.deadline)):
        if value:
            lines.append(f"{label}：{value}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def through_document(world: Any, case: Case) -> tuple[Any, Task | None]:
    """The preview of a composed plan document's task, and (when it may be confirmed) the task it made."""
    client = _client(world.city_office)
    response = client.post(reverse("imports:upload"), {"file": SimpleUploadedFile("方案.txt", document_text(case)), "region": world.county.pk})
    assert response.status_code == 302, response.content[:3000].decode("utf-8", "replace")
    batch = ImportBatch.objects.get(uuid=response["Location"].rstrip("/").split("/")[-1])
    preview = build_preview(batch.parsed or {}, world.county)
    (task_preview,) = preview.tasks
    if task_preview.errors or any(m.is_new for ms in task_preview.units.values() for m in ms):
        return task_preview, None
    from rectify.imports.forms import TaskRowForm

    posted: dict[str, Any] = {"action": "confirm"}  # what the preview page posts when nothing is changed
    for tp in preview.tasks:
        posted.update(TaskRowForm.data_for(tp.row, f"t{tp.index}", tp.existing.version if tp.existing else None))
    confirmed = client.post(reverse("imports:preview", args=[batch.uuid]), posted)
    assert confirmed.status_code == 302, confirmed.content[:3000].decode("utf-8", "replace")
    return task_preview, Task.objects.exclude(plan=world.plan).get()


@pytest.fixture
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_four_paths_agree(world: Any, media_root: Any, case: Case) -> None:
    results = {"表单": through_form(world, case), "接口": through_api(world, case), "Excel": through_excel(world, case)}
    if case.refused is None:
        for path, result in results.items():
            assert isinstance(result, Task), f"{path}: {result}"
            assert _outcome(result) == _expected(case), path
    else:
        field_name, message = case.refused
        for path, result in results.items():
            assert isinstance(result, dict), f"{path} accepted what the rules refuse"
            assert any(message in m for m in result.get(field_name, [])), f"{path}: {result}"
    preview, task = through_document(world, case)
    if case.document is None and case.refused is None:
        assert task is not None and _outcome(task) == _expected(case)
    elif case.document is None:
        assert case.refused is not None
        field_name, message = case.refused
        assert task is None and any(message in m for m in preview.errors.get(field_name, [])), preview.errors
    elif case.document[0] == "新单位":
        assert task is None and [m.name for m in preview.units[RESP] if m.is_new] == [case.document[1]]
    else:  # 待完善: imported all the same, flagged with the reason
        assert preview.gaps == [case.document[1]] and not preview.errors
        assert task is not None and task.needs_completion and task.incomplete_reason == case.document[1]


def test_unit_lists_split_alike() -> None:
    """The splitter every path uses: 、，, and 及 alike; brackets kept whole; a shared prefix completed."""
    written = ["区生态环境分局、城区人民政府", "区生态环境分局，城区人民政府", "区生态环境分局,城区人民政府", "区生态环境分局及城区人民政府",
               "区生态环境分局\n城区人民政府"]
    assert {tuple(c for _, c in validation.unit_names(text)) for text in written} == {tuple(BOTH)}
    assert [c for _, c in validation.unit_names("市生态环境局、水务局、各县（市、区）政府")] == ["市生态环境局", "市水务局", "各县（市、区）政府"]
    assert validation.units_by_role("市生态环境局（牵头）、城区人民政府（配合）、区生态环境分局") == {
        LEAD: [("市生态环境局", "市生态环境局")], COOP: [("城区人民政府", "城区人民政府")], RESP: [("区生态环境分局", "区生态环境分局")],
    }


@pytest.mark.parametrize(("text", "date", "long_term"), [
    ("2025年上半年", datetime.date(2025, 6, 30), False), ("2025年下半年", datetime.date(2025, 12, 31), False),
    ("2027年6月底", datetime.date(2027, 6, 30), False), ("2025年底前", datetime.date(2025, 12, 31), False),
    ("长期坚持", None, True), ("2025-12-31，长期坚持", datetime.date(2025, 12, 31), True), ("", None, False),
])
def test_deadlines_read_alike(text: str, date: datetime.date | None, long_term: bool) -> None:
    from rectify.tasks.excel import parse_deadline

    read = validation.read_deadline(text)
    assert (read.date, read.long_term) == (date, long_term)
    assert (parse_deadline(text).date, parse_deadline(text).long_term) == (date, long_term)


def test_a_milestone_outside_the_years_is_refused_alike(world: Any) -> None:
    """The form and the API took any milestone year; the document import refused it: now all three do, alike."""
    message = validation.milestone_year_message(datetime.date(1990, 6, 30))
    case = Case("节点", "2025年底", resp="区生态环境分局")
    form = _client(world.city_office).post("/ledger/new/", {
        "plan": world.plan.pk, "region": world.county.pk, "seq": "F1", "problem": "问题", "responsible_units": case.resp,
        "deadline_text": case.deadline, "milestones": "1990-06-30 完成排查",
    })
    assert form.status_code == 200 and form.context["form"].errors["milestones"] == [message]
    api = ApiClient(_client(world.city_office)).post("/api/v1/tasks", {
        "plan": str(world.plan.uuid), "region": world.county.code, "seq": "A1", "problem": "问题", "responsible_units": [case.resp],
        "deadline": "2025-12-31", "milestones": [{"date": "1990-06-30", "text": "完成排查"}],
    })
    assert api.status_code == 422 and {"field": "milestones", "label": "时间节点", "message": message} in api.json()["errors"]
    assert not Task.objects.exists()
    from rectify.imports.services import validate_row

    assert validate_row({"seq": "1", "problem": "问题", "milestones": [{"date": "1990-06-30", "text": "完成排查"}]})["milestones"] == [message]


def test_sections_split_alike_in_the_form_and_excel(world: Any) -> None:
    """The form kept 水/气治理 whole when levels are joined by " / " (as exported); the Excel import cut it at every "/"."""
    from rectify.tasks.tests.test_excel import confirm, make_sheet, upload

    text, levels = "三、主要措施 / （一）水/气治理", ["三、主要措施", "（一）水/气治理"]
    assert validation.split_section("一、总体要求/（二）目标") == ["一、总体要求", "（二）目标"]
    client = _client(world.city_office)
    form = client.post("/ledger/new/", {"plan": world.plan.pk, "region": world.county.pk, "seq": "F1", "problem": "问题",
                                        "responsible_units": "区生态环境分局", "deadline": "2026-12-31", "section": text})
    assert form.status_code == 302
    sheet = make_sheet([["E1", text, "问题", "区生态环境分局", "2026-12-31"]], headers=["序号", "章节", "反馈问题", "责任单位", "整改时限"])
    preview = upload(client, sheet, world)
    assert confirm(client, preview).status_code == 302
    assert [Task.objects.get(seq=seq).section for seq in ("F1", "E1")] == [levels, levels]
