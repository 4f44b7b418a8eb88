"""Fuzz every page, not only the API: each GET page (enumerated from the URL patterns) with
garbage in each query parameter it reads, and each POST form with garbage in each field, as a
logged-in office and a logged-in unit (and anonymously). No request may answer 500.

The values are a table of the inputs that break parsers (numbers out of range, dates that do not
exist, NUL bytes, fullwidth and Arabic-Indic digits, very long text, SQL and HTML …). The objects
behind URL parameters are real: ``run_loop`` drives one task through the whole loop first.
"""
from __future__ import annotations

import time
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.http import QueryDict
from django.test import Client

from rectify.tests_browser.forms import Form, forms_on
from rectify.tests_browser.loop import run_loop
from rectify.tests_browser.routes import all_routes, objects_of, unmapped_routes, url_for

pytestmark = pytest.mark.django_db
# Integers beyond 64 bits overflow SQLite's INTEGER (PostgreSQL answers them): those cases fail on SQLite only.

GARBAGE = [
    "", "-1", "99999999999999999999999", "1e309", "NaN", "\x00", "<script>x</script>", "' OR '1'='1", "字" * 3000,
    "2024-02-30", "１２", "true", str(uuid.UUID(int=1)), "%",
]
# Tried alone in every single parameter or field (as the office); the whole table goes into all of them at once.
SHARP = ["99999999999999999999999", "\x00", "2024-02-30"]
ALWAYS_TRIED = {"page", "q", "status", "sort", "ordering", "format"}
NEVER_POSTED = ("/accounts/logout/",)

# 500s found by this test, reported to the owner; the exact cases are xfail(strict=True) tests
# below so the integrator sees when a fix lands. Keys: (url name, parameter or field).
KNOWN_500: dict[tuple[str, str], str] = {}


@contextmanager
def reads_of_query_parameters() -> Iterator[set[str]]:
    """Record the query-string keys a view reads (get, getlist, [], in) while the block runs."""
    seen: set[str] = set()
    originals = {name: getattr(QueryDict, name) for name in ("get", "getlist", "__getitem__", "__contains__")}

    def spy(name: str) -> Any:
        original = originals[name]

        def wrapper(self: QueryDict, key: Any, *args: Any) -> Any:
            if isinstance(key, str):
                seen.add(key)
            return original(self, key, *args)

        return wrapper

    for name in originals:
        setattr(QueryDict, name, spy(name))
    try:
        yield seen
    finally:
        for name, original in originals.items():
            setattr(QueryDict, name, original)


class Failures:
    def __init__(self) -> None:
        self.found: dict[tuple[str, str], str] = {}
        self.count = 0
        self.time: dict[str, float] = {}

    def request(self, client: Client, method: str, url: str, data: Any, route: str, key: str) -> Any:
        self.count += 1
        t = time.monotonic()
        try:
            return self._request(client, method, url, data, route, key)
        finally:
            self.time[route] = self.time.get(route, 0) + time.monotonic() - t

    def _request(self, client: Client, method: str, url: str, data: Any, route: str, key: str) -> Any:
        try:
            response = client.get(url, data) if method == "GET" else client.post(url, data)
        except Exception:  # the test client re-raises the view's exception: that is a 500
            self.found.setdefault((route, key), f"{method} {url} {_short(data)}\n{_where()}")
            return None
        if response.status_code >= 500:
            self.found.setdefault((route, key), f"{method} {url} {key}={_short(data)} → {response.status_code}")
        return response


def _where() -> str:
    """The exception and the last frames in the project's own code."""
    lines = traceback.format_exc().strip().splitlines()
    ours = [line.strip() for line in lines if "/rectify/" in line and "tests_" not in line]
    return " ← ".join(reversed(ours[-2:])) + f"\n    {lines[-1]}"


def _short(data: Any) -> str:
    text = repr({k: (v if len(str(v)) < 40 else f"{str(v)[:10]}…（{len(str(v))} 字）") for k, v in dict(data).items()})
    return text if len(text) < 400 else text[:400] + "…"


@pytest.fixture
def looped(world: Any, login: Any, settings: Any, tmp_path: Path) -> tuple[Any, dict[str, Any]]:
    settings.MEDIA_ROOT = tmp_path / "media"
    done = run_loop(world, login, lambda name: f"模糊测试{name}")
    return world, objects_of(world, done)


def test_every_route_is_mapped() -> None:
    assert unmapped_routes() == [], "新页面的 URL 参数需要在 rectify/tests_browser/routes.py 的 PARAMETERS 中登记"


def _get_pages(client: Client, objects: dict[str, Any], failures: Failures) -> list[tuple[str, str, str]]:
    """Every GET page that answers 200 HTML for this client: (route name, url, body)."""
    pages = []
    for route in all_routes():
        url = url_for(route, objects)
        response = failures.request(client, "GET", url, {}, route.name, "（无参数）")
        if response is not None and response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            pages.append((route.name, url, response.content.decode()))
    return pages


