"""``updated_since``: the list endpoints' filter for incremental sync (records changed since a moment)."""
from __future__ import annotations

import datetime
from typing import Any, TypeVar

from django.db.models import QuerySet
from django.utils import timezone
from ninja.params.functions import Query

from .errors import ApiValidationError

DESCRIPTION = (
    "只列出此时刻及以后修改过的记录（updated_at ≥ 此值），用于增量同步。ISO 8601 格式，"
    "如 2026-12-01T08:00:00+08:00 或 2026-12-01T00:00:00Z；不带时区的按北京时间。"
)
MESSAGE = "时间格式不正确：应为 ISO 8601 格式，如 2026-12-01T08:00:00+08:00"

Q = TypeVar("Q", bound=QuerySet[Any])


def updated_since_param() -> Any:
    # ninja types ``examples`` as a dict; pydantic (which receives it) takes the list OpenAPI 3.1 wants.
    return Query(None, description=DESCRIPTION, examples=["2026-12-01T08:00:00+08:00"])  # type: ignore[arg-type]


def parse(value: str | None) -> datetime.datetime | None:
    """The moment ``value`` names, or ApiValidationError (422) with a Chinese message."""
    if value is None or value == "":
        return None
    text = value.strip()
    if len(text) < 10 or not text[:4].isdigit() or text[4] != "-":
        raise ApiValidationError(updated_since=MESSAGE)
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise ApiValidationError(updated_since=MESSAGE) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def filter_updated_since(records: Q, value: str | None) -> Q:
    moment = parse(value)
    return records.filter(updated_at__gte=moment) if moment is not None else records
