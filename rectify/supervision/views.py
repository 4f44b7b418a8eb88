"""Supervision pages. Views look up within the user's scope (else 404), check the role (else 403)
and call the services; the services decide and write."""
from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from rectify.accounts.permissions import can
from rectify.accounts.roles import Role
from rectify.accounts.scope import unit_ids
from rectify.core.params import int_param
from rectify.core.steps import Done
from rectify.core.types import AuthedRequest
from rectify.core.views.lists import ScopedListView
from rectify.core.views.steps import StepView
from rectify.regions.models import Region, Unit
from rectify.tasks import milestones as milestone_services
from rectify.tasks.models import Milestone, Task

from . import services
from .filters import NoticeFilter
from .forms import (
    CloseForm,
    DecideForm,
    ExtensionForm,
    IssueForm,
    LightRuleForm,
    MilestoneForm,
    SendBackForm,
    StepForm,
    SupervisionRuleForm,
)
from .models import ExtensionRequest, LightRule, SupervisionNotice, SupervisionRule
from .schedule import annotate_lights, attach_lights, predates_task, rule_for_region
from .tables import NoticeTable

PAGE_SIZE = 20
Step = SupervisionNotice.Step
# What a row of the lists reads: its columns (``tables.NoticeTable``), and the task's state, dates and
# region path for its light (``schedule.annotate_lights``).
LIST_FIELDS = (
    "uuid", "issuer", "year", "seq", "automatic", "kind", "status", "arranged_by", "first_report_by", "done_by", "issued_on",
    "task__uuid", "task__seq", "task__title", "task__problem", "task__target", "task__state", "task__deadline", "task__long_term", "task__created_at", "task__region__path",
    "region__name", "region__level", "region__parent__name", "region__parent__level",
)



def unit_names(notice_ids: list[int]) -> dict[int, list[str]]:
    """The names of each notice's units in the units' order: read as values (a prefetch of the units made
    a manager and the instances of each row, half of what reading the page's notices cost)."""
    names: dict[int, list[str]] = {}
    order = [f"unit__{field}" for field in Unit._meta.ordering or ()]
    for notice_id, name in (SupervisionNotice.units.through.objects.filter(supervisionnotice_id__in=notice_ids)
                            .order_by(*order).values_list("supervisionnotice_id", "unit__name")):
        names.setdefault(notice_id, []).append(name)
    return names


class NoticeList(ScopedListView):
    model = SupervisionNotice
    filterset_class: ClassVar[Any] = NoticeFilter
    table_class = NoticeTable
    paginate_by = PAGE_SIZE
    template_name = "supervision/list.html"
    title = "督办单"
    empty = "没有符合条件的督办单。"
    # A region subtree's page found in ``supervision_scope_order`` alone, then its rows joined to their tasks
    # and regions (joined first, every notice in scope was read with its task before the sort).
    deferred = True

    def narrow(self, qs: QuerySet[SupervisionNotice]) -> QuerySet[SupervisionNotice]:
        return self.related(qs).order_by("-issued_at", "-id")

    def related(self, qs: QuerySet[SupervisionNotice]) -> QuerySet[SupervisionNotice]:
        """The columns the table shows and the lights need (``LIST_FIELDS``): not the notices' reports."""
        return qs.select_related("task__region", "region__parent").only(*LIST_FIELDS)

    def decorate(self, rows: list[Any]) -> None:
        names = unit_names([n.pk for n in rows])
        for notice in rows:
            notice.unit_names = "、".join(names.get(notice.pk, ()))
        attach_lights([n.task for n in rows])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "today": timezone.localdate(), "can_configure": can(self.request.user, "supervision.rules")}


class MyNotices(NoticeList):
    """我的督办: notices addressed to the user's units, open ones first."""

    filterset_class = None
    deferred = False  # distinct over the units: the keys would carry the order's columns
    title = "我的督办"
    empty = "本单位暂无督办单。"

    def narrow(self, qs: QuerySet[SupervisionNotice]) -> QuerySet[SupervisionNotice]:
        ids = unit_ids(self.request.user)
        mine = qs.filter(units__in=ids).distinct() if ids else qs.none()
        return self.related(mine).order_by(F("closed_at").asc(nulls_first=True), "-issued_at", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "mine": True, "can_configure": False}