def _fuzz_query(client: Client, name: str, url: str, failures: Failures, *, each: bool) -> None:
    with reads_of_query_parameters() as seen:
        client.get(url)
    keys = sorted((seen | ALWAYS_TRIED) - {"csrfmiddlewaretoken"})
    for value in GARBAGE:
        failures.request(client, "GET", url, {k: value for k in keys}, name, "全部参数")
    failures.request(client, "GET", url, {k: ["1", "2"] for k in keys}, name, "全部参数（重复）")
    if each:
        for key in keys:
            for value in SHARP:
                failures.request(client, "GET", url, {key: value}, name, key)


def _fuzz_form(client: Client, name: str, form: Form, failures: Failures, *, each: bool) -> None:
    base = {n: f.value for n, f in form.fields.items() if f.kind in {"hidden"}}
    for value in GARBAGE[:8]:
        failures.request(client, "POST", form.action, {**base, **{n: value for n in form.fields}}, name, "表单全部字段")
    if each:
        for field in form.fields:
            for value in SHARP[:2]:
                failures.request(client, "POST", form.action, {**base, field: value}, name, f"表单字段 {field}")


def test_no_page_or_form_answers_500_to_garbage(looped: tuple[Any, dict[str, Any]], login: Any) -> None:
    world, objects = looped
    failures = Failures()
    for who, client in (("整改办", login(world.city_office)), ("责任单位", login(world.county_unit)), ("匿名", Client())):
        pages = _get_pages(client, objects, failures)
        assert pages, who
        each = who == "整改办"  # every single parameter and field as the office; all at once as the others
        for name, url, body in pages:
            _fuzz_query(client, name, url, failures, each=each)
            if who == "匿名":
                continue
            for form in forms_on(body, url):
                if not form.action.startswith(NEVER_POSTED):
                    _fuzz_form(client, name, form, failures, each=each)
        for route in all_routes():  # POST-only endpoints, with nothing and with garbage
            url = url_for(route, objects)
            if url.startswith(NEVER_POSTED):
                continue
            failures.request(client, "POST", url, {}, route.name, "空 POST")
            if who != "匿名":
                failures.request(client, "POST", url, {"version": "x", "id": "\x00"}, route.name, "垃圾 POST")
    unexpected = {k: v for k, v in failures.found.items() if k not in KNOWN_500}
    assert not unexpected, "\n\n".join(f"{k}: {v}" for k, v in unexpected.items())


# The 500s found above, each reproduced alone (they were strict xfails until fixed; a new one gets the
# same: a KNOWN_500 entry and an xfail(strict=True) test here, removed with the fix).

def test_round_reports_with_an_out_of_range_unit(world: Any, login: Any) -> None:
    from django.urls import reverse
    from django.utils import timezone

    from rectify.dispatch.models import ReportingRound

    office = login(world.city_office)
    today = timezone.localdate()
    assert office.post(reverse("dispatch:round_create"), {
        "region": world.city.pk, "title": "本月调度", "period_start": today.isoformat(), "period_end": today.isoformat(),
        "due_date": today.isoformat()}).status_code == 302
    round_ = ReportingRound.objects.get()
    assert office.get(reverse("dispatch:round_reports", args=[round_.uuid]), {"unit": "99999999999999999999999"}).status_code < 500


def test_issue_notice_with_an_out_of_range_unit(world: Any, login: Any, make_task: Any) -> None:
    from django.urls import reverse

    task = make_task()
    response = login(world.city_office).post(reverse("supervision:issue", args=[task.uuid]),
                                             {"units": "99999999999999999999999", "kind": "ordinary", "reason": "督办"})
    assert response.status_code == 400


def test_start_task_with_a_version_that_is_not_a_number(world: Any, login: Any, make_task: Any) -> None:
    from django.urls import reverse

    task = make_task()
    for version in ("x", "-1", "9" * 30):
        response = login(world.county_unit).post(reverse("tasks:start", args=[task.uuid]), {"version": version})
        assert response.status_code in (302, 400)
        task.refresh_from_db()
        assert task.state == "assigned"


def test_round_export_with_a_colon_in_the_title(world: Any, login: Any) -> None:
    from django.urls import reverse
    from django.utils import timezone

    from rectify.dispatch.models import ReportingRound

    office = login(world.city_office)
    today = timezone.localdate()
    assert office.post(reverse("dispatch:round_create"), {
        "region": world.city.pk, "title": "调度 2025:01", "period_start": today.isoformat(), "period_end": today.isoformat(),
        "due_date": today.isoformat()}).status_code == 302
    round_ = ReportingRound.objects.get()
    assert office.get(reverse("dispatch:export", args=[round_.uuid])).status_code == 200
