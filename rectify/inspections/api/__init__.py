"""Inspections (督察): visible when the inspected region is in the caller's scope or the
caller sees one of its tasks; offices and admins create and change those of their subtree."""

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate
from ninja.params.functions import Query

from rectify.api.access import user_of
from rectify.api.errors import ApiValidationError
from rectify.api.filters import page_filter
from rectify.api.pagination import CappedPageNumberPagination
from rectify.api.records import RegionalRecords, check_order
from rectify.api.schemas import Message, StaleOut, ValidationErrorOut
from rectify.api.since import filter_updated_since, updated_since_param
from rectify.core.types import AnyUser
from rectify.inspections.api.schemas import InspectionIn, InspectionLevelValue, InspectionOut, InspectionPatch
from rectify.inspections.filters import InspectionFilter
from rectify.inspections.models import Inspection
from rectify.regions.api.access import check_region, region_by_code

router = Router(tags=["督察"])

WRITE_RESPONSES = {401: Message, 403: Message, 404: Message, 409: StaleOut, 422: ValidationErrorOut}


def _inspections(user: AnyUser) -> QuerySet[Inspection]:
    return Inspection.objects.visible_to(user).select_related("target_region__parent")


@router.get("", response=list[InspectionOut], summary="督察列表", description="本人数据范围内的督察。")
@paginate(CappedPageNumberPagination, page_size=50, max_page_size=500)
def list_inspections(
    request: HttpRequest,
    region: str | None = Query(None, description="被督察区划代码（含下级）"),
    level: InspectionLevelValue | None = Query(None, description="层级"),  # type: ignore[valid-type]  # noqa: B008
    q: str | None = Query(None, description="关键词：督察组、批次或被督察区划名称"),
    updated_since: str | None = updated_since_param(),
) -> QuerySet[Inspection]:
    inspections = filter_updated_since(_inspections(user_of(request)), updated_since)
    if region:  # the API names regions by code (the page has no region filter)
        inspections = inspections.filter(region_by_code(region).subtree_q("target_region"))
    return page_filter(InspectionFilter, inspections, {"level": level, "q": q})


@router.get("/{uuid}", response={200: InspectionOut, 404: Message}, summary="督察详情")
def get_inspection(request: HttpRequest, uuid: UUID) -> Inspection:
    return records.get(request, uuid)


def _check(user: AnyUser, values: dict[str, Any], current: Inspection | None = None) -> dict[str, Any]:
    errors = ApiValidationError()
    result = dict(values)
    check_region(user, values, result, errors, "target_region")
    check_order(result, current, "stationed_from", "stationed_to", errors, "进驻结束日期不能早于进驻开始日期")
    if errors.errors:
        raise errors
    return result


records = RegionalRecords(Inspection, label="督察", region_field="target_region", queryset=_inspections, check=_check)


@router.post("", response={201: InspectionOut, **WRITE_RESPONSES}, summary="新建督察", description="整改办、管理员可为本级及下级区划新建督察。")
def create_inspection(request: HttpRequest, payload: InspectionIn) -> Status[Inspection]:
    return records.create(request, payload)


@router.patch(
    "/{uuid}",
    response={200: InspectionOut, **WRITE_RESPONSES},
    summary="修改督察",
    description="只修改请求中给出的字段；须带回读取时的 version，已被他人修改时返回 409。",
)
def update_inspection(request: HttpRequest, uuid: UUID, payload: InspectionPatch) -> Inspection:
    return records.update(request, uuid, payload)