notice_list = NoticeList.as_view()
my_notices = MyNotices.as_view()


def _notice(request: AuthedRequest, uuid: Any) -> SupervisionNotice:
    qs = services.visible_notices(request.user).select_related("task__region", "task__plan", "region__parent", "issued_by", "closed_by")
    return get_object_or_404(qs, uuid=uuid)


def _detail_url(notice: SupervisionNotice) -> str:
    return reverse("supervision:detail", args=[notice.uuid])


def timeline(notice: SupervisionNotice, today: Any) -> list[dict[str, Any]]:
    rows = []
    current = notice.current_step
    for step, at_field, text_field, due in (
        (Step.ARRANGE, "arranged_at", "arrangement", notice.arranged_by),
        (Step.REPORT, "reported_at", "report", notice.first_report_by),
        (Step.DONE, "done_at", "done_report", notice.done_by),
    ):
        at = getattr(notice, at_field)
        late = (at is not None and timezone.localtime(at).date() > due) or (at is None and due < today)
        rows.append({"step": step, "label": step.label, "due": due, "at": at, "text": getattr(notice, text_field),
                     "late": late, "current": step == current})
    return rows


@login_required
def notice_detail(request: AuthedRequest, uuid: Any) -> HttpResponse:
    notice = _notice(request, uuid)
    user = request.user
    today = timezone.localdate()
    unit = can(user, "supervision.act", notice)
    extensions = list(notice.extensions.select_related("requested_by", "decided_by"))
    pending = next((e for e in extensions if not e.decision), None)
    review = can(user, "supervision.review", notice)
    decide = pending is not None and can(user, "supervision.decide", pending)
    step = notice.current_step
    context = {
        "notice": notice, "task": notice.task, "today": today, "units": notice.units.all(),
        "timeline": timeline(notice, today), "extensions": extensions, "pending": pending,
        "step": step, "step_label": Step(step).label if step else "",
        "can_step": unit and bool(step), "can_extend": unit and bool(step) and pending is None,
        "can_review": review and notice.status == SupervisionNotice.Status.DONE,
        "can_decide": decide,
        "step_form": StepForm(initial={"version": notice.version}),
        "close_form": CloseForm(initial={"version": notice.version}),
        "send_back_form": SendBackForm(initial={"version": notice.version}),
        "extension_form": ExtensionForm(), "decide_form": DecideForm(),
    }
    return render(request, "supervision/detail.html", context)


class Issue(StepView):
    model = Task
    select_related = ("region", "plan")
    action = "supervision.issue"
    denied = "只有本区域的整改办可以下达督办单"
    form_class = IssueForm
    template = "supervision/issue.html"

    def get_form_kwargs(self, obj: Task) -> dict[str, Any]:
        assigned = Unit.objects.filter(assignments__task=obj).distinct().order_by("name")
        return {"units": assigned, "initial": {"units": [u.pk for u in services.default_units(obj)]}}

    def get_context(self, obj: Task) -> dict[str, Any]:
        return {"task": obj, "limits": services.limits_for(obj.region), "light": annotate_lights([obj])[obj.pk]}

    def perform(self, obj: Task, data: dict[str, Any]) -> Done:
        notice = services.issue_notice(obj, self.request.user, units=data["units"], reason=data["reason"], kind=data["kind"])
        return Done(f"已下达{notice.number}", url=_detail_url(notice))


class NoticeStep(StepView):
    """A step on a supervision notice, posted from its page and going back there."""

    model = SupervisionNotice
    select_related = ("task__region", "task__plan", "region__parent", "issued_by", "closed_by")
    action = "supervision.act"

    def back_url(self, obj: SupervisionNotice) -> str:
        return _detail_url(obj)


