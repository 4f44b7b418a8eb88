"""The schema lists every route; the docs page works without the internet."""
import json
import os
import re
from pathlib import Path

from django.test import Client
from ninja.utils import normalize_path

from rectify.api.urls import api

EXPECTED = {
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/regions"), ("GET", "/api/v1/regions/{code}"),
    ("GET", "/api/v1/units"), ("POST", "/api/v1/units"), ("GET", "/api/v1/units/{uuid}"), ("PATCH", "/api/v1/units/{uuid}"),
    ("GET", "/api/v1/inspections"), ("POST", "/api/v1/inspections"), ("GET", "/api/v1/inspections/{uuid}"), ("PATCH", "/api/v1/inspections/{uuid}"),
    ("GET", "/api/v1/plans"), ("POST", "/api/v1/plans"), ("GET", "/api/v1/plans/{uuid}"), ("PATCH", "/api/v1/plans/{uuid}"),
    ("GET", "/api/v1/tasks"), ("POST", "/api/v1/tasks"), ("GET", "/api/v1/tasks/{uuid}"), ("PUT", "/api/v1/tasks/{uuid}"),
    ("PATCH", "/api/v1/tasks/{uuid}"), ("POST", "/api/v1/tasks/{uuid}/transition"), ("GET", "/api/v1/tasks/{uuid}/history"),
    ("GET", "/api/v1/tasks/{uuid}/assignments"),
    ("GET", "/api/v1/assignments"), ("GET", "/api/v1/assignments/{uuid}"),
    ("GET", "/api/v1/acceptance/tasks/{uuid}"), ("POST", "/api/v1/acceptance/tasks/{uuid}/apply"),
    ("POST", "/api/v1/acceptance/applications/{uuid}/review"), ("POST", "/api/v1/acceptance/tasks/{uuid}/announce"),
    ("POST", "/api/v1/acceptance/tasks/{uuid}/close"), ("POST", "/api/v1/acceptance/tasks/{uuid}/look-backs"),
    ("POST", "/api/v1/acceptance/look-backs/{uuid}/finding"),
    ("GET", "/api/v1/acceptance/look-backs"), ("GET", "/api/v1/acceptance/look-backs/{uuid}"),
    ("POST", "/api/v1/acceptance/announcements/{uuid}/objections"), ("POST", "/api/v1/acceptance/objections/{uuid}/resolve"),
    ("POST", "/api/v1/acceptance/look-back-schedules"), ("GET", "/api/v1/acceptance/filings"), ("POST", "/api/v1/acceptance/tasks/{uuid}/filing"),
    ("POST", "/api/v1/acceptance/filings/{uuid}/acknowledge"),
    ("GET", "/api/v1/dispatch/rounds"), ("POST", "/api/v1/dispatch/rounds"), ("GET", "/api/v1/dispatch/rounds/{uuid}"),
    ("GET", "/api/v1/dispatch/rounds/{uuid}/units"), ("GET", "/api/v1/dispatch/rounds/{uuid}/reports"),
    ("POST", "/api/v1/dispatch/rounds/{uuid}/close"), ("POST", "/api/v1/dispatch/rounds/{uuid}/remind"),
    ("POST", "/api/v1/dispatch/rounds/{uuid}/assignments/{assignment}/report"), ("GET", "/api/v1/dispatch/reports/{uuid}"),
    ("POST", "/api/v1/dispatch/reports/{uuid}/review"), ("GET", "/api/v1/dispatch/files/{uuid}"),
    ("GET", "/api/v1/dispatch/tasks/{uuid}/reports"), ("GET", "/api/v1/dispatch/rounds/{uuid}/verifications"),
    ("POST", "/api/v1/dispatch/rounds/{uuid}/samples"), ("POST", "/api/v1/dispatch/verifications/{uuid}/finding"),
    ("GET", "/api/v1/supervision/notices"), ("GET", "/api/v1/supervision/notices/{uuid}"),
    ("POST", "/api/v1/supervision/tasks/{uuid}/notices"), ("POST", "/api/v1/supervision/notices/{uuid}/step"),
    ("POST", "/api/v1/supervision/notices/{uuid}/close"), ("POST", "/api/v1/supervision/notices/{uuid}/send-back"),
    ("POST", "/api/v1/supervision/notices/{uuid}/extensions"), ("POST", "/api/v1/supervision/extensions/{uuid}/decide"),
    ("GET", "/api/v1/notifications"), ("GET", "/api/v1/notifications/unread-count"),
    ("POST", "/api/v1/notifications/{uuid}/read"), ("POST", "/api/v1/notifications/read-all"),
}


def schema_operations(schema):
    return {(method.upper(), path): op for path, item in schema["paths"].items() for method, op in item.items()}


def test_schema_is_public_and_lists_every_route(db):
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    operations = schema_operations(response.json())
    assert set(operations) == EXPECTED
    # And every operation registered on a router (so a new one cannot be left out).
    registered = set()
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                if op.include_in_schema:
                    for method in op.methods:
                        full = normalize_path("/api/" + prefix + "/" + path).rstrip("/")
                        registered.add((method, re.sub(r"\{(?:\w+:)?(\w+)\}", r"{\1}", full)))
    assert registered == set(operations)


def test_operations_have_chinese_summaries_and_auth(db):
    schema = Client().get("/api/openapi.json").json()
    for key, op in schema_operations(schema).items():
        assert re.search(r"[\u4e00-\u9fff]", op.get("summary", "")), key
        assert op.get("security"), key
    assert {"TokenAuth", "SessionAuth"} <= set(schema["components"]["securitySchemes"])


def test_no_integer_ids_in_urls(db):
    for method, path in EXPECTED:
        assert "{id}" not in path and "{pk}" not in path


def test_docs_page_uses_no_external_assets(db):
    response = Client().get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert asset.startswith("/"), asset
        assert Client().get(asset).status_code == 200, asset
    assert "/api/v1/tasks/{uuid}/transition" in html and "变更任务状态" in html  # the no-JavaScript list


def test_unknown_docs_asset_is_404(db):
    assert Client().get("/api/docs/assets/settings.py").status_code == 404
    assert Client().get("/api/docs/assets/..%2Furls.py").status_code == 404


SNAPSHOT = Path(__file__).with_name("openapi.json")


def test_schema_matches_the_stored_snapshot(db):
    """Paths, operation ids, parameters, bodies and responses stay as clients generated them: a change to the
    API must be made on purpose (regenerate with RECTIFY_UPDATE_OPENAPI=1 and review the diff)."""
    schema = Client().get("/api/openapi.json").json()
    if os.environ.get("RECTIFY_UPDATE_OPENAPI"):
        SNAPSHOT.write_text(json.dumps(schema, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    stored = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert schema == stored
    assert {op["operationId"] for op in schema_operations(schema).values()} >= {
        "rectify_api_routers_tasks_list_tasks", "rectify_api_routers_units_create_unit", "rectify_api_urls_me"}
