"""The list/detail/create/update pattern shared by records that hang on a region (inspections,
plans): visible through the caller's scope, written by offices and admins of the region's subtree."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Schema, Status
from ninja.errors import HttpError

from rectify.core.models import PublicModel
from rectify.core.writes import create_record, update_record

from .access import acting, get_visible, require_editor, user_of
from .errors import ApiValidationError

M = TypeVar("M", bound=PublicModel)

Checker = Callable[[Any, dict[str, Any], Any], dict[str, Any]]


def check_order(result: dict[str, Any], current: Any, start: str, end: str, errors: ApiValidationError, message: str) -> None:
    """``start`` must not come after ``end`` (the new value, else the stored one)."""
    first = result.get(start, getattr(current, start) if current is not None else None)
    last = result.get(end, getattr(current, end) if current is not None else None)
    if first and last and first > last:
        errors.add(end, message)


class RegionalRecords(Generic[M]):
    """One kind of record: ``label`` names it in messages, ``region_field`` decides who may edit."""

    def __init__(self, model: type[M], *, label: str, region_field: str, queryset: Callable[[Any], QuerySet[M]], check: Checker) -> None:
        self.model = model
        self.label = label
        self.region_field = region_field
        self.queryset = queryset
        self.check = check
        self.not_found = f"{label}不存在，或您无权查看"

    def get(self, request: HttpRequest, uuid: UUID) -> M:
        return get_visible(self.queryset(user_of(request)), self.not_found, uuid=uuid)

    def create(self, request: HttpRequest, payload: Schema) -> Status[M]:
        user = user_of(request)
        require_editor(user, f"新建{self.label}")
        data = payload.dict()
        reason = data.pop("reason", "") or f"接口新建{self.label}"
        values = self.check(user, data, None)
        with acting(request):
            obj = create_record(self.model(**values), reason=reason)
        return Status(201, self.queryset(user).get(pk=obj.pk))

    def update(self, request: HttpRequest, uuid: UUID, payload: Schema) -> M:
        user = user_of(request)
        obj = self.get(request, uuid)
        require_editor(user, f"修改{self.label}")
        if not self.model._default_manager.editable_by(user).filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
            raise HttpError(403, f"该{self.label}不在您的管辖范围内，不能修改")
        data = payload.dict(exclude_unset=True)
        version = data.pop("version")
        reason = data.pop("reason", "")
        values = self.check(user, data, obj)
        with acting(request):
            update_record(obj, values, expected_version=version, reason=reason)
        return self.queryset(user).get(pk=obj.pk)
