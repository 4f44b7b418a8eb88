"""Page-number pagination with a page number the database can always offset to."""
from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

MAX_PAGE = 1_000_000


class CappedPageNumberPagination(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description="页码")
        page_size: int | None = Field(None, ge=1, le=1000, description="每页条数")
