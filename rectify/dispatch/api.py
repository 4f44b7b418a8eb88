"""Dispatch (调度): reporting rounds, the units' progress reports with evidence, the lead unit's
review. The same scope and services as the pages: a round outside ``visible_rounds`` or a report on
a task outside ``Task.objects.visible_to`` answers 404, a role that may not act 403; every write is
``rectify.dispatch.services``."""

import datetime
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import F, QuerySet
from django.http import FileResponse, HttpRequest
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate
from ninja.params.functions import Query

from rectify.accounts.permissions import can
from rectify.accounts.scope import unit_ids
from rectify.accounts.security import log_personal_data_access
from rectify.api.access import acting, get_visible, user_of
from rectify.api.errors import ApiValidationError
from rectify.api.filters import page_filter
from rectify.api.pagination import CappedPageNumberPagination, DeferredPageNumberPagination
from rectify.api.schemas import InputSchema, Message, StaleOut, ValidationErrorOut
from rectify.api.since import filter_updated_since, updated_since_param
from rectify.core.types import AnyUser
from rectify.dispatch import services
from rectify.dispatch.filters import RoundReportFilter
from rectify.dispatch.labels import ScheduleLabel
from rectify.dispatch.models import ROUND_ORDER, EvidenceFile, ProgressReport, ReportingRound, Verification, VerificationSample
from rectify.regions.api.schemas import RegionRef
from rectify.regions.models import Region
from rectify.tasks.models import Task
from rectify.tasks.through import through_tasks

router = Router(tags=["调度"])

WRITE_RESPONSES = {400: Message, 401: Message, 403: Message, 404: Message, 409: StaleOut, 422: ValidationErrorOut}
ROUND_NOT_FOUND = "调度轮次不存在，或您无权查看"
REPORT_NOT_FOUND = "进展报送不存在，或您无权查看"
ScheduleValue = Literal[tuple(ScheduleLabel.values)]  # type: ignore[valid-type]
ReportStatusValue = Literal[tuple(ProgressReport.Status.values)]  # type: ignore[valid-type]


# ---- schemas ------------------------------------------------------------------------------------


class RoundOut(Schema):
    uuid: UUID
    region: RegionRef
    title: str = Field(..., description="名称")
    period_start: datetime.date = Field(..., description="调度期起")
    period_end: datetime.date = Field(..., description="调度期止")
    due_date: datetime.date = Field(..., description="报送截止日期")
    status: str = Field(..., description="open 报送中 / closed 已结束")
    status_label: str = Field(..., alias="get_status_display")
    quarter: str = Field(..., description="所属季度")
    version: int = Field(..., description="版本：结束调度时原样带回")
    created_at: datetime.datetime


class RoundIn(InputSchema):
    region: str = Field(..., description="区划代码（本整改办的区划或其下级）")
    title: str = Field(..., min_length=1, max_length=100, description="名称，如“2026年11月调度”")
    period_start: datetime.date = Field(..., description="调度期起")
    period_end: datetime.date = Field(..., description="调度期止")
    due_date: datetime.date = Field(..., description="报送截止日期")


class VersionIn(InputSchema):
    version: int = Field(..., description="读取时的版本；已被他人修改时返回 409")


class UnitRowOut(Schema):
    unit: str = Field(..., alias="unit__name", description="单位")
    expected: int = Field(..., description="应报任务数")
    reported: int = Field(..., description="已报任务数")
    missing: int = Field(..., description="未报任务数")


class ReminderOut(Schema):
    sent: bool = Field(..., description="false：所有单位均已报送，无需提醒")
    units: list[str] = Field(..., description="被提醒单位")
    recipients: int = Field(..., description="通知人数")


class EvidenceFileOut(Schema):
    uuid: UUID
    original_name: str = Field(..., description="原文件名")
    kind: str = Field(..., description="按内容识别的类型：pdf/docx/xlsx/jpg/png")
    size: int
    sha256: str
    created_at: datetime.datetime
    superseded: bool = Field(..., description="已被新版本替换")

    @staticmethod
    def resolve_superseded(obj: EvidenceFile) -> bool:
        return obj.superseded_by_id is not None


class ReportOut(Schema):
    uuid: UUID
    round: UUID = Field(..., alias="round.uuid", description="调度轮次编号")
    round_title: str = Field(..., alias="round.title")
    task: UUID = Field(..., alias="assignment.task.uuid", description="任务编号")
    assignment: UUID = Field(..., alias="assignment.uuid", description="任务分工编号")
    role: str = Field(..., alias="assignment.role", description="报送单位在任务中的分工：lead / cooperating / responsible")
    unit: str = Field(..., alias="unit.name", description="报送单位")
    text: str = Field(..., description="进展情况")
    percent: int | None = Field(None, description="完成比例（%）")
    schedule: str = Field(..., description="序时进度")
    schedule_label: str = Field(..., alias="get_schedule_display")
    status: str = Field(..., description="submitted 已报送 / accepted 牵头单位已认可 / returned 牵头单位已退回")
    status_label: str = Field(..., alias="get_status_display")
    reviewer_note: str = Field(..., description="审核意见")
    submitted_at: datetime.datetime
    reviewed_at: datetime.datetime | None = None
    version: int = Field(..., description="版本：重新报送、审核时原样带回")
    files: list[EvidenceFileOut] = Field(..., description="佐证材料（含已被替换的旧版本）")


