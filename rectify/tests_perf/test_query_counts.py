"""Stored query counts and response sizes: every page and every API read, as an office and as a unit, over
the records of the authorization matrix, against ``query_counts.json`` and ``page_sizes.json`` beside this file.

A page that needs one query more than its baseline fails — a constant regression, not only an N+1 (the
N+1 tests elsewhere grow the data). A page that needs fewer fails too, so the file stays exact: after a
deliberate change, regenerate it and commit the diff with the change:

    RECTIFY_UPDATE_QUERY_COUNTS=1 python -m pytest rectify/tests_perf -p no:cacheprovider

Each request is made twice and the second one counted, so caches warmed by the first (content types,
the calendar) do not make the figure depend on test order.

A response more than a quarter (and 2 KB) larger than its stored size fails, as one much smaller says the file
is out of date: sizes move a little with ids and dates, a menu of every unit or a page without pagination
moves them a lot.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import PASSWORD
from rectify.tests_security.test_matrix import API_MATRIX, MATRIX, api_operations, api_url, expectations_of, route_url, url_routes

BASELINE = Path(__file__).with_name("query_counts.json")
SIZES = Path(__file__).with_name("page_sizes.json")
ROLES = ("city_office", "county_unit")
UPDATE = os.environ.get("RECTIFY_UPDATE_QUERY_COUNTS") == "1"
# Counted on one day, whatever RECTIFY_TEST_CLOCK says: some pages' queries follow the date (in December and
# January the holiday calendar reads the neighbouring year too; the dispatch pages differ in 2027).
pytestmark = pytest.mark.usefixtures("fixed_clock")


def count_queries(client: Client, url: str) -> tuple[int, int, int]:
    """(status, queries, bytes) of the second GET of ``url``."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    size = len(response.content) if not getattr(response, "streaming", False) else 0
    return response.status_code, len(captured), size


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


def measure(world: SimpleNamespace, records: dict[str, dict[str, Any]], only: set[str] | None = None,
            sizes: dict[str, int] | None = None) -> dict[str, int]:
    """Queries per page and role; with ``sizes``, each response's bytes put in it too."""
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
            status, queries, size = count_queries(clients[role], url)
            if status < 400:
                counts[f"{role} {name}"] = queries
                if sizes is not None:
                    sizes[f"{role} {name}"] = size
    return counts


def test_query_counts_match_the_baseline(world: SimpleNamespace, records: dict[str, dict[str, Any]]) -> None:
    sizes: dict[str, int] = {}
    measured = measure(world, records, sizes=sizes)
    assert len(measured) > 100, "too few pages measured: the matrix records no longer reach the pages"
    if UPDATE:
        BASELINE.write_text(json.dumps(measured, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        SIZES.write_text(json.dumps(sizes, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return
    problems = compare(json.loads(BASELINE.read_text(encoding="utf-8")), measured)
    problems += compare_sizes(json.loads(SIZES.read_text(encoding="utf-8")), sizes)
    assert not problems, "\n".join(problems)


def compare_sizes(stored: dict[str, int], measured: dict[str, int], partial: bool = False) -> list[str]:
    """Responses grown past a quarter and 2 KB first, then an out-of-date file (much smaller, new or gone)."""
    return differences(stored, measured, lambda old: (old * 0.75 - 2048, old * 1.25 + 2048),
                       "responses larger than the baseline (bytes)", "page sizes", partial)


def compare(stored: dict[str, int], measured: dict[str, int], partial: bool = False) -> list[str]:
    """What differs from the query baseline: more queries first, then an out-of-date file."""
    return differences(stored, measured, lambda old: (old, old), "more queries than the baseline", "baseline", partial)


def differences(stored: dict[str, int], measured: dict[str, int], bounds: Any, over: str, name: str,
                partial: bool) -> list[str]:
    """Figures over their stored one's upper bound (``bounds(stored) → (low, high)``) first, then an out-of-date
    file: figures under the lower bound, pages new or gone (``partial``: a subset was measured, none is gone)."""
    more = {k: f"{stored[k]} → {v}" for k, v in measured.items() if k in stored and v > bounds(stored[k])[1]}
    fewer = {k: f"{stored[k]} → {v}" for k, v in measured.items() if k in stored and v < bounds(stored[k])[0]}
    new = sorted(set(measured) - set(stored))
    gone = [] if partial else sorted(set(stored) - set(measured))
    problems = [f"{over}: {more}"] if more else []
    if fewer or new or gone:
        hint = "regenerate with RECTIFY_UPDATE_QUERY_COUNTS=1 (see this module's docstring)"
        problems.append(f"{name} out of date ({hint}): fewer {fewer}, new {new}, gone {gone}")
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


class TenKilobytesMore:
    """A middleware adding 10 KB to every page: what a menu of every unit does to a small office's page."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        if not getattr(response, "streaming", False):
            response.content = response.content + b" " * 10240
        return response


def test_a_page_grown_fails(world: SimpleNamespace, records: dict[str, dict[str, Any]], settings: Any) -> None:
    pages = {"tasks:ledger", "tasks:detail"}
    stored = json.loads(SIZES.read_text(encoding="utf-8"))
    sizes: dict[str, int] = {}
    measure(world, records, pages, sizes=sizes)
    assert compare_sizes(stored, sizes, partial=True) == []
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.TenKilobytesMore"]
    measure(world, records, pages, sizes=sizes)
    problems = compare_sizes(stored, sizes, partial=True)
    assert len(problems) == 1 and problems[0].startswith("responses larger than the baseline")
    assert "city_office tasks:ledger" in problems[0] and "county_unit tasks:detail" in problems[0]