class CompleteStep(NoticeStep):
    """安排, 报告 or 办结: the supervised unit reports the notice's current step (``step``, from urls)."""

    denied = "只有被督办单位可以办理督办单"
    form_class = StepForm
    step: ClassVar[str] = ""

    def perform(self, obj: SupervisionNotice, data: dict[str, Any]) -> str:
        services.complete_step(obj, self.request.user, self.step, data["text"], expected_version=data["version"])
        return f"已提交{Step(self.step).label}情况"


arrange = CompleteStep.as_view(step=Step.ARRANGE)
report = CompleteStep.as_view(step=Step.REPORT)
done = CompleteStep.as_view(step=Step.DONE)


class ReviewStep(NoticeStep):
    """The office reviews what the units reported done; nobody reviews their own."""

    action = "supervision.review"
    refusal_label: ClassVar[str] = ""

    def denial(self, obj: SupervisionNotice) -> str:
        return services.review_refusal(self.request.user, obj, obj.done_reported_by, self.refusal_label) or self.denied


class CloseNotice(ReviewStep):
    refusal_label = "审核督办单"
    form_class = CloseForm

    def perform(self, obj: SupervisionNotice, data: dict[str, Any]) -> str:
        services.close_notice(obj, self.request.user, data["grade"], data["note"], expected_version=data["version"])
        return "督办单已评定销号"


class SendBack(ReviewStep):
    refusal_label = "退回督办单"
    form_class = SendBackForm

    def perform(self, obj: SupervisionNotice, data: dict[str, Any]) -> str:
        services.send_back(obj, self.request.user, data["reason"], expected_version=data["version"])
        return "已退回重办，时限自今日起重新计算（已批准的延期时限保留）"


class RequestExtension(NoticeStep):
    denied = "只有被督办单位可以申请延期"
    form_class = ExtensionForm

    def perform(self, obj: SupervisionNotice, data: dict[str, Any]) -> str:
        services.request_extension(obj, self.request.user, new_date=data["new_date"], reason=data["reason"])
        return "已提交延期申请"


issue = Issue.as_view()
close = CloseNotice.as_view()
send_back = SendBack.as_view()
extension = RequestExtension.as_view()


def decision_message(item: ExtensionRequest) -> str:
    """What the office just decided, read from the decided request (never the stale one it posted)."""
    if item.decision == ExtensionRequest.Decision.APPROVED:
        return f"已同意延期：{item.get_step_display()}时限延至{item.new_date:%Y年%m月%d日}"
    return f"已审批延期申请：{item.get_decision_display()}"


class Decide(StepView):
    model = ExtensionRequest
    select_related = ("notice",)
    action = "supervision.decide"
    form_class = DecideForm

    def denial(self, obj: ExtensionRequest) -> str:
        return services.review_refusal(self.request.user, obj.notice, obj.requested_by, "审批延期") or self.denied

    def perform(self, obj: ExtensionRequest, data: dict[str, Any]) -> str:
        decided = services.decide_extension(obj, self.request.user, note=data["note"],
                                            approve=data["decision"] == ExtensionRequest.Decision.APPROVED)
        return decision_message(decided)

    def back_url(self, obj: ExtensionRequest) -> str:
        return _detail_url(obj.notice)


decide = Decide.as_view()


# ---------------------------------------------------------------- time nodes (时间节点) of a task

@login_required
def milestones(request: AuthedRequest, uuid: Any) -> HttpResponse:
    """A task's time nodes with their state; the office marks, unmarks or moves them with a reason."""
    task = get_object_or_404(Task.objects.visible_to(request.user).select_related("region"), uuid=uuid)
    items = list(task.milestones.select_related("done_by"))
    manage = can(request.user, "milestone.set", task)
    light = annotate_lights([task])[task.pk]
    rows = [{"m": m, "review": predates_task(task, m) and not m.done,
             "form": MilestoneForm(initial={"done": m.done, "date": m.date, "version": task.version}, prefix=f"m{m.pk}")}
            for m in items]
    return render(request, "supervision/milestones.html", {"task": task, "rows": rows, "can_manage": manage, "light": light})


