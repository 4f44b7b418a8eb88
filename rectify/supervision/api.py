"""Supervision (督办): notices with the 13710 step limits, the units' steps, the office's review,
extensions. The same scope and services as the pages: a notice outside ``visible_notices`` answers
404, a role that may not act 403; every write is ``rectify.supervision.services``."""

import datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from ninja.params.functions import Query

from rectify.accounts.permissions import can
from rectify.accounts.scope import unit_ids
from rectify.api.access import acting, get_visible, user_of
from rectify.api.errors import ApiValidationError
from rectify.api.filters import page_filter
from rectify.api.pagination import CappedPageNumberPagination
from rectify.api.schemas import InputSchema, Message, StaleOut, ValidationErrorOut
from rectify.api.since import filter_updated_since, updated_since_param
from rectify.core.types import AnyUser
from rectify.core.writes import version_checked
from rectify.regions.api.schemas import UnitRef
from rectify.regions.models import Unit
from rectify.supervision import services
from rectify.supervision.filters import NoticeFilter
from rectify.supervision.models import ExtensionRequest, SupervisionNotice
from rectify.tasks.models import Task

router = Router(tags=["督办"])

WRITE_RESPONSES = {400: Message, 401: Message, 403: Message, 404: Message, 409: StaleOut, 422: ValidationErrorOut}
NOT_FOUND = "督办单不存在，或您无权查看"
Step = SupervisionNotice.Step
StatusValue = Literal[tuple(SupervisionNotice.Status.values)]  # type: ignore[valid-type]
StepValue = Literal[tuple(Step.values)]  # type: ignore[valid-type]


# ---- schemas ------------------------------------------------------------------------------------


class ExtensionOut(Schema):
    uuid: UUID
    step: str = Field(..., description="延期环节：arrange 部署 / report 首次回复 / done 办结")
    step_label: str = Field(..., alias="get_step_display")
    reason: str = Field(..., description="延期理由")
    old_date: datetime.date = Field(..., description="原时限")
    new_date: datetime.date = Field(..., description="申请延至")
    requested_by: str = Field(..., description="申请人")
    decision: str = Field(..., description="空为待审批；approved 同意延期 / refused 不同意延期")
    decision_label: str = Field(..., alias="get_decision_display")
    decision_note: str
    decided_at: datetime.datetime | None = None
    created_at: datetime.datetime

    @staticmethod
    def resolve_requested_by(obj: ExtensionRequest) -> str:
        return str(obj.requested_by)


class NoticeOut(Schema):
    uuid: UUID
    number: str = Field(..., description="督办单编号，如“督办〔2026〕3号”")
    task: UUID = Field(..., alias="task.uuid", description="任务编号")
    task_title: str = Field(..., alias="task.display_title")
    region: str = Field(..., alias="region.code", description="督办区划代码")
    units: list[UnitRef] = Field(..., description="督办单位")
    kind: str = Field(..., description="ordinary 一般事项 / major 重大复杂事项")
    kind_label: str = Field(..., alias="get_kind_display")
    reason: str = Field(..., description="督办事由")
    automatic: bool = Field(..., description="系统自动督办")
    status: str = Field(..., description="issued 已下达 / arranged 已部署 / reported 已回复 / done 已办结待审核 / escalated 逾期升级 / closed 已销号")
    status_label: str = Field(..., alias="get_status_display")
    current_step: str = Field(..., description="单位下一步应办理的环节；空为等待整改办审核或已销号")
    current_due: datetime.date | None = Field(None, description="当前环节的时限")
    late: bool = Field(..., description="当前环节已超过时限")
    issued_on: datetime.date
    arranged_by: datetime.date = Field(..., description="部署时限")
    first_report_by: datetime.date = Field(..., description="首次回复时限")
    done_by: datetime.date = Field(..., description="办结时限")
    arranged_at: datetime.datetime | None = None
    arrangement: str
    reported_at: datetime.datetime | None = None
    report: str
    done_at: datetime.datetime | None = None
    done_report: str
    grade: str = Field(..., description="办结评定：excellent / good / pass / fail")
    review_note: str
    send_backs: int = Field(..., description="退回次数")
    version: int = Field(..., description="版本：办理、审核、申请或审批延期时原样带回")
    extensions: list[ExtensionOut]

    @staticmethod
    def resolve_late(obj: SupervisionNotice) -> bool:
        return obj.is_late(timezone.localdate())


class IssueIn(InputSchema):
    units: list[UUID] = Field(..., min_length=1, description="督办单位编号（须是承担该任务的单位）")
    reason: str = Field(..., min_length=1, max_length=4000, description="督办事由")
    kind: Literal["ordinary", "major"] = Field("ordinary", description="ordinary 一般事项 / major 重大复杂事项")


