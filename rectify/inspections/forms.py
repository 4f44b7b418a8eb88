"""The inspection form: the fields an office records when a team stations and gives feedback."""
from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet

from rectify.core.forms import DateField
from rectify.core.params import IdChoiceField
from rectify.regions.models import Region

from .models import Inspection
from .services import InspectionData


def _date_field(label: str) -> DateField:
    return DateField(label=label, required=False)


class InspectionForm(forms.Form):
    team = forms.CharField(label="督察组", max_length=120)
    level = forms.ChoiceField(label="层级", choices=Inspection.Level.choices)
    round = forms.IntegerField(label="轮次", required=False, min_value=1, max_value=99)
    batch = forms.CharField(label="批次", max_length=40, required=False)
    target_region = IdChoiceField(label="被督察区划", queryset=Region.objects.none(), empty_label="请选择区划")
    stationed_from = _date_field("进驻开始")
    stationed_to = _date_field("进驻结束")
    feedback_date = _date_field("反馈日期")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(label="修改原因", max_length=500, required=False, help_text="将记入变更记录")

    def __init__(self, *args: Any, regions: QuerySet[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["target_region"]
        if not isinstance(field, forms.ModelChoiceField):
            raise TypeError("target_region must be a ModelChoiceField")
        field.queryset = regions.order_by("path")

    def clean_team(self) -> str:
        team = str(self.cleaned_data["team"]).strip()
        if not team:
            raise forms.ValidationError("请填写督察组名称")
        return team

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: datetime.date | None = data.get("stationed_from")
        end: datetime.date | None = data.get("stationed_to")
        feedback: datetime.date | None = data.get("feedback_date")
        if start and end and end < start:
            self.add_error("stationed_to", "进驻结束日期不能早于进驻开始日期")
        if start and feedback and feedback < start:
            self.add_error("feedback_date", "反馈日期不能早于进驻开始日期")
        return data

    def inspection_data(self) -> InspectionData:
        d = self.cleaned_data
        return InspectionData(
            team=d["team"], level=d["level"], target_region=d["target_region"], round=d.get("round"),
            batch=(d.get("batch") or "").strip(), stationed_from=d.get("stationed_from"),
            stationed_to=d.get("stationed_to"), feedback_date=d.get("feedback_date"),
        )

    @staticmethod
    def initial_from(inspection: Inspection) -> dict[str, Any]:
        return {
            "team": inspection.team, "level": inspection.level, "round": inspection.round, "batch": inspection.batch,
            "target_region": inspection.target_region_id, "stationed_from": inspection.stationed_from,
            "stationed_to": inspection.stationed_to, "feedback_date": inspection.feedback_date,
            "version": inspection.version,
        }
