"""Inspection pages: list, detail, create, edit — scope for every role, version check, history."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from rectify.core.models import ChangeRecord
from rectify.inspections.models import Inspection

pytestmark = pytest.mark.django_db


def _form(inspection: Inspection, **changes: Any) -> dict[str, Any]:
    data = {
        "team": inspection.team, "level": inspection.level, "round": inspection.round or "", "batch": inspection.batch,
        "target_region": inspection.target_region_id,
        "stationed_from": inspection.stationed_from.isoformat() if inspection.stationed_from else "",
        "stationed_to": inspection.stationed_to.isoformat() if inspection.stationed_to else "",
        "feedback_date": inspection.feedback_date.isoformat() if inspection.feedback_date else "",
        "version": inspection.version, "reason": "",
    }
    data.update(changes)
    return data


def _other_inspection(world: Any) -> Inspection:
    return Inspection.objects.create(team="太原督察组", level="provincial", round=3, target_region=world.other_city)


def test_list_is_scoped_to_the_region_subtree_for_every_role(world: Any, login: Any, client: Any) -> None:
    other = _other_inspection(world)
    county = Inspection.objects.create(team="城区督察组", level="municipal", target_region=world.county)
    url = reverse("inspections:list")
    assert client.get(url).status_code == 302  # anonymous → login
    expected = {
        world.admin: {world.inspection, other, county},
        world.province_office: {world.inspection, other, county},
        world.city_office: {world.inspection, county},
        world.leader: {world.inspection, county},
        world.reviewer: {world.inspection, county},
        world.lead_unit: {world.inspection, county},  # unit of the city: the city's subtree
        world.county_unit: {county},
        world.other_unit: {other},
        world.nobody: set(),
    }
    for user, visible in expected.items():
        html = login(user).get(url).content.decode()
        shown = {i for i in (world.inspection, other, county) if reverse("inspections:detail", args=[i.uuid]) in html}
        assert shown == visible, user.username
        for inspection in {world.inspection, other, county} - visible:
            assert login(user).get(reverse("inspections:detail", args=[inspection.uuid])).status_code == 404, user.username


def test_list_search_level_filter_and_pagination(world: Any, login: Any) -> None:
    for n in range(30):
        Inspection.objects.create(team=f"第{n}督察组", level="municipal", target_region=world.county, batch=f"A&B批次{n}")
    client = login(world.city_office)
    url = reverse("inspections:list")
    first = client.get(url).content.decode()
    assert "第 1 / 2 页，共 31 条" in first
    assert "第 2 / 2 页" in client.get(url, {"page": 2}).content.decode()
    assert "?page=2&amp;level=municipal" in client.get(url, {"level": "municipal"}).content.decode()
    assert "?page=2&amp;q=A%26B" in client.get(url, {"q": "A&B"}).content.decode()  # the query is URL-encoded in the links
    found = client.get(url, {"q": "批次17"}).content.decode()
    assert "第17督察组" in found and "第18督察组" not in found
    provincial = client.get(url, {"level": "provincial"}).content.decode()
    assert world.inspection.team in provincial and "第17督察组" not in provincial
    for garbage in ({"page": "x"}, {"page": "-1"}, {"page": "99999999999999999999"}, {"level": "<b>"}, {"q": "字" * 5000}):
        assert client.get(url, garbage).status_code == 200
    assert client.get(url, {"q": "\x00"}).status_code == 400


def test_detail_shows_plans_and_history(world: Any, login: Any, make_task: Any) -> None:
    make_task()
    html = login(world.city_office).get(reverse("inspections:detail", args=[world.inspection.uuid])).content.decode()
    assert world.plan.title in html and "1 项" in html
    assert "2023-10-17" in html and "2024-03-05" in html
    assert "修改" in html


def test_create_only_by_office_and_admin_inside_their_write_scope(world: Any, login: Any) -> None:
    url = reverse("inspections:create")
    for user in (world.leader, world.reviewer, world.lead_unit, world.county_unit, world.nobody):
        assert login(user).get(url).status_code == 403, user.username
        assert login(user).post(url, {"team": "x", "level": "municipal", "target_region": world.county.pk}).status_code == 403
    client = login(world.city_office)
    outside = client.post(url, {"team": "越界督察组", "level": "municipal", "target_region": world.other_city.pk})
    assert outside.status_code == 200 and "选择一个有效的选项" in outside.content.decode()
    response = client.post(url, {
        "team": "市第一督察组", "level": "municipal", "round": "1", "batch": "第二批", "target_region": world.county.pk,
        "stationed_from": "2025-04-01", "stationed_to": "2025-04-30", "feedback_date": "2025-06-10", "reason": "登记",
    })
    created = Inspection.objects.get(team="市第一督察组")
    assert response.status_code == 302 and response["Location"] == reverse("inspections:detail", args=[created.uuid])
    assert created.stationed_to == datetime.date(2025, 4, 30) and created.batch == "第二批" and created.round == 1
    row = ChangeRecord.objects.get(object_uuid=created.uuid)
    assert row.action == "create" and row.user == world.city_office and row.after["team"] == "市第一督察组"
    assert login(world.admin).post(url, {"team": "中央督察组", "level": "central", "target_region": world.province.pk}).status_code == 302


def test_dates_are_validated(world: Any, login: Any) -> None:
    response = login(world.city_office).post(reverse("inspections:create"), {
        "team": "组", "level": "municipal", "target_region": world.county.pk,
        "stationed_from": "2025-04-30", "stationed_to": "2025-04-01", "feedback_date": "2025-03-01",
    })
    html = response.content.decode()
    assert response.status_code == 200 and "进驻结束日期不能早于进驻开始日期" in html and "反馈日期不能早于进驻开始日期" in html
    assert not Inspection.objects.filter(team="组").exists()


def test_edit_permissions_for_every_role(world: Any, login: Any) -> None:
    url = reverse("inspections:edit", args=[world.inspection.uuid])
    for user in (world.leader, world.reviewer, world.lead_unit):
        assert login(user).get(url).status_code == 403, user.username
        assert login(user).post(url, _form(world.inspection, team="改")).status_code == 403
    for user in (world.county_unit, world.other_unit, world.nobody):
        assert login(user).get(url).status_code == 404, user.username
    other = _other_inspection(world)
    assert login(world.city_office).get(reverse("inspections:edit", args=[other.uuid])).status_code == 404
    for user in (world.city_office, world.province_office, world.admin):
        assert login(user).get(url).status_code == 200, user.username
    world.inspection.refresh_from_db()
    assert world.inspection.team == "省第三生态环境保护督察组"
    assert not ChangeRecord.objects.filter(object_uuid=world.inspection.uuid).exists()


def test_edit_form_renders_iso_dates_and_untouched_round_trip_changes_nothing(world: Any, login: Any) -> None:
    client = login(world.city_office)
    url = reverse("inspections:edit", args=[world.inspection.uuid])
    html = client.get(url).content.decode()
    assert 'type="date"' in html and 'value="2023-10-17"' in html and 'value="2024-03-05"' in html
    response = client.post(url, _form(world.inspection))
    assert response.status_code == 302
    world.inspection.refresh_from_db()
    assert world.inspection.version == 1
    assert not ChangeRecord.objects.filter(object_uuid=world.inspection.uuid).exists()


def test_edit_records_before_and_after_and_refuses_a_stale_version(world: Any, login: Any) -> None:
    client = login(world.city_office)
    url = reverse("inspections:edit", args=[world.inspection.uuid])
    stale = _form(world.inspection, team="另一人的修改")
    assert client.post(url, _form(world.inspection, feedback_date="2024-03-06", reason="更正反馈日期")).status_code == 302
    world.inspection.refresh_from_db()
    assert world.inspection.feedback_date == datetime.date(2024, 3, 6) and world.inspection.version == 2
    row = ChangeRecord.objects.get(object_uuid=world.inspection.uuid)
    assert row.action == "update" and row.reason == "更正反馈日期"
    assert row.before["feedback_date"] == "2024-03-05" and row.after["feedback_date"] == "2024-03-06"

    refused = client.post(url, stale)
    assert refused.status_code == 409
    assert "该记录已被他人修改" in refused.content.decode()
    world.inspection.refresh_from_db()
    assert world.inspection.team == "省第三生态环境保护督察组"
    assert ChangeRecord.objects.filter(object_uuid=world.inspection.uuid).count() == 1
    history = client.get(reverse("inspections:detail", args=[world.inspection.uuid])).content.decode()
    assert "更正反馈日期" in history and "2024-03-05" in history
    assert "<b>反馈日期</b>：" in history and "feedback_date" not in history  # Chinese labels, as everywhere


def test_navigation_links_to_inspections(world: Any, login: Any) -> None:
    html = login(world.county_unit).get(reverse("tasks:ledger")).content.decode()
    assert f'href="{reverse("inspections:list")}"' in html


def test_a_unit_sees_the_inspection_of_a_task_it_works_on_but_cannot_edit_it(world: Any, login: Any, make_task: Any) -> None:
    detail = reverse("inspections:detail", args=[world.inspection.uuid])
    assert login(world.county_unit).get(detail).status_code == 404
    make_task()  # the city inspection's task, assigned to 区生态环境分局
    response = login(world.county_unit).get(detail)
    assert response.status_code == 200 and world.inspection.team in response.content.decode()
    assert world.inspection.team in login(world.county_unit).get(reverse("inspections:list")).content.decode()
    assert login(world.county_unit).get(reverse("inspections:edit", args=[world.inspection.uuid])).status_code == 403
    assert login(world.other_unit).get(detail).status_code == 404


def test_plan_counts_only_the_tasks_the_caller_sees(world: Any, login: Any, make_task: Any) -> None:
    """The counts come from the ledger (registered in ``rectify.inspections.hooks``), through its scope."""
    from rectify.inspections.hooks import visible_task_ids

    make_task()  # led by the city's environment bureau
    make_task(region=world.county2, units={"lead": [world.unit_county2_gov]})
    assert visible_task_ids(world.city_office) is not None
    url = reverse("inspections:detail", args=[world.inspection.uuid])
    assert "2 项" in login(world.city_office).get(url).content.decode()
    unit_page = login(world.lead_unit).get(url)
    assert unit_page.status_code == 200 and "1 项" in unit_page.content.decode() and "2 项" not in unit_page.content.decode()
