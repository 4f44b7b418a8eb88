"""Type-ahead filters: no menu of every unit or region on the page, and a look-up that keeps to the caller's scope."""
from __future__ import annotations

from typing import Any

import pytest

from rectify.regions.models import Region, Unit

pytestmark = pytest.mark.django_db

PAGE_LIMIT = 60_000  # bytes of HTML for a ledger page of 25 tasks, whatever the number of units


def many_units(world: Any, count: int) -> None:
    regions = [world.city, world.county, world.county2, world.other_city]
    Unit.objects.bulk_create([Unit(name=f"第{i}号测试单位", region=regions[i % 4]) for i in range(count)])


def names(response: Any) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return [row["label"] for row in response.json()["results"]]


def test_admin_ledger_with_2000_units_stays_small(world: Any, make_task: Any, login: Any) -> None:
    many_units(world, 2000)
    for _ in range(30):
        make_task()
    page = login(world.admin).get("/ledger/")
    html = page.content.decode()
    assert page.status_code == 200
    assert len(page.content) < PAGE_LIMIT, len(page.content)
    assert "第1999号测试单位" not in html and '<select name="unit"' not in html and '<select name="region"' not in html
    assert 'name="unit_name"' in html and 'data-typeahead="/lookup/units/"' in html
    assert "rectify/js/typeahead.js" in html
    assert login(world.admin).get("/static/rectify/js/typeahead.js").status_code in {200, 404}  # served by the project when static is on


def test_supervision_list_has_no_region_menu(world: Any, login: Any) -> None:
    Region.objects.bulk_create([
        Region(code=f"14059{i:01d}", name=f"测试{i}区", level="county", parent=world.city, path=f"{world.city.path}14059{i}/")
        for i in range(10)
    ])
    html = login(world.admin).get("/supervision/").content.decode()
    assert '<select name="region"' not in html and "测试9区" not in html
    assert 'data-typeahead="/lookup/regions/"' in html


def test_unit_lookup_keeps_to_the_callers_scope(world: Any, login: Any) -> None:
    many_units(world, 200)
    city = login(world.city_office)
    found = names(city.get("/lookup/units/", {"q": "生态环境"}))
    assert "市生态环境局" in found and "区生态环境分局" in found and "太原市生态环境局" not in found
    assert len(names(city.get("/lookup/units/"))) == 20
    assert len(names(city.get("/lookup/units/", {"limit": "3"}))) == 3
    assert names(login(world.other_unit).get("/lookup/units/", {"q": "生态环境"})) == ["太原市生态环境局"]
    # A county unit sees the units of its own county only.
    county = names(login(world.county_unit).get("/lookup/units/", {"q": "局"}))
    assert county == ["区生态环境分局"]
    assert names(login(world.nobody).get("/lookup/units/")) == []
    assert names(login(world.admin).get("/lookup/units/", {"q": "太原"})) == ["太原市生态环境局"]


def test_lookup_denials(world: Any, client: Any, login: Any) -> None:
    response = client.get("/lookup/units/", {"q": "局"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/lookup/regions/").status_code == 302
    office = login(world.city_office)
    assert office.get("/lookup/units/", {"limit": "500"}).status_code == 400
    assert office.get("/lookup/units/", {"limit": "x"}).status_code == 400
    assert office.get("/lookup/regions/", {"q": " ".join(str(i) for i in range(50))}).status_code == 400
    assert office.post("/lookup/units/").status_code == 405


def test_region_lookup_keeps_to_the_callers_scope(world: Any, login: Any) -> None:
    office = login(world.city_office)
    assert names(office.get("/lookup/regions/", {"q": "太原"})) == []
    assert names(office.get("/lookup/regions/", {"q": "泽州"})) == ["泽州县"]
    assert "晋城市城区" in names(office.get("/lookup/regions/"))  # the full name of a bare 城区
    assert names(login(world.admin).get("/lookup/regions/", {"q": "太原"})) == ["太原市"]


def test_ledger_filters_by_typed_name_without_javascript(world: Any, make_task: Any, login: Any) -> None:
    from rectify.tasks.models import Assignment

    mine = make_task()
    other = make_task(units={Assignment.Role.LEAD: [world.unit_county2_gov]}, region=world.county2)
    office = login(world.city_office)
    html = office.get("/ledger/", {"unit_name": "区生态环境分局"}).content.decode()
    assert str(mine.uuid) in html and str(other.uuid) not in html
    html = office.get("/ledger/", {"region_name": "泽州"}).content.decode()
    assert str(other.uuid) in html and str(mine.uuid) not in html
    # A unit outside the caller's scope matches nothing, by name or by id.
    html = office.get("/ledger/", {"unit_name": "太原市生态环境局"}).content.decode()
    assert str(mine.uuid) not in html and str(other.uuid) not in html
    by_id = office.get("/ledger/", {"unit": world.unit_county_env.pk}).content.decode()
    assert str(mine.uuid) in by_id and str(other.uuid) not in by_id and 'value="区生态环境分局"' in by_id
    assert office.get("/ledger/", {"unit": world.unit_other_env.pk}).status_code == 200


def test_supervision_list_filters_by_region_name(world: Any, login: Any) -> None:
    office = login(world.city_office)
    assert office.get("/supervision/", {"region_name": "城区"}).status_code == 200
    page = office.get("/supervision/", {"region": world.county.pk})
    assert page.status_code == 200 and 'value="晋城市城区"' in page.content.decode()
    assert office.get("/supervision/", {"region": world.other_city.pk}).status_code == 404
