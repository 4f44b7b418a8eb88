"""Excel round trip of the ledger: export, blank template, and import with preview and confirm.

The views only handle the request; reading, comparing and writing live in ``excel.py``.
The uploaded file waits between preview and confirm under ``MEDIA_ROOT/imports`` with a random
name, referenced by a signed token in the confirm form (never by a path the browser chooses).
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from pathlib import Path
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone

from rectify.accounts.permissions import can
from rectify.accounts.security import log_personal_data_access
from rectify.core.params import IdChoiceField
from rectify.core.refusals import form_errors
from rectify.core.types import AuthedRequest, AuthedUser
from rectify.core.xlsx import xlsx_response
from rectify.inspections.models import Plan
from rectify.jobs.exports import needs_background, start_export
from rectify.regions.models import Region

from .excel import MAX_UPLOAD_BYTES, ExcelError, read_ledger, write_template
from .excel_export import ledger_ids, ledger_rows, write_rows
from .excel_import import ImportPreview, ImportRefused, apply_preview, build_preview
from .jobs import LEDGER_EXPORT
from .views import ledger_queryset, page_words

TOKEN_SALT = "rectify.tasks.excel-import"  # noqa: S105 - a signing namespace, not a secret (the key is SECRET_KEY)
TOKEN_MAX_AGE = 6 * 3600
KEY_RE = re.compile(r"^[0-9a-f]{32}$")


@login_required
def export_ledger(request: AuthedRequest) -> HttpResponse:
    """The ledger as filtered on the ledger page (same query string), limited to what the caller may see.

    Which tasks, and in what order, is decided here through the caller's scope; a sheet of more than
    ``RECTIFY_EXPORT_BACKGROUND_ROWS`` rows is then built by a background job (progress page and
    download link), a smaller one at once.
    """
    ledger_filter, tasks = ledger_queryset(request, words=page_words(request))
    if ledger_filter.is_bound and not ledger_filter.is_valid():
        # Never export everything when the filters asked for less: say what is wrong instead.
        errors = form_errors(ledger_filter.form)
        return HttpResponseBadRequest(f"筛选条件有误，未导出：{errors}", content_type="text/plain; charset=utf-8")
    today = timezone.localdate()
    ordering = request.GET.get("ordering", "")
    ids = ledger_ids(tasks, keep_order=bool(ordering) and ordering != "seq")
    stamp = today.strftime("%Y%m%d")
    if needs_background(len(ids)):
        export = start_export(request.user, LEDGER_EXPORT, title=f"整改台账（{len(ids)} 项任务）", filename=f"台账_{stamp}.xlsx",
                              args={"ids": ids, "today": today.isoformat()}, total=len(ids))
        log_personal_data_access(request, "导出整改台账（后台生成）", export)
        return redirect("jobs:export", export.uuid)
    content = write_rows(ledger_rows(ids), today=today)
    log_personal_data_access(request, "导出整改台账")
    return xlsx_response(content, f"台账_{stamp}.xlsx", f"ledger_{stamp}.xlsx")


@login_required
def download_template(request: AuthedRequest) -> HttpResponse:
    return xlsx_response(write_template(), "台账导入模板.xlsx", "ledger_template.xlsx")


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------


def _choices(user: AuthedUser) -> tuple[QuerySet[Plan], QuerySet[Region]]:
    """Plans and regions the caller may import new tasks into: their write scope, not what they may read."""
    regions = Region.objects.editable_by(user).order_by("path")
    plans = Plan.objects.filter(region__in=regions).select_related("region")
    return plans, regions


class ImportForm(forms.Form):
    plan = IdChoiceField(label="导入到整改方案", queryset=Plan.objects.none(), empty_label="请选择整改方案")
    region = IdChoiceField(
        label="新增任务的区划", queryset=Region.objects.none(), required=False, empty_label="与整改方案相同",
        help_text="表格中新增的任务归属此区划；责任单位在此区划及其上级中查找。",
    )
    file = forms.FileField(label="Excel 文件", help_text="系统导出的台账或空白模板，.xlsx 格式，不超过 10 MB")

    def __init__(self, *args: Any, user: AuthedUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plans, regions = _choices(user)
        # cast: ``self.fields`` is typed dict[str, Field]; the two fields declared above are ModelChoiceFields.
        cast("forms.ModelChoiceField[Plan]", self.fields["plan"]).queryset = plans
        region_field = cast("forms.ModelChoiceField[Region]", self.fields["region"])
        region_field.queryset = regions
        region_field.label_from_instance = lambda r: f"{r.full_name}（{r.code}）"  # type: ignore[method-assign,assignment]
        self.fields["file"].widget.attrs["accept"] = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"文件太大（{upload.size / 1024 / 1024:.1f} MB），不能超过 10 MB")
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        plan, region = data.get("plan"), data.get("region")
        if plan and not region:
            data["region"] = region = plan.region
        if plan and region and not region.path.startswith(plan.region.path):
            self.add_error("region", f"新增任务的区划应为“{plan.region.full_name}”或其下级区划")
        return data


def _import_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _paths(key: str) -> tuple[Path, Path]:
    if not KEY_RE.match(key):
        raise ValueError("bad key")
    folder = _import_dir()
    return folder / f"{key}.xlsx", folder / f"{key}.json"


def _remove_old_uploads() -> None:
    folder = _import_dir()
    if not folder.is_dir():
        return
    limit = time.time() - TOKEN_MAX_AGE
    for path in folder.iterdir():
        try:
            if path.suffix in {".xlsx", ".json"} and path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass


def _store_upload(content: bytes) -> str:
    _remove_old_uploads()
    folder = _import_dir()
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(16)
    xlsx_path, _ = _paths(key)
    xlsx_path.write_bytes(content)
    return key


def _save_matches(key: str, preview: ImportPreview) -> None:
    _, meta_path = _paths(key)
    meta_path.write_text(json.dumps({"matches": preview.matches()}), encoding="utf-8")


def _discard(key: str) -> None:
    for path in _paths(key):
        path.unlink(missing_ok=True)


def _display_name(name: str) -> str:
    name = re.split(r"[\\/]", name or "")[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    return name[:100] or "未命名.xlsx"


def _render_preview(request: AuthedRequest, preview: ImportPreview, token: str, filename: str, *, refused: str = "", status: int = 200) -> HttpResponse:
    rows = [r for r in preview.rows if r.status != "unchanged"]
    unchanged = [r for r in preview.rows if r.status == "unchanged"]
    return render(
        request,
        "tasks/import_preview.html",
        {
            "preview": preview, "rows": rows, "unchanged": unchanged, "token": token, "filename": filename,
            "counts": preview.counts, "refused": refused, "apply_count": len(preview.to_apply),
            "n_new": preview.count("new"), "n_changed": preview.count("changed"), "n_errors": preview.count("error"),
        },
        status=status,
    )


@login_required
def import_ledger(request: AuthedRequest) -> HttpResponse:
    if not can(request.user, "ledger.edit"):
        raise PermissionDenied("只有整改办或管理员可以导入台账")
    if request.method == "POST" and request.POST.get("action") == "confirm":
        return _confirm(request)
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        filename = _display_name(upload.name)
        content = upload.read(MAX_UPLOAD_BYTES + 1)
        plan, region = form.cleaned_data["plan"], form.cleaned_data["region"]
        try:
            sheet = read_ledger(content)
        except ExcelError as exc:
            form.add_error("file", str(exc))
        else:
            if not sheet.rows:
                form.add_error("file", "表格中没有可导入的任务行（示例行会被忽略）")
            else:
                preview = build_preview(sheet, plan=plan, region=region, user=request.user)
                key = _store_upload(content)
                _save_matches(key, preview)
                token = signing.dumps(
                    {"k": key, "u": request.user.pk, "p": plan.pk, "r": region.pk, "n": filename,
                     "h": hashlib.sha256(content).hexdigest()},
                    salt=TOKEN_SALT,
                )
                return _render_preview(request, preview, token, filename)
    return render(request, "tasks/import_upload.html", {"form": form}, status=400 if form.errors else 200)


def _expired(request: AuthedRequest) -> HttpResponse:
    messages.error(request, "导入预览已过期或无效，请重新上传文件。")
    return redirect("tasks:import")


def _confirm(request: AuthedRequest) -> HttpResponse:
    token = request.POST.get("token", "")
    try:
        payload = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
        xlsx_path, meta_path = _paths(str(payload["k"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return _expired(request)
    if payload.get("u") != request.user.pk:
        return _expired(request)
    try:
        content = xlsx_path.read_bytes()
        expected = json.loads(meta_path.read_text(encoding="utf-8"))["matches"]
    except (OSError, ValueError, KeyError):
        return _expired(request)
    if hashlib.sha256(content).hexdigest() != payload.get("h"):
        return _expired(request)
    plans, regions = _choices(request.user)
    plan = plans.filter(pk=payload.get("p")).first()
    region = regions.filter(pk=payload.get("r")).first()
    if plan is None or region is None:
        raise PermissionDenied("您没有向该整改方案或区划导入的权限")
    filename = str(payload.get("n") or "")
    try:
        sheet = read_ledger(content)
    except ExcelError:
        return _expired(request)
    preview = build_preview(sheet, plan=plan, region=region, user=request.user)
    if preview.has_errors:
        return _render_preview(request, preview, token, filename, refused="表格中有错误，全部未导入。请改正后重新上传。", status=400)
    try:
        created, updated = apply_preview(preview, reason=f"Excel导入：{filename}", expected=expected)
    except ImportRefused as exc:
        # Show what the sheet would change now, against the current ledger, and let them confirm again.
        _save_matches(str(payload["k"]), preview)
        return _render_preview(request, preview, token, filename, refused=str(exc), status=409)
    _discard(str(payload["k"]))
    if created or updated:
        messages.success(request, f"已从“{filename}”导入：新增 {created} 项，修改 {updated} 项")
    else:
        messages.info(request, f"“{filename}”与台账一致，没有需要导入的修改")
    return redirect("tasks:ledger")
