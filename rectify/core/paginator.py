"""A paginator that finds a page's keys first, then loads the page's rows (a "deferred join").

The keys query reads only the filter and order columns, so the database can answer it from an
index on them (``Task``: region path, plan, id) and its cost follows the rows in scope; loading
whole rows while searching for the page would let the planner walk the order index through
every row of the table instead.
"""
from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator


class DeferredPaginator(Paginator[Any]):
    def page(self, number: Any) -> Page[Any]:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        queryset: Any = self.object_list
        keys = queryset.values("pk")[bottom:top]
        return Page(list(queryset.filter(pk__in=keys)), number, self)


class CountlessPage(Page[Any]):
    """A page of a list whose length was not counted: it knows whether another page follows (it read one
    row more than it shows), not how many."""

    def __init__(self, object_list: list[Any], number: int, paginator: Paginator[Any], *, more: bool) -> None:
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


class CountlessPaginator(DeferredPaginator):
    """Pages without the count: the rows of one page and one more, found by their keys (``DeferredPaginator``). ``count`` and
    ``num_pages`` are None; the paginator links go one page on or back (``templates/includes/paginator.html``)."""

    count = None  # type: ignore[assignment]
    num_pages = None  # type: ignore[assignment]

    def page(self, number: Any) -> Page[Any]:
        number = max(int(number), 1)
        bottom = (number - 1) * self.per_page
        queryset: Any = self.object_list
        rows = list(queryset.filter(pk__in=queryset.values("pk")[bottom:bottom + self.per_page + 1]))
        return CountlessPage(rows[:self.per_page], number, self, more=len(rows) > self.per_page)
