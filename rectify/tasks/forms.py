"""The task form: parses and validates what a person typed into TaskData."""
from __future__ import annotations

import datetime
import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from rectify.core.forms import DateField
from rectify.core.params import IdChoiceField
from rectify.inspections.models import Plan
from rectify.regions.models import Region

from . import validation
from .models import Assignment, Task
from .services import TaskData

UNDATED = "— "  # starts the line of a milestone without a date
MILESTONE_LINE = re.compile(r"^\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*[：:，,\s]\s*(.+)$")


def split_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def parse_milestones(text: str) -> list[tuple[datetime.date | None, str]]:
    """One milestone per line: "2025-06-30 完成……"; "— 完成……" is one without a date."""
    result: list[tuple[datetime.date | None, str]] = []
    for number, line in enumerate(split_lines(text), 1):
        match = MILESTONE_LINE.match(line)
        if not match and line.startswith(UNDATED):
            result.append((None, line[len(UNDATED):].strip()))
            continue
        if not match:
            raise ValidationError(f"第 {number} 行格式不对：请写成“2025-06-30 完成……”（没有日期的写成“— 完成……”）")
        year, month, day, body = match.groups()
        try:
            result.append((datetime.date(int(year), int(month), int(day)), body.strip()))
        except ValueError:
            raise ValidationError(f"第 {number} 行的日期 {year}-{month}-{day} 不存在") from None
    return result


def milestone_lines(milestones: Any) -> str:
    """The text ``parse_milestones`` reads back to the same milestones."""
    return "\n".join(f"{m.date.isoformat()} {m.text}" if m.date else f"{UNDATED}{m.text}" for m in milestones)


def join_section(section: list[str]) -> str:
    return " / ".join(section)


split_section = validation.split_section


normalise_newlines = validation.normalise_newlines


class TaskForm(forms.Form):
    plan = IdChoiceField(label="整改方案", queryset=Plan.objects.none())
    region = IdChoiceField(label="区划", queryset=Region.objects.none())
    seq = forms.CharField(label="序号", max_length=20)
    feedback_no = forms.CharField(label="反馈问题序号", max_length=20, required=False)
    section = forms.CharField(label="所属章节", max_length=400, required=False, help_text="多级章节用“/”分隔")
    title = forms.CharField(label="任务名称", max_length=200, required=False)
    problem = forms.CharField(label="反馈问题", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    target = forms.CharField(label="整改目标", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    measures = forms.CharField(label="整改措施", widget=forms.Textarea(attrs={"rows": 6}), required=False, help_text="每行一条措施")
    milestones = forms.CharField(label="时间节点", widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="每行一个：2025-06-30 完成……；没有日期的写成“— 完成……”")
    lead_units = forms.CharField(label="牵头单位", required=False, help_text="多个单位用“、”分隔")
    cooperating_units = forms.CharField(label="配合单位", required=False, help_text="多个单位用“、”分隔")
    responsible_units = forms.CharField(label="责任单位", required=False, help_text="多个单位用“、”分隔")
    responsible_person = forms.CharField(label="责任人", max_length=120, required=False)
    deadline = DateField(label="整改时限", required=False)
    deadline_text = forms.CharField(label="时限原文", max_length=60, required=False, help_text="如“2025年上半年”；未填整改时限时按此确定")
    long_term = forms.BooleanField(label="长期坚持", required=False)
    priority = forms.BooleanField(label="重点任务", required=False)
    progress = forms.CharField(label="进展情况", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(label="修改原因", max_length=500, required=False, help_text="将记入变更记录")

    UNIT_FIELDS = {"lead_units": Assignment.Role.LEAD, "cooperating_units": Assignment.Role.COOPERATING, "responsible_units": Assignment.Role.RESPONSIBLE}

    def __init__(self, *args: Any, plans: Any = None, regions: Any = None, editing: bool = False, **kwargs: Any) -> None:
        """``plans`` and ``regions`` are the choices: they must come from the user's write scope."""
        super().__init__(*args, **kwargs)
        # cast: ``self.fields`` is typed dict[str, Field]; the two fields declared above are ModelChoiceFields.
        plan_field = cast("forms.ModelChoiceField[Plan]", self.fields["plan"])
        plan_field.queryset = plans if plans is not None else Plan.objects.none()
        if editing:  # a task stays in the plan it was created in
            plan_field.disabled = True
            plan_field.help_text = "任务创建后不能更换所属整改方案"
        region_field = cast("forms.ModelChoiceField[Region]", self.fields["region"])
        region_field.queryset = regions if regions is not None else Region.objects.none()
        for field in self.fields.values():  # one wording for a text that is too long (tasks/validation.py)
            if isinstance(field, forms.CharField) and field.max_length:
                field.error_messages["max_length"] = validation.TOO_LONG.format(length="%(show_value)d", limit="%(limit_value)d")
        region_field.label_from_instance = lambda r: f"{r.full_name}（{r.code}）"  # type: ignore[method-assign,assignment]

    @classmethod
    def initial_from(cls, task: Task) -> dict[str, Any]:
        def names(role: str) -> str:
            return "、".join(a.unit.name for a in task.assignments.all() if a.role == role)

        return {
            "plan": task.plan_id, "region": task.region_id, "seq": task.seq, "feedback_no": task.feedback_no,
            "section": join_section(task.section), "title": task.title, "problem": task.problem, "target": task.target,
            "measures": "\n".join(m.text for m in task.measures.all()),
            "milestones": milestone_lines(task.milestones.all()),
            "lead_units": names(Assignment.Role.LEAD), "cooperating_units": names(Assignment.Role.COOPERATING),
            "responsible_units": names(Assignment.Role.RESPONSIBLE), "responsible_person": task.responsible_person,
            "deadline": task.deadline, "deadline_text": task.deadline_text, "long_term": task.long_term,
            "priority": task.priority, "progress": task.progress, "version": task.version,
        }

    def clean_milestones(self) -> list[tuple[datetime.date | None, str]]:
        milestones = parse_milestones(self.cleaned_data.get("milestones", ""))
        checked = validation.Checked()
        validation.check_milestones(checked, milestones)
        if checked.errors:
            raise ValidationError(checked.errors["milestones"])
        return milestones

    def clean_deadline(self) -> datetime.date | None:
        value: datetime.date | None = self.cleaned_data.get("deadline")
        try:
            validation.check_year(value)
        except validation.DeadlineError as exc:
            raise ValidationError(str(exc)) from None
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        checked = validation.Checked()
        data = validation.check_fields(
            checked, data, data.get("region"), current_units={}, need_units=not self.errors, need_deadline="deadline" not in self.errors,
        )
        for name, messages in checked.errors.items():
            for message in messages:
                if name in self.errors and name in {"deadline", *validation.LIMITS}:
                    continue
                self.add_error(name, message)
        return data

    def task_data(self, parent: Task | None = None) -> TaskData:
        d = self.cleaned_data
        return TaskData(
            plan=d["plan"], region=d["region"], seq=d["seq"].strip(), feedback_no=d["feedback_no"].strip(),
            section=split_section(d["section"]), title=d["title"].strip(),
            problem=d["problem"].strip(), target=d["target"].strip(), responsible_person=d["responsible_person"].strip(),
            deadline=d["deadline"], deadline_text=d["deadline_text"].strip(), long_term=d["long_term"],
            priority=d["priority"], progress=d["progress"].strip(), completion="",
            parent=parent, measures=split_lines(d["measures"]), milestones=d["milestones"], units=d["units"],
        )
