"""The Excel round trip on plans as they really are: numbering that restarts in each section, several
plans in one sheet, users with a write scope narrower than what they can read, and hostile cells."""
from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from rectify.accounts.models import RoleGrant, User
from rectify.accounts.roles import Role
from rectify.core.models import ChangeRecord
from rectify.inspections.models import Plan
from rectify.tasks.excel import (
    HEADERS,
    READ_ONLY_COLUMNS,
    deadline_from_text,
    natural_key,
    parse_deadline,
    read_ledger,
)
from rectify.tasks.excel_import import ImportRefused, apply_preview, build_preview
from rectify.tasks.models import Assignment, Milestone, Task

from .test_excel import confirm, data_dicts, edit_sheet, export, make_sheet, media, statuses, upload  # noqa: F401

LEAD, RESP = Assignment.Role.LEAD, Assignment.Role.RESPONSIBLE
# Two made-up plans whose numbering restarts in every section, as many real plans do:
# (section path, 序号 in creation order). The creation order inside a section is scrambled on
# purpose: the export must still list 1, 2, … 9, 10, 11.
CITY_SECTIONS = [
    (["一、压实责任", "（一）健全制度"], ["3", "1", "2"]),
    (["一、压实责任", "（二）强化考核"], ["10", "2", "1", "11", "9", "3", "4", "5", "6", "7", "8"]),
    (["二、治理污染"], ["2", "1", "2.10", "2.3"]),
]
COUNTY_SECTIONS = [
    (["一、水污染防治"], ["1", "2"]),
    (["二、大气污染防治"], ["1", "2", "3"]),
]


def build_plan(make_task: Callable[..., Task], plan: Plan, region: Any, sections: list[tuple[list[str], list[str]]], units: dict[str, Any]) -> list[Task]:
    tasks = []
    for section, seqs in sections:
        for seq in seqs:
            tasks.append(make_task(plan=plan, region=region, section=section, seq=seq, units=units,
                                   problem=f"{section[-1]}的第{seq}项问题", title=f"任务{seq}"))
    return tasks


@pytest.fixture
def two_plans(world: SimpleNamespace, make_task: Callable[..., Task]) -> SimpleNamespace:
    county_plan = Plan.objects.create(region=world.county, title="城区整改方案")
    city = build_plan(make_task, world.plan, world.county2, CITY_SECTIONS, {RESP: [world.unit_county2_gov]})
    county = build_plan(make_task, county_plan, world.county, COUNTY_SECTIONS, {LEAD: [world.unit_county_env]})
    Milestone.objects.create(task=city[0], date=datetime.date(2026, 6, 30), text="完成排查")
    Task.objects.filter(pk=county[0].pk).update(priority=True)
    return SimpleNamespace(city=city, county=county, county_plan=county_plan)


def versions() -> dict[int, int]:
    return dict(Task.objects.values_list("pk", "version"))


@pytest.mark.django_db
def test_export_of_two_plans_with_restarting_numbers_reimports_with_no_change(
    world: SimpleNamespace, two_plans: SimpleNamespace, login: Callable[[Any], Client],
) -> None:
    client = login(world.city_office)
    content = export(client).content
    rows = data_dicts(content)
    assert len(rows) == len(two_plans.city) + len(two_plans.county)
    assert {"区划", "整改方案", "章节", "时间节点", "重点"} <= set(HEADERS)

    # Plans one after the other, sections in document order, 序号 in natural order inside each section.
    listed = [(r["整改方案"], r["章节"], r["序号"]) for r in rows]
    expected = [("晋城市整改方案", " / ".join(section), seq) for section, seqs in CITY_SECTIONS for seq in sorted(seqs, key=natural_key)]
    expected += [("城区整改方案", " / ".join(section), seq) for section, seqs in COUNTY_SECTIONS for seq in sorted(seqs, key=natural_key)]
    assert listed == expected
    assert [r["序号"] for r in rows[3:14]] == [str(n) for n in range(1, 12)]
    assert [r["序号"] for r in rows[14:18]] == ["1", "2", "2.3", "2.10"]

    first = next(r for r in rows if r["系统编号"] == str(two_plans.city[0].uuid))
    assert (first["区划"], first["时间节点"], first["重点"]) == ("泽州县", "2026-06-30 完成排查", None)
    priority = next(r for r in rows if r["系统编号"] == str(two_plans.county[0].uuid))
    assert (priority["区划"], priority["整改方案"], priority["重点"]) == ("晋城市城区", "城区整改方案", "是")

    before_versions, before_history = versions(), ChangeRecord.objects.count()
    preview = upload(client, content, world)
    assert preview.status_code == 200, preview.content.decode()[:2000]
    assert statuses(preview) == {"新增": 0, "修改": 0, "无变化": len(rows), "错误": 0}
    assert confirm(client, preview).status_code == 302
    assert versions() == before_versions and ChangeRecord.objects.count() == before_history


