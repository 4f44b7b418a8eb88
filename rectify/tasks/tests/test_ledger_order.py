"""A narrow ledger finds its page by sorting the tasks of its filter (``plan_id + 0``), a wide one by
the plan-order index: the pages are the same either way, in every sort the ledger offers."""
from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rectify.inspections.models import Plan

ORDERINGS = ["", "seq", "-seq", "deadline", "-deadline", "state", "-updated_at"]


def _pages(client: Any, ordering: str, pages: int) -> list[int]:
    seen: list[int] = []
    for page in range(1, pages + 1):
        params = {"page": str(page), **({"ordering": ordering} if ordering else {})}
        response = client.get(reverse("tasks:ledger"), params)
        assert response.status_code == 200
        seen += [t.pk for t in response.context["page"].object_list]
    return seen


@pytest.fixture
def two_plans(world: SimpleNamespace, make_task: Any) -> None:
    later = Plan.objects.create(inspection=world.inspection, region=world.city, title="晋城市第二轮整改方案")
    for n in range(9):
        make_task(plan=later if n % 2 else world.plan, seq=str(9 - n), deadline=datetime.date(2030, 1 + n % 3, 1))


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_the_pages_are_the_same_sorted_in_scope_or_walked_by_index(
        ordering: str, world: SimpleNamespace, two_plans: None, login: Any, settings: Any) -> None:
    settings.LEDGER_PAGE_SIZE = 4
    client = login(world.city_office)
    settings.LEDGER_SORT_IN_SCOPE_ROWS = 0  # every filter is "wide": the plan-order index
    walked = _pages(client, ordering, 3)
    settings.LEDGER_SORT_IN_SCOPE_ROWS = 50_000
    sorted_in_scope = _pages(client, ordering, 3)
    assert sorted_in_scope == walked
    assert sorted(walked) == sorted(set(walked)) and len(walked) == 9


def page_keys_sql(client: Any, params: dict[str, str]) -> str:
    """The SQL that found the ledger page's rows (its ORDER BY … LIMIT) for ``params``."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("tasks:ledger"), params).status_code == 200
    return next(q["sql"] for q in captured.captured_queries if "LIMIT" in q["sql"] and '"tasks_task"' in q["sql"]
                and "ORDER BY" in q["sql"])


def test_a_narrow_ledger_orders_by_an_expression_a_wide_one_by_the_column(
        world: SimpleNamespace, two_plans: None, login: Any, settings: Any) -> None:
    client = login(world.city_office)
    settings.LEDGER_SORT_IN_SCOPE_ROWS = 50_000
    assert '("tasks_task"."plan_id" + 0)' in page_keys_sql(client, {})
    settings.LEDGER_SORT_IN_SCOPE_ROWS = 5
    assert '("tasks_task"."plan_id" + 0)' not in page_keys_sql(client, {})


def test_the_administrators_ledger_walks_the_plan_order_unless_a_place_is_chosen(
        world: SimpleNamespace, two_plans: None, login: Any, settings: Any) -> None:
    """Every region's rows are spread over the plan order: the index is walked however few they are; a region
    (or unit, plan, section, words) chosen may gather them at one end of it: sorted within the filter."""
    settings.LEDGER_SORT_IN_SCOPE_ROWS = 50_000
    settings.LEDGER_WALK_SEARCH_ROWS = 0  # words never common enough to walk for (see the test below)
    client = login(world.admin)

    assert '("tasks_task"."plan_id" + 0)' not in page_keys_sql(client, {})
    assert '("tasks_task"."plan_id" + 0)' not in page_keys_sql(client, {"state": "assigned"})
    assert '("tasks_task"."plan_id" + 0)' in page_keys_sql(client, {"region": str(world.county.pk)})
    assert '("tasks_task"."plan_id" + 0)' in page_keys_sql(client, {"q": "垃圾"})


def test_the_administrators_search_of_common_words_walks_the_plan_order(
        world: SimpleNamespace, two_plans: None, login: Any, settings: Any) -> None:
    """Words spread over the whole ledger: when the rows to walk to the page's end (its last row × the table's
    rows / the matches) stay under LEDGER_WALK_SEARCH_ROWS, the plan order is walked and each row's text
    checked; a region chosen with them is still sorted (its rows lie together)."""
    settings.LEDGER_SORT_IN_SCOPE_ROWS = 50_000
    settings.LEDGER_WALK_SEARCH_ROWS = 10**9
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE tasks_task")  # the estimate of the table's rows the choice reads
    client = login(world.admin)

    walked = connection.vendor == "postgresql"  # SQLite: no pair index to weigh the walk against
    assert ('("tasks_task"."plan_id" + 0)' not in page_keys_sql(client, {"q": "垃圾"})) == walked
    assert '("tasks_task"."plan_id" + 0)' in page_keys_sql(client, {"q": "垃圾", "region": str(world.county.pk)})


def test_the_administrators_search_of_a_rare_word_is_sorted(world: SimpleNamespace, two_plans: None, make_task: Any,
                                                             login: Any, settings: Any) -> None:
    """A word in one task of ten: the rows walked to the page's end (its one match × 10) exceed twice the matches, so
    its few matches are found through the keyword index and sorted (``paging.walk_window``), however large the walk
    allowed; the common word of the other nine is still walked."""
    settings.LEDGER_SORT_IN_SCOPE_ROWS = 50_000
    settings.LEDGER_WALK_SEARCH_ROWS = 10**9
    make_task(seq="10", problem="湿地鳄鱼栖息地保护")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE tasks_task")
    client = login(world.admin)
    assert '("tasks_task"."plan_id" + 0)' in page_keys_sql(client, {"q": "鳄鱼"})
    assert ('("tasks_task"."plan_id" + 0)' not in page_keys_sql(client, {"q": "垃圾"})) == (connection.vendor == "postgresql")


def _api_pages(client: Any, pages: int, size: int) -> list[str]:
    seen: list[str] = []
    for page in range(1, pages + 1):
        response = client.get("/api/v1/tasks", {"page": str(page), "page_size": str(size)})
        assert response.status_code == 200
        seen += [item["uuid"] for item in response.json()["items"]]
    return seen


def test_the_apis_pages_are_the_ledgers_found_the_same_way(world: SimpleNamespace, two_plans: None, login: Any,
                                                           settings: Any) -> None:
    """The API's task list finds its pages as the ledger does (``tasks.api.pagination.LedgerPagination``): sorted
    within a narrow scope (``plan_id + 0``), by the plan-order index in a wide one — the same tasks either way."""
    from rectify.tasks.models import Task

    client = login(world.city_office)
    plain = [str(u) for u in Task.objects.order_by("plan_id", "id").values_list("uuid", flat=True)]
    for rows in (50_000, 0):
        settings.LEDGER_SORT_IN_SCOPE_ROWS = rows
        assert _api_pages(client, 3, 4) == plain
        with CaptureQueriesContext(connection) as captured:
            client.get("/api/v1/tasks", {"page_size": "4"})
        keys = next(q["sql"] for q in captured.captured_queries if "LIMIT" in q["sql"] and "ORDER BY" in q["sql"])
        assert ('("tasks_task"."plan_id" + 0)' in keys) == (rows > 0)
