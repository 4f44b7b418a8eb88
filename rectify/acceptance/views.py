"""Acceptance and closure pages. Views look up within the user's scope (else 404), check the role
(else 403) and call the services; the services decide and write."""
from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Model, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from rectify.accounts.permissions import can
from rectify.accounts.security import log_personal_data_access
from rectify.core.files import ALLOWED_LABEL, serve_file
from rectify.core.steps import Done
from rectify.core.types import AnyUser, AuthedRequest
from rectify.core.views.lists import ScopedListView
from rectify.core.views.steps import StepView
from rectify.core.workdays import add_working_days_noting
from rectify.inspections.models import Inspection
from rectify.regions.models import Region
from rectify.tasks.models import Task
from rectify.tasks.states import TaskState

from . import services
from .documents import dossier_zip, notice_docx, signing_review
from .filters import LOOK_BACK_FILTERS, LookBackFilter
from .forms import (
    AnnounceForm,
    ApplyForm,
    CloseForm,
    FilingForm,
    LookBackForm,
    ObjectionForm,
    ResolveForm,
    ReviewForm,
    ScheduleForm,
    ScheduleOneForm,
)
from .models import AcceptanceApplication, Announcement, Evidence, Filing, LookBack, LookBackEvidence, Objection
from .tables import FilingTable, LookBackTable


def _task(request: AuthedRequest, uuid: Any) -> Task:
    return get_object_or_404(Task.objects.visible_to(request.user).select_related("region__parent", "plan"), uuid=uuid)


def _file_url(task: Task) -> str:
    return reverse("acceptance:file", args=[task.uuid])



@login_required
def task_file(request: AuthedRequest, uuid: Any) -> HttpResponse:
    """一案一档: everything about the acceptance and closure of one task."""
    task = _task(request, uuid)
    user = request.user
    applications = task.acceptance_applications.select_related("applicant", "unit").prefetch_related("evidence", "reviews__reviewer")
    announcements = task.announcements.prefetch_related("objections")
    announcement = services.current_announcement(task)
    manage = can(user, "acceptance.announce", task)  # announce, object, resolve and close: the same office
    pending = next((a for a in applications if a.status == AcceptanceApplication.Status.PENDING), None)
    context = {
        "task": task,
        "applications": applications,
        "announcements": announcements,
        "announcement": announcement,
        "closure": task.closures.order_by("-id").first(),
        "can_apply": task.state in services.APPLY_FROM and can(user, "acceptance.apply", task),
        "can_review": pending is not None and task.state == TaskState.APPLIED and can(user, "acceptance.review", task) and pending.applicant_id != user.pk,
        "pending": pending,
        "can_manage": manage,
        "can_announce": manage and task.state == TaskState.ACCEPTED,
        "can_close": manage and task.state == TaskState.ANNOUNCED,
        "can_object": manage and task.state == TaskState.ANNOUNCED,
        "review_form": ReviewForm(initial={"version": task.version}),
        "signer": services.signer_name(user),
        "announce_form": AnnounceForm(initial={"version": task.version}),
        "objection_form": ObjectionForm(),
        "announcement_days": services.announcement_days(task.region),
        "calendar_check": _calendar_check(announcement),
        "closure_history": services.closure_history(task),
        "can_schedule_look_back": task.state == TaskState.CLOSED and can(user, "acceptance.schedule_look_back", task),
        "schedule_form": ScheduleOneForm(initial={"scheduled_for": timezone.localdate()}),
        **_filing_context(user, task),
    }
    return render(request, "acceptance/task_file.html", context)


def _calendar_check(announcement: Announcement | None) -> str:
    """For a period counted on an estimated calendar: what the calendar entered since says."""
    if announcement is None or not announcement.calendar_note:
        return ""
    end, estimated = add_working_days_noting(announcement.starts_on, announcement.working_days)
    if estimated:
        return ""
    if end == announcement.ends_on:
        return "节假日安排现已录入，按录入的日历核对，公示截止日不变。"
    return f"节假日安排现已录入，按录入的日历公示期应至{end:%Y年%m月%d日}（原推算为{announcement.ends_on:%Y年%m月%d日}），请核对。"


def _filing_context(user: AnyUser, task: Task) -> dict[str, Any]:
    closure = services.latest_closure(task)
    filing = (Filing.objects.filter(closure=closure).select_related("filed_by", "filed_to_region", "acknowledged_by").first()
              if closure is not None else None)
    closed = task.state == TaskState.CLOSED and closure is not None
    return {
        "filing": filing,
        "filing_closure": closure,
        "filing_region": services.filing_region(task),
        "can_file": closed and filing is None and can(user, "acceptance.file", task),
        "can_acknowledge_filing": filing is not None and not filing.acknowledged and can(user, "acceptance.acknowledge", filing),
        "filing_form": FilingForm(),
    }


