"""Background exports as their owner follows them: the list of one's own exports, an export's progress
page, its JSON status, and the download.

Only the user who asked for an export and administrators reach an export's pages
(``ExportFile.objects.for_user``); anyone else gets 404, as for any record outside their scope. The
list (我的导出) shows the signed-in user's own exports only, administrators' included.
"""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from rectify.accounts.security import log_personal_data_access
from rectify.core.pagination import paginate
from rectify.core.types import AuthedRequest
from rectify.core.xlsx import xlsx_response

from .models import ExportFile

PAGE_SIZE = 20


def _export(request: AuthedRequest, uuid: Any) -> ExportFile:
    return get_object_or_404(ExportFile.objects.for_user(request.user), uuid=uuid)


def status_of(export: ExportFile) -> dict[str, Any]:
    done = export.status == ExportFile.Status.DONE and bool(export.file)
    return {
        "status": export.status, "label": export.get_status_display(), "done": export.done, "total": export.total,
        "percent": export.percent, "finished": export.status not in {ExportFile.Status.QUEUED, ExportFile.Status.RUNNING},
        "download": reverse("jobs:export_download", args=[export.uuid]) if done else "", "error": export.error,
    }


@login_required
def export_list(request: AuthedRequest) -> HttpResponse:
    """我的导出: the signed-in user's own exports, newest first, with their progress and download links."""
    exports = ExportFile.objects.filter(user=request.user).order_by("-created_at", "-id").only(
        "uuid", "title", "filename", "status", "total", "done", "size", "file", "error", "created_at", "finished_at", "expires_at")
    page = paginate(request, exports, PAGE_SIZE)
    rows = [{"export": export, "state": status_of(export)} for export in page.object_list]
    return render(request, "jobs/exports.html", {"page": page, "rows": rows, "keep_hours": settings.RECTIFY_EXPORT_KEEP_HOURS})


@login_required
def export_detail(request: AuthedRequest, uuid: Any) -> HttpResponse:
    export = _export(request, uuid)
    return render(request, "jobs/export.html", {"export": export, "state": status_of(export)})


@login_required
def export_status(request: AuthedRequest, uuid: Any) -> HttpResponse:
    response = JsonResponse(status_of(_export(request, uuid)), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def export_download(request: AuthedRequest, uuid: Any) -> HttpResponse:
    export = _export(request, uuid)
    if export.status != ExportFile.Status.DONE or not export.file:
        raise Http404("导出文件尚未生成或已过期")
    try:
        with export.file.open("rb") as handle:
            content = handle.read()
    except OSError:
        raise Http404("导出文件已不存在，请重新导出") from None
    log_personal_data_access(request, f"下载导出文件：{export.title}", export)
    return xlsx_response(content, export.filename, "export.xlsx")
