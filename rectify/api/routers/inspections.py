"""Inspections (督察): visible when the inspected region is in the caller's scope or the
caller sees one of its tasks; offices and admins create and change those of their subtree."""

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from rectify.inspections.models import Inspection

from ..access import acting, edit_region_q, editable_region, get_visible, region_by_code, require_editor, user_of, visible_inspections
from ..errors import ApiValidationError
from ..schemas import InspectionIn, InspectionLevelValue, InspectionOut, InspectionPatch, Message, StaleOut, ValidationErrorOut
from ..writes import create_record, update_record

router = Router(tags=["督察"])

WRITE_RESPONSES = {401: Message, 403: Message, 404: Message, 409: StaleOut, 422: ValidationErrorOut}
NOT_FOUND = "督察不存在，或您无权查看"


def _inspections(user: Any) -> QuerySet[Inspection]:
    return visible_inspections(user).select_related("target_region__parent")


@router.get("", response=list[InspectionOut], summary="督察列表", description="本人数据范围内的督察。")
@paginate(PageNumberPagination, page_size=50, max_page_size=500)
def list_inspections(
    request: HttpRequest,
    region: str | None = Query(None, description="被督察区划代码（含下级）"),  # type: ignore[assignment]
    level: InspectionLevelValue | None = Query(None, description="层级"),  # type: ignore[valid-type,assignment]  # noqa: B008
) -> QuerySet[Inspection]:
    inspections = _inspections(user_of(request))
    if region:
        inspections = inspections.filter(region_by_code(region).subtree_q("target_region"))
    if level:
        inspections = inspections.filter(level=level)
    return inspections


@router.get("/{uuid}", response={200: InspectionOut, 404: Message}, summary="督察详情")
def get_inspection(request: HttpRequest, uuid: UUID) -> Inspection:
    return get_visible(_inspections(user_of(request)), NOT_FOUND, uuid=uuid)


def _check(user: Any, values: dict[str, Any], current: Inspection | None = None) -> dict[str, Any]:
    errors = ApiValidationError()
    result = dict(values)
    if "target_region" in values:
        region = editable_region(user, values["target_region"])
        if region is None:
            errors.add("target_region", f"区划 {values['target_region']} 不存在，或不在您的管辖范围内")
        result["target_region"] = region
    start = result.get("stationed_from", current.stationed_from if current else None)
    end = result.get("stationed_to", current.stationed_to if current else None)
    if start and end and start > end:
        errors.add("stationed_to", "进驻结束日期不能早于进驻开始日期")
    if errors.errors:
        raise errors
    return result


@router.post("", response={201: InspectionOut, **WRITE_RESPONSES}, summary="新建督察", description="整改办、管理员可为本级及下级区划新建督察。")
def create_inspection(request: HttpRequest, payload: InspectionIn) -> Status[Inspection]:
    user = user_of(request)
    require_editor(user, "新建督察")
    data = payload.dict()
    reason = data.pop("reason") or "接口新建督察"
    values = _check(user, data)
    with acting(request):
        inspection = create_record(Inspection(**values), reason=reason)
    return Status(201, _inspections(user).get(pk=inspection.pk))


@router.patch(
    "/{uuid}",
    response={200: InspectionOut, **WRITE_RESPONSES},
    summary="修改督察",
    description="只修改请求中给出的字段；须带回读取时的 version，已被他人修改时返回 409。",
)
def update_inspection(request: HttpRequest, uuid: UUID, payload: InspectionPatch) -> Inspection:
    user = user_of(request)
    inspection = get_visible(_inspections(user), NOT_FOUND, uuid=uuid)
    require_editor(user, "修改督察")
    if not Inspection.objects.filter(edit_region_q(user, "target_region"), pk=inspection.pk).exists():
        raise HttpError(403, "该督察不在您的管辖范围内，不能修改")
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    reason = data.pop("reason", "")
    values = _check(user, data, inspection)
    with acting(request):
        update_record(inspection, values, expected_version=version, reason=reason)
    return _inspections(user).get(pk=inspection.pk)