def test_natural_order_of_numbers() -> None:
    seqs = ["10", "2", "1", "11", "2.10", "2.3", "9", "（一）", "3a"]
    assert sorted(seqs, key=natural_key) == ["1", "2", "2.3", "2.10", "3a", "9", "10", "11", "（一）"]


@pytest.mark.django_db
def test_one_edited_cell_is_exactly_one_change_and_read_only_columns_are_ignored(
    world: SimpleNamespace, two_plans: SimpleNamespace, login: Callable[[Any], Client],
) -> None:
    client = login(world.city_office)
    content = export(client).content
    rows = data_dicts(content)
    target = two_plans.county[3]  # 二、大气污染防治, 序号 2: the number also exists in the other section
    number = 3 + next(i for i, r in enumerate(rows) if r["系统编号"] == str(target.uuid))
    other = 3 + next(i for i, r in enumerate(rows) if r["系统编号"] == str(two_plans.city[5].uuid))
    edited = edit_sheet(content, {(number, "整改目标"): "改过的目标"} | {(other, name): "随便改的只读内容" for name in READ_ONLY_COLUMNS})

    before = ChangeRecord.objects.count()
    preview = upload(client, edited, world)
    assert statuses(preview) == {"新增": 0, "修改": 1, "无变化": len(rows) - 1, "错误": 0}
    [row] = [r for r in preview.context["rows"] if r.status == "changed"]
    assert [(c.label, c.new) for c in row.changes] == [("整改目标", "改过的目标")]
    assert confirm(client, preview).status_code == 302
    target.refresh_from_db()
    assert (target.target, target.version, target.seq, target.section) == ("改过的目标", 2, "2", ["二、大气污染防治"])
    assert ChangeRecord.objects.count() == before + 1


@pytest.mark.django_db
def test_section_and_priority_round_trip(world: SimpleNamespace, two_plans: SimpleNamespace, login: Callable[[Any], Client]) -> None:
    client = login(world.city_office)
    content = export(client).content
    rows = data_dicts(content)
    task = two_plans.city[0]
    number = 3 + next(i for i, r in enumerate(rows) if r["系统编号"] == str(task.uuid))
    preview = upload(client, edit_sheet(content, {(number, "章节"): "三、新的章节 / （一）小节", (number, "重点"): "是"}), world)
    [row] = [r for r in preview.context["rows"] if r.status == "changed"]
    assert {c.label for c in row.changes} == {"章节", "重点"}
    confirm(client, preview)
    task.refresh_from_db()
    assert (task.section, task.section_title, task.priority) == (["三、新的章节", "（一）小节"], "三、新的章节 / （一）小节", True)

    again = export(client).content
    assert statuses(upload(client, again, world))["修改"] == 0


