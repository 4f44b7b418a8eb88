from __future__ import annotations

from django import forms

from rectify.core.forms import DateField
from rectify.core.params import IdChoiceField
from rectify.inspections.models import Inspection

from .models import AcceptanceReview, LookBack, Objection


class ApplyForm(forms.Form):
    completion_report = forms.CharField(label="整改完成情况", widget=forms.Textarea(attrs={"rows": 10}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReviewForm(forms.Form):
    site_check = forms.CharField(label="现场核查记录", widget=forms.Textarea(attrs={"rows": 6}))
    implemented = forms.TypedChoiceField(label="整改措施落实情况", choices=[("yes", "已落实"), ("no", "未落实")],
                                         coerce=lambda v: v == "yes", widget=forms.RadioSelect)
    decision = forms.ChoiceField(label="验收结论", choices=AcceptanceReview.Decision.choices, widget=forms.RadioSelect)
    reasons = forms.CharField(label="理由/退回原因", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class AnnounceForm(forms.Form):
    starts_on = DateField(label="公示开始日期", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ObjectionForm(forms.Form):
    content = forms.CharField(label="异议内容", widget=forms.Textarea(attrs={"rows": 4}))
    contact = forms.CharField(label="联系方式（不公开）", required=False, max_length=120)


class ResolveForm(forms.Form):
    resolution = forms.ChoiceField(label="处理结果", choices=[c for c in Objection.Resolution.choices if c[0]], widget=forms.RadioSelect)
    note = forms.CharField(label="处理说明", widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class CloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ScheduleOneForm(forms.Form):
    scheduled_for = DateField(label="计划回头看日期")


class ScheduleForm(forms.Form):
    inspection = IdChoiceField(label="督察", queryset=Inspection.objects.none(), required=False, empty_label="全部督察")
    closed_months = forms.IntegerField(label="销号已满（月）", min_value=0, max_value=120, initial=6,
                                       help_text="只安排最近一次销号距今已满这么多个月的任务；0 为全部已销号任务")
    scheduled_for = DateField(label="计划回头看日期")

    def __init__(self, *args: object, inspections: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["inspection"].queryset = inspections  # type: ignore[attr-defined]


class LookBackForm(forms.Form):
    result = forms.ChoiceField(label="回头看结论", choices=[c for c in LookBack.Result.choices if c[0]], widget=forms.RadioSelect)
    finding = forms.CharField(label="核查情况", widget=forms.Textarea(attrs={"rows": 6}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class FilingForm(forms.Form):
    note = forms.CharField(label="报送说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
