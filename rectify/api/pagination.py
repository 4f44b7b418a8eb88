"""Page-number pagination with a page number the database can always offset to."""
from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

from rectify.core.paginator import rows_of_keys

MAX_PAGE = 1_000_000


class CappedPageNumberPagination(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description="页码")
        page_size: int | None = Field(None, ge=1, le=1000, description="每页条数")


class DeferredPageNumberPagination(CappedPageNumberPagination):
    """The page's keys first, then its rows (``core.paginator.DeferredPaginator``): the keys are read from the list's
    index of its filter and order alone, and only the page's rows are joined to what they show."""

    def paginate_queryset(self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any) -> Any:
        page_size = self._get_page_size(pagination.page_size)
        offset = (pagination.page - 1) * page_size
        keys = queryset.values("pk")[offset:offset + page_size]
        return {self.items_attribute: rows_of_keys(queryset, keys), "count": self.items_count(queryset, request, **params)}

    def items_count(self, queryset: QuerySet[Any], request: HttpRequest, **params: Any) -> int:
        """The list's total: a subclass that knows a maintained count of it reads that instead (one instance serves
        every request: what it needs comes from ``request`` and the view's ``params``)."""
        return int(self._items_count(queryset))
