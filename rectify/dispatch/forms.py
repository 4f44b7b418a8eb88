from __future__ import annotations

import calendar
import datetime
from typing import Any

from django import forms
from django.utils import timezone

from rectify.core.forms import DateInput, ModelForm

from .labels import ScheduleLabel
from .models import ReportingRound, Verification

DATE = DateInput()


def month_defaults(today: datetime.date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    last = calendar.monthrange(today.year, today.month)[1]
    end = today.replace(day=last)
    return {"title": f"{today.year}年{today.month}月调度", "period_start": today.replace(day=1), "period_end": end, "due_date": end}


class RoundForm(ModelForm):
    class Meta:
        model = ReportingRound
        fields = ["region", "title", "period_start", "period_end", "due_date"]
        widgets = {"period_start": DATE, "period_end": DATE, "due_date": DATE}

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        self.fields["region"].empty_label = None  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end, due = data.get("period_start"), data.get("period_end"), data.get("due_date")
        if start and end and end < start:
            self.add_error("period_end", "调度期止不能早于调度期起")
        if start and due and due < start:
            self.add_error("due_date", "报送截止日期不能早于调度期起")
        return data


class ReportForm(forms.Form):
    text = forms.CharField(label="进展情况", max_length=10000, widget=forms.Textarea(attrs={"rows": 8}),
                           error_messages={"required": "请填写进展情况"})
    percent = forms.IntegerField(label="完成比例（%）", required=False, min_value=0, max_value=100,
                                 error_messages={"min_value": "完成比例应在 0 到 100 之间", "max_value": "完成比例应在 0 到 100 之间",
                                                 "invalid": "完成比例应为整数"})
    # No preselection: the first option is empty, so a careless unit cannot report a task done by default.
    schedule = forms.ChoiceField(label="序时进度", choices=[("", "请选择序时进度"), *ScheduleLabel.choices],
                                 error_messages={"required": "请选择序时进度", "invalid_choice": "请选择序时进度"})
    milestones = forms.TypedMultipleChoiceField(label="本期完成的时间节点", required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
                                                error_messages={"invalid_choice": "所选时间节点不属于该任务，请刷新页面后重新选择"})
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, milestones: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["milestones"].choices = [  # type: ignore[attr-defined]
            (m.pk, f"{m.date:%Y年%m月%d日} {m.text}" if m.date else m.text) for m in milestones
        ]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label="审核结论", choices=[("accept", "认可"), ("return", "退回")], widget=forms.RadioSelect)
    note = forms.CharField(label="审核意见", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "return" and not (data.get("note") or "").strip():
            self.add_error("note", "退回时请填写退回理由")
        return data


class CloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class SampleForm(forms.Form):
    size = forms.IntegerField(label="抽取任务数", min_value=1, max_value=100, initial=5)
    seed = forms.IntegerField(label="随机种子（可不填）", required=False, min_value=0, max_value=2**62)


class FindingForm(forms.Form):
    finding = forms.CharField(label="核查情况", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
                              error_messages={"required": "请填写核查情况"})
    result = forms.ChoiceField(label="核查结论", choices=Verification.Result.choices, error_messages={"required": "请选择核查结论"})
