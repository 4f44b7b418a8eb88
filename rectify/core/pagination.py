"""Pagination of the HTML list pages, in one place (the API has its own in ``rectify/api``).

``paginate(request, queryset, per_page)`` reads the ``page`` query parameter with ``core.params.parse_int``:
a missing, non-numeric or too small number answers the first page, a number past the end the last page —
never an error. The returned ``Page`` carries ``param`` and ``query`` (the other query parameters: filters,
search, sort), which ``templates/includes/paginator.html`` puts into its links:

    {% include "includes/paginator.html" with page=page %}

A page showing several lists gives each its own parameter (``param="mine"``); every list page uses ``page``.
"""
from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

from .paginator import CountlessPaginator, DeferredPaginator, KeysOf
from .params import parse_int

MAX_PAGE = 10_000  # a list not counted: as far as anyone pages


def page_number(request: HttpRequest, num_pages: int, param: str = "page") -> int:
    """The requested page number clamped to 1..num_pages (1 for anything that is not a number)."""
    try:
        number = parse_int(request.GET.get(param), minimum=1, maximum=2**31 - 1)
    except ValueError:
        return 1
    return min(number or 1, max(num_pages, 1))


def paginate(request: HttpRequest, queryset: Any, per_page: int, *, param: str = "page",
             deferred: bool = False, count: int | None = None, countless: bool = False, keys: KeysOf | None = None) -> Page[Any]:
    """One page of ``queryset`` for the request, with the query string its paginator links keep
    (``deferred=True`` for large scoped tables: the page's keys first, see ``core/paginator.py``;
    ``count``: the number of rows when the caller already knows it, which saves the count query;
    ``countless=True``: no count at all, the links go one page on or back; ``keys``: how a deferred page's keys
    are found, ``paginator.KeysOf``)."""
    found_by = {"keys": keys} if keys is not None else {}
    if countless:
        countless_pages = CountlessPaginator(queryset, per_page, **found_by)
        return _with_links(request, countless_pages.page(page_number(request, MAX_PAGE, param)), param)
    paginator = DeferredPaginator(queryset, per_page, **found_by) if deferred else Paginator(queryset, per_page)
    if count is not None:
        paginator.__dict__["count"] = count  # Paginator.count is a cached_property
    return _with_links(request, paginator.page(page_number(request, paginator.num_pages, param)), param)


def _with_links(request: HttpRequest, page: Page[Any], param: str) -> Page[Any]:
    others = request.GET.copy()
    others.pop(param, None)
    page.param = param  # type: ignore[attr-defined]
    page.query = others.urlencode()  # type: ignore[attr-defined]
    return page
