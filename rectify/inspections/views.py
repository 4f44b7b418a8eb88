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
from rectify.core.pagination import paginate
from rectify.core.types import AuthedRequest
from rectify.core.versioning import StaleEdit
from rectify.regions.models import Region

from .forms import InspectionForm
from .hooks import visible_task_ids
from .models import Inspection
from .services import create_inspection, update_inspection

PAGE_SIZE = 25
MAX_QUERY = 100


def _filtered(request: AuthedRequest) -> tuple[QuerySet[Inspection], dict[str, str]]:
    inspections = Inspection.objects.visible_to(request.user).select_related("target_region__parent")
    q = (request.GET.get("q") or "").strip()[:MAX_QUERY]
    level = request.GET.get("level") or ""
    if q:
        inspections = inspections.filter(Q(team__icontains=q) | Q(batch__icontains=q) | Q(target_region__name__icontains=q))
    if level in Inspection.Level.values:
        inspections = inspections.filter(level=level)
    else:
        level = ""
    return inspections.order_by("-feedback_date", "-id"), {"q": q, "level": level}


@login_required
def inspection_list(request: AuthedRequest) -> HttpResponse:
    inspections, chosen = _filtered(request)
    page = paginate(request, inspections, PAGE_SIZE)
    return render(request, "inspections/list.html", {
        "page": page, "chosen": chosen, "levels": Inspection.Level.choices,
        "can_create": _writable_regions(request).exists(),
    })


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
