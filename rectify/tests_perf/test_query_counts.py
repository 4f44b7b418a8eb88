"""Stored query counts: every page and every API read, as an office and as a unit, over the records of
the authorization matrix, against ``query_counts.json`` beside this file.

A page that needs one query more than its baseline fails — a constant regression, not only an N+1 (the
N+1 tests elsewhere grow the data). A page that needs fewer fails too, so the file stays exact: after a
deliberate change, regenerate it and commit the diff with the change:

    RECTIFY_UPDATE_QUERY_COUNTS=1 python -m pytest rectify/tests_perf -p no:cacheprovider

Each request is made twice and the second one counted, so caches warmed by the first (content types,
the calendar) do not make the figure depend on test order.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import PASSWORD
from rectify.tests_security.test_matrix import API_MATRIX, MATRIX, api_operations, api_url, expectations_of, route_url, url_routes

BASELINE = Path(__file__).with_name("query_counts.json")
ROLES = ("city_office", "county_unit")
UPDATE = os.environ.get("RECTIFY_UPDATE_QUERY_COUNTS") == "1"


def count_queries(client: Client, url: str) -> tuple[int, int]:
    """(status, queries) of the second GET of ``url``."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response.status_code, len(captured)


def endpoints(records: dict[str, dict[str, Any]], schema: dict[str, Any]) -> list[tuple[str, str, frozenset[str]]]:
    """(name, url, roles allowed) of every GET page and API read, on the record of 晋城 (A)."""
    routes = dict(url_routes())
    out = []
    for name, (method, entry) in MATRIX.items():
        if method == "GET" and name in routes and name != "admin:*":
            expectations = expectations_of(entry, records)
            key = "A" if "A" in expectations else "-"
            out.append((name or "/", route_url(name, routes[name], records, "A"), expectations[key]))
    for operation in api_operations(schema):
        expectations = expectations_of(API_MATRIX.get(operation, {}), records)
        if operation.startswith("GET ") and expectations:
            key = "A" if "A" in expectations else "-"
            out.append((operation, api_url(operation, records, "A")[1], expectations[key]))
    return sorted(out)


def measure(world: SimpleNamespace, records: dict[str, dict[str, Any]], only: set[str] | None = None) -> dict[str, int]:
    import logging

    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    counts: dict[str, int] = {}
    clients = {}
    for role in ROLES:
        clients[role] = Client()
        assert clients[role].login(username=getattr(world, role).username, password=PASSWORD)
    schema = clients["city_office"].get("/api/openapi.json").json()
    for name, url, allowed in endpoints(records, schema):
        if only is not None and name not in only:
            continue
        for role in ROLES:
            if role not in allowed:
                continue
            status, queries = count_queries(clients[role], url)
            if status < 400:
                counts[f"{role} {name}"] = queries
    return counts


def test_query_counts_match_the_baseline(world: SimpleNamespace, records: dict[str, dict[str, Any]]) -> None:
    measured = measure(world, records)
    assert len(measured) > 100, "too few pages measured: the matrix records no longer reach the pages"
    if UPDATE:
        BASELINE.write_text(json.dumps(measured, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return
    problems = compare(json.loads(BASELINE.read_text(encoding="utf-8")), measured)
    assert not problems, "\n".join(problems)


def compare(stored: dict[str, int], measured: dict[str, int], partial: bool = False) -> list[str]:
    """What differs from the baseline: more queries first, then an out-of-date file."""
    more = {k: f"{stored[k]} → {v}" for k, v in measured.items() if k in stored and v > stored[k]}
    fewer = {k: f"{stored[k]} → {v}" for k, v in measured.items() if k in stored and v < stored[k]}
    new = sorted(set(measured) - set(stored))
    gone = [] if partial else sorted(set(stored) - set(measured))
    problems = [f"more queries than the baseline: {more}"] if more else []
    if fewer or new or gone:
        hint = "regenerate with RECTIFY_UPDATE_QUERY_COUNTS=1 (see this module's docstring)"
        problems.append(f"baseline out of date ({hint}): fewer {fewer}, new {new}, gone {gone}")
    return problems


class OneMoreQuery:
    """A middleware adding one constant query to every request: what a careless context processor does."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return self.get_response(request)


def test_one_constant_query_more_fails(world: SimpleNamespace, records: dict[str, dict[str, Any]], settings: Any) -> None:
    """Not only an N+1: a single extra query on a page with unchanged data is reported."""
    pages = {"tasks:ledger", "GET /api/v1/tasks"}
    stored = json.loads(BASELINE.read_text(encoding="utf-8"))
    assert compare(stored, measure(world, records, pages), partial=True) == []
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.OneMoreQuery"]
    problems = compare(stored, measure(world, records, pages), partial=True)
    assert len(problems) == 1 and problems[0].startswith("more queries than the baseline")
    assert "city_office tasks:ledger" in problems[0] and "county_unit GET /api/v1/tasks" in problems[0]