class SetMilestone(StepView):
    """The office marks, unmarks or moves one time node of a task (its form is one of many on the page: prefix)."""

    model = Milestone
    select_related = ("task",)
    lookup_field = lookup_kwarg = "pk"
    action = "milestone.set"
    target = "task"
    denied = "只有本区域的整改办可以标记或调整时间节点"
    form_class = MilestoneForm

    def narrow(self, qs: QuerySet[Milestone]) -> QuerySet[Milestone]:
        return qs.filter(task__uuid=self.kwargs["uuid"])

    def get_form_kwargs(self, obj: Milestone) -> dict[str, Any]:
        return {"prefix": f"m{obj.pk}"}

    def perform(self, obj: Milestone, data: dict[str, Any]) -> str:
        changed = milestone_services.set_milestone(obj, self.request.user, done=data["done"], date=data["date"],
                                                   reason=data["reason"], expected_version=data["version"])
        state = "已完成" if changed.done else "未完成"
        when = f"{changed.date:%Y年%m月%d日}" if changed.date else "无日期"
        return f"时间节点已更新：{when}，{state}"

    def back_url(self, obj: Milestone) -> str:
        return reverse("supervision:milestones", args=[obj.task.uuid])


milestone = SetMilestone.as_view()


# ---------------------------------------------------------------- rules an office configures for its region

def _office_region(request: AuthedRequest, pk: int) -> Region:
    user = request.user
    if not can(user, "supervision.rules"):
        raise PermissionDenied("只有整改办可以设置督办和预警规则")
    region = get_object_or_404(Region, pk=pk)
    if not can(user, "supervision.set_rules", region):
        raise PermissionDenied("只能设置本区域及下级区域的规则")
    return region


@login_required
def rules(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not can(user, "supervision.rules"):
        raise PermissionDenied("只有整改办可以设置督办和预警规则")
    office_regions = [g.region for g in user.grants if g.role == Role.OFFICE and g.region_id]
    if not office_regions:
        office_regions = list(Region.objects.filter(parent__isnull=True))
    region_id = int_param(request.GET, "region", field=Region._meta.pk, label="区划") or int_param(request.POST, "region", field=Region._meta.pk, label="区划")
    region = _office_region(request, region_id) if region_id else office_regions[0] if office_regions else None
    if region is None:
        return render(request, "supervision/rules.html", {"region": None})
    light_rule = LightRule.objects.filter(region=region).first()
    level = request.POST.get("level", "") if request.method == "POST" else request.GET.get("level", "")
    sup_rule = SupervisionRule.objects.filter(region=region, level=level).first()
    light_form = LightRuleForm(instance=light_rule or LightRule(region=region), prefix="light")
    sup_form = SupervisionRuleForm(instance=sup_rule or SupervisionRule(region=region), prefix="sup", initial={"level": level})
    if request.method == "POST":
        which = request.POST.get("which")
        if which == "light":
            light_form = LightRuleForm(request.POST, instance=light_rule or LightRule(region=region), prefix="light")
            if light_form.is_valid():
                services.save_rule(light_form.save(commit=False), user)
                messages.success(request, f"已保存{region}预警灯规则")
                return redirect(f"{reverse('supervision:rules')}?region={region.pk}")
        elif which == "sup":
            sup_rule = SupervisionRule.objects.filter(region=region, level=request.POST.get("sup-level", "")).first()
            sup_form = SupervisionRuleForm(request.POST, instance=sup_rule or SupervisionRule(region=region), prefix="sup")
            if sup_form.is_valid():
                services.save_rule(sup_form.save(commit=False), user)
                messages.success(request, f"已保存{region}督办时限规则")
                return redirect(f"{reverse('supervision:rules')}?region={region.pk}")
    return render(request, "supervision/rules.html", {
        "region": region, "office_regions": office_regions, "light_form": light_form, "sup_form": sup_form,
        "effective": rule_for_region(region), "limits": services.limits_for(region),
        "sup_rules": SupervisionRule.objects.filter(region=region).order_by("level"),
        "children": Region.objects.filter(parent=region).order_by("code"),
    }, status=400 if request.method == "POST" else 200)
