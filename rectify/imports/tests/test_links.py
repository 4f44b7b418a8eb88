"""What an import links to and creates: the inspection, unit groups, units in their own counties."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from rectify.inspections.models import Inspection, Plan
from rectify.regions.groups import expand_group, group_members, umbrella_rule
from rectify.regions.models import Unit
from rectify.tasks.models import Task

from . import documents
from .helpers import batch_from, confirm, upload

pytestmark = pytest.mark.django_db


def _register(stub_parser: Any, marker: str, **changes: Any) -> bytes:
    data = marker.encode("gbk")
    stub_parser.register(data, {**documents.TXT_EXPECTED, **changes})
    return data


INSPECTION_CASES = [
    # (what differs from the document, linked?)
    ({}, True),
    ({"round": 3}, True),
    ({"stationed_from": datetime.date(2020, 5, 6), "stationed_to": datetime.date(2020, 6, 6), "feedback_date": datetime.date(2020, 9, 1)}, False),
    ({"feedback_date": datetime.date(2024, 3, 6)}, False),
    ({"round": 2}, False),
    ({"level": "central"}, False),
]


@pytest.mark.parametrize(("differs", "linked"), INSPECTION_CASES)
def test_inspection_linked_only_when_level_round_and_dates_agree(
    world: Any, login: Any, stub_parser: Any, differs: dict[str, Any], linked: bool
) -> None:
    Inspection.objects.filter(pk=world.inspection.pk).update(**differs)
    inspection = {**documents.INSPECTION, "round": 3 if "round" in differs else None}
    data = _register(stub_parser, f"督察{sorted(differs)}", inspection=inspection)
    client = login(world.city_office)
    batch = batch_from(upload(client, data, "plan.txt"))
    page = client.get(reverse("imports:preview", args=[batch.uuid])).content.decode()
    # Both sides, side by side: the document's dates and the existing inspection's.
    assert 'id="inspection-compare"' in page
    assert "2023年10月17日 至 2023年11月16日" in page
    if linked:
        assert "已有督察" in page and 'id="inspection-mismatch"' not in page
    else:
        assert "将新建督察" in page and 'id="inspection-mismatch"' in page
    assert confirm(client, batch).status_code == 302
    plan = Plan.objects.get(title=documents.TXT_TITLE)
    assert (plan.inspection == world.inspection) is linked
    assert plan.inspection is not None
    assert plan.inspection.stationed_from == datetime.date(2023, 10, 17)  # the document's own dates
    assert Inspection.objects.count() == (1 if linked else 2)


def test_team_name_alone_without_dates_does_not_link(world: Any, login: Any, stub_parser: Any) -> None:
    facts = {"team": documents.INSPECTION["team"], "level": "provincial", "round": None}
    data = _register(stub_parser, "只有组名", inspection=facts)
    client = login(world.city_office)
    batch = batch_from(upload(client, data, "plan.txt"))
    assert confirm(client, batch).status_code == 302
    plan = Plan.objects.get(title=documents.TXT_TITLE)
    assert plan.inspection is not None and plan.inspection != world.inspection


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("各县（市、区）政府", "subordinate_governments"),
        ("各县（市、区）人民政府", "subordinate_governments"),
        ("各区县", "subordinate_governments"),
        ("相关县（市、区）政府", "subordinate_governments"),
        ("市环境应急指挥部相关成员单位", "departments"),
        ("相关职能部门", "departments"),
        ("各镇（街道）", "towns"),
        ("各乡镇人民政府", "towns"),
        ("区直相关单位", "departments"),
        ("相关部门", "departments"),
        ("市直有关部门", "departments"),
        ("各有关单位", "departments"),
        ("区生态环境分局", ""),
        ("泽州县人民政府", ""),
        ("各类企业集团有限公司" * 5, ""),
    ],
)
def test_umbrella_phrases(name: str, rule: str) -> None:
    assert umbrella_rule(name) == rule


def test_city_plan_umbrella_phrases_become_groups_and_county_units_their_counties(
    world: Any, login: Any, stub_parser: Any
) -> None:
    tasks = [dict(t) for t in documents.TXT_EXPECTED["tasks"]]
    tasks[0] = dict(tasks[0], lead_units=["市生态环境局"], responsible_units=["各县（市、区）政府", "相关部门"])
    tasks[1] = dict(tasks[1], responsible_units=["泽州县人民政府", "泽州县林业局", "城区住房和城乡建设局"])
    data = _register(stub_parser, "市级方案", region="晋城市", tasks=tasks)
    Unit.objects.create(name="市水务局", region=world.city)
    town = world.county.children.create(code="140502001", name="东街街道", level="town", path=f"{world.county.path}140502001/")
    Unit.objects.create(name="东街街道办事处", kind=Unit.Kind.TOWN, region=town)
    client = login(world.city_office)
    batch = batch_from(upload(client, data, "city.txt"))
    assert batch.region == world.city
    page = client.get(reverse("imports:preview", args=[batch.uuid])).content.decode()
    assert "统称，分解时展开为各成员单位" in page
    assert "建在泽州县" in page and "建在晋城市城区" in page
    assert confirm(client, batch).status_code == 302

    counties = Unit.objects.get(name="各县（市、区）政府")
    departments = Unit.objects.get(name="相关部门")
    assert counties.kind == departments.kind == Unit.Kind.GROUP
    assert (counties.region, counties.member_rule) == (world.city, "subordinate_governments")
    assert (departments.region, departments.member_rule) == (world.city, "departments")
    # Real units named after a county are created in (or matched from) that county.
    assert Unit.objects.get(name="泽州县林业局").region == world.county2
    assert Unit.objects.get(name="城区住房和城乡建设局").region == world.county
    assert Unit.objects.filter(name="泽州县人民政府").get() == world.unit_county2_gov
    # Membership: the counties' governments; the city's departments; groups are never members.
    assert set(group_members(counties)) == {world.unit_county_gov, world.unit_county2_gov}
    assert world.unit_city_env in group_members(departments) and departments not in group_members(departments)
    assert expand_group(counties, world.county2) == [world.unit_county2_gov]
    # Decomposed to a county, 相关部门 means the county's departments.
    assert world.unit_county_env in expand_group(departments, world.county)
    towns = Unit.objects.create(name="各镇（街道）", kind=Unit.Kind.GROUP, member_rule="towns", region=world.county)
    assert [u.name for u in expand_group(towns, world.county)] == ["东街街道办事处"]


def test_decomposition_expands_groups_to_their_members(world: Any, login: Any, stub_parser: Any) -> None:
    tasks = [dict(documents.TXT_EXPECTED["tasks"][0], responsible_units=["各县（市、区）政府", "相关部门"])]
    data = _register(stub_parser, "市级方案分解", region="晋城市", tasks=tasks)
    client = login(world.city_office)
    assert confirm(client, batch_from(upload(client, data, "city.txt"))).status_code == 302
    task = Task.objects.get(parent__isnull=True, plan__title=documents.TXT_TITLE)
    lines = "泽州县：各县（市、区）政府\n城区：各县（市、区）政府、相关部门"
    response = client.post(reverse("tasks:decompose", args=[task.uuid]), {"lines": lines})
    assert response.status_code == 302
    children = {c.region: c for c in task.children.all()}
    assert {u.name for u in children[world.county2].units_by_role("responsible")} == {"泽州县人民政府"}
    assert {u.name for u in children[world.county].units_by_role("responsible")} == {"城区人民政府", "区生态环境分局"}
    assert not any(u.is_group for c in children.values() for u in c.units_by_role("responsible"))


def test_decomposition_refuses_a_group_without_members_there(world: Any, login: Any, stub_parser: Any) -> None:
    tasks = [dict(documents.TXT_EXPECTED["tasks"][0], responsible_units=["各镇（街道）"])]
    data = _register(stub_parser, "无成员", region="晋城市", tasks=tasks)
    client = login(world.city_office)
    assert confirm(client, batch_from(upload(client, data, "city.txt"))).status_code == 302
    task = Task.objects.get(parent__isnull=True, plan__title=documents.TXT_TITLE)
    response = client.post(reverse("tasks:decompose", args=[task.uuid]), {"lines": "泽州县：各镇（街道）"}, follow=True)
    assert "没有成员单位" in response.content.decode()
    assert not task.children.exists()