@pytest.mark.django_db
def test_rows_without_system_number_match_by_section_and_number(
    world: SimpleNamespace, two_plans: SimpleNamespace, login: Callable[[Any], Client],
) -> None:
    headers = ["序号", "章节", "反馈问题", "整改目标", "责任单位", "整改时限"]
    county_plan = two_plans.county_plan
    content = make_sheet([
        ["2", "二、大气污染防治", "二、大气污染防治的第2项问题", "按章节和序号找到", "区生态环境分局（牵头）", "2030-12-31"],
        ["4", "二、大气污染防治", "新的一项", "新目标", "区生态环境分局（牵头）", "2030-12-31"],
        ["1", "三、新增章节", "新章节的第一项", "新目标", "区生态环境分局（牵头）", "2030-12-31"],
    ], headers=headers)
    client = login(world.city_office)
    preview = upload(client, content, world, plan=county_plan, region=world.county)
    assert statuses(preview) == {"新增": 2, "修改": 1, "无变化": 0, "错误": 0}
    confirm(client, preview)
    assert Task.objects.get(pk=two_plans.county[3].pk).target == "按章节和序号找到"
    assert Task.objects.get(pk=two_plans.county[1].pk).target != "按章节和序号找到"  # 序号 2 of the other section
    assert Task.objects.filter(plan=county_plan, seq="1").count() == 3

    # Without a 章节 column, a repeated 序号 is ambiguous: the row asks for the 系统编号 instead of guessing.
    ambiguous = make_sheet([["2", "某问题", "", "目标", "", "区生态环境分局", "", "2030-12-31", "", "", ""]])
    refused = upload(client, ambiguous, world, plan=county_plan, region=world.county)
    errors = " ".join(e for r in refused.context["rows"] for e in r.errors)
    assert "有 2 项序号为 2 的任务，请填写系统编号以区分" in errors


# ---------------------------------------------------------------------------------------------
# Write scope (an office in one region, a read-only leader in another)
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def dual(world: SimpleNamespace) -> User:
    from conftest import PASSWORD

    user = User.objects.create_user(username="dual", password=PASSWORD, unit=world.unit_city_office)
    RoleGrant.objects.create(user=user, role=Role.OFFICE, region=world.city)
    RoleGrant.objects.create(user=user, role=Role.LEADER, region=world.other_city)
    return user


NEW_ROW = ["5", "太原的新问题", "", "目标", "", "太原市生态环境局", "", "2030-12-31", "", "", ""]


@pytest.mark.django_db
def test_dual_role_user_cannot_import_into_the_region_they_only_read(
    world: SimpleNamespace, make_task: Callable[..., Task], login: Callable[[Any], Client], dual: User,
) -> None:
    foreign = make_task(seq="1", plan=world.other_plan, region=world.other_city, units={RESP: [world.unit_other_env]}, target="原目标")
    mine = make_task(seq="1", target="我的目标")
    client = login(dual)

    # The form offers only plans in the write scope; a crafted post for the other plan is refused.
    form = client.get(reverse("tasks:import")).context["form"]
    assert list(form.fields["plan"].queryset) == [world.plan]
    assert world.other_city not in form.fields["region"].queryset
    crafted = upload(client, make_sheet([NEW_ROW]), world, plan=world.other_plan, region=world.other_city)
    assert crafted.status_code == 400 and Task.objects.count() == 2

    # The service itself refuses new rows outside the write scope, whoever calls it.
    preview = build_preview(read_ledger(make_sheet([NEW_ROW])), plan=world.other_plan, region=world.other_city, user=dual)
    assert preview.has_errors and "没有在“太原市”新增任务的权限" in preview.rows[0].errors[0]
    with pytest.raises(ImportRefused):
        apply_preview(preview, reason="x")

    # The user's export holds both regions' tasks: unchanged, it re-imports; a change to a task they
    # only read is refused, a change to their own goes through.
    content = export(client).content
    rows = data_dicts(content)
    assert {r["系统编号"] for r in rows} == {str(foreign.uuid), str(mine.uuid)}
    assert statuses(upload(client, content, world)) == {"新增": 0, "修改": 0, "无变化": 2, "错误": 0}
    row_of = {r["系统编号"]: 3 + i for i, r in enumerate(rows)}
    edited = edit_sheet(content, {(row_of[str(foreign.uuid)], "整改目标"): "越权修改", (row_of[str(mine.uuid)], "整改目标"): "新目标"})
    refused = upload(client, edited, world)
    assert statuses(refused)["错误"] == 1
    assert "只有查看权限" in " ".join(e for r in refused.context["rows"] for e in r.errors)
    foreign.refresh_from_db()
    assert (foreign.target, foreign.version) == ("原目标", 1)
    ok = upload(client, edit_sheet(content, {(row_of[str(mine.uuid)], "整改目标"): "新目标"}), world)
    assert statuses(ok)["修改"] == 1 and confirm(client, ok).status_code == 302
    mine.refresh_from_db()
    assert mine.target == "新目标"