class StepIn(InputSchema):
    step: StepValue = Field(..., description="arrange 部署 / report 首次回复 / done 办结；须是当前应办理的环节")  # type: ignore[valid-type]
    text: str = Field(..., min_length=1, max_length=8000, description="部署情况 / 回复内容 / 办结情况")
    version: int = Field(..., description="督办单版本；已被他人修改时返回 409")


class CloseNoticeIn(InputSchema):
    grade: Literal["excellent", "good", "pass"] = Field(..., description="办结评定：excellent 优秀 / good 良好 / pass 合格")
    note: str = Field("", max_length=4000, description="审核意见")
    version: int = Field(..., description="督办单版本；已被他人修改时返回 409")


class SendBackIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=4000, description="退回原因")
    version: int = Field(..., description="督办单版本；已被他人修改时返回 409")


class ExtensionIn(InputSchema):
    new_date: datetime.date = Field(..., description="申请延至（须晚于当前环节的时限）")
    reason: str = Field(..., min_length=1, max_length=8000, description="延期理由（重大复杂事项附时间表和整改方案）")
    version: int = Field(..., description="督办单版本；已被他人修改时返回 409")


class DecideIn(InputSchema):
    decision: Literal["approved", "refused"] = Field(..., description="approved 同意延期 / refused 不同意延期（须写明理由）")
    note: str = Field("", max_length=4000, description="审批意见")
    version: int = Field(..., description="督办单版本；已被他人修改时返回 409")


# ---- lookups ------------------------------------------------------------------------------------


def _notices(user: AnyUser) -> QuerySet[SupervisionNotice]:
    return services.visible_notices(user).select_related("task", "region").prefetch_related(
        Prefetch("units", queryset=Unit.objects.only("id", "uuid", "name")),
    ).prefetch_related(
        Prefetch("extensions", queryset=ExtensionRequest.objects.select_related("requested_by")),
    )


def _notice(request: HttpRequest, uuid: UUID) -> SupervisionNotice:
    return get_visible(_notices(user_of(request)), NOT_FOUND, uuid=uuid)


def _require_unit(request: HttpRequest, notice: SupervisionNotice, message: str) -> None:
    if not can(user_of(request), "supervision.act", notice):
        raise PermissionDenied(message)


def _require_reviewer(request: HttpRequest, action: str, obj: SupervisionNotice | ExtensionRequest, what: str) -> None:
    """``supervision.review`` of a notice or ``supervision.decide`` of an extension; the refusal says why, as on the pages."""
    user = user_of(request)
    if not can(user, action, obj):
        notice, submitter = (obj.notice, obj.requested_by) if isinstance(obj, ExtensionRequest) else (obj, obj.done_reported_by)
        raise PermissionDenied(services.review_refusal(user, notice, submitter, what) or f"只有本区域的整改办可以{what}")


# ---- reads --------------------------------------------------------------------------------------


@router.get("/notices", response={200: list[NoticeOut], 401: Message}, summary="督办单列表",
            description="本人区域内任务的督办单，及督办本单位的督办单；mine=true 只看督办本单位的；late=true 只看当前环节已逾期的。")
@paginate(CappedPageNumberPagination, page_size=25, max_page_size=500)
def list_notices(
    request: HttpRequest,
    status: StatusValue | None = Query(None, description="状态"),  # type: ignore[valid-type]  # noqa: B008
    task: UUID | None = Query(None, description="任务编号"),  # noqa: B008
    mine: bool | None = Query(None, description="true：只看督办本单位的"),
    late: bool | None = Query(None, description="true：只看当前环节已逾期的"),
    updated_since: str | None = updated_since_param(),
) -> QuerySet[SupervisionNotice]:
    user = user_of(request)
    notices = filter_updated_since(_notices(user).order_by("-issued_at", "-id"), updated_since)
    if mine:  # the 我的督办 page's rows (its own page, no filter of the list's)
        notices = notices.filter(units__in=unit_ids(user)).distinct()
    # late=true is the page's late=any: the current step is past its limit.
    return page_filter(NoticeFilter, notices, {"status": status, "task": task, "late": late and "any"}, user=user)


@router.get("/notices/{uuid}", response={200: NoticeOut, 401: Message, 404: Message}, summary="督办单详情",
            description="含各环节时限与办理情况、延期申请。")
def get_notice(request: HttpRequest, uuid: UUID) -> SupervisionNotice:
    return _notice(request, uuid)


# ---- writes -------------------------------------------------------------------------------------


