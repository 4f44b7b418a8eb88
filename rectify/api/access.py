"""The caller's reach, built only from ``rectify.accounts.scope`` (the one place scope is defined)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja.errors import HttpError

from rectify.accounts.permissions import can
from rectify.core.context import acting_as
from rectify.inspections.models import Inspection, Plan
from rectify.regions.models import Region
from rectify.tasks.models import Task


def user_of(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


@contextmanager
def acting(request: HttpRequest) -> Iterator[None]:
    """Record changes on behalf of the API caller (a token's user has no session)."""
    with acting_as(user_of(request), getattr(request, "request_id", None)):
        yield


def require_editor(user: Any, what: str = "修改数据") -> None:
    if not can(user, "ledger.edit"):
        raise HttpError(403, f"只有整改办或管理员可以{what}")


def visible_tasks(user: Any) -> QuerySet[Task]:
    return Task.objects.visible_to(user)


def visible_inspections(user: Any) -> QuerySet[Inspection]:
    return Inspection.objects.visible_to(user)


def visible_plans(user: Any) -> QuerySet[Plan]:
    return Plan.objects.visible_to(user)


def get_visible(queryset: QuerySet[Any], message: str, **lookup: Any) -> Any:
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404(message)
    return obj


def region_by_code(code: str) -> Region:
    region = Region.objects.select_related("parent").filter(code=code).first()
    if region is None:
        raise Http404(f"区划代码 {code} 不存在")
    return region


def editable_region(user: Any, code: str | None) -> Region | None:
    """The region with ``code`` if the user may put records there."""
    if not code:
        return None
    return Region.objects.editable_by(user).select_related("parent").filter(code=code).first()
