from typing import Any

import pytest

from rectify.regions.loader import load_regions
from rectify.regions.matching import find_unit
from rectify.regions.models import Region

pytestmark = pytest.mark.django_db


def test_national_list_loads_with_levels_and_paths():
    count = load_regions()
    assert count > 3000
    assert Region.objects.filter(level="province").count() >= 34
    chengqu = Region.objects.get(code="140502")
    assert chengqu.full_name == "晋城市城区"
    assert chengqu.path == "140000/140500/140502/"
    # A county directly under a province (省直辖县级行政区划).
    assert Region.objects.get(code="429004").parent.code == "420000"
    assert load_regions() == count  # loading again changes nothing


def test_find_unit_by_name_alias_and_traditional_script(world):
    assert find_unit("市生态环境局", world.county) == world.unit_city_env
    assert find_unit("晋城市生态环境局", world.county) == world.unit_city_env
    assert find_unit("市生態環境局", world.county) == world.unit_city_env
    assert find_unit("区生态环境分局", world.county2) is None
    assert find_unit("太原市生态环境局", world.county) is None


def test_the_regions_kept_in_the_process_name_them_as_their_rows_do(world: Any) -> None:
    """``region_facts`` (a ledger page's region names): each region's path and full name as ``Region`` gives them
    (城区 under its city: 晋城市城区), again after a region is renamed (the kept answer follows the table)."""
    from rectify.core import generations
    from rectify.regions.models import Region, region_facts

    with generations.memo():
        facts = region_facts()
    assert {pk: (f.path, f.full_name) for pk, f in facts.items()} == {
        r.pk: (r.path, r.full_name) for r in Region.objects.select_related("parent")}
    assert facts[world.county.pk].full_name == "晋城市城区" and facts[world.county2.pk].full_name == "泽州县"
    Region.objects.filter(pk=world.city.pk).update(name="晋城")
    with generations.memo():
        assert region_facts()[world.county.pk].full_name == "晋城城区"