class OnTaskFile:
    """A step on a task (or a record of it: its ``target`` path leads to the task), posted from the task's
    file (一案一档) and going back there."""

    model: ClassVar[type[Model] | None] = Task
    select_related: ClassVar[tuple[str, ...]] = ("region__parent", "plan")

    def back_url(self, obj: Any) -> str:
        return _file_url(self.target_object(obj))  # type: ignore[attr-defined]


class Apply(OnTaskFile, StepView):
    action = "acceptance.apply"
    denied = "只有承担该任务的牵头单位、责任单位或整改办可以申请验收"
    form_class = ApplyForm
    template = "acceptance/apply.html"

    def get_form_kwargs(self, obj: Task) -> dict[str, Any]:
        return {"initial": {"version": obj.version, "completion_report": obj.completion}}

    def get_context(self, obj: Task) -> dict[str, Any]:
        return {"task": obj, "allowed": ALLOWED_LABEL}

    def perform(self, obj: Task, data: dict[str, Any]) -> str:
        services.apply_for_acceptance(obj, self.request.user, completion_report=data["completion_report"],
                                      files=self.request.FILES.getlist("evidence"), expected_version=data["version"])
        return "已提交验收申请"


class Review(OnTaskFile, StepView):
    model = AcceptanceApplication
    select_related = ()
    action = "acceptance.review"
    target = "task"
    denied = "只有本区域的验收人员或整改办可以验收"
    form_class = ReviewForm

    def refusal(self, obj: AcceptanceApplication) -> str:
        return "申请人不能验收自己提交的申请" if obj.applicant_id == self.request.user.pk else ""

    def perform(self, obj: AcceptanceApplication, data: dict[str, Any]) -> str:
        services.review_application(obj, self.request.user, decision=data["decision"], site_check=data["site_check"],
                                    implemented=data["implemented"], reasons=data["reasons"], expected_version=data["version"])
        return "验收意见已保存"


class Announce(OnTaskFile, StepView):
    action = "acceptance.announce"
    denied = "只有整改办可以发布销号公示"
    form_class = AnnounceForm

    def perform(self, obj: Task, data: dict[str, Any]) -> str:
        item = services.start_announcement(obj, self.request.user, starts_on=data["starts_on"], expected_version=data["version"])
        if item.calendar_note:
            messages.warning(self.request, item.calendar_note)
        return f"已发布销号公示，公示期至{item.ends_on:%Y年%m月%d日}"


class RecordObjection(OnTaskFile, StepView):
    model = Announcement
    select_related = ()
    action = "acceptance.object"
    target = "task"
    denied = "只有整改办可以登记公示异议（群众、单位的异议请交整改办登记）"
    form_class = ObjectionForm

    def perform(self, obj: Announcement, data: dict[str, Any]) -> str:
        services.record_objection(obj, self.request.user, content=data["content"], contact=data["contact"])
        return "异议已登记"


class Resolve(OnTaskFile, StepView):
    model = Objection
    select_related = ("announcement__task",)
    action = "acceptance.resolve"
    target = "announcement.task"
    denied = "只有整改办可以处理异议"
    form_class = ResolveForm

    def perform(self, obj: Objection, data: dict[str, Any]) -> str:
        services.resolve_objection(obj, self.request.user, resolution=data["resolution"], note=data["note"],
                                   expected_version=data["version"])
        return "异议已处理"


class Close(OnTaskFile, StepView):
    action = "acceptance.close"
    denied = "只有整改办可以销号"
    form_class = CloseForm

    def perform(self, obj: Task, data: dict[str, Any]) -> str:
        closure = services.close_task(obj, self.request.user, expected_version=data["version"])
        return f"已销号：{closure.number}"


apply = Apply.as_view()
review = Review.as_view()
announce = Announce.as_view()
object_ = RecordObjection.as_view()
resolve = Resolve.as_view()
close = Close.as_view()


@login_required
def evidence_download(request: AuthedRequest, uuid: Any) -> FileResponse:
    evidence = get_object_or_404(Evidence.objects.visible_to(request.user), uuid=uuid)
    log_personal_data_access(request, "下载验收佐证材料", evidence.application.task)
    return serve_file(evidence.file, evidence.original_name)


@login_required
def review_signature(request: AuthedRequest, uuid: Any) -> FileResponse:
    """The signature image kept with a review (shown on the task's file)."""
    from .models import AcceptanceReview

    item = get_object_or_404(AcceptanceReview.objects.visible_to(request.user), uuid=uuid)
    if not item.signature_image:
        raise Http404("该验收意见没有签名图片")
    return serve_file(item.signature_image, f"签名_{item.signed_by}", inline_images=True)


