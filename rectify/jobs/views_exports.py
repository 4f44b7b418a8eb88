"""A background export as its owner follows it: the progress page, its JSON status, and the download.

Only the user who asked for an export and administrators reach these pages (``ExportFile.objects.for_user``);
anyone else gets 404, as for any record outside their scope.
"""
from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from rectify.accounts.security import log_personal_data_access
from rectify.core.types import AuthedRequest
from rectify.core.xlsx import xlsx_response

from .models import ExportFile


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
