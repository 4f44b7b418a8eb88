"""How a page of tasks is found in the ledger's order: shared by the ledger page and the API's task list;
the page of a search over the whole ledger walked in a window of that order."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from rectify.core.estimates import estimated_table_rows
from rectify.core.ordering import sorted_after_filter
from rectify.core.pagination import page_number, paginate
from rectify.core.types import AuthedRequest

from .models import Task

# The filters whose rows may lie together in the plan order (some regions, units, plans, sections or words).
PLACE_FILTERS = ("region", "region_name", "unit", "unit_name", "plan", "inspection", "section", "q")


def order_for_page(tasks: QuerySet[Task], total: int | None, *, all_regions: bool = False) -> QuerySet[Task]:
    """The same order, written so that PostgreSQL finds a page of a narrow filter from the filter's
    index. Ordered by ``plan_id`` as it is, the planner walks the plan-order index and drops the rows
    outside the filter; when a province's plans come last it reads nearly the whole national table
    for one page (915 ms at 300,000 tasks). ``plan_id + 0`` orders the same but no index provides it,
    so the rows of the filter are read through its own index and sorted (13 ms for 9,677 tasks).
    Rows of every region (``all_regions``: the administrator, none of ``PLACE_FILTERS`` chosen) are spread
    over the plan order: its index (``task_plan_order``) is walked whatever their number."""
    if all_regions or total is None or total > settings.LEDGER_SORT_IN_SCOPE_ROWS:
        return tasks
    order = [sorted_after_filter(field) if field in ("plan_id", "-plan_id") else field
             for field in tasks.query.order_by or Task._meta.ordering or ()]
    return tasks.order_by(*order)


def walk_window(request: AuthedRequest, total: int | None) -> int | None:
    """How many rows of the ledger's order to walk for the page of a search over the whole ledger, checking
    each row's text with ``LIKE`` (~11 µs a row), rather than finding every match through the pair index and
    sorting them (148 ms for the 37,126 tasks of 300,000 holding 污水): twice the rows expected to hold the
    page's end — its last row × tasks / matches, the words being spread over the plan order as places are
    not — when that stays under ``LEDGER_WALK_SEARCH_ROWS``; None to sort. PostgreSQL only (the estimate of
    the table's rows is its statistics'; SQLite has no pair index to weigh against)."""
    table_rows = estimated_table_rows(Task) if connection.vendor == "postgresql" and total else None
    if not total or table_rows is None:
        return None
    page_end = page_number(request, -(-total // settings.LEDGER_PAGE_SIZE)) * settings.LEDGER_PAGE_SIZE
    expected = page_end * max(float(table_rows), float(total)) / total
    return int(2 * expected) + settings.LEDGER_PAGE_SIZE if expected <= settings.LEDGER_WALK_SEARCH_ROWS else None


def walked_page(request: AuthedRequest, tasks: QuerySet[Task], window: int, total: int | None, countless: bool) -> Any:
    """The page of ``tasks`` (a search, its words checked row by row) among the first ``window`` tasks in the
    ledger's order, which the database walks through the order's index (``task_plan_order``) however few
    matches its statistics expect; None when the window holds too few of them for a whole page (sort instead).
    Asked for the order with the words as the only condition, PostgreSQL expected 10 matches of a word held by
    3,532 of 30,000 tasks, read them all and sorted (90 ms)."""
    walked = Task.objects.visible_to(request.user).order_by("plan_id", "id").values("pk")[:window]
    page = paginate(request, tasks.filter(pk__in=walked), settings.LEDGER_PAGE_SIZE, deferred=True, count=total,
                    countless=countless)
    shown = len(page.object_list)
    if countless:
        return page if page.has_next() and shown == settings.LEDGER_PAGE_SIZE else None
    bottom = (page.number - 1) * settings.LEDGER_PAGE_SIZE
    return page if shown == min(settings.LEDGER_PAGE_SIZE, (total or 0) - bottom) else None
