import pytest


def test_patch_with_explicit_nulls_changes_nothing_instead_of_failing(world, login):
    import json

    client = login(world.city_office)
    unit = world.unit_city_env
    response = client.patch(
        f"/api/v1/units/{unit.uuid}",
        data=json.dumps({"name": None, "kind": None, "aliases": None, "is_active": None}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content.decode()
    unit.refresh_from_db()
    assert unit.name == "市生态环境局" and unit.aliases == ["晋城市生态环境局"] and unit.is_active


@pytest.mark.parametrize("path", ["/api/v1/units", "/api/v1/regions", "/api/v1/plans", "/api/v1/inspections", "/api/v1/assignments", "/api/v1/tasks"])
def test_a_page_number_past_any_real_page_is_a_validation_error_not_a_crash(world, login, path):
    response = login(world.city_office).get(path, {"page": "58983574440678440960"})
    assert response.status_code == 422
