"""Forms of the import pages: the upload, and one small form per task of the preview."""
from __future__ import annotations

import datetime
from pathlib import PurePath
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict

from rectify.core.forms import DateField
from rectify.core.params import IdChoiceField
from rectify.regions.models import Region
from rectify.tasks import validation
from rectify.tasks.forms import parse_milestones, split_lines

from .services import ALLOWED_EXTENSIONS, MAX_SIZE, split_units, validate_row


class UploadForm(forms.Form):
    file = forms.FileField(
        label="方案文档",
        help_text="支持 .txt .docx .doc .pdf .html .xlsx，不超过 20 MB",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ALLOWED_EXTENSIONS)}),
        error_messages={"required": "请选择要导入的文档", "empty": "文件是空的（0 字节），没有可导入的内容。"},
    )
    region = IdChoiceField(
        label="导入到区划", queryset=Region.objects.none(), required=False, empty_label="按文档中写明的区划识别",
    )

    def __init__(self, *args: Any, regions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region_field = self.fields["region"]
        if not isinstance(region_field, forms.ModelChoiceField):
            raise TypeError("region must be a ModelChoiceField")
        region_field.queryset = regions if regions is not None else Region.objects.none()
        region_field.label_from_instance = lambda r: f"{r.full_name}（{r.code}）"  # type: ignore[method-assign,assignment]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = PurePath(upload.name or "").name
        if PurePath(name).suffix.lower() not in ALLOWED_EXTENSIONS:
            raise ValidationError(f"不支持的文件类型：{name}。请上传 .txt、.docx、.doc、.pdf、.html 或 .xlsx 文件。")
        if upload.size > MAX_SIZE:
            raise ValidationError(f"文件大小为 {upload.size / 1024 / 1024:.1f} MB，超过了 20 MB 的上限。")
        return upload


def _join_units(names: list[str]) -> str:
    return "、".join(names or [])


class TaskRowForm(forms.Form):
    """The editable part of one parsed task; ``row()`` gives the task dict back with the edits."""

    skip = forms.BooleanField(label="不导入", required=False)
    title = forms.CharField(label="任务名称", max_length=200, required=False)
    problem = forms.CharField(label="反馈问题", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    target = forms.CharField(label="整改目标", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    measures = forms.CharField(label="整改措施", widget=forms.Textarea(attrs={"rows": 4}), required=False, help_text="每行一条")
    lead_units = forms.CharField(label="牵头单位", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    cooperating_units = forms.CharField(label="配合单位", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    responsible_units = forms.CharField(label="责任单位", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    responsible_person = forms.CharField(label="责任人", max_length=120, required=False)
    deadline = DateField(label="整改时限", required=False)
    long_term = forms.BooleanField(label="长期坚持", required=False)
    milestones = forms.CharField(label="时间节点", widget=forms.Textarea(attrs={"rows": 2}), required=False, help_text="每行一个：2025-06-30 完成……")
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, row: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.original = row

    @staticmethod
    def data_for(row: dict[str, Any], prefix: str, base_version: int | None = None) -> dict[str, Any]:
        """Form data standing for ``row`` as it is, so that a first view already shows its problems."""
        values: dict[str, Any] = {
            "title": row.get("title") or "",
            "problem": row.get("problem") or "",
            "target": row.get("target") or "",
            "measures": "\n".join(row.get("measures") or []),
            "lead_units": _join_units(row.get("lead_units") or []),
            "cooperating_units": _join_units(row.get("cooperating_units") or []),
            "responsible_units": _join_units(row.get("responsible_units") or []),
            "responsible_person": row.get("responsible_person") or "",
            "deadline": (row.get("deadline") or "")[:10],
            "milestones": "\n".join(f"{m.get('date') or ''} {m.get('text') or ''}".strip() for m in row.get("milestones") or []),
            "base_version": "" if base_version is None else str(base_version),
        }
        if row.get("skip"):
            values["skip"] = "on"
        if row.get("long_term"):
            values["long_term"] = "on"
        return {f"{prefix}-{k}": v for k, v in values.items()}

    def clean_deadline(self) -> datetime.date | None:
        value: datetime.date | None = self.cleaned_data.get("deadline")
        try:
            validation.check_year(value)
        except validation.DeadlineError as exc:
            raise ValidationError(str(exc)) from None
        return value

    def clean_milestones(self) -> list[dict[str, Any]]:
        text = self.cleaned_data.get("milestones", "")
        original = self.original.get("milestones") or []
        # Milestones the parser found without a date are kept as they were when untouched.
        if text.strip() == "\n".join(f"{m.get('date') or ''} {m.get('text') or ''}".strip() for m in original).strip():
            return list(original)
        return [{"date": d.isoformat() if d else None, "text": t} for d, t in parse_milestones(text)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        row = self.row_from(data)
        for name, messages in validate_row(row).items():
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)
        return data

    def full_clean(self) -> None:
        super().full_clean()
        # A task left out of the import is not checked: it is kept as the parser read it.
        if self.is_bound and getattr(self, "cleaned_data", {}).get("skip"):
            self._errors = ErrorDict()

    def row_from(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("skip"):
            return {**self.original, "skip": True}
        row = dict(self.original)
        row["skip"] = bool(data.get("skip"))
        for name in ("title", "problem", "target", "responsible_person"):
            row[name] = (data.get(name) or "").strip() or None
        row["measures"] = split_lines(data.get("measures") or "")
        for name in ("lead_units", "cooperating_units", "responsible_units"):
            row[name] = split_units(data.get(name) or "")
        deadline = data.get("deadline")
        new_deadline = deadline.isoformat() if deadline else None
        if new_deadline != ((self.original.get("deadline") or "")[:10] or None):
            row["deadline_text"] = None  # the words of the document no longer describe the date
        row["deadline"] = new_deadline
        row["long_term"] = bool(data.get("long_term"))
        row["milestones"] = data.get("milestones") or []
        return row

    def row(self) -> dict[str, Any]:
        return self.row_from(self.cleaned_data)