@router.post("/tasks/{uuid}/notices", response={201: NoticeOut, **WRITE_RESPONSES}, summary="下达督办单",
             description="本区域的整改办对未完成的任务下达；督办单位须是承担该任务的单位；时限按本区域的 13710 规则计算。")
def issue(request: HttpRequest, uuid: UUID, payload: IssueIn) -> Status[SupervisionNotice]:
    user = user_of(request)
    task = get_visible(Task.objects.visible_to(user).select_related("region"), "任务不存在，或您无权查看", uuid=uuid)
    if not can(user, "supervision.issue", task):
        raise PermissionDenied("只有本区域的整改办可以下达督办单")
    units = list(Unit.objects.filter(uuid__in=payload.units))
    unknown = {str(u) for u in payload.units} - {str(u.uuid) for u in units}
    if unknown:
        raise ApiValidationError(units=f"单位不存在：{'、'.join(sorted(unknown))}")
    with acting(request):
        notice = services.issue_notice(task, user, units=units, reason=payload.reason, kind=payload.kind)
    return Status(201, _notices(user).get(pk=notice.pk))


@router.post("/notices/{uuid}/step", response={200: NoticeOut, **WRITE_RESPONSES}, summary="办理督办单（部署、首次回复、办结）",
             description="被督办单位依次报告部署、首次回复、办结；只能办理当前环节；须带回 version。")
def complete_step(request: HttpRequest, uuid: UUID, payload: StepIn) -> SupervisionNotice:
    notice = _notice(request, uuid)
    _require_unit(request, notice, "只有被督办单位可以办理督办单")
    with acting(request):
        services.complete_step(notice, user_of(request), payload.step, payload.text, expected_version=payload.version)
    return _notice(request, uuid)


@router.post("/notices/{uuid}/close", response={200: NoticeOut, **WRITE_RESPONSES}, summary="评定销号",
             description="单位报办结后，本区域的整改办评定（优秀、良好、合格）并销号；不合格的请退回重办。")
def close_notice(request: HttpRequest, uuid: UUID, payload: CloseNoticeIn) -> SupervisionNotice:
    notice = _notice(request, uuid)
    _require_reviewer(request, "supervision.review", notice, "审核督办单")
    with acting(request):
        services.close_notice(notice, user_of(request), payload.grade, payload.note, expected_version=payload.version)
    return _notice(request, uuid)


@router.post("/notices/{uuid}/send-back", response={200: NoticeOut, **WRITE_RESPONSES}, summary="退回重办",
             description="单位报办结后，本区域的整改办退回重办，须写明原因；各环节时限自今日起重新计算。")
def send_back(request: HttpRequest, uuid: UUID, payload: SendBackIn) -> SupervisionNotice:
    notice = _notice(request, uuid)
    _require_reviewer(request, "supervision.review", notice, "退回督办单")
    with acting(request):
        services.send_back(notice, user_of(request), payload.reason, expected_version=payload.version)
    return _notice(request, uuid)


@router.post("/notices/{uuid}/extensions", response={201: ExtensionOut, **WRITE_RESPONSES}, summary="申请延期",
             description="被督办单位为当前环节申请延期；已有待审批的申请时不能再申请；须带回督办单的 version。")
def request_extension(request: HttpRequest, uuid: UUID, payload: ExtensionIn) -> Status[ExtensionRequest]:
    notice = _notice(request, uuid)
    _require_unit(request, notice, "只有被督办单位可以申请延期")
    if payload.new_date < timezone.localdate():
        raise ApiValidationError(new_date="申请延至的日期不能早于今天")
    with acting(request), version_checked(SupervisionNotice, notice.pk, payload.version):
        item = services.request_extension(notice, user_of(request), new_date=payload.new_date, reason=payload.reason)
    return Status(201, item)


@router.post("/extensions/{uuid}/decide", response={200: ExtensionOut, **WRITE_RESPONSES}, summary="审批延期",
             description="本区域的整改办同意或不同意延期（不同意须写明理由）；须带回督办单的 version。")
def decide_extension(request: HttpRequest, uuid: UUID, payload: DecideIn) -> ExtensionRequest:
    user = user_of(request)
    item = get_visible(ExtensionRequest.objects.visible_to(user).select_related("notice__task", "requested_by"),
                       "延期申请不存在，或您无权查看", uuid=uuid)
    _require_reviewer(request, "supervision.decide", item, "审批延期")
    with acting(request), version_checked(SupervisionNotice, item.notice_id, payload.version):
        services.decide_extension(item, user, approve=payload.decision == "approved", note=payload.note)
    return ExtensionRequest.objects.select_related("requested_by").get(pk=item.pk)
