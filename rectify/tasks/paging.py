"""How a page of tasks is found in the ledger's order: shared by the ledger page and the API's task list;
the page of a search over the whole ledger walked in a window of that order."""
from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import CharField, Func, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.lookups import Exact

from rectify.accounts.scope import subtree_paths
from rectify.core.estimates import estimated_table_rows, planned_rows
from rectify.core.ordering import sorted_after_filter
from rectify.core.pagination import page_number, paginate
from rectify.core.paginator import KeysOf
from rectify.core.types import AnyUser, AuthedRequest

from .models import Task
from .search_plans import scope_size

# The filters whose rows may lie together in the plan order (some regions, units or plans); a page of words (a search,
# a section) is walked in a window of the order (``walk_window``) when they are common enough.
PLACE_FILTERS = ("region", "region_name", "unit", "unit_name", "plan", "inspection")

# The places whose rows are walked in a window of the order all the same, when common enough (a window holding too few
# gives way to the sort). A region or unit name typed, not chosen, names many places (市: 20 cities; 生态环境: a bureau in
# every county), whose tasks the database sorted (20,000 at 300,000 tasks, 140 ms) for a page found in the first hundreds.
WINDOWED_PLACES = ("region_name", "unit_name")

# Rows of the order walked for a page of a search that cost about as much as finding and sorting one match through the
# keyword index (its entries, its row and its text): a page is walked only while its window is the cheaper.
WALKED_ROWS_PER_MATCH = 2

# The whole ledger's order (``walkable_order``): the plan-order index over every task.
EVERY_REGION = ""


class ProvinceOf(Func):
    """The province part of a task's region path (its first code), as the index ``task_province_order`` holds it
    (PostgreSQL only: migration ``tasks 0021``)."""

    template = "split_part(%(expressions)s, '/', 1)"
    output_field = CharField()


def in_province(code: str) -> Exact:
    """Tasks of the province ``code``: the condition through which PostgreSQL walks that province's own plan order."""
    return Exact(ProvinceOf("region_path"), code)


def walkable_order(user: AnyUser, paths: list[str] | None = None) -> str | None:
    """Which plan order a page of ``user``'s tasks under ``paths`` (the region chosen's; else the caller's scope) may
    walk, its rows being spread over it as places are not: ``EVERY_REGION`` (the whole table's, ``task_plan_order``),
    a province's code (its own, ``task_province_order``: PostgreSQL) or None (the tasks in scope are sorted:
    ``order_for_page``). A province office's ledger sorted its 10,000 tasks for each page (13 ms at 300,000 tasks),
    and checked each one's text for a common word (生态环境: 46 ms), where its page is a few dozen rows of its order."""
    paths = subtree_paths(user) if paths is None else paths
    if paths == [EVERY_REGION]:
        return EVERY_REGION
    if paths and len(paths) == 1 and paths[0].count("/") == 1 and connection.vendor == "postgresql":
        return paths[0].split("/")[0]
    return None


def ledger_walk(user: AnyUser, chosen: dict[str, Any]) -> str | None:
    """``walkable_order`` of a ledger page filtered by ``chosen`` (its form's cleaned data): no place chosen but words
    or a region (the administrator's choice of a province walks that province's order)."""
    if any(chosen.get(name) for name in PLACE_FILTERS if name != "region" and name not in WINDOWED_PLACES):
        return None
    region = chosen.get("region")
    return walkable_order(user, [region.path] if region else None)


def walked_in_window(chosen: dict[str, Any], text: str) -> bool:
    """Whether a page of ``ledger_walk``'s order is found in a window of it (``walk_window``), not by walking it
    whole: words chosen (``text``: ``filters.searched_text``) or a place of ``WINDOWED_PLACES``."""
    return bool(text) or any(chosen.get(name) for name in WINDOWED_PLACES)


def window_order(chosen: dict[str, Any], walk: str) -> bool:
    """Whether a window of ``walk``'s order can be walked in the page's order: the plan order (any walk), or an order
    chosen (整改时限, 状态, 更新时间, 序号) over every region, whose index the table has (``Task.Meta.indexes``, its ties
    broken by the id: ``filters.LedgerOrdering``). A province's tasks in a chosen order are sorted."""
    return not chosen.get("ordering") or walk == EVERY_REGION


