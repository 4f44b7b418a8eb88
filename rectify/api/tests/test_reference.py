"""Regions, units, inspections, plans and assignments."""
import pytest

from rectify.core.models import ChangeRecord
from rectify.inspections.models import Inspection, Plan
from rectify.regions.models import Unit

V1 = "/api/v1"


def items(response):
    assert response.status_code == 200, response.content
    return response.json()["items"]


# ---- regions ---------------------------------------------------------------------------------------


def test_regions_are_readable_by_any_logged_in_user(api_as, world):
    client = api_as(world.nobody)
    assert [r["code"] for r in items(client.get(f"{V1}/regions"))] == ["140000", "140100", "140500", "140502", "140525"]
    assert [r["code"] for r in items(client.get(f"{V1}/regions", {"parent": "140500"}))] == ["140502", "140525"]
    assert [r["code"] for r in items(client.get(f"{V1}/regions", {"level": "city"}))] == ["140100", "140500"]
    detail = client.get(f"{V1}/regions/140502").json()
    assert detail == {
        "code": "140502", "name": "城区", "full_name": "晋城市城区", "level": "county", "level_label": "县级",
        "parent": "140500", "path": "140000/140500/140502/",
    }
    missing = client.get(f"{V1}/regions/999999")
    assert missing.status_code == 404 and "999999" in missing.json()["detail"]


# ---- units -----------------------------------------------------------------------------------------


def test_units_list_and_filter(api_as, world):
    client = api_as(world.county_unit)
    names = {u["name"] for u in items(client.get(f"{V1}/units", {"region": world.city.code}))}
    assert names == {"市整改办", "市生态环境局", "区生态环境分局", "城区人民政府", "泽州县人民政府"}
    found = items(client.get(f"{V1}/units", {"q": "晋城市生态"}))
    assert [u["name"] for u in found] == ["市生态环境局"]  # by alias
    detail = client.get(f"{V1}/units/{world.unit_county_env.uuid}").json()
    assert detail["region"] == {"code": "140502", "name": "晋城市城区"} and detail["kind_label"] == "部门"
    assert client.get(f"{V1}/units/00000000-0000-0000-0000-000000000000").status_code == 404


def test_office_creates_a_unit_in_its_subtree(api_as, world):
    client = api_as(world.city_office)
    response = client.post(f"{V1}/units", {"name": "城区水务局", "region": world.county.code, "aliases": ["区水务局"]})
    assert response.status_code == 201, response.content
    unit = Unit.objects.get(uuid=response.json()["uuid"])
    assert unit.region == world.county and unit.aliases == ["区水务局"]
    row = ChangeRecord.objects.get(object_uuid=unit.uuid)
    assert row.action == "create" and row.user == world.city_office

    duplicate = client.post(f"{V1}/units", {"name": "城区水务局", "region": world.county.code})
    assert duplicate.status_code == 422 and duplicate.json()["errors"][0]["field"] == "name"
    outside = client.post(f"{V1}/units", {"name": "太原市水务局", "region": world.other_city.code})
    assert outside.status_code == 422 and "管辖范围" in outside.json()["detail"]


def test_unit_writes_are_for_offices_in_their_subtree(api_as, world):
    assert api_as(world.leader).post(f"{V1}/units", {"name": "某局", "region": world.city.code}).status_code == 403
    assert api_as(world.lead_unit).patch(f"{V1}/units/{world.unit_city_env.uuid}", {"name": "改名"}).status_code == 403
    other = api_as(world.city_office).patch(f"{V1}/units/{world.unit_other_env.uuid}", {"name": "改名"})
    assert other.status_code == 403
    world.unit_other_env.refresh_from_db()
    assert world.unit_other_env.name == "太原市生态环境局"


