"""Acceptance, closure and look-back (验收销号、回头看): the same services and scope rules as
the pages — a task outside the caller's scope answers 404, a role that may not act 403."""

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import File, Form, Router, Status, UploadedFile

from rectify.acceptance import services
from rectify.acceptance.models import AcceptanceApplication, LookBack
from rectify.tasks.models import Task

from ..access import acting, get_visible, user_of, visible_tasks
from ..schemas import (
    AcceptanceFileOut,
    AnnounceIn,
    AnnouncementOut,
    ApplicationOut,
    CloseIn,
    ClosureOut,
    LookBackOut,
    LookBackScheduleIn,
    Message,
    ReviewIn,
    ReviewOut,
    StaleOut,
    ValidationErrorOut,
)

router = Router(tags=["验收销号"])

WRITE_RESPONSES = {400: Message, 401: Message, 403: Message, 404: Message, 409: StaleOut, 422: ValidationErrorOut}
TASK_NOT_FOUND = "整改任务不存在，或您无权查看"
LOOK_BACK_RELATED = ("task", "closure", "scheduled_by", "checker")


def _task(request: HttpRequest, uuid: UUID) -> Task:
    return get_visible(visible_tasks(user_of(request)).select_related("region__parent", "plan"), TASK_NOT_FOUND, uuid=uuid)  # type: ignore[no-any-return]


def _applications() -> QuerySet[AcceptanceApplication]:
    return AcceptanceApplication.objects.select_related("applicant", "unit").prefetch_related("evidence", "reviews__reviewer")


def _look_backs() -> QuerySet[LookBack]:
    return LookBack.objects.select_related(*LOOK_BACK_RELATED).prefetch_related("evidence")


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
    application = get_visible(AcceptanceApplication.objects.select_related("task"), "验收申请不存在，或您无权查看",
                              uuid=uuid, task__in=visible_tasks(user))
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
    look_back = get_visible(_look_backs(), "回头看记录不存在，或您无权查看", uuid=uuid, task__in=visible_tasks(user))
    with acting(request):
        services.record_look_back(look_back, user, result=result, finding=finding, files=evidence or [], expected_version=version)
    return _look_backs().get(pk=look_back.pk)  # type: ignore[no-any-return]



