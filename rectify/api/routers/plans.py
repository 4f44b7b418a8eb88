"""Plans (整改方案): visible when their region is in the caller's scope or the caller sees
one of their tasks; offices and admins create and change those of their subtree."""

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from rectify.inspections.models import Plan

from ..access import (
    acting,
    edit_region_q,
    editable_region,
    get_visible,
    region_by_code,
    require_editor,
    user_of,
    visible_inspections,
    visible_plans,
)
from ..errors import ApiValidationError
from ..schemas import Message, PlanIn, PlanOut, PlanPatch, StaleOut, ValidationErrorOut
from ..writes import create_record, update_record

router = Router(tags=["整改方案"])

WRITE_RESPONSES = {401: Message, 403: Message, 404: Message, 409: StaleOut, 422: ValidationErrorOut}
NOT_FOUND = "整改方案不存在，或您无权查看"


def _plans(user: Any) -> QuerySet[Plan]:
    return visible_plans(user).select_related("region__parent", "inspection__target_region")


@router.get("", response=list[PlanOut], summary="整改方案列表", description="本人数据范围内的整改方案。")
@paginate(PageNumberPagination, page_size=50, max_page_size=500)
def list_plans(
    request: HttpRequest,
    inspection: UUID | None = Query(None, description="督察编号"),  # type: ignore[assignment]  # noqa: B008
    region: str | None = Query(None, description="区划代码（含下级）"),  # type: ignore[assignment]
) -> QuerySet[Plan]:
    plans = _plans(user_of(request))
    if inspection:
        plans = plans.filter(inspection__uuid=inspection)
    if region:
        plans = plans.filter(region_by_code(region).subtree_q())
    return plans


@router.get("/{uuid}", response={200: PlanOut, 404: Message}, summary="整改方案详情")
def get_plan(request: HttpRequest, uuid: UUID) -> Plan:
    return get_visible(_plans(user_of(request)), NOT_FOUND, uuid=uuid)


def _check(user: Any, values: dict[str, Any], current: Plan | None = None) -> dict[str, Any]:
    errors = ApiValidationError()
    result = dict(values)
    if "region" in values:
        region = editable_region(user, values["region"])
        if region is None:
            errors.add("region", f"区划 {values['region']} 不存在，或不在您的管辖范围内")
        result["region"] = region
    if values.get("inspection"):
        inspection = visible_inspections(user).filter(uuid=values["inspection"]).first()
        if inspection is None:
            errors.add("inspection", "督察不存在，或您无权查看")
        result["inspection"] = inspection
    elif "inspection" in values:
        result["inspection"] = None
    start = result.get("period_start", current.period_start if current else None)
    end = result.get("period_end", current.period_end if current else None)
    if start and end and start > end:
        errors.add("period_end", "截止年份不能早于起始年份")
    if errors.errors:
        raise errors
    return result


@router.post("", response={201: PlanOut, **WRITE_RESPONSES}, summary="新建整改方案", description="整改办、管理员可为本级及下级区划新建整改方案。")
def create_plan(request: HttpRequest, payload: PlanIn) -> Status[Plan]:
    user = user_of(request)
    require_editor(user, "新建整改方案")
    data = payload.dict()
    reason = data.pop("reason") or "接口新建整改方案"
    values = _check(user, data)
    with acting(request):
        plan = create_record(Plan(**values), reason=reason)
    return Status(201, _plans(user).get(pk=plan.pk))


@router.patch(
    "/{uuid}",
    response={200: PlanOut, **WRITE_RESPONSES},
    summary="修改整改方案",
    description="只修改请求中给出的字段；须带回读取时的 version，已被他人修改时返回 409。",
)
def update_plan(request: HttpRequest, uuid: UUID, payload: PlanPatch) -> Plan:
    user = user_of(request)
    plan = get_visible(_plans(user), NOT_FOUND, uuid=uuid)
    require_editor(user, "修改整改方案")
    if not Plan.objects.filter(edit_region_q(user, "region"), pk=plan.pk).exists():
        raise HttpError(403, "该整改方案不在您的管辖范围内，不能修改")
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    reason = data.pop("reason", "")
    values = _check(user, data, plan)
    with acting(request):
        update_record(plan, values, expected_version=version, reason=reason)
    return _plans(user).get(pk=plan.pk)
