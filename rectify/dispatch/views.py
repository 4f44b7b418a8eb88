"""Dispatch pages. Views look up within the user's scope (else 404), check the role (else 403) and
call the services; the services decide and write."""
from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from rectify.accounts.permissions import can
from rectify.accounts.scope import unit_ids
from rectify.accounts.security import log_personal_data_access
from rectify.core.files import ALLOWED_LABEL
from rectify.core.models import ChangeRecord
from rectify.core.pagination import paginate
from rectify.core.params import int_param
from rectify.core.steps import Done, post_step
from rectify.core.types import AuthedRequest, AuthedUser
from rectify.core.views.lists import ScopedListView
from rectify.core.views.steps import StepView
from rectify.core.xlsx import xlsx_response
from rectify.jobs.exports import needs_background, start_export
from rectify.tasks.models import Assignment, Task

from . import services
from .exports import ROUND_EXPORT, write_round_reports
from .filters import RoundReportFilter
from .forms import CloseForm, FindingForm, ReportForm, ReviewForm, RoundForm, SampleForm, month_defaults
from .labels import PROBLEM_LABELS, ScheduleLabel
from .models import ROUND_ORDER, EvidenceFile, ProgressReport, ReportCount, ReportingRound, Verification

PAGE_SIZE = 30



def _round(request: AuthedRequest, uuid: Any) -> ReportingRound:
    return get_object_or_404(services.visible_rounds(request.user).select_related("region__parent", "opened_by"), uuid=uuid)


def _page(request: AuthedRequest, items: Any, name: str = "page") -> Any:
    return paginate(request, items, PAGE_SIZE, param=name)


def _querystring(request: AuthedRequest, drop: str = "page") -> str:
    params = request.GET.copy()
    params.pop(drop, None)
    return params.urlencode()


def _report_qs(base: Any = None) -> Any:
    base = ProgressReport.objects.all() if base is None else base
    return base.select_related("round", "unit", "task", "assignment__task", "submitted_by").annotate(file_count=Count("files"))


# ---------------------------------------------------------------- home: rounds, my reports, my reviews

def _my_rows(user: AuthedUser, rounds: list[ReportingRound]) -> list[dict[str, Any]]:
    """(round, assignment, report) for every task of the user's units expected in ``rounds``: one row per task
    and unit (a unit that is lead and responsible reports once), the report being the unit's report for the
    round's month, whichever level's round it was made in."""
    if not rounds:
        return []
    mine: dict[tuple[int, int], list[Assignment]] = {}
    for a in services.my_assignments(user).select_related("task__region", "unit").order_by("task__seq", "task_id", "id"):
        mine.setdefault((a.task_id, a.unit_id), []).append(a)
    periods = {r.report_period for r in rounds}
    reports = {(r.task_id, r.unit_id, r.period): r for r in ProgressReport.objects.filter(
        period__in=periods, unit_id__in={u for _, u in mine}, task_id__in={t for t, _ in mine})}
    rows = []
    for round_ in rounds:
        for (task_id, unit_id), assignments in mine.items():
            first = assignments[0]
            if first.task.region.path.startswith(round_.region.path):
                rows.append({"round": round_, "assignment": first, "roles": "、".join(a.get_role_display() for a in assignments),
                             "report": reports.get((task_id, unit_id, round_.report_period))})
    return rows


def _report_counts(rounds: Any) -> Any:
    """Each round's count of reports for its month in its region (made in this round or another level's),
    from the maintained counts (``ReportCount``): the rows of its month in its region's subtree, read as
    an index range (``region_path__under``)."""
    reports = (ReportCount.objects.filter(period=OuterRef("report_period"), region_path__under=OuterRef("region__path"))
               .order_by().values("period").annotate(n=Sum("n")).values("n"))
    return rounds.annotate(report_count=Coalesce(Subquery(reports), 0))


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    rounds = _report_counts(services.visible_rounds(user).select_related("region")).order_by("-period_end", "-id")
    status = request.GET.get("status", "")
    if status in ReportingRound.Status.values:
        rounds = rounds.filter(status=status)
    context: dict[str, Any] = {
        "rounds": _page(request, rounds),
        "status": status,
        "statuses": ReportingRound.Status.choices,
        "can_open": services.office_regions(user).exists(),
        "is_unit": bool(unit_ids(user)),
    }
    if context["is_unit"]:
        open_rounds = list(services.visible_rounds(user).filter(status=ReportingRound.Status.OPEN).select_related("region")
                           .order_by("due_date", "id"))
        context["my_rows"] = _page(request, _my_rows(user, open_rounds), "mine")
        reviews = _report_qs(services.reviews_for(user)).order_by("-submitted_at", "-id")
        context["reviews"] = _page(request, reviews, "reviews")
    return render(request, "dispatch/home.html", context)


