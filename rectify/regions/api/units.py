"""Units: readable by every logged-in user (names are needed to fill in tasks); offices and
admins create and change the units of their own region subtree."""

from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from ninja import Router, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.params.functions import Query

from rectify.api.access import acting, require_editor, user_of
from rectify.api.errors import ApiValidationError
from rectify.api.pagination import CappedPageNumberPagination
from rectify.api.schemas import Message, StaleOut, ValidationErrorOut
from rectify.api.since import filter_updated_since, updated_since_param
from rectify.core.params import SearchTooLong, search_terms
from rectify.core.types import AnyUser
from rectify.core.writes import create_record, update_record
from rectify.regions.api.access import check_region, region_by_code
from rectify.regions.api.schemas import UnitIn, UnitOut, UnitPatch
from rectify.regions.matching import normalise_name
from rectify.regions.models import Region, Unit

router = Router(tags=["单位"])

WRITE_RESPONSES = {401: Message, 403: Message, 404: Message, 409: StaleOut, 422: ValidationErrorOut}


def _units() -> QuerySet[Unit]:
    return Unit.objects.select_related("region__parent", "parent")


def _get(uuid: UUID) -> Unit:
    unit = _units().filter(uuid=uuid).first()
    if unit is None:
        raise Http404("单位不存在")
    return unit


@router.get("", response=list[UnitOut], summary="单位列表", description="region：区划代码（含下级）；q：名称或别名关键词。")
@paginate(CappedPageNumberPagination, page_size=100, max_page_size=1000)
def list_units(
    request: HttpRequest,
    region: str | None = Query(None, description="区划代码（含下级区划）"),
    q: str | None = Query(None, description="名称关键词"),
    active: bool | None = Query(None, description="只看启用（true）或停用（false）"),
    updated_since: str | None = updated_since_param(),
) -> QuerySet[Unit]:
    units = filter_updated_since(_units().order_by("region__code", "name"), updated_since)
    if region:
        units = units.filter(region_by_code(region).subtree_q())
    if q:
        try:
            words = [normalise_name(w) for w in search_terms(q)]
        except SearchTooLong as exc:
            raise ApiValidationError(q=str(exc)) from None
        # Aliases are JSON (stored escaped on SQLite), so they are matched here, not in SQL.
        alias_rows = Unit.objects.exclude(aliases=[]).values_list("pk", "aliases")
        for word in words:
            by_alias = [pk for pk, aliases in alias_rows if any(word in normalise_name(a) for a in aliases or [])]
            units = units.filter(Q(name__icontains=word) | Q(pk__in=by_alias))
    if active is not None:
        units = units.filter(is_active=active)
    return units


@router.get("/{uuid}", response={200: UnitOut, 404: Message}, summary="单位详情")
def get_unit(request: HttpRequest, uuid: UUID) -> Unit:
    return _get(uuid)


def _check(user: AnyUser, values: dict[str, Any], unit: Unit | None = None) -> dict[str, Any]:
    """Resolve codes and uuids; raise ApiValidationError naming each bad field."""
    errors = ApiValidationError()
    # An explicit null means "leave as is" for every field but the parent (null clears it).
    values = {k: v for k, v in values.items() if v is not None or k == "parent"}
    result = dict(values)
    check_region(user, values, result, errors)
    if "name" in values:
        result["name"] = normalise_name(values["name"])[:120]
    if "aliases" in values:
        result["aliases"] = [a.strip() for a in values["aliases"] if a and a.strip()]
    if values.get("parent"):
        parent = Unit.objects.filter(uuid=values["parent"]).first()
        if parent is None:
            errors.add("parent", "上级单位不存在")
        elif unit is not None and parent.pk == unit.pk:
            errors.add("parent", "上级单位不能是本单位")
        result["parent"] = parent
    elif "parent" in values:
        result["parent"] = None
    region = result.get("region") or (unit.region if unit else None)
    name = result.get("name") or (unit.name if unit else None)
    if region and name:
        clash = Unit.objects.filter(region=region, name=name)
        if unit is not None:
            clash = clash.exclude(pk=unit.pk)
        if clash.exists():
            errors.add("name", f"{region.full_name}已有名为“{name}”的单位")
    if errors.errors:
        raise errors
    return result


@router.post("", response={201: UnitOut, **WRITE_RESPONSES}, summary="新建单位", description="整改办、管理员可在本级及下级区划新建单位。")
def create_unit(request: HttpRequest, payload: UnitIn) -> Status[Unit]:
    user = user_of(request)
    require_editor(user, "新建单位")
    data = payload.dict()
    reason = data.pop("reason", "") or "接口新建单位"
    values = _check(user, data)
    with acting(request):
        unit = create_record(Unit(**values), reason=reason)
    return Status(201, _get(unit.uuid))


@router.patch("/{uuid}", response={200: UnitOut, **WRITE_RESPONSES}, summary="修改单位", description="只修改请求中给出的字段。")
def update_unit(request: HttpRequest, uuid: UUID, payload: UnitPatch) -> Unit:
    user = user_of(request)
    unit = _get(uuid)
    require_editor(user, "修改单位")
    if not Region.objects.editable_by(user).filter(pk=unit.region_id).exists():
        raise HttpError(403, "该单位不在您的管辖范围内，不能修改")
    data = payload.dict(exclude_unset=True)
    reason = data.pop("reason", "")
    values = _check(user, data, unit)
    with acting(request):
        update_record(unit, values, reason=reason)
    return _get(uuid)