class ReviewReportIn(InputSchema):
    decision: Literal["accept", "return"] = Field(..., description="accept 认可 / return 退回（须写明理由）")
    note: str = Field("", max_length=2000, description="审核意见")
    version: int = Field(..., description="报送的版本；已被重新报送时返回 409")


# ---- lookups ------------------------------------------------------------------------------------


def _round(request: HttpRequest, uuid: UUID) -> ReportingRound:
    return get_visible(services.visible_rounds(user_of(request)).select_related("region__parent"), ROUND_NOT_FOUND, uuid=uuid)


def _reports(user: "AnyUser | None" = None) -> QuerySet[ProgressReport]:
    """Reports with their round, unit, task and files; those ``user`` may see when given."""
    rows = ProgressReport.objects.visible_to(user) if user is not None else ProgressReport.objects.all()
    return rows.select_related("round", "unit", "assignment__task").prefetch_related("files")


def _visible_report(request: HttpRequest, uuid: UUID) -> ProgressReport:
    report = get_visible(_reports(user_of(request)).prefetch_related("assignment__task__assignments"),
                         REPORT_NOT_FOUND, uuid=uuid)
    return report


def _require_viewer(request: HttpRequest, round_: ReportingRound) -> None:
    if not can(user_of(request), "dispatch.read_round", round_):
        raise PermissionDenied("只有整改办、领导和验收人员可以查看全部报送情况")


def _require_office(request: HttpRequest, round_: ReportingRound) -> None:
    if not can(user_of(request), "dispatch.manage_round", round_):
        raise PermissionDenied("只有该区域的整改办可以进行此操作")


# ---- rounds -------------------------------------------------------------------------------------


@router.get("/rounds", response={200: list[RoundOut], 401: Message}, summary="调度轮次列表",
            description="本人区域内的调度，及本单位须报送的调度；结束日期新的在前。")
@paginate(CappedPageNumberPagination, page_size=25, max_page_size=500)
def list_rounds(
    request: HttpRequest,
    status: Literal["open", "closed"] | None = Query(None, description="open 报送中 / closed 已结束"),  # noqa: B008
    updated_since: str | None = updated_since_param(),
) -> QuerySet[ReportingRound]:
    rounds = services.visible_rounds(user_of(request)).select_related("region__parent").order_by("-period_end", "-id")
    rounds = filter_updated_since(rounds, updated_since)
    return rounds.filter(status=status) if status else rounds


@router.post("/rounds", response={201: RoundOut, **WRITE_RESPONSES}, summary="发起调度",
             description="整改办在本级或下级区划发起一轮进展报送。")
def open_round(request: HttpRequest, payload: RoundIn) -> Status[ReportingRound]:
    user = user_of(request)
    if not services.office_regions(user).exists():
        raise PermissionDenied("只有整改办可以发起调度")
    region = Region.objects.filter(code=payload.region).first()
    if region is None or not can(user, "dispatch.open_round", region):
        raise ApiValidationError(region=f"区划 {payload.region} 不存在，或不在您的管辖范围内")
    with acting(request):
        round_ = services.open_round(user, region=region, title=payload.title, period_start=payload.period_start,
                                     period_end=payload.period_end, due_date=payload.due_date)
    return Status(201, round_)


@router.get("/rounds/{uuid}", response={200: RoundOut, 401: Message, 404: Message}, summary="调度轮次详情")
def get_round(request: HttpRequest, uuid: UUID) -> ReportingRound:
    return _round(request, uuid)


@router.get("/rounds/{uuid}/units", response={200: list[UnitRowOut], 401: Message, 403: Message, 404: Message},
            summary="各单位报送情况（谁未报送）", description="每个应报单位的应报、已报、未报任务数；missing=true 只看未报齐的。整改办、领导、验收人员可查看。")
@paginate(CappedPageNumberPagination, page_size=50, max_page_size=1000)
def round_units(request: HttpRequest, uuid: UUID, missing: bool | None = Query(None, description="true：只看未报齐的单位")) -> Any:
    round_ = _round(request, uuid)
    _require_viewer(request, round_)
    rows = services.unit_rows(round_).annotate(missing=F("expected") - F("reported"))
    if missing:
        rows = rows.filter(reported__lt=F("expected"))
    return rows