def walked_order(tasks: QuerySet[Task], walk: str) -> QuerySet[Task]:
    """``tasks`` (of ``walk``'s order, ``walkable_order``) in the ledger's order as its index holds it."""
    return tasks if walk == EVERY_REGION else tasks.filter(in_province(walk))


def order_for_page(tasks: QuerySet[Task], total: int | None, *, walk: str | None = None) -> QuerySet[Task]:
    """The same order, written so that PostgreSQL finds a page of a narrow filter from the filter's
    index. Ordered by ``plan_id`` as it is, the planner walks the plan-order index and drops the rows
    outside the filter; when a province's plans come last it reads nearly the whole national table
    for one page (915 ms at 300,000 tasks). ``plan_id + 0`` orders the same but no index provides it,
    so the rows of the filter are read through its own index and sorted (13 ms for 9,677 tasks).
    Rows of a whole province or of every region (``walk``: ``walkable_order``, none of ``PLACE_FILTERS`` chosen
    but a province) are spread over their plan order: its index is walked whatever their number, for the
    ledger's own order."""
    if walk is not None and (walk == EVERY_REGION or not tasks.query.order_by):
        return walked_order(tasks, walk)
    if total is None or total > settings.LEDGER_SORT_IN_SCOPE_ROWS:
        return tasks
    order = [sorted_after_filter(field) if field in ("plan_id", "-plan_id") else field
             for field in tasks.query.order_by or Task._meta.ordering or ()]
    return tasks.order_by(*order)


