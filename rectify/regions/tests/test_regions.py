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