def test_office_updates_a_unit(api_as, world):
    response = api_as(world.city_office).patch(
        f"{V1}/units/{world.unit_county_env.uuid}", {"aliases": ["城区生态环境分局"], "reason": "补充别名"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["aliases"] == ["城区生态环境分局"] and response.json()["name"] == "区生态环境分局"
    row = ChangeRecord.objects.get(object_uuid=world.unit_county_env.uuid, action="update")
    assert row.reason == "补充别名" and row.before["aliases"] == [] and row.after["aliases"] == ["城区生态环境分局"]


# ---- inspections -------------------------------------------------------------------------------------


def test_inspection_visibility(api_as, world, make_task):
    inspection = str(world.inspection.uuid)
    assert [i["uuid"] for i in items(api_as(world.city_office).get(f"{V1}/inspections"))] == [inspection]
    assert [i["uuid"] for i in items(api_as(world.leader).get(f"{V1}/inspections"))] == [inspection]
    other_office_client = api_as(world.other_unit)
    assert items(other_office_client.get(f"{V1}/inspections")) == []
    assert other_office_client.get(f"{V1}/inspections/{inspection}").status_code == 404
    # A county unit sees the inspection once it has a task of it.
    assert api_as(world.county_unit).get(f"{V1}/inspections/{inspection}").status_code == 404
    make_task()
    assert api_as(world.county_unit).get(f"{V1}/inspections/{inspection}").status_code == 200
    assert [i["uuid"] for i in items(api_as(world.county_unit).get(f"{V1}/inspections"))] == [inspection]


def test_unit_user_without_tasks_sees_only_its_region(api_as, world):
    # other_unit works in 太原市: the 晋城市 inspection is not its business.
    assert items(api_as(world.other_unit).get(f"{V1}/inspections")) == []


def test_office_creates_and_updates_an_inspection(api_as, world):
    client = api_as(world.city_office)
    body = {"team": "市第一督察组", "level": "municipal", "round": 1, "target_region": world.county2.code, "stationed_from": "2025-03-01", "stationed_to": "2025-03-31"}
    response = client.post(f"{V1}/inspections", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["target_region"]["code"] == "140525" and created["version"] == 1 and created["level_label"] == "市级"
    assert ChangeRecord.objects.filter(object_uuid=created["uuid"], action="create").exists()

    path = f"{V1}/inspections/{created['uuid']}"
    updated = client.patch(path, {"version": 1, "batch": "第二批"})
    assert updated.status_code == 200 and updated.json()["version"] == 2 and updated.json()["batch"] == "第二批"
    stale = client.patch(path, {"version": 1, "batch": "第三批"})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert Inspection.objects.get(uuid=created["uuid"]).batch == "第二批"
    bad_dates = client.patch(path, {"version": 2, "stationed_to": "2025-02-01"})
    assert bad_dates.status_code == 422 and bad_dates.json()["errors"][0]["field"] == "stationed_to"


def test_inspection_writes_are_refused_outside_scope(api_as, world):
    body = {"team": "组", "level": "municipal", "target_region": world.city.code}
    assert api_as(world.leader).post(f"{V1}/inspections", body).status_code == 403
    assert api_as(world.leader).patch(f"{V1}/inspections/{world.inspection.uuid}", {"version": 1, "batch": "x"}).status_code == 403
    outside = api_as(world.city_office).post(f"{V1}/inspections", {**body, "target_region": world.other_city.code})
    assert outside.status_code == 422 and outside.json()["errors"][0]["field"] == "target_region"
    bad_level = api_as(world.city_office).post(f"{V1}/inspections", {**body, "level": "national"})
    assert bad_level.status_code == 422 and "取值无效" in bad_level.json()["detail"]


# ---- plans -------------------------------------------------------------------------------------------


def test_plan_visibility(api_as, world):
    assert [p["title"] for p in items(api_as(world.city_office).get(f"{V1}/plans"))] == ["晋城市整改方案"]
    assert {p["title"] for p in items(api_as(world.province_office).get(f"{V1}/plans"))} == {"晋城市整改方案", "太原市整改方案"}
    assert api_as(world.city_office).get(f"{V1}/plans/{world.other_plan.uuid}").status_code == 404
    assert items(api_as(world.city_office).get(f"{V1}/plans", {"inspection": str(world.inspection.uuid)}))[0]["inspection"] == str(world.inspection.uuid)


def test_office_creates_and_updates_a_plan(api_as, world):
    client = api_as(world.city_office)
    response = client.post(f"{V1}/plans", {"title": "泽州县行动计划", "kind": "action_plan", "region": world.county2.code, "inspection": str(world.inspection.uuid)})
    assert response.status_code == 201, response.content
    plan = Plan.objects.get(uuid=response.json()["uuid"])
    assert plan.inspection == world.inspection and plan.kind == "action_plan"
    path = f"{V1}/plans/{plan.uuid}"
    assert client.patch(path, {"version": 1, "title": "泽州县行动计划（修订）"}).json()["version"] == 2
    assert client.patch(path, {"version": 1, "title": "过时"}).status_code == 409
    assert api_as(world.leader).patch(path, {"version": 2, "title": "x"}).status_code == 403
    assert api_as(world.other_unit).patch(path, {"version": 2, "title": "x"}).status_code == 404
    outside = client.post(f"{V1}/plans", {"title": "太原", "region": world.other_city.code})
    assert outside.status_code == 422


# ---- assignments -------------------------------------------------------------------------------------


def test_assignments_of_a_task_and_of_a_unit(api_as, world, make_task):
    task = make_task()
    other = make_task(region=world.county2, units={"responsible": [world.unit_county2_gov]})
    client = api_as(world.city_office)
    of_task = client.get(f"{V1}/tasks/{task.uuid}/assignments").json()
    assert {(a["unit"]["name"], a["role"]) for a in of_task} == {("市生态环境局", "lead"), ("区生态环境分局", "responsible")}
    listed = items(client.get(f"{V1}/assignments", {"task": str(task.uuid)}))
    assert {a["uuid"] for a in listed} == {a["uuid"] for a in of_task}
    of_unit = items(client.get(f"{V1}/assignments", {"unit": str(world.unit_county2_gov.uuid)}))
    assert [a["task"] for a in of_unit] == [str(other.uuid)]
    assert items(client.get(f"{V1}/assignments", {"role": "lead"}))[0]["unit"]["name"] == "市生态环境局"

    unit_client = api_as(world.county_unit)
    assert {a["task"] for a in items(unit_client.get(f"{V1}/assignments"))} == {str(task.uuid)}
    assert items(unit_client.get(f"{V1}/assignments", {"unit": str(world.unit_county2_gov.uuid)})) == []
    assert unit_client.get(f"{V1}/assignments", {"task": str(other.uuid)}).status_code == 422
    hidden = other.assignments.get()
    assert unit_client.get(f"{V1}/assignments/{hidden.uuid}").status_code == 404
    assert client.get(f"{V1}/assignments/{hidden.uuid}").json()["state_label"] == "已交办"


@pytest.mark.parametrize("user", ["nobody", "other_unit"])
def test_users_without_scope_see_no_assignments(api_as, world, make_task, user):
    make_task()
    assert items(api_as(getattr(world, user)).get(f"{V1}/assignments")) == []