def walk_window(request: AuthedRequest, total: int | None, walk: str = EVERY_REGION) -> int | None:
    """How many rows of the ledger's order to walk for the page of a search over the whole ledger or a whole
    province (``walk``: ``walkable_order``), checking each row's text with ``LIKE`` (~11 µs a row), rather than
    finding every match through the keyword index and sorting them (148 ms for the 37,126 tasks of 300,000 holding
    污水): twice the rows expected to hold the page's end — its last row × tasks / matches (``total``, estimated),
    the words being spread over the plan order as places are not — when that stays under
    ``LEDGER_WALK_SEARCH_ROWS`` and under ``WALKED_ROWS_PER_MATCH`` × the matches; None to sort. A rare word is
    sorted: PostgreSQL estimates a character or pair outside its statistics' most common ones at a share of the
    least common of them (1,500 of 300,000 tasks), so the administrator's page of a character held by no task walked
    10,000 rows before its sort found none (~50 ms). PostgreSQL only (the estimate of the table's rows is its
    statistics'; SQLite has no keyword index to weigh against)."""
    table_rows = walked_rows(request, walk) if connection.vendor == "postgresql" and total else None
    if not total or table_rows is None:
        return None
    page_end = min(page_number(request, -(-total // settings.LEDGER_PAGE_SIZE)) * settings.LEDGER_PAGE_SIZE, total)
    expected = page_end * max(float(table_rows), float(total)) / total
    if expected > settings.LEDGER_WALK_SEARCH_ROWS or expected > WALKED_ROWS_PER_MATCH * total:
        return None
    # As far as the limits allow, not just twice the rows expected: the walk stops at the page's last match, and the
    # matches of a state and a word lay past twice their expected rows (closed tasks of 整改, page 5: a window of 4,026
    # rows held 100 of its 126, and the page was sorted: 73 ms against 8).
    return int(min(settings.LEDGER_WALK_SEARCH_ROWS, max(2 * expected, WALKED_ROWS_PER_MATCH * total))) + settings.LEDGER_PAGE_SIZE


def walked_rows(request: AuthedRequest, walk: str) -> float | None:
    """How many tasks ``walk``'s order holds: PostgreSQL's estimate of the table's rows; the caller's own province's
    maintained count (``search_plans.scope_size``); another province's estimate (the statistics of
    ``task_province_order``'s expression)."""
    if walk == EVERY_REGION:
        return estimated_table_rows(Task)
    in_scope = scope_size(request) if subtree_paths(request.user) == [f"{walk}/"] else None
    rows = planned_rows(walked_order(Task.objects.all(), walk)) if in_scope is None else in_scope
    return None if rows is None else float(rows)


def walked_page(request: AuthedRequest, tasks: QuerySet[Task], window: int, total: int | None, countless: bool,
                walk: str = EVERY_REGION) -> Any:
    """The page of ``tasks`` (a search, its words checked row by row) among the first ``window`` tasks in the
    ledger's order (of ``walk``), which the database walks through the order's index however few matches its
    statistics expect (``window_keys``); None when the window holds too few of them for a whole page (sort instead).
    Asked for the order with the words as the only condition, PostgreSQL expected 10 matches of a word held by
    3,532 of 30,000 tasks, read them all and sorted (90 ms)."""
    # The window is the order's own rows, the caller's scope checked outside it with the other conditions: with the
    # scope's prefix ``LIKE`` in it, PostgreSQL multiplied the two conditions' shares, expected 301 of a province's
    # 9,677 tasks, and sorted them all (whole rows, on disk: 31 ms) rather than walk its index (4 ms).
    walked = walked_order(Task.objects.all(), walk).order_by(*page_order(tasks))[:window]
    keys = window_keys(tasks, walked)
    if keys is None:
        return None
    page = paginate(request, tasks, settings.LEDGER_PAGE_SIZE, deferred=True, count=total, countless=countless, keys=keys)
    shown = len(page.object_list)
    if countless:
        return page if page.has_next() and shown == settings.LEDGER_PAGE_SIZE else None
    bottom = (page.number - 1) * settings.LEDGER_PAGE_SIZE
    return page if shown == min(settings.LEDGER_PAGE_SIZE, (total or 0) - bottom) else None


def window_keys(tasks: QuerySet[Task], window: QuerySet[Task]) -> KeysOf | None:
    """The keys of ``tasks``' rows ``bottom`` to ``top`` among the rows of ``window`` (the first tasks of a plan
    order, ``walked_page``), ``tasks``' conditions checked on each row of the window as it is read, in its order:
    ``SELECT id FROM (window) tasks_task WHERE conditions ORDER BY (its order) LIMIT … OFFSET …``. The window is read
    no further than the page's last match, through its index whatever PostgreSQL expects of the conditions. Written
    as the window's keys joined to the matches (``id IN (window) AND conditions``), PostgreSQL read the whole table
    with the conditions when it expected few matches (a ``LIKE``'s guess) and hashed the window against them: the
    administrator's page 20 of 污水, 150 ms at 30,000 tasks. None for conditions on other tables (a join) or none
    to meet."""
    table = Task._meta.db_table
    order = page_order(tasks)
    columns = {f.attname: f.column for f in Task._meta.concrete_fields}  # the order's names: plan_id, deadline, …
    if set(tasks.query.alias_map) - {table} or not all(isinstance(name, str) and name.lstrip("-") in columns
                                                          for name in order):
        return None
    try:
        where_sql, where_params = tasks.query.get_compiler(using=tasks.db).compile(tasks.query.where)
    except EmptyResultSet:
        return None
    quoted = connection.ops.quote_name(table)
    # The window's columns: those the conditions read (as Django writes them, "table"."column"), and the order's. Each
    # column more is copied out of every row walked: the whole rows cost a third more at page 30 of a section.
    ordered = [(columns[name.lstrip("-")], " DESC" if name.startswith("-") else "") for name in order]
    read = set(re.findall(re.escape(quoted) + r'\."(\w+)"', where_sql)) | {"id"} | {column for column, _ in ordered}
    fields = [f.attname for f in Task._meta.concrete_fields if f.column in read]
    window_sql, window_params = window.values(*fields).query.sql_with_params()
    condition = f" WHERE {where_sql}" if where_sql else ""
    order_sql = ", ".join(f'{quoted}."{column}"{direction}' for column, direction in ordered)

    def keys(bottom: int, top: int) -> RawSQL:
        return RawSQL(f"SELECT {quoted}.id FROM ({window_sql}) {quoted}{condition} "  # noqa: S608,S611 (compiled by Django)
                      f"ORDER BY {order_sql} LIMIT {top - bottom:d} OFFSET {bottom:d}",
                      (*window_params, *where_params))
    return keys


def page_order(tasks: QuerySet[Task]) -> tuple[Any, ...]:
    """The order of the ledger's ``tasks``: the one chosen (``filters.LedgerOrdering``), else the plan order."""
    return tuple(tasks.query.order_by) or tuple(Task._meta.ordering or ())
