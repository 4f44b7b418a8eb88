from __future__ import annotations

from django import forms

from .models import AcceptanceReview, Objection


class ApplyForm(forms.Form):
    completion_report = forms.CharField(label="整改完成情况", widget=forms.Textarea(attrs={"rows": 10}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReviewForm(forms.Form):
    site_check = forms.CharField(label="现场核查记录", widget=forms.Textarea(attrs={"rows": 6}))
    implemented = forms.TypedChoiceField(label="整改措施落实情况", choices=[("yes", "已落实"), ("no", "未落实")],
                                         coerce=lambda v: v == "yes", widget=forms.RadioSelect)
    decision = forms.ChoiceField(label="验收结论", choices=AcceptanceReview.Decision.choices, widget=forms.RadioSelect)
    reasons = forms.CharField(label="理由/退回原因", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    signed_by = forms.CharField(label="签字（验收人姓名）", max_length=60)
    version = forms.IntegerField(widget=forms.HiddenInput)


class AnnounceForm(forms.Form):
    starts_on = forms.DateField(label="公示开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
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
