"""Query parameters people (or scanners) can type: numbers out of any column's range, text that is not a
number, and searches of a thousand words. None of them may reach the database as an error (500)."""
from __future__ import annotations

import datetime
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from rectify.core.params import MAX_SEARCH_TERM_CHARS, MAX_SEARCH_TERMS, BadParam, int_param, parse_int, search_terms
from rectify.dispatch import services as dispatch
from rectify.dispatch.models import ProgressReport
from rectify.tasks.models import Task

BAD_NUMBERS = ["100000000000000000000", "-100000000000000000000", "9223372036854775808", "-1", "0", "abc", "1.5", "1e400", "1" * 5000]
ALL_PARAMS = sorted({"page", "unit", "region", "plan", "inspection", "task", "mine", "reviews", "page_size", "year"})
# The numeric query parameters each list page reads (found with grep for request.GET, the filter sets
# and the forms bound to GET). A page that is not listed here fails test_every_list_page_is_listed.
LIST_PAGES: dict[str, list[str]] = {
    "tasks:ledger": ["inspection", "plan", "region", "unit", "page"],
    "tasks:counts": ["inspection", "plan", "region", "unit"],
    "tasks:export": ["inspection", "plan", "region", "unit"],
    "tasks:template": [],
    "tasks:import": [],
    "tasks:create": [],
    "dispatch:home": ["page", "mine", "reviews"],
    "dispatch:round_create": [],
    "dispatch:round": ["page"],
    "dispatch:round_reports": ["unit", "page"],
    "dispatch:export": ["unit"],
    "supervision:list": ["region", "page"],
    "supervision:mine": ["page"],
    "supervision:rules": ["region"],
    "jobs:list": ["page"],
    "jobs:exports": ["page"],
    "notifications:list": ["page"],
    "acceptance:look_backs": ["page"],
    "acceptance:look_back_schedule": ["page"],
    "acceptance:filings": ["page"],
    "acceptance:public_list": ["page"],
    "accounts:login_events": ["page"],
    "accounts:data_access_log": ["page"],
    "accounts:security": [],
    "accounts:password_change": [],
    "accounts:mfa_enrol": [],
    "accounts:recovery_codes": [],
    "accounts:mfa_reset": [],
    "imports:upload": [],
    "notifications:read_all": [],
    "notifications:todo": [],
    "notifications:todo_panel": [],
    "inspections:list": ["page"],
    "inspections:create": [],
    "acceptance:holiday_calendar": ["year"],
    "accounts:signature": [],
    "accounts:signature_image": [],
    "regions:lookup_units": ["limit"],
    "regions:lookup_regions": ["limit"],
}
# Routes without arguments that are not pages showing data (sign-in, sign-out, POST-only actions).
NOT_LIST_PAGES = {"accounts:login", "accounts:logout", "accounts:mfa_verify", "accounts:mfa_reset_confirm", "tasks:save_filter", "jobs:health",
                   "jobs:export", "jobs:export_status", "jobs:export_download"}
ROUND_ROUTES = {"dispatch:round", "dispatch:round_reports", "dispatch:export"}


def html_routes() -> set[str]:
    """Named routes outside the API and the admin that take no argument, plus the dispatch round pages."""
    found: set[str] = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace in {"admin", "api"} or str(p.pattern).startswith("api/"):
                    continue
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern) and p.name and "<" not in str(p.pattern):
                found.add(f"{namespace}{p.name}")

    walk(get_resolver().url_patterns, "")
    return found | ROUND_ROUTES


def test_every_list_page_is_listed() -> None:
    assert html_routes() - NOT_LIST_PAGES == set(LIST_PAGES)


@pytest.fixture
def scene(world: SimpleNamespace, make_task: Callable[..., Task], settings: Any, tmp_path: Any) -> SimpleNamespace:
    settings.MEDIA_ROOT = tmp_path / "media"
    task = make_task()
    round_ = dispatch.open_round(world.city_office, region=world.city, title="2026年11月调度", period_start=datetime.date(2026, 11, 1),
                                 period_end=datetime.date(2026, 11, 30), due_date=datetime.date(2026, 11, 30))
    dispatch.submit_report(round_, task.assignments.get(unit=world.unit_county_env), world.county_unit, text="已完成", schedule="on_schedule")
    return SimpleNamespace(task=task, round=round_)


def url_of(name: str, scene: SimpleNamespace) -> str:
    return reverse(name, args=[scene.round.uuid]) if name in ROUND_ROUTES else reverse(name)