@login_required
def round_create(request: AuthedRequest) -> HttpResponse:
    regions = services.office_regions(request.user).order_by("path")
    if not regions.exists():
        raise PermissionDenied("只有整改办可以发起调度")
    form = RoundForm(request.POST or None, regions=regions,
                     initial={**month_defaults(), "region": next(iter(regions), None)})

    def act(data: dict[str, Any]) -> Done:
        round_ = services.open_round(request.user, **data)
        return Done(f"已发起“{round_.title}”", url=reverse("dispatch:round", args=[round_.uuid]))

    return post_step(request, form, act, back="", template="dispatch/round_form.html")


# ---------------------------------------------------------------- one round

@login_required
def round_detail(request: AuthedRequest, uuid: Any) -> HttpResponse:
    round_ = _round(request, uuid)
    user = request.user
    if not can(user, "dispatch.read_round", round_):
        rows = _my_rows(user, [round_])
        return render(request, "dispatch/round_unit.html", {"round": round_, "rows": _page(request, rows)})
    total, reported = services.round_counts(round_)
    by_label = services.round_label_counts(round_)
    rows = services.unit_rows(round_).annotate(missing=F("expected") - F("reported"))
    show = request.GET.get("show", "")
    if show == "missing":
        rows = rows.filter(reported__lt=F("expected"))
    elif show == "reported":
        rows = rows.filter(reported__gte=F("expected"))
    q = request.GET.get("q", "").strip()
    if q:
        rows = rows.filter(unit__name__icontains=q)
    manage = can(user, "dispatch.manage_round", round_)
    unfiltered = services.unit_row_count(round_) if not show and not q else None
    context = {
        "round": round_, "rows": paginate(request, rows, PAGE_SIZE, count=unfiltered), "show": show, "q": q,
        "total": total, "reported": reported, "missing": total - reported,
        "overdue_tasks": services.overdue_task_count(round_),
        "labels": [(label, by_label.get(label.value, 0), label in PROBLEM_LABELS) for label in ScheduleLabel],
        "reminders": round_.reminders.select_related("sent_by")[:10],
        "can_manage": manage, "close_form": CloseForm(initial={"version": round_.version}),
        "notifications_available": services.notifications_available(),
    }
    return render(request, "dispatch/round_dashboard.html", context)


def _require_viewer(request: AuthedRequest, round_: ReportingRound) -> None:
    if not can(request.user, "dispatch.read_round", round_):
        raise PermissionDenied("只有整改办、领导和验收人员可以查看全部报送情况")


def _round_reports(round_: ReportingRound, reports: QuerySet[ProgressReport], request: AuthedRequest) -> QuerySet[ProgressReport]:
    """The round's reports among ``reports`` (scoped and filtered), for the ``unit`` of the query string."""
    reports = _report_qs(services.round_reports(round_, reports)).order_by(*ROUND_ORDER)
    unit = int_param(request.GET, "unit", field=ProgressReport._meta.get_field("unit"), label="单位")
    return reports if unit is None else reports.filter(unit_id=unit)


class RoundReports(ScopedListView):
    request: AuthedRequest  # behind the login
    model = ProgressReport
    action = "dispatch.read_round"
    denied = "只有整改办、领导和验收人员可以查看全部报送情况"
    filterset_class = RoundReportFilter
    paginate_by = PAGE_SIZE
    template_name = "dispatch/round_reports.html"
    empty = "没有符合条件的报送。"

    def action_object(self) -> ReportingRound:
        self.round = _round(self.request, self.kwargs["uuid"])
        return self.round

    def narrow(self, qs: QuerySet[ProgressReport]) -> QuerySet[ProgressReport]:
        return _round_reports(self.round, qs, self.request)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        return {**context, "reports": context["page"], "round": self.round, "export_qs": _querystring(self.request)}


round_reports = RoundReports.as_view()


class RoundStep(StepView):
    """A step the region's office takes on a reporting round, from the round's page."""

    model = ReportingRound
    select_related = ("region__parent", "opened_by")
    action = "dispatch.manage_round"
    denied = "只有该区域的整改办可以进行此操作"

    def back_url(self, obj: ReportingRound) -> str:
        return reverse("dispatch:round", args=[obj.uuid])


