"""Plans (整改方案): visible when their region is in the caller's scope or the caller sees
one of their tasks; offices and admins create and change those of their subtree."""

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate
from ninja.params.functions import Query

from rectify.api.access import user_of
from rectify.api.errors import ApiValidationError
from rectify.api.pagination import CappedPageNumberPagination
from rectify.api.records import RegionalRecords, check_order
from rectify.api.schemas import Message, StaleOut, ValidationErrorOut
from rectify.api.since import filter_updated_since, updated_since_param
from rectify.core.types import AnyUser
from rectify.inspections.api.schemas import PlanIn, PlanOut, PlanPatch
from rectify.inspections.models import Inspection, Plan
from rectify.regions.api.access import check_region, region_by_code

router = Router(tags=["整改方案"])

WRITE_RESPONSES = {401: Message, 403: Message, 404: Message, 409: StaleOut, 422: ValidationErrorOut}


def _plans(user: AnyUser) -> QuerySet[Plan]:
    return Plan.objects.visible_to(user).select_related("region__parent", "inspection__target_region")


@router.get("", response=list[PlanOut], summary="整改方案列表", description="本人数据范围内的整改方案。")
@paginate(CappedPageNumberPagination, page_size=50, max_page_size=500)
def list_plans(
    request: HttpRequest,
    inspection: UUID | None = Query(None, description="督察编号"),  # noqa: B008
    region: str | None = Query(None, description="区划代码（含下级）"),
    updated_since: str | None = updated_since_param(),
) -> QuerySet[Plan]:
    plans = filter_updated_since(_plans(user_of(request)), updated_since)
    if inspection:
        plans = plans.filter(inspection__uuid=inspection)
    if region:
        plans = plans.filter(region_by_code(region).subtree_q())
    return plans


@router.get("/{uuid}", response={200: PlanOut, 404: Message}, summary="整改方案详情")
def get_plan(request: HttpRequest, uuid: UUID) -> Plan:
    return records.get(request, uuid)


def _check(user: AnyUser, values: dict[str, Any], current: Plan | None = None) -> dict[str, Any]:
    errors = ApiValidationError()
    result = dict(values)
    check_region(user, values, result, errors)
    if values.get("inspection"):
        inspection = Inspection.objects.visible_to(user).filter(uuid=values["inspection"]).first()
        if inspection is None:
            errors.add("inspection", "督察不存在，或您无权查看")
        result["inspection"] = inspection
    elif "inspection" in values:
        result["inspection"] = None
    check_order(result, current, "period_start", "period_end", errors, "截止年份不能早于起始年份")
    if errors.errors:
        raise errors
    return result


records = RegionalRecords(Plan, label="整改方案", region_field="region", queryset=_plans, check=_check)


@router.post("", response={201: PlanOut, **WRITE_RESPONSES}, summary="新建整改方案", description="整改办、管理员可为本级及下级区划新建整改方案。")
def create_plan(request: HttpRequest, payload: PlanIn) -> Status[Plan]:
    return records.create(request, payload)


@router.patch(
    "/{uuid}",
    response={200: PlanOut, **WRITE_RESPONSES},
    summary="修改整改方案",
    description="只修改请求中给出的字段；须带回读取时的 version，已被他人修改时返回 409。",
)
def update_plan(request: HttpRequest, uuid: UUID, payload: PlanPatch) -> Plan:
    return records.update(request, uuid, payload)