@pytest.mark.django_db
@pytest.mark.parametrize("user", ["admin", "county_unit"])
def test_no_numeric_parameter_of_any_list_page_is_a_server_error(world: SimpleNamespace, scene: SimpleNamespace,
                                                                   login: Callable[[Any], Client], user: str) -> None:
    client = login(getattr(world, user))
    client.raise_request_exception = False
    failures = []
    for name, params in LIST_PAGES.items():
        url = url_of(name, scene)
        # Each parameter the page reads on its own; pages that read none get all of them at once.
        cases = [{p: value} for p in params for value in BAD_NUMBERS] or [dict.fromkeys(ALL_PARAMS, v) for v in BAD_NUMBERS[::4]]
        for query in cases:
            status = client.get(url, query).status_code
            if status >= 500:
                failures.append((name, {k: v[:30] for k, v in query.items()}, status))
    assert failures == []


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["100000000000000000000", "9223372036854775808", "-5", "0", "abc", "1.5"])
def test_round_report_filters_answer_400_with_the_reason(world: SimpleNamespace, scene: SimpleNamespace,
                                                         login: Callable[[Any], Client], value: str) -> None:
    client = login(world.city_office)
    for name in ("dispatch:round_reports", "dispatch:export"):
        response = client.get(url_of(name, scene), {"unit": value})
        assert response.status_code == 400
        assert "请求参数有误" in response.content.decode()
    good = client.get(url_of("dispatch:round_reports", scene), {"unit": world.unit_county_env.pk})
    assert good.status_code == 200 and len(good.context["reports"].object_list) == 1
    other = client.get(url_of("dispatch:round_reports", scene), {"unit": world.unit_city_env.pk})
    assert len(other.context["reports"].object_list) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["100000000000000000000", "9223372036854775808", "-1", "abc"])
def test_ledger_id_filters_out_of_range_are_invalid_choices(world: SimpleNamespace, scene: SimpleNamespace,
                                                           login: Callable[[Any], Client], value: str) -> None:
    client = login(world.city_office)
    for param in ("inspection", "plan", "region", "unit"):
        page = client.get(reverse("tasks:ledger"), {param: value})
        assert page.status_code == 200 and param in page.context["filter"].form.errors
        export = client.get(reverse("tasks:export"), {param: value})
        assert export.status_code == 400 and "筛选条件有误，未导出" in export.content.decode()


@pytest.mark.django_db
def test_api_list_parameters_are_never_a_server_error(world: SimpleNamespace, scene: SimpleNamespace, login: Callable[[Any], Client]) -> None:
    from rectify.api.urls import api

    client = login(world.city_office)
    client.raise_request_exception = False
    schema = api.get_openapi_schema()
    lists = {path: op["get"] for path, op in schema["paths"].items() if "get" in op and "{" not in path}
    assert {"/api/v1/tasks", "/api/v1/units", "/api/v1/plans"} <= set(lists)
    failures = []
    for path, operation in lists.items():
        for param in operation.get("parameters", []):
            if param["in"] != "query":
                continue
            for value in BAD_NUMBERS:
                status = client.get(path, {param["name"]: value}).status_code
                if status >= 500:
                    failures.append((path, param["name"], value[:30], status))
    assert failures == []


# ---------------------------------------------------------------------------------------------
# Searches: capped in one place, used by the ledger, its export and the API
# ---------------------------------------------------------------------------------------------

MANY_WORDS = " ".join(f"词{n}" for n in range(1200))
LONG_WORD = "河" * 10000


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "message"), [(MANY_WORDS, "关键词太多（1200 个）"), (LONG_WORD, "关键词太长（10000 个字）")])
def test_huge_searches_get_a_chinese_message_everywhere(world: SimpleNamespace, scene: SimpleNamespace,
                                                        login: Callable[[Any], Client], query: str, message: str) -> None:
    client = login(world.city_office)
    ledger = client.get(reverse("tasks:ledger"), {"q": query})
    assert ledger.status_code == 200 and message in ledger.content.decode()
    export = client.get(reverse("tasks:export"), {"q": query})
    assert export.status_code == 400 and message in export.content.decode()
    for path in ("/api/v1/tasks", "/api/v1/units"):
        api = client.get(path, {"q": query})
        assert api.status_code == 422 and message in api.json()["detail"], (path, api.content[:300])


@pytest.mark.django_db
def test_searches_within_the_cap_still_work(world: SimpleNamespace, make_task: Callable[..., Task], login: Callable[[Any], Client]) -> None:
    wanted = make_task(problem="甲乙丙丁 河道 垃圾 " + "长" * MAX_SEARCH_TERM_CHARS)
    make_task(problem="别的问题")
    words = ["河道", "垃圾", "长" * MAX_SEARCH_TERM_CHARS] + ["甲乙丙丁"] * (MAX_SEARCH_TERMS + 5)  # repeats count once
    query = " ".join(words)
    client = login(world.city_office)
    assert [t.pk for t in client.get(reverse("tasks:ledger"), {"q": query}).context["page"].object_list] == [wanted.pk]
    assert [t["uuid"] for t in client.get("/api/v1/tasks", {"q": query}).json()["items"]] == [str(wanted.uuid)]
    assert client.get(reverse("tasks:export"), {"q": query}).status_code == 200


def test_helpers() -> None:
    assert search_terms("  a b  a ") == ["a", "b"]
    assert parse_int(" 12 ") == 12 and parse_int("") is None and parse_int(None) is None
    field = ProgressReport._meta.get_field("unit")
    for bad in ("0", "-3", "9223372036854775808", "1e3", "x"):
        with pytest.raises(ValueError):
            parse_int(bad, field=field)
    with pytest.raises(BadParam, match="参数 单位 超出范围"):
        int_param({"unit": "100000000000000000000"}, "unit", field=field, label="单位")
    assert int_param({}, "unit", field=field) is None