# ---------------------------------------------------------------------------------------------
# Hostile cells: long 整改时限 cells are refused with a Chinese message, and parsing is linear
# ---------------------------------------------------------------------------------------------


def _run(text: str) -> float:
    start = time.thread_time()
    try:
        deadline_from_text(text)
    except ValueError:
        pass
    return time.thread_time() - start


def _growth(make: Callable[[int], str], n: int) -> float:
    """t(20n) / t(n), each the best of seven runs taken in turn (so that a busy machine slows all sizes alike)."""
    texts = {k: make(k * n) for k in (1, 20)}
    best = dict.fromkeys(texts, float("inf"))
    for _ in range(7):
        for k, text in texts.items():
            best[k] = min(best[k], _run(text))
        if best[20] > 1:  # a linear parse of 20,000 characters takes milliseconds
            return float("inf")
    return best[20] / max(best[1], 1e-6)


# Inputs that made the old patterns backtrack: runs of spaces and separators with and without a
# long-term marker or a year in them.
HOSTILE = [
    lambda n: " " * n + "x",
    lambda n: "2025" + " " * n + "x",
    lambda n: "，" * n + "长期",
    lambda n: ("2025 " * (n // 5)) + "尽快",
    lambda n: " 、" * (n // 2) + "2025年",
]


@pytest.mark.parametrize("make", HOSTILE)
def test_deadline_parsing_is_linear(make: Callable[[int], str]) -> None:
    """Linear cost grows 20 times from n to 20n, quadratic 400 times; 60 leaves room for a noisy machine,
    and a second and third try for a moment of load (a quadratic pattern fails all three)."""
    growth: list[float] = []
    while len(growth) < 3 and not (growth and growth[-1] < 60):
        growth.append(_growth(make, 1000))
    assert min(growth) < 60, growth


@pytest.mark.django_db
def test_long_deadline_cell_is_refused_quickly_with_a_chinese_message(world: SimpleNamespace, login: Callable[[Any], Client]) -> None:
    with pytest.raises(ValueError, match="整改时限太长"):
        parse_deadline("2025" + " " * 12000 + "年底")
    cell = "2025" + " " * 12000 + "年底"
    start = time.perf_counter()
    response = upload(login(world.city_office), make_sheet([["1", "问题", "", "", "", "市生态环境局", "", cell, "", "", ""]]), world)
    assert time.perf_counter() - start < 5
    errors = " ".join(e for r in response.context["rows"] for e in r.errors)
    assert "“整改时限”太长" in errors and "不超过 100 个字" in errors


@pytest.mark.django_db
@pytest.mark.parametrize(("column", "limit"), [("序号", 20), ("章节", 2000), ("整改任务", 200), ("责任单位", 2000), ("重点", 10)])
def test_every_limited_column_refuses_a_long_cell(world: SimpleNamespace, login: Callable[[Any], Client], column: str, limit: int) -> None:
    values = {"序号": "1", "反馈问题": "问题", "责任单位": "市生态环境局", "整改时限": "2026-12-31", column: "长" * (limit + 1)}
    headers = list(dict.fromkeys(["序号", "反馈问题", "责任单位", "整改时限", column]))
    response = upload(login(world.city_office), make_sheet([[values[h] for h in headers]], headers=headers), world)
    errors = " ".join(e for r in response.context["rows"] for e in r.errors)
    assert f"“{column}”太长（{limit + 1} 个字，不超过 {limit} 个字）" in errors
    assert Task.objects.count() == 0
