"""The same awkward task values through the four ways a task enters the ledger — the task form, the API,
an Excel sheet and a plan document — give the same units, the same deadline and the same refusal wording
(``rectify/tasks/validation.py``); so do an edit in the form and a PUT to the API of an existing task.

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
    problem: str = ""  # as sent; "" for each path's own text
    # the outcome in the form, the API and Excel: the task, or (field, message)
    date: datetime.date | None = None
    long_term: bool = False
    units: dict[str, list[str]] = field(default_factory=dict)
    refused: tuple[str, str] | None = None
    stored_problem: str | None = None  # the problem as stored, where the case is about it
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
    # The API stored CRLF line ends as sent; the form and a sheet store LF.
    Case("换行符", "2025年底", resp="区生态环境分局", problem="第一行\r\n第二行\r第三行", stored_problem="第一行\n第二行\n第三行",
         date=datetime.date(2025, 12, 31), units={RESP: ["区生态环境分局"]}),
]
VALID = Case("有效", "2025年底", resp="区生态环境分局")  # an existing task the edit paths change


Outcome = tuple[datetime.date | None, bool, dict[str, list[str]], str | None]


def _outcome(task: Task, case: Case) -> Outcome:
    units: dict[str, list[str]] = {}
    for a in task.assignments.select_related("unit").order_by("id"):
        units.setdefault(a.role, []).append(a.unit.name)
    problem = task.problem if case.stored_problem is not None else None
    return task.deadline, task.long_term, {role: sorted(names) for role, names in units.items()}, problem


def _expected(case: Case) -> Outcome:
    return case.date, case.long_term, {role: sorted(names) for role, names in case.units.items()}, case.stored_problem


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


def form_values(world: Any, case: Case, seq: str) -> dict[str, Any]:
    return {
        "plan": world.plan.pk, "region": world.county.pk, "seq": seq, "problem": case.problem or "表单录入的问题", "measures": "措施",
        "lead_units": case.lead, "cooperating_units": case.coop, "responsible_units": case.resp,
        "responsible_person": case.person, "deadline": "", "deadline_text": case.deadline, "reason": "录入",
    }


def _form_result(response: Any, task: Task) -> Task | dict[str, list[str]]:
    if response.status_code == 302:
        task.refresh_from_db()
        return task
    return {name: list(messages) for name, messages in response.context["form"].errors.items()}


def through_form(world: Any, case: Case) -> Task | dict[str, list[str]]:
    response = _client(world.city_office).post("/ledger/new/", form_values(world, case, "F1"))
    if response.status_code == 302:
        return Task.objects.get(plan=world.plan, seq="F1")
    return {name: list(messages) for name, messages in response.context["form"].errors.items()}


def through_form_edit(world: Any, case: Case) -> Task | dict[str, list[str]]:
    """The case's values typed over an existing task in the edit form."""
    client = _client(world.city_office)
    assert client.post("/ledger/new/", form_values(world, VALID, "G1")).status_code == 302
    task = Task.objects.get(plan=world.plan, seq="G1")
    response = client.post(f"/ledger/{task.uuid}/edit/", {**form_values(world, case, "G1"), "version": task.version})
    return _form_result(response, task)


def api_body(world: Any, case: Case, seq: str) -> dict[str, Any]:
    return {
        "plan": str(world.plan.uuid), "region": world.county.code, "seq": seq, "problem": case.problem or "接口录入的问题",
        "measures": ["措施"], "lead_units": [case.lead] if case.lead else [], "cooperating_units": [case.coop] if case.coop else [],
        "responsible_units": [case.resp] if case.resp else [], "responsible_person": case.person,
        "deadline": None, "deadline_text": case.deadline, "reason": "接口录入",
    }


def through_api(world: Any, case: Case) -> Task | dict[str, list[str]]:
    response = ApiClient(_client(world.city_office)).post("/api/v1/tasks", api_body(world, case, "A1"))
    if response.status_code == 201:
        return Task.objects.get(uuid=response.json()["uuid"])
    return _api_errors(response)


def through_api_put(world: Any, case: Case) -> Task | dict[str, list[str]]:
    """The case's values PUT over an existing task."""
    client = _client(world.city_office)
    created = ApiClient(client).post("/api/v1/tasks", api_body(world, VALID, "B1"))
    assert created.status_code == 201, created.content
    task = Task.objects.get(uuid=created.json()["uuid"])
    response = client.put(f"/api/v1/tasks/{task.uuid}", data=json.dumps({**api_body(world, case, "B1"), "version": task.version}),
                          content_type="application/json")
    if response.status_code == 200:
        task.refresh_from_db()
        return task
    return _api_errors(response)