@login_required
def notice(request: AuthedRequest, uuid: Any) -> HttpResponse:
    task = _task(request, uuid)
    announcement = services.current_announcement(task)
    if announcement is None:
        raise Http404("该任务尚未公示")
    response = HttpResponse(notice_docx(announcement.body, announcement, signing_review(announcement)),
                            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response["Content-Disposition"] = _disposition(f"销号公示_{task.seq}.docx")
    return response


@login_required
def dossier(request: AuthedRequest, uuid: Any) -> FileResponse:
    task = _task(request, uuid)
    log_personal_data_access(request, "下载验收销号档案", task)
    return FileResponse(dossier_zip(task), as_attachment=True, filename=f"验收销号档案_{task.seq}.zip", content_type="application/zip")


def _disposition(filename: str) -> str:
    from django.utils.http import content_disposition_header

    return content_disposition_header(True, filename) or "attachment"


# ---------------------------------------------------------------- look-back (回头看)

class LookBackList(ScopedListView):
    model = LookBack
    filterset_class = LookBackFilter
    table_class = LookBackTable
    paginate_by = 30
    template_name = "acceptance/look_back_list.html"
    title = "回头看"

    def narrow(self, qs: QuerySet[LookBack]) -> QuerySet[LookBack]:
        return qs.select_related("task__region", "closure", "scheduled_by", "checker").order_by("-scheduled_for", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "status": self.chosen("status"), "filters": LOOK_BACK_FILTERS,
                "today": timezone.localdate(), "can_schedule": can(self.request.user, "acceptance.schedule_look_backs")}


look_back_list = LookBackList.as_view()


class ScheduleLookBacks(StepView):
    """Schedule look-backs for many closed tasks at once (e.g. all closed 6 months ago in one inspection)."""

    action = "acceptance.schedule_look_backs"
    denied = "只有整改办可以安排回头看"
    form_class = ScheduleForm
    template = "acceptance/look_back_schedule.html"

    def get_form_kwargs(self, obj: None) -> dict[str, Any]:
        inspections = Inspection.objects.filter(target_region__in=Region.objects.visible_to(self.request.user)).order_by("-id")
        return {"inspections": inspections, "initial": {"closed_months": 6, "scheduled_for": timezone.localdate()}}

    def perform(self, obj: None, data: dict[str, Any]) -> str:
        user = self.request.user
        months = data["closed_months"]
        closed_before = services.months_before(timezone.localdate(), months) if months else None
        tasks = list(services.look_back_candidates(user, inspection=data["inspection"], closed_before=closed_before))
        if not tasks:
            raise services.AcceptanceRefused("没有符合条件、且尚未安排回头看的已销号任务")
        created = services.schedule_look_backs(tasks, user, scheduled_for=data["scheduled_for"])
        return f"已安排 {len(created)} 项回头看，计划于{data['scheduled_for']:%Y年%m月%d日}"

    def back_url(self, obj: None) -> str:
        return reverse("acceptance:look_backs") + "?status=pending"


class ScheduleLookBack(OnTaskFile, StepView):
    action = "acceptance.schedule_look_back"
    denied = "只有本区域的整改办可以安排回头看"
    form_class = ScheduleOneForm

    def perform(self, obj: Task, data: dict[str, Any]) -> str:
        created = services.schedule_look_backs([obj], self.request.user, scheduled_for=data["scheduled_for"])
        if not created:
            raise services.AcceptanceRefused("该任务已安排回头看，尚未记录结论")
        return f"已安排回头看，计划于{data['scheduled_for']:%Y年%m月%d日}"


class LookBackDetail(OnTaskFile, StepView):
    """A look-back's page, for everyone in scope; the reviewer records its finding there."""

    model = LookBack
    select_related = ("task__region__parent", "task__plan", "closure", "scheduled_by", "checker")
    action = "acceptance.record_look_back"
    target = "task"
    denied = "只有本区域的验收人员或整改办可以记录回头看结论"
    form_class = LookBackForm
    template = "acceptance/look_back_detail.html"
    open_page = True

    def get_form_kwargs(self, obj: LookBack) -> dict[str, Any]:
        return {"initial": {"version": obj.task.version}}

    def get_context(self, obj: LookBack) -> dict[str, Any]:
        task = obj.task
        can_record = not obj.result and task.state == TaskState.CLOSED and can(self.request.user, "acceptance.record_look_back", task)
        return {"lb": obj, "task": task, "can_record": can_record, "evidence": obj.evidence.all(), "allowed": ALLOWED_LABEL}

    def perform(self, obj: LookBack, data: dict[str, Any]) -> Done:
        done = services.record_look_back(obj, self.request.user, result=data["result"], finding=data["finding"],
                                         files=self.request.FILES.getlist("evidence"), expected_version=data["version"])
        if done.result == LookBack.Result.RELAPSE:
            return Done("回头看发现反弹，任务已重新整改", level=messages.WARNING)
        return Done("回头看结论已记录：整改成效巩固")


look_back_schedule = ScheduleLookBacks.as_view()
look_back_schedule_one = ScheduleLookBack.as_view()
look_back_detail = LookBackDetail.as_view()


@login_required
def look_back_evidence(request: AuthedRequest, uuid: Any) -> FileResponse:
    evidence = get_object_or_404(LookBackEvidence.objects.visible_to(request.user), uuid=uuid)
    log_personal_data_access(request, "下载回头看佐证材料", evidence.look_back.task)
    return serve_file(evidence.file, evidence.original_name)


# ---------------------------------------------------------------- public, no login

def _public_announcements(announcements: QuerySet[Announcement]) -> QuerySet[Announcement]:
    """The latest published announcement of every task ever announced: a public record stays public
    (a reopened task keeps its page, which says so). ``is_latest_published`` is kept by triggers."""
    return announcements.filter(is_latest_published=True).select_related("task__region").order_by("-starts_on", "-id")


class PublicList(ScopedListView):
    public = "the published record of closures: the latest published announcement of every task announced"
    model = Announcement
    paginate_by = 20
    template_name = "acceptance/public_list.html"
    title = "验收销号公示"
    empty = "暂无公示。"

    # The page's keys read from ``announcement_public_latest`` (one row per task, in the list's order) and
    # counted there, then its rows with their tasks: joined first, every announcement of the country was
    # read with its task and sorted (450 ms at 300,000 tasks).
    deferred = True

    def narrow(self, qs: QuerySet[Announcement]) -> QuerySet[Announcement]:
        return _public_announcements(qs)

    def decorate(self, rows: list[Any]) -> None:
        for item in rows:
            item.public_status = services.public_status(item.task)


public_list = PublicList.as_view()


def public_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    task = get_object_or_404(Task.objects.select_related("region").filter(announcements__published=True).distinct(), uuid=uuid)
    record = services.public_record(task)
    return render(request, "acceptance/public_detail.html", {"task": task, **record})


# ---------------------------------------------------------------- filing (备案)

class FileClosure(OnTaskFile, StepView):
    action = "acceptance.file"
    denied = "只有本区域的整改办可以报送销号备案"
    form_class = FilingForm

    def perform(self, obj: Task, data: dict[str, Any]) -> str:
        closure = services.latest_closure(obj)
        if closure is None:
            raise services.AcceptanceRefused(f"任务当前状态为“{obj.get_state_display()}”，销号后才能报送备案")
        filing = services.file_closure(closure, self.request.user, data["note"])
        return f"已报送备案：{closure.number}，报{filing.filed_to_region.full_name}整改办"


class AcknowledgeFiling(OnTaskFile, StepView):
    """The office filed to confirms the filing of the task's latest closure (from the task's file or the filing list)."""

    action = "acceptance.acknowledge"
    denied = "只有备案机关（上级整改办）可以确认备案"

    def target_object(self, obj: Task) -> Filing:
        closure = services.latest_closure(obj)
        if closure is None:
            raise Http404("该任务没有销号备案")
        self.filing = get_object_or_404(Filing.objects.select_related("filed_to_region"), closure=closure)
        self.filing.closure = closure  # the row just read, not read again for the message
        return self.filing

    def perform(self, obj: Task, data: dict[str, Any]) -> str:
        services.acknowledge_filing(self.filing, self.request.user)
        return f"已确认备案：{self.filing.closure.number}"

    def back_url(self, obj: Task) -> str:
        return reverse("acceptance:filings") if self.request.POST.get("next", "") == "filings" else _file_url(obj)


file_closure = FileClosure.as_view()
acknowledge_filing = AcknowledgeFiling.as_view()


class FilingList(ScopedListView):
    """Filings received by the caller's office subtree, unacknowledged first."""

    model = Filing
    action = "acceptance.receive_filings"
    denied = "只有整改办可以查看销号备案"
    table_class = FilingTable
    paginate_by = 20
    template_name = "acceptance/filing_list.html"
    title = "销号备案"
    empty = "暂无报送本级的销号备案。"

    def narrow(self, qs: QuerySet[Filing]) -> QuerySet[Filing]:
        return services.unacknowledged_first(qs).select_related("closure__task__region", "filed_to_region", "filed_by", "acknowledged_by")

    def decorate(self, rows: list[Any]) -> None:
        for filing in rows:
            filing.may_acknowledge = not filing.acknowledged and can(self.request.user, "acceptance.acknowledge", filing)


filing_list = FilingList.as_view()
