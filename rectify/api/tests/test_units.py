

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