def _api_errors(response: Any) -> dict[str, list[str]]:
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
    ws.append(["E1", case.problem or "表格导入的问题", "措施", cell, case.person, case.deadline])
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
    results = {"表单": through_form(world, case), "表单修改": through_form_edit(world, case), "接口": through_api(world, case),
               "接口修改": through_api_put(world, case), "Excel": through_excel(world, case)}
    if case.refused is None:
        for path, result in results.items():
            assert isinstance(result, Task), f"{path}: {result}"
            assert _outcome(result, case) == _expected(case), path
    else:
        field_name, message = case.refused
        for path, result in results.items():
            assert isinstance(result, dict), f"{path} accepted what the rules refuse"
            assert any(message in m for m in result.get(field_name, [])), f"{path}: {result}"
    preview, task = through_document(world, case)
    if case.document is None and case.refused is None:  # a document's problem is a line of its own (no line ends)
        assert task is not None and _outcome(task, case)[:3] == _expected(case)[:3]
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


def _patch(client: Client, task: Task, body: dict[str, Any]) -> Any:
    task.refresh_from_db()
    return client.patch(f"/api/v1/tasks/{task.uuid}", data=json.dumps({**body, "version": task.version}), content_type="application/json")


def test_a_task_moved_to_another_region_finds_its_units_there_alike(world: Any) -> None:
    """The form finds the units by name in the task's new region; a PATCH of the region alone kept units the
    new region cannot name (区生态环境分局 is 城区's, not 泽州县's): now both refuse alike."""
    client = _client(world.city_office)
    message = validation.unknown_units_message(["区生态环境分局"])
    form_task, api_task = (through_form(world, VALID), through_api(world, VALID))
    assert isinstance(form_task, Task) and isinstance(api_task, Task)
    values = {**TaskFormInitial.of(form_task), "region": world.county2.pk, "version": form_task.version}
    form = client.post(f"/ledger/{form_task.uuid}/edit/", values)
    assert form.status_code == 200 and form.context["form"].errors["responsible_units"] == [message]
    api = _patch(client, api_task, {"region": world.county2.code})
    assert api.status_code == 422 and {"field": "responsible_units", "label": "责任单位", "message": message} in api.json()["errors"]
    assert set(Task.objects.values_list("region", flat=True)) == {world.county.pk}


def test_an_office_below_the_plan_edits_its_task_in_that_plan_alike(world: Any) -> None:
    """A county office edits a county task of the city's plan: the form keeps the task's own plan; the API
    refused the plan it was sent back (not in the office's write scope), now it keeps it too."""
    from conftest import PASSWORD
    from rectify.accounts.models import RoleGrant, User
    from rectify.accounts.roles import Role

    office = User.objects.create_user(username="county_office", password=PASSWORD)
    RoleGrant.objects.create(user=office, role=Role.OFFICE, region=world.county)
    form_task, api_task = (through_form(world, VALID), through_api(world, VALID))
    assert isinstance(form_task, Task) and isinstance(api_task, Task)
    client = _client(office)
    form = client.post(f"/ledger/{form_task.uuid}/edit/", {**TaskFormInitial.of(form_task), "title": "改", "version": form_task.version})
    assert form.status_code == 302, form.context["form"].errors
    put = client.put(f"/api/v1/tasks/{api_task.uuid}", data=json.dumps({**api_body(world, VALID, "A1"), "title": "改", "version": api_task.version}),
                     content_type="application/json")
    assert put.status_code == 200, put.content
    patched = _patch(client, api_task, {"plan": str(world.plan.uuid), "title": "再改"})
    assert patched.status_code == 200, patched.content
    assert sorted(Task.objects.values_list("title", "plan")) == [("再改", world.plan.pk), ("改", world.plan.pk)]
    other = _patch(client, api_task, {"plan": str(world.other_plan.uuid)})
    assert other.status_code == 422 and other.json()["errors"][0]["message"] == "整改方案不存在，或不在您的管辖范围内"


class TaskFormInitial:
    """What the edit page posts back when nothing is changed."""

    @staticmethod
    def of(task: Task) -> dict[str, Any]:
        from rectify.tasks.forms import TaskForm

        values = {name: "" if value is None else value for name, value in TaskForm.initial_from(task).items()}
        return {**values, "long_term": "on" if task.long_term else "", "priority": "on" if task.priority else ""}


def test_unticking_long_term_where_the_wording_says_so_reads_alike(world: Any) -> None:
    """时限原文 “长期坚持” makes a task long-term whatever the box says: the form read it on every save; a PATCH
    of long_term alone skipped it and refused the task as having no deadline. Now both keep it long-term."""
    case = Case("长期", "长期坚持", resp="区生态环境分局")
    form_task, api_task = (through_form(world, case), through_api(world, case))
    assert isinstance(form_task, Task) and isinstance(api_task, Task)
    client = _client(world.city_office)
    form = client.post(f"/ledger/{form_task.uuid}/edit/", {**TaskFormInitial.of(form_task), "long_term": "", "version": form_task.version})
    assert form.status_code == 302, form.context["form"].errors
    api = _patch(client, api_task, {"long_term": False})
    assert api.status_code == 200, api.content
    assert sorted(Task.objects.values_list("deadline", "long_term", "deadline_text")) == [(None, True, "长期坚持")] * 2
