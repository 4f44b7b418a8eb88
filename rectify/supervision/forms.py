from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone

from rectify.core.forms import DateField
from rectify.core.params import IdMultipleChoiceField
from rectify.regions.models import Unit

from .models import ExtensionRequest, LightRule, SupervisionNotice, SupervisionRule


class IssueForm(forms.Form):
    units = IdMultipleChoiceField(label="督办单位", queryset=Unit.objects.none(), widget=forms.CheckboxSelectMultiple,
                                           error_messages={"required": "请至少选择一个督办单位"})
    kind = forms.ChoiceField(label="事项类别", choices=SupervisionNotice.Kind.choices, initial=SupervisionNotice.Kind.ORDINARY)
    reason = forms.CharField(label="督办事由", widget=forms.Textarea(attrs={"rows": 5}), max_length=4000,
                             error_messages={"required": "请填写督办事由"})

    def __init__(self, *args: Any, units: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["units"].queryset = units  # type: ignore[attr-defined]

    def clean_reason(self) -> str:
        value = self.cleaned_data["reason"].strip()
        if not value:
            raise forms.ValidationError("请填写督办事由")
        return str(value)


class StepForm(forms.Form):
    text = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 4}), max_length=8000,
                           error_messages={"required": "请填写办理情况"})
    version = forms.IntegerField(widget=forms.HiddenInput)


class CloseForm(forms.Form):
    grade = forms.ChoiceField(label="办结评定", widget=forms.RadioSelect,
                              choices=[c for c in SupervisionNotice.Grade.choices if c[0] != SupervisionNotice.Grade.FAIL],
                              error_messages={"required": "请选择办结评定"})
    note = forms.CharField(label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    version = forms.IntegerField(widget=forms.HiddenInput)


class SendBackForm(forms.Form):
    reason = forms.CharField(label="退回原因", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000,
                             error_messages={"required": "退回须写明原因"})
    version = forms.IntegerField(widget=forms.HiddenInput)


class ExtensionForm(forms.Form):
    new_date = DateField(label="申请延至",
                               error_messages={"required": "请填写申请延至的日期", "invalid": "日期格式应为 YYYY-MM-DD"})
    reason = forms.CharField(label=ExtensionRequest._meta.get_field("reason").verbose_name, widget=forms.Textarea(attrs={"rows": 4}),
                             max_length=8000, error_messages={"required": "请填写延期理由"})

    def clean_new_date(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["new_date"]
        if value < timezone.localdate():
            raise forms.ValidationError("申请延至的日期不能早于今天")
        return value


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label="审批结果", widget=forms.RadioSelect,
                                 choices=[c for c in ExtensionRequest.Decision.choices if c[0]],
                                 error_messages={"required": "请选择审批结果"})
    note = forms.CharField(label="审批意见", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class FilterForm(forms.Form):
    """The base form of the notice list's filter (``rectify.supervision.filters.NoticeFilter`` declares the
    fields): a long region name is refused, a link with a region id only shows the region's name."""

    def __init__(self, *args: Any, regions: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.regions = regions

    def clean_region_name(self) -> str:
        from rectify.core.params import SearchTooLong, search_terms

        value: str = self.cleaned_data.get("region_name") or ""
        try:
            search_terms(value)
        except SearchTooLong as exc:
            raise forms.ValidationError(str(exc)) from None
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("region") and not data.get("region_name"):  # a link with an id only: show the region's name
            region = self.regions.filter(pk=data["region"]).first() if hasattr(self.regions, "filter") else None
            if region is not None:
                shown = QueryDict(mutable=True)
                shown.update(self.data)
                shown["region_name"] = region.full_name
                self.data = shown
        return data


class LightRuleForm(forms.ModelForm[LightRule]):
    class Meta:
        model = LightRule
        fields = ["yellow_days_before_deadline", "yellow_when_report_missing", "red_when_overdue", "escalate_after_yellows"]


class SupervisionRuleForm(forms.ModelForm[SupervisionRule]):
    class Meta:
        model = SupervisionRule
        fields = ["level", "arrange_days", "report_days", "ordinary_done_days", "major_done_days", "working_days"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("arrange_days") is not None and data.get("report_days") is not None and data["arrange_days"] > data["report_days"]:
            raise forms.ValidationError("部署时限不能晚于首次回复时限")
        if data.get("report_days") is not None and data.get("ordinary_done_days") is not None and data["report_days"] > data["ordinary_done_days"]:
            raise forms.ValidationError("首次回复时限不能晚于办结时限")
        return data


class MilestoneForm(forms.Form):
    """The office marks a time node done or not done, or moves it, with a reason."""

    done = forms.BooleanField(label="已完成", required=False)
    date = DateField(label="节点日期", required=False)
    reason = forms.CharField(label="理由", max_length=500, error_messages={"required": "标记或调整时间节点须写明理由"})
    version = forms.IntegerField(widget=forms.HiddenInput)
