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