class Remind(RoundStep):
    def precondition(self, obj: ReportingRound) -> str:
        return "" if obj.is_open else "该调度已经结束，不能再提醒"

    def perform(self, obj: ReportingRound, data: dict[str, Any]) -> str:
        reminder = services.send_reminder(obj, kind="manual", user=self.request.user)
        if reminder is None:
            return "所有单位均已报送，无需提醒"
        if no_account := getattr(reminder, "no_account", None):
            messages.warning(self.request, f"以下单位没有可接收通知的有效账号，提醒未能送达，请另行通知：{'、'.join(no_account)}")
        return f"已提醒 {len(reminder.units)} 个未报送单位（{reminder.recipients} 人）"


class CloseRound(RoundStep):
    form_class = CloseForm
    invalid = "请求无效，请刷新页面后重试"

    def perform(self, obj: ReportingRound, data: dict[str, Any]) -> str:
        services.close_round(obj, self.request.user, expected_version=data["version"])
        return f"“{obj.title}”已结束"


remind = Remind.as_view()
close = CloseRound.as_view()


@login_required
def export(request: AuthedRequest, uuid: Any) -> HttpResponse:
    """The round's reports as filtered on its page; a large sheet is built by a background job."""
    round_ = _round(request, uuid)
    _require_viewer(request, round_)
    scoped = ProgressReport.objects.visible_to(request.user)
    reports = _round_reports(round_, RoundReportFilter(request.GET or None, queryset=scoped).qs, request)
    ids = list(reports.values_list("pk", flat=True))
    filename = f"{round_.title}_进展报送.xlsx"
    if needs_background(len(ids)):
        export = start_export(request.user, ROUND_EXPORT, title=f"{round_.title}：进展报送（{len(ids)} 条）", filename=filename,
                              args={"ids": ids, "title": round_.title}, total=len(ids))
        log_personal_data_access(request, "导出调度报送（后台生成）", round_)
        return redirect("jobs:export", export.uuid)
    log_personal_data_access(request, "导出调度报送", round_)
    return xlsx_response(write_round_reports(round_.title, ids), filename, "dispatch_reports.xlsx")


# ---------------------------------------------------------------- a unit's report

@login_required
def report_form(request: AuthedRequest, uuid: Any, assignment: Any) -> HttpResponse:
    round_ = _round(request, uuid)
    item = get_object_or_404(
        services.expected_assignments(round_).filter(unit_id__in=unit_ids(request.user)).select_related("task", "unit"),
        uuid=assignment,
    )
    report = services.report_for(round_, item)
    initial: dict[str, Any] = {"version": report.version if report else 0}
    if report:
        initial.update(text=report.text, percent=report.percent, schedule=report.schedule)
    milestones = list(item.task.milestones.all())
    form = ReportForm(request.POST or None, initial=initial, milestones=[m for m in milestones if not m.done])

    def act(data: dict[str, Any]) -> Done:
        done = services.submit_report(round_, item, request.user, text=data["text"], schedule=data["schedule"],
                                      percent=data["percent"], files=request.FILES.getlist("files"),
                                      expected_version=data["version"], milestones=[int(m) for m in data["milestones"]])
        unchanged = bool(data["version"]) and done.version == data["version"]
        return Done("内容没有变化，未做修改" if unchanged else "进展情况已报送", url=reverse("dispatch:report", args=[done.uuid]))

    return post_step(request, form, act, back="", template="dispatch/report_form.html",
                     refused="" if round_.is_open else f"“{round_.title}”已经结束，不能再报送",
                     context={"round": round_, "assignment": item, "task": item.task, "report": report,
                              "files": report.files.order_by("id") if report else [], "allowed": ALLOWED_LABEL,
                              "done_milestones": [m for m in milestones if m.done],
                              "other_round": report is not None and report.round_id != round_.pk})


def _visible_report(request: AuthedRequest, uuid: Any) -> ProgressReport:
    return get_object_or_404(
        ProgressReport.objects.visible_to(request.user).select_related("round__region", "unit", "task", "assignment__task", "submitted_by", "reviewed_by")
        .prefetch_related(Prefetch("task__assignments", queryset=Assignment.objects.select_related("unit"))),
        uuid=uuid,
    )