@router.get("/rounds/{uuid}/reports", response={200: list[ReportOut], 401: Message, 403: Message, 404: Message},
            summary="本轮全部报送", description="整改办、领导、验收人员可查看；可按序时进度、审核状态筛选。")
@paginate(DeferredPageNumberPagination, page_size=25, max_page_size=500)
def round_reports(
    request: HttpRequest,
    uuid: UUID,
    schedule: ScheduleValue | None = Query(None, description="序时进度"),  # type: ignore[valid-type]  # noqa: B008
    status: ReportStatusValue | None = Query(None, description="审核状态"),  # type: ignore[valid-type]  # noqa: B008
) -> QuerySet[ProgressReport]:
    round_ = _round(request, uuid)
    _require_viewer(request, round_)
    # The order (unit name, the task's 序号, id) is read from the report's copies (``ROUND_ORDER``): the page's keys
    # walk ``progress_report_round_order`` (or sort the round's few keys), then only the page's rows are joined.
    reports = _reports().filter(through_tasks(user_of(request), "task_id"), round=round_)
    reports = reports.order_by(*ROUND_ORDER)
    return page_filter(RoundReportFilter, reports, {"schedule": schedule, "status": status})


@router.post("/rounds/{uuid}/close", response={200: RoundOut, **WRITE_RESPONSES}, summary="结束调度",
             description="该区域的整改办结束本轮报送；须带回 version。")
def close_round(request: HttpRequest, uuid: UUID, payload: VersionIn) -> ReportingRound:
    round_ = _round(request, uuid)
    _require_office(request, round_)
    with acting(request):
        services.close_round(round_, user_of(request), expected_version=payload.version)
    return _round(request, uuid)


@router.post("/rounds/{uuid}/remind", response={200: ReminderOut, **WRITE_RESPONSES}, summary="一键提醒未报送单位",
             description="该区域的整改办向尚未报送的单位发送通知（站内通知和邮件）。")
def remind(request: HttpRequest, uuid: UUID) -> dict[str, Any]:
    round_ = _round(request, uuid)
    _require_office(request, round_)
    if not round_.is_open:
        raise services.DispatchRefused("该调度已经结束，不能再提醒")
    with acting(request):
        reminder = services.send_reminder(round_, kind="manual", user=user_of(request))
    if reminder is None:
        return {"sent": False, "units": [], "recipients": 0}
    return {"sent": True, "units": list(reminder.units), "recipients": reminder.recipients}


@router.post("/rounds/{uuid}/assignments/{assignment}/report", response={200: ReportOut, **WRITE_RESPONSES},
             summary="报送进展（或重新报送）",
             description="multipart/form-data：进展情况、序时进度、完成比例、版本（首次报送为 0，重新报送带回报送的 version）和佐证材料"
                         "（可多个；PDF、Word、Excel、JPG、PNG）。只有承担该任务分工的单位可报送本单位的分工。")
