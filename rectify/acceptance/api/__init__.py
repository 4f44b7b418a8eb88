"""Acceptance, closure and look-back (验收销号、回头看): the same services and scope rules as
the pages — a task outside the caller's scope answers 404, a role that may not act 403."""

import datetime
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate
from ninja.params.functions import Query

from rectify.acceptance import services
from rectify.acceptance.api.schemas import (
    AcceptanceFileOut,
    AnnounceIn,
    AnnouncementOut,
    ApplicationOut,
    CloseIn,
    ClosureOut,
    LookBackOut,
    LookBackScheduleIn,
    ObjectionOut,
    ReviewIn,
    ReviewOut,
)
from rectify.acceptance.filters import LookBackFilter
from rectify.acceptance.models import AcceptanceApplication, Announcement, Filing, LookBack, Objection
from rectify.accounts.permissions import can
from rectify.accounts.scope import unit_ids
from rectify.api.access import acting, get_visible, user_of
from rectify.api.filters import page_filter
from rectify.api.pagination import CappedPageNumberPagination
from rectify.api.schemas import InputSchema, Message, StaleOut, ValidationErrorOut
from rectify.api.since import filter_updated_since, updated_since_param
from rectify.core.types import AnyUser
from rectify.core.writes import version_checked
from rectify.inspections.models import Inspection
from rectify.tasks.models import Task

router = Router(tags=["验收销号"])

WRITE_RESPONSES = {400: Message, 401: Message, 403: Message, 404: Message, 409: StaleOut, 422: ValidationErrorOut}
TASK_NOT_FOUND = "整改任务不存在，或您无权查看"
LOOK_BACK_RELATED = ("task", "closure", "scheduled_by", "checker")


def _task(request: HttpRequest, uuid: UUID) -> Task:
    return get_visible(Task.objects.visible_to(user_of(request)).select_related("region__parent", "plan"), TASK_NOT_FOUND, uuid=uuid)


def _applications() -> QuerySet[AcceptanceApplication]:
    return AcceptanceApplication.objects.select_related("applicant", "unit").prefetch_related("evidence", "reviews__reviewer")


def _look_backs(user: "AnyUser | None" = None) -> QuerySet[LookBack]:
    """Look-backs with what their pages show; those ``user`` may see when given."""
    rows = LookBack.objects.visible_to(user) if user is not None else LookBack.objects.all()
    return rows.select_related(*LOOK_BACK_RELATED).prefetch_related("evidence")


@router.get("/tasks/{uuid}", response={200: AcceptanceFileOut, 404: Message}, summary="任务的验收销号档案",
            description="验收申请（含佐证材料、验收意见）、销号公示（含异议）、销号记录和回头看。")
def task_file(request: HttpRequest, uuid: UUID) -> dict[str, Any]:
    task = _task(request, uuid)
    return {
        "task": task.uuid, "state": task.state, "state_label": task.get_state_display(), "version": task.version,
        "applications": list(_applications().filter(task=task)),
        "announcements": list(task.announcements.prefetch_related("objections")),
        "closures": list(task.closures.select_related("region").order_by("id")),
        "look_backs": list(_look_backs().filter(task=task).order_by("scheduled_for", "id")),
    }


@router.post("/tasks/{uuid}/apply", response={201: ApplicationOut, **WRITE_RESPONSES}, summary="申请验收",
             description="multipart/form-data：整改完成情况、任务版本和佐证材料（至少一个，可多个；PDF、Word、Excel、JPG、PNG，每个不超过 20 MB）。"
                         "承担任务的牵头单位、责任单位或整改办可申请。")
