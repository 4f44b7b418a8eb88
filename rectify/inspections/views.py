"""Inspection pages: list, detail (with its plans and history), create and correct.

Scope comes from ``accounts/scope.py``: a user sees the inspections of their region subtree and
an office creates and corrects only inside its own subtree; writes go through ``services``.
"""
from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from rectify.accounts.permissions import can
from rectify.accounts.scope import writable_regions
from rectify.core.models import ChangeRecord
from rectify.core.types import AuthedRequest
from rectify.core.versioning import StaleEdit
from rectify.core.views.lists import ScopedListView
from rectify.regions.models import Region

from .filters import InspectionFilter
from .forms import InspectionForm
from .hooks import visible_task_ids
from .models import Inspection
from .services import create_inspection, update_inspection
from .tables import InspectionTable

PAGE_SIZE = 25


class InspectionList(ScopedListView):
    request: AuthedRequest  # behind the login
    model = Inspection
    filterset_class = InspectionFilter
    table_class = InspectionTable
    paginate_by = PAGE_SIZE
    template_name = "inspections/list.html"
    title = "督察"
    empty = "还没有登记督察。"
    empty_filtered = "没有符合条件的督察。"

    def narrow(self, qs: QuerySet[Inspection]) -> QuerySet[Inspection]:
        return qs.select_related("target_region__parent").order_by("-feedback_date", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "can_create": _writable_regions(self.request).exists()}


inspection_list = InspectionList.as_view()


def _writable_regions(request: AuthedRequest) -> QuerySet[Region]:
    if not can(request.user, "ledger.edit"):
        return Region.objects.none()
    regions: QuerySet[Region] = writable_regions(request.user)
    return regions


@login_required
def inspection_detail(request: AuthedRequest, uuid: str) -> HttpResponse:
    inspection = get_object_or_404(Inspection.objects.visible_to(request.user).select_related("target_region__parent"), uuid=uuid)
    plans = inspection.plans.select_related("region__parent").order_by("id")
    visible_tasks = visible_task_ids(request.user)
    if visible_tasks is not None:
        plans = plans.annotate(task_count=Count("tasks", filter=Q(tasks__in=visible_tasks)))
    history = ChangeRecord.objects.filter(object_uuid=inspection.uuid).order_by("-id")[:100]
    return render(request, "inspections/detail.html", {
        "inspection": inspection, "plans": plans, "history": history,
        "can_edit": Inspection.objects.editable_by(request.user).filter(pk=inspection.pk).exists(),
    })


@login_required
def inspection_create(request: AuthedRequest) -> HttpResponse:
    regions = _writable_regions(request)
    if not regions.exists():
        raise PermissionDenied("只有整改办或管理员可以登记督察")
    form = InspectionForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        inspection = create_inspection(form.inspection_data(), reason=form.cleaned_data["reason"])
        messages.success(request, f"已登记督察：{inspection.short_name}")
        return redirect("inspections:detail", uuid=inspection.uuid)
    return render(request, "inspections/form.html", {"form": form, "creating": True})


@login_required
def inspection_edit(request: AuthedRequest, uuid: str) -> HttpResponse:
    inspection = get_object_or_404(Inspection.objects.visible_to(request.user).select_related("target_region"), uuid=uuid)
    if not Inspection.objects.editable_by(request.user).filter(pk=inspection.pk).exists():
        raise PermissionDenied("您没有修改此督察信息的权限")
    regions = _writable_regions(request)
    context: dict[str, Any] = {"inspection": inspection}
    if request.method == "POST":
        form = InspectionForm(request.POST, regions=regions)
        if form.is_valid():
            try:
                changed = update_inspection(inspection, form.inspection_data(),
                                            expected_version=form.cleaned_data["version"] or 0, reason=form.cleaned_data["reason"])
            except StaleEdit as stale:
                form.add_error(None, str(stale))
                return render(request, "inspections/form.html", {**context, "form": form, "stale": True}, status=409)
            messages.success(request, "修改已保存" if changed else "内容没有变化，未做修改")
            return redirect("inspections:detail", uuid=inspection.uuid)
    else:
        form = InspectionForm(initial=InspectionForm.initial_from(inspection), regions=regions)
    return render(request, "inspections/form.html", {**context, "form": form})