def submit_report(
    request: HttpRequest,
    uuid: UUID,
    assignment: UUID,
    text: Form[str],
    schedule: Form[ScheduleValue],  # type: ignore[valid-type]
    version: Form[int],
    percent: Form[int | None] = None,
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> ProgressReport:
    user = user_of(request)
    round_ = _round(request, uuid)
    item = get_visible(services.expected_assignments(round_).filter(unit_id__in=unit_ids(user)).select_related("task", "unit"),
                       "该任务分工不在本轮调度范围内，或不是本单位的分工", uuid=assignment)
    if percent is not None and not 0 <= percent <= 100:
        raise services.DispatchRefused("完成比例应在 0 到 100 之间")
    with acting(request):
        report = services.submit_report(round_, item, user, text=text, schedule=schedule, percent=percent,
                                        files=files or [], expected_version=version)
    return _reports().get(pk=report.pk)


# ---- reports ------------------------------------------------------------------------------------


@router.get("/reports/{uuid}", response={200: ReportOut, 401: Message, 404: Message}, summary="进展报送详情")
def get_report(request: HttpRequest, uuid: UUID) -> ProgressReport:
    return _visible_report(request, uuid)


@router.post("/reports/{uuid}/review", response={200: ReportOut, **WRITE_RESPONSES}, summary="审核报送（牵头单位）",
             description="任务的牵头单位认可或退回配合单位、责任单位的报送；退回须写明理由；须带回报送的 version。")
def review_report(request: HttpRequest, uuid: UUID, payload: ReviewReportIn) -> ProgressReport:
    user = user_of(request)
    report = _visible_report(request, uuid)
    if not can(user, "dispatch.review", report):
        raise PermissionDenied("只有该任务的牵头单位可以审核配合单位、责任单位的报送")
    with acting(request):
        services.review_report(report, user, accept=payload.decision == "accept", note=payload.note,
                               expected_version=payload.version)
    return _reports().get(pk=report.pk)


@router.get("/files/{uuid}", response={401: Message, 404: Message}, summary="下载调度佐证材料",
            description="原文件，按原文件名下载；记入个人信息访问日志。")
def download(request: HttpRequest, uuid: UUID) -> FileResponse:
    evidence = get_visible(EvidenceFile.objects.visible_to(user_of(request)).select_related("report__assignment__task"),
                           "佐证材料不存在，或您无权查看", uuid=uuid)
    log_personal_data_access(request, "下载调度佐证材料", evidence.report.assignment.task)
    response = FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name,
                            content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.get("/tasks/{uuid}/reports", response={200: list[ReportOut], 401: Message, 404: Message}, summary="任务的历次进展报送",
            description="新的调度在前。")
@paginate(CappedPageNumberPagination, page_size=25, max_page_size=500)
def task_reports(request: HttpRequest, uuid: UUID) -> QuerySet[ProgressReport]:
    task: Task = get_visible(Task.objects.visible_to(user_of(request)), "任务不存在，或您无权查看", uuid=uuid)
    return _reports().filter(assignment__task=task).order_by("-round__period_end", "unit__name", "id")


# ---- quarterly verification (季度核查) ------------------------------------------------------------


class VerificationOut(Schema):
    uuid: UUID
    sample: UUID = Field(..., alias="sample.uuid", description="抽样编号")
    quarter: str = Field(..., alias="sample.quarter", description="季度")
    task: UUID = Field(..., alias="task.uuid", description="被抽查任务编号")
    task_title: str = Field(..., alias="task.display_title")
    finding: str = Field(..., description="核查情况")
    result: str = Field(..., description="空为未核查；substantiated 属实 / partly 部分属实 / not 不属实")
    result_label: str = Field(..., alias="get_result_display")
    checked_at: datetime.datetime | None = None


class SampleIn(InputSchema):
    size: int = Field(..., ge=1, le=services.MAX_SAMPLE, description="抽取任务数")
    seed: int | None = Field(None, ge=0, le=2**62, description="随机种子（不填则随机；填写可复现抽样）")


class SampleOut(Schema):
    uuid: UUID
    quarter: str
    seed: int = Field(..., description="随机种子：同一种子、同一范围抽到同样的任务")
    size: int = Field(..., description="抽取数量")
    population: int = Field(..., description="可抽任务数")
    verifications: list[VerificationOut]

    @staticmethod
    def resolve_verifications(obj: VerificationSample) -> list[Any]:
        return list(obj.verifications.select_related("sample", "task").order_by("id"))


class FindingIn(InputSchema):
    finding: str = Field(..., min_length=1, max_length=5000, description="核查情况")
    result: Literal["substantiated", "partly", "not"] = Field(..., description="substantiated 属实 / partly 部分属实 / not 不属实")


@router.get("/rounds/{uuid}/verifications", response={200: list[VerificationOut], 401: Message, 403: Message, 404: Message},
            summary="本轮核查任务", description="季度核查抽到的任务及核查情况；整改办、领导、验收人员可查看。")
@paginate(CappedPageNumberPagination, page_size=25, max_page_size=500)
def verifications(request: HttpRequest, uuid: UUID) -> QuerySet[Verification]:
    round_ = _round(request, uuid)
    _require_viewer(request, round_)
    return Verification.objects.filter(round=round_).select_related("sample", "task").order_by("-sample_id", "id")


@router.post("/rounds/{uuid}/samples", response={201: SampleOut, **WRITE_RESPONSES}, summary="抽取核查任务",
             description="该区域的整改办从本轮应报任务中随机抽取；记录随机种子，可复现。")
def draw_sample(request: HttpRequest, uuid: UUID, payload: SampleIn) -> Status[VerificationSample]:
    round_ = _round(request, uuid)
    _require_office(request, round_)
    with acting(request):
        sample = services.draw_sample(round_, user_of(request), size=payload.size, seed=payload.seed)
    return Status(201, sample)


@router.post("/verifications/{uuid}/finding", response={200: VerificationOut, **WRITE_RESPONSES}, summary="登记核查情况",
             description="该区域的整改办登记被抽查任务的核查情况和结论。")
def record_finding(request: HttpRequest, uuid: UUID, payload: FindingIn) -> Verification:
    user = user_of(request)
    item = get_visible(Verification.objects.visible_to(user).select_related("round__region", "task", "sample"),
                       "核查任务不存在，或您无权查看", uuid=uuid)
    if not can(user, "dispatch.manage_round", item.round):
        raise PermissionDenied("只有该区域的整改办可以登记核查情况")
    with acting(request):
        services.record_finding(item, user, finding=payload.finding, result=payload.result)
    return Verification.objects.select_related("sample", "task").get(pk=item.pk)
