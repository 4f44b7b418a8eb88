"""Regions: public reference data for every logged-in user."""


from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate
from ninja.params.functions import Query

from rectify.api.pagination import CappedPageNumberPagination
from rectify.api.schemas import Message
from rectify.regions.api.access import region_by_code
from rectify.regions.api.schemas import RegionLevelValue, RegionOut
from rectify.regions.models import Region

router = Router(tags=["行政区划"])


@router.get(
    "",
    response=list[RegionOut],
    summary="行政区划列表",
    description="按上级区划代码（parent）和级别（level）筛选；不带 parent 时列出全部。",
)
@paginate(CappedPageNumberPagination, page_size=100, max_page_size=1000)
def list_regions(
    request: HttpRequest,
    parent: str | None = Query(None, description="上级区划代码"),
    level: RegionLevelValue | None = Query(None, description="级别"),  # type: ignore[valid-type]  # noqa: B008
) -> QuerySet[Region]:
    regions = Region.objects.select_related("parent").order_by("code")
    if parent:
        regions = regions.filter(parent=region_by_code(parent))
    if level:
        regions = regions.filter(level=level)
    return regions


@router.get("/{code}", response={200: RegionOut, 404: Message}, summary="行政区划详情")
def get_region(request: HttpRequest, code: str) -> Region:
    return region_by_code(code)