def apply(
    request: HttpRequest,
    uuid: UUID,
    completion_report: Form[str],
    version: Form[int],
    evidence: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Status[AcceptanceApplication]:
    task = _task(request, uuid)
    with acting(request):
        application = services.apply_for_acceptance(task, user_of(request), completion_report=completion_report,
                                                    files=evidence or [], expected_version=version)
    return Status(201, _applications().get(pk=application.pk))


@router.post("/applications/{uuid}/review", response={201: ReviewOut, **WRITE_RESPONSES}, summary="验收（通过或退回）",
             description="本区域的验收人员或整改办可验收；申请人不能验收自己的申请。签字人为当前登录的验收人员本人"
                         "（附其个人资料中的签名图片）。")
def review(request: HttpRequest, uuid: UUID, payload: ReviewIn) -> Status[Any]:
    user = user_of(request)
    application = get_visible(AcceptanceApplication.objects.visible_to(user).select_related("task"), "验收申请不存在，或您无权查看",
                              uuid=uuid)
    with acting(request):
        result = services.review_application(application, user, decision=payload.decision, site_check=payload.site_check,
                                             implemented=payload.implemented, signed_by=payload.signed_by,
                                             reasons=payload.reasons, expected_version=payload.version)
    return Status(201, result)


@router.post("/tasks/{uuid}/announce", response={201: AnnouncementOut, **WRITE_RESPONSES}, summary="发布销号公示",
             description="验收通过后，由整改办发布；公示期按区域设置的工作日计算，自发布之日或之后开始（不能早于今天）。"
                         "跨越尚未录入节假日安排的年度时，截止日按周末和法定节假日推算，calendar_note 中说明。")
def announce(request: HttpRequest, uuid: UUID, payload: AnnounceIn) -> Status[Any]:
    task = _task(request, uuid)
    with acting(request):
        announcement = services.start_announcement(task, user_of(request), starts_on=payload.starts_on, expected_version=payload.version)
    return Status(201, task.announcements.prefetch_related("objections").get(pk=announcement.pk))


@router.post("/tasks/{uuid}/close", response={201: ClosureOut, **WRITE_RESPONSES}, summary="销号",
             description="公示期满且无未处理、成立的异议时，由整改办销号；编号冠以发文机关简称，按机关和年度顺排（如“晋城销号〔2026〕3号”）。")
def close(request: HttpRequest, uuid: UUID, payload: CloseIn) -> Status[Any]:
    task = _task(request, uuid)
    with acting(request):
        closure = services.close_task(task, user_of(request), expected_version=payload.version)
    return Status(201, closure)


@router.post("/tasks/{uuid}/look-backs", response={201: LookBackOut, **WRITE_RESPONSES}, summary="安排回头看",
             description="已销号的任务，由本区域的整改办安排；已有待回头看的不重复安排。")
def schedule_look_back(request: HttpRequest, uuid: UUID, payload: LookBackScheduleIn) -> Status[Any]:
    task = _task(request, uuid)
    with acting(request):
        created = services.schedule_look_backs([task], user_of(request), scheduled_for=payload.scheduled_for)
    if not created:
        raise services.AcceptanceRefused("该任务已安排回头看，尚未记录结论")
    return Status(201, _look_backs().get(pk=created[0].pk))


@router.post("/look-backs/{uuid}/finding", response={200: LookBackOut, **WRITE_RESPONSES}, summary="记录回头看结论",
             description="multipart/form-data：结论（consolidated 巩固 / relapse 反弹）、核查情况、任务版本和佐证材料。"
                         "本区域的验收人员或整改办可记录；反弹的，任务重新整改。")
def record_look_back(
    request: HttpRequest,
    uuid: UUID,
    result: Form[str],
    finding: Form[str],
    version: Form[int],
    evidence: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> LookBack:
    user = user_of(request)
    look_back = get_visible(_look_backs(user), "回头看记录不存在，或您无权查看", uuid=uuid)
    with acting(request):
        services.record_look_back(look_back, user, result=result, finding=finding, files=evidence or [], expected_version=version)
    return _look_backs().get(pk=look_back.pk)


# ---- look-backs (回头看) and objections (异议) -------------------------------------------------------


def _visible_look_backs(request: HttpRequest) -> QuerySet[LookBack]:
    return _look_backs(user_of(request))


@router.get("/look-backs", response={200: list[LookBackOut], 401: Message}, summary="回头看列表",
            description="数据范围内任务的回头看，计划日期新的在前；status=pending 只看待回头看的，consolidated / relapse 按结论筛选。")
@paginate(CappedPageNumberPagination, page_size=25, max_page_size=500)
def look_back_list(
    request: HttpRequest,
    status: Literal["pending", "consolidated", "relapse"] | None = Query(None, description="pending 待回头看 / consolidated 巩固 / relapse 反弹"),  # noqa: B008
    updated_since: str | None = updated_since_param(),
) -> QuerySet[LookBack]:
    items = filter_updated_since(_visible_look_backs(request).order_by("-scheduled_for", "-id"), updated_since)
    return page_filter(LookBackFilter, items, {"status": status})


@router.get("/look-backs/{uuid}", response={200: LookBackOut, 401: Message, 404: Message}, summary="回头看详情")
def look_back_detail(request: HttpRequest, uuid: UUID) -> LookBack:
    return get_visible(_visible_look_backs(request), "回头看记录不存在，或您无权查看", uuid=uuid)


class ObjectionIn(InputSchema):
    content: str = Field(..., min_length=1, max_length=5000, description="异议内容")
    contact: str = Field("", max_length=120, description="联系方式（不公开）")


class ResolveIn(InputSchema):
    resolution: Literal["upheld", "rejected"] = Field(..., description="upheld 异议成立（任务重新整改）/ rejected 异议不成立")
    note: str = Field(..., min_length=1, description="处理说明")
    version: int = Field(..., description="任务版本；已被他人修改时返回 409")


@router.post("/announcements/{uuid}/objections", response={201: ObjectionOut, **WRITE_RESPONSES}, summary="登记公示异议",
             description="公示期内，看得到该任务的人可登记；承担该任务的单位不能对本任务的公示提出异议（整改办代为登记的除外）。")
def record_objection(request: HttpRequest, uuid: UUID, payload: ObjectionIn) -> Status[Objection]:
    user = user_of(request)
    announcement = get_visible(Announcement.objects.visible_to(user).select_related("task"), "公示不存在，或您无权查看", uuid=uuid)
    is_doer = announcement.task.assignments.filter(unit_id__in=unit_ids(user)).exists()
    if is_doer and not can(user, "acceptance.object", announcement.task):
        raise PermissionDenied("承担该任务的单位不能对本任务的销号公示提出异议")
    with acting(request):
        objection = services.record_objection(announcement, user, content=payload.content, contact=payload.contact)
    return Status(201, objection)


@router.post("/objections/{uuid}/resolve", response={200: ObjectionOut, **WRITE_RESPONSES}, summary="处理公示异议",
             description="本区域的整改办处理；异议成立的，任务重新整改。须带回任务版本。")
def resolve_objection(request: HttpRequest, uuid: UUID, payload: ResolveIn) -> Objection:
    user = user_of(request)
    objection = get_visible(Objection.objects.visible_to(user).select_related("announcement__task"), "异议不存在，或您无权查看",
                            uuid=uuid)
    if not can(user, "acceptance.resolve", objection.announcement.task):
        raise PermissionDenied("只有整改办可以处理异议")
    with acting(request):
        return services.resolve_objection(objection, user, resolution=payload.resolution, note=payload.note,
                                          expected_version=payload.version)


# ---- filing a closure with the level above (备案) ----------------------------------------------------


class FilingOut(Schema):
    uuid: UUID
    closure_number: str = Field(..., description="销号编号")
    task: UUID = Field(..., description="任务编号")
    task_region: str = Field(..., description="任务区划代码")
    filed_to_region: str = Field(..., description="备案机关区划代码（任务区划的上一级；省级报本级）")
    filed_by: str = Field(..., description="报送人")
    filed_at: datetime.datetime
    note: str = Field(..., description="报送说明")
    acknowledged: bool
    acknowledged_by: str | None = Field(None, description="确认人")
    acknowledged_at: datetime.datetime | None = None

    @staticmethod
    def resolve_closure_number(obj: Filing) -> str:
        return str(obj.closure.number)

    @staticmethod
    def resolve_task(obj: Filing) -> UUID:
        return obj.closure.task.uuid

    @staticmethod
    def resolve_task_region(obj: Filing) -> str:
        return obj.closure.task.region.code

    @staticmethod
    def resolve_filed_to_region(obj: Filing) -> str:
        return obj.filed_to_region.code

    @staticmethod
    def resolve_filed_by(obj: Filing) -> str:
        return str(obj.filed_by)

    @staticmethod
    def resolve_acknowledged_by(obj: Filing) -> str | None:
        return str(obj.acknowledged_by) if obj.acknowledged_by_id else None


class FileClosureIn(InputSchema):
    note: str = Field("", max_length=2000, description="报送说明")
    version: int = Field(..., description="任务版本；已被他人修改时返回 409")


def _filings() -> QuerySet[Filing]:
    return Filing.objects.select_related("closure__task__region", "filed_to_region", "filed_by", "acknowledged_by")


@router.get("/filings", response={200: list[FilingOut], 401: Message, 403: Message}, summary="收到的销号备案",
            description="报送到本整改办区域（含下级）的销号备案，未确认的在前。只有整改办可查看。")
@paginate(CappedPageNumberPagination, page_size=25, max_page_size=500)
def filing_list(
    request: HttpRequest,
    acknowledged: bool | None = Query(None, description="true 已确认 / false 待确认"),
    updated_since: str | None = updated_since_param(),
) -> QuerySet[Filing]:
    user = user_of(request)
    if not can(user, "acceptance.receive_filings"):
        raise PermissionDenied("只有整改办可以查看销号备案")
    filings = services.received_filings(user).select_related(
        "closure__task__region", "filed_to_region", "filed_by", "acknowledged_by")
    filings = filter_updated_since(filings, updated_since)
    if acknowledged is not None:
        filings = filings.filter(acknowledged_at__isnull=not acknowledged)
    return filings  # type: ignore[no-any-return]


@router.post("/tasks/{uuid}/filing", response={201: FilingOut, **WRITE_RESPONSES}, summary="报送销号备案",
             description="已销号的任务，由本区域的整改办报上一级整改办备案（省级报本级）；每次销号报送一次。须带回任务版本。")
def file_closure(request: HttpRequest, uuid: UUID, payload: FileClosureIn) -> Status[Filing]:
    user = user_of(request)
    task = _task(request, uuid)
    if not can(user, "acceptance.file", task):
        raise PermissionDenied("只有本区域的整改办可以报送销号备案")
    closure = services.latest_closure(task)
    if closure is None:
        raise services.AcceptanceRefused(f"任务当前状态为“{task.get_state_display()}”，销号后才能报送备案")
    with acting(request), version_checked(Task, task.pk, payload.version):
        filing = services.file_closure(closure, user, payload.note)
    return Status(201, _filings().get(pk=filing.pk))


@router.post("/filings/{uuid}/acknowledge", response={200: FilingOut, **WRITE_RESPONSES}, summary="确认销号备案",
             description="备案机关（任务区划上一级的整改办，或更上级）确认；不能重复确认。")
def acknowledge_filing(request: HttpRequest, uuid: UUID) -> Filing:
    user = user_of(request)
    if not can(user, "acceptance.receive_filings"):
        raise PermissionDenied("只有备案机关（上级整改办）可以确认备案")
    filing = get_visible(services.received_filings(user), "销号备案不存在，或您无权查看", uuid=uuid)
    with acting(request):
        services.acknowledge_filing(filing, user)
    return _filings().get(pk=filing.pk)


# ---- look-backs for many closed tasks at once -------------------------------------------------------


class LookBackBatchIn(InputSchema):
    inspection: UUID | None = Field(None, description="督察编号；不填为全部督察")
    closed_months: int = Field(6, ge=0, le=120, description="只安排最近一次销号距今已满这么多个月的任务；0 为全部已销号任务")
    scheduled_for: datetime.date = Field(..., description="计划回头看日期")


class LookBackBatchOut(Schema):
    scheduled: int = Field(..., description="本次安排的回头看数")
    look_backs: list[LookBackOut]


@router.post("/look-back-schedules", response={201: LookBackBatchOut, **WRITE_RESPONSES}, summary="批量安排回头看",
             description="整改办对本区域已销号、尚未安排回头看的任务批量安排（可按督察、销号已满月数筛选）；已有待回头看的不重复安排。")
def schedule_look_backs(request: HttpRequest, payload: LookBackBatchIn) -> Status[dict[str, Any]]:
    user = user_of(request)
    if not can(user, "acceptance.schedule_look_backs"):
        raise PermissionDenied("只有整改办可以安排回头看")
    inspection = None
    if payload.inspection is not None:
        inspection = get_visible(Inspection.objects.visible_to(user), "督察不存在，或您无权查看", uuid=payload.inspection)
    closed_before = services.months_before(timezone.localdate(), payload.closed_months) if payload.closed_months else None
    tasks = list(services.look_back_candidates(user, inspection=inspection, closed_before=closed_before))
    if not tasks:
        raise services.AcceptanceRefused("没有符合条件、且尚未安排回头看的已销号任务")
    with acting(request):
        created = services.schedule_look_backs(tasks, user, scheduled_for=payload.scheduled_for)
    items = list(_look_backs().filter(pk__in=[lb.pk for lb in created]).order_by("id"))
    return Status(201, {"scheduled": len(items), "look_backs": items})