@login_required
def report_detail(request: AuthedRequest, uuid: Any) -> HttpResponse:
    report = _visible_report(request, uuid)
    user = request.user
    files = report.files.select_related("uploaded_by", "superseded_by").order_by("-id")
    history = ChangeRecord.objects.filter(object_uuid=report.uuid).order_by("-id")[:50]
    own = report.unit_id in set(unit_ids(user))
    return render(request, "dispatch/report_detail.html", {
        "report": report, "round": report.round, "task": report.task, "files": files, "history": history,
        "can_review": report.status == ProgressReport.Status.SUBMITTED and can(user, "dispatch.review", report),
        "resubmit_round": services.open_round_for(report, user) if own else None,
        "review_form": ReviewForm(initial={"version": report.version, "decision": "accept"}),
    })


class ReviewReport(StepView):
    model = ProgressReport
    select_related = ("round__region", "unit", "task", "assignment__task", "submitted_by", "reviewed_by")
    action = "dispatch.review"
    form_class = ReviewForm

    def narrow(self, qs: QuerySet[ProgressReport]) -> QuerySet[ProgressReport]:
        return qs.prefetch_related(Prefetch("task__assignments", queryset=Assignment.objects.select_related("unit")))

    def denial(self, obj: ProgressReport) -> str:
        return services.review_refusal(self.request.user, obj) or self.denied

    def perform(self, obj: ProgressReport, data: dict[str, Any]) -> str:
        services.review_report(obj, self.request.user, accept=data["decision"] == "accept", note=data["note"],
                               expected_version=data["version"])
        return "已认可该报送" if data["decision"] == "accept" else "已退回该报送，单位可修改后重新报送"

    def back_url(self, obj: ProgressReport) -> str:
        return reverse("dispatch:report", args=[obj.uuid])


review = ReviewReport.as_view()


@login_required
def download(request: AuthedRequest, uuid: Any) -> FileResponse:
    evidence = get_object_or_404(EvidenceFile.objects.visible_to(request.user), uuid=uuid)
    log_personal_data_access(request, "下载调度佐证材料", evidence.report.assignment.task)
    from rectify.core.files import serve_file

    return serve_file(evidence.file, evidence.original_name)


@login_required
def task_reports(request: AuthedRequest, uuid: Any) -> HttpResponse:
    """Every progress report on one task, newest round first (linked from the task page)."""
    task = get_object_or_404(Task.objects.visible_to(request.user), uuid=uuid)
    reports = _report_qs().filter(task=task).order_by("-period", "unit__name", "id")
    return render(request, "dispatch/task_reports.html", {"task": task, "reports": _page(request, reports)})


# ---------------------------------------------------------------- quarterly verification

class DrawSample(RoundStep):
    """The office draws tasks to verify (posted on the verification page, which hands its POST here)."""

    denied = "只有该区域的整改办可以抽取核查任务"
    form_class = SampleForm

    def denial(self, obj: ReportingRound) -> str:
        if not can(self.request.user, "dispatch.read_round", obj):
            return "只有整改办、领导和验收人员可以查看全部报送情况"
        return self.denied

    def perform(self, obj: ReportingRound, data: dict[str, Any]) -> str:
        sample = services.draw_sample(obj, self.request.user, size=data["size"], seed=data["seed"])
        return f"已随机抽取 {sample.size} 项任务（随机种子 {sample.seed}）"

    def back_url(self, obj: ReportingRound) -> str:
        return reverse("dispatch:verification", args=[obj.uuid])


class RecordFinding(StepView):
    model = Verification
    select_related = ("round__region", "task")
    action = "dispatch.manage_round"
    target = "round"
    denied = "只有该区域的整改办可以登记核查情况"
    form_class = FindingForm

    def perform(self, obj: Verification, data: dict[str, Any]) -> str:
        services.record_finding(obj, self.request.user, finding=data["finding"], result=data["result"])
        return "核查情况已登记"

    def back_url(self, obj: Verification) -> str:
        return reverse("dispatch:verification", args=[obj.round.uuid])


draw_sample = DrawSample.as_view()
finding = RecordFinding.as_view()


@login_required
def verification(request: AuthedRequest, uuid: Any) -> HttpResponseBase:
    """The round's verification page; drawing a sample is posted to the same address (``DrawSample``)."""
    if request.method == "POST":
        return draw_sample(request, uuid=uuid)
    round_ = _round(request, uuid)
    _require_viewer(request, round_)
    manage = can(request.user, "dispatch.manage_round", round_)
    items = (Verification.objects.filter(round=round_).select_related("sample", "task", "checker")
             .order_by("-sample_id", "id"))
    return render(request, "dispatch/verification.html", {
        "round": round_, "items": _page(request, items), "form": SampleForm(), "can_manage": manage,
        "samples": round_.samples.select_related("drawn_by")[:20], "finding_form": FindingForm(),
        "results": Verification.Result.choices,
    })
