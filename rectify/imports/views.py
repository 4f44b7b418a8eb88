"""Import pages: upload a plan document, check and edit what was read, confirm or cancel.

Views only parse and check; ``services`` does the work, the same way for the CLI.
"""
from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from rectify.accounts.permissions import can
from rectify.core.types import AuthedRequest
from rectify.inspections.models import Plan
from rectify.regions.models import Region

from . import services
from .forms import TaskRowForm, UploadForm
from .models import ImportBatch


def _require_editor(request: AuthedRequest) -> None:
    if not can(request.user, "ledger.edit"):
        raise PermissionDenied("只有整改办或系统管理员可以导入方案文档")


def _regions(request: AuthedRequest) -> QuerySet[Region]:
    """The regions the user may import into: the write scope (an office's subtrees), never a read-only grant's."""
    return Region.objects.editable_by(request.user).select_related("parent").order_by("path")


def ledger_url(plan: Plan | None) -> str:
    url = reverse("tasks:ledger")
    if plan is None:
        return url
    return f"{url}?plan={plan.pk}"


def _batches_visible(request: AuthedRequest, regions: QuerySet[Region]) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.visible_to(request.user).select_related(
        "region__parent", "plan", "uploaded_by"
    )


@login_required
def upload(request: AuthedRequest) -> HttpResponse:
    _require_editor(request)
    regions = _regions(request)
    form = UploadForm(request.POST or None, request.FILES or None, regions=regions)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        data = upload_file.read()
        try:
            batch = services.start_import(
                data, upload_file.name, user=request.user, region=form.cleaned_data["region"], regions=regions
            )
        except services.DuplicateDocument as dup:
            duplicate = dup
        except services.ImportFailed as failed:
            form.add_error(None, failed.message)
        else:
            return redirect("imports:preview", uuid=batch.uuid)
    recent = _batches_visible(request, regions)[:20]
    context = {
        "form": form,
        "duplicate": duplicate,
        "duplicate_url": ledger_url(duplicate.plan) if duplicate else "",
        "recent": recent,
    }
    return render(request, "imports/upload.html", context, status=200)


@login_required
def preview(request: AuthedRequest, uuid: str) -> HttpResponse:
    _require_editor(request)
    regions = _regions(request)
    batch = get_object_or_404(_batches_visible(request, regions), uuid=uuid)
    if batch.status != ImportBatch.Status.PREVIEWED or batch.region is None:
        return render(request, "imports/batch.html", {"batch": batch, "ledger_url": ledger_url(batch.plan)})
    if batch.region_id and not regions.filter(pk=batch.region_id).exists():
        raise Http404
    region = batch.region
    rows = batch.tasks
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "cancel":
            try:
                services.cancel_import(batch)
            except services.ImportFailed as failed:
                messages.error(request, failed.message)
            else:
                messages.info(request, f"已取消导入“{batch.filename}”，台账没有任何改动。")
            return redirect("imports:upload")
        forms = [TaskRowForm(request.POST, prefix=f"t{i}", row=row) for i, row in enumerate(rows)]
        valid = [f.is_valid() for f in forms]
        try:
            services.save_edits(batch, {i: f.row() for i, f in enumerate(forms) if valid[i]})
        except services.ImportFailed as failed:
            messages.error(request, failed.message)
            return redirect("imports:preview", uuid=batch.uuid)
        if action == "confirm":
            if all(valid):
                versions = {
                    i: f.cleaned_data["base_version"] for i, f in enumerate(forms) if f.cleaned_data.get("base_version") is not None
                }
                try:
                    result = services.apply_import(batch, user=request.user, expected_versions=versions)
                except services.ImportFailed as failed:
                    error = failed.message
                else:
                    messages.success(request, result.summary())
                    return redirect(ledger_url(result.plan))
            else:
                bad = len(valid) - sum(valid)
                error = f"有 {bad} 项任务需要修改：请按每项下面的提示修改，或勾选“不导入”，然后再确认导入。台账没有任何改动。"
        else:
            messages.success(request, "修改已保存，尚未导入台账。")
        result_preview = services.build_preview(batch.parsed or {}, region, batch.content_hash)
    else:
        result_preview = services.build_preview(batch.parsed or {}, region, batch.content_hash)
        forms = [
            TaskRowForm(
                TaskRowForm.data_for(tp.row, f"t{tp.index}", tp.existing.version if tp.existing else None),
                prefix=f"t{tp.index}",
                row=tp.row,
            )
            for tp in result_preview.tasks
        ]
    matched, new = result_preview.units()
    context: dict[str, Any] = {
        "batch": batch,
        "preview": result_preview,
        "doc": result_preview.parsed,
        "rows": list(zip(result_preview.tasks, forms, strict=True)),
        "counts": result_preview.counts(),
        "units_matched": matched,
        "units_new": new,
        "error": error,
        "duplicate_url": ledger_url(result_preview.duplicate.plan) if result_preview.duplicate else "",
    }
    return render(request, "imports/preview.html", context, status=400 if error else 200)
