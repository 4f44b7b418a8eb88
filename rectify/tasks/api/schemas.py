"""Tasks, their assignments, milestones, transitions and history."""

import datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema

from rectify.api.schemas import InputSchema
from rectify.core.changes import describe_for_api, without_internals
from rectify.inspections.api.schemas import InspectionLinked, Versioned
from rectify.regions.api.schemas import RegionRef, UnitRef
from rectify.tasks.models import Assignment, Task
from rectify.tasks.states import STEP_ENDPOINTS, TRANSITIONS, Step, TaskState, plain_targets

TaskStateValue = Literal[tuple(TaskState.values)]  # type: ignore[valid-type]

# ---- tasks ------------------------------------------------------------------------------------


def _units(obj: Task, role: str) -> list[str]:
    return [a.unit.name for a in obj.assignments.all() if a.role == role]


class PlanRef(Schema):
    uuid: UUID
    title: str


class TaskAssignmentOut(Schema):
    uuid: UUID
    unit: UnitRef
    role: str = Field(..., description="lead 牵头 / cooperating 配合 / responsible 责任")
    role_label: str = Field(..., alias="get_role_display")
    state: str
    state_label: str = Field(..., alias="get_state_display")


class AssignmentOut(TaskAssignmentOut):
    task: UUID = Field(..., alias="task.uuid", description="任务编号")
    version: int


class TaskListOut(InspectionLinked, Versioned):
    uuid: UUID
    seq: str = Field(..., description="序号")
    feedback_no: str
    title: str
    display_title: str = Field(..., description="标题（无标题时取反馈问题开头）")
    section: list[str]
    state: str
    state_label: str
    deadline: datetime.date | None = None
    deadline_text: str
    long_term: bool
    priority: bool
    is_overdue: bool = Field(..., description="是否逾期")
    region: RegionRef
    plan: PlanRef
    lead_units: list[str]
    cooperating_units: list[str]
    responsible_units: list[str]

    @staticmethod
    def resolve_state_label(obj: Task) -> str:
        return obj.get_state_display()

    @staticmethod
    def resolve_lead_units(obj: Task) -> list[str]:
        return _units(obj, Assignment.Role.LEAD)

    @staticmethod
    def resolve_cooperating_units(obj: Task) -> list[str]:
        return _units(obj, Assignment.Role.COOPERATING)

    @staticmethod
    def resolve_responsible_units(obj: Task) -> list[str]:
        return _units(obj, Assignment.Role.RESPONSIBLE)


class MilestoneOut(Schema):
    date: datetime.date | None = None
    text: str
    done: bool


class NextStepOut(Schema):
    state: str = Field(..., description="该环节产生的状态")
    step: str = Field(..., description="环节代码，如 acceptance_review")
    label: str = Field(..., description="环节名称")
    operation: str = Field(..., description="办理该环节的接口")


class TaskDetailOut(TaskListOut):
    problem: str
    target: str
    responsible_person: str
    progress: str
    completion: str
    parent: UUID | None = None
    measures: list[str]
    milestones: list[MilestoneOut]
    assignments: list[TaskAssignmentOut]
    can_edit: bool = Field(..., description="调用者能否修改此任务")
    next_states: list[str] = Field(..., description="可通过 transition 接口直接变更为的状态（申请验收、验收、公示、销号等须走各自环节）")
    next_steps: list[NextStepOut] = Field(..., description="当前状态之后须通过专门环节办理的状态变更（不能用 transition 接口）")
    created_at: datetime.datetime

    @staticmethod
    def resolve_parent(obj: Task) -> UUID | None:
        return obj.parent.uuid if obj.parent_id and obj.parent is not None else None

    @staticmethod
    def resolve_measures(obj: Task) -> list[str]:
        return [m.text for m in obj.measures.all()]

    @staticmethod
    def resolve_milestones(obj: Task) -> list[Any]:
        return list(obj.milestones.all())

    @staticmethod
    def resolve_assignments(obj: Task) -> list[Any]:
        return list(obj.assignments.all())

    @staticmethod
    def resolve_can_edit(obj: Task) -> bool:
        return bool(getattr(obj, "can_edit", False))

    @staticmethod
    def resolve_next_states(obj: Task) -> list[str]:
        return sorted(plain_targets(obj.state))

    @staticmethod
    def resolve_next_steps(obj: Task) -> list[dict[str, str]]:
        return [{"state": t.target, "step": t.via, "label": Step(t.via).label, "operation": STEP_ENDPOINTS[t.via]}
                for t in TRANSITIONS if t.source == obj.state and t.via]


class MilestoneIn(InputSchema):
    date: datetime.date | None = Field(None, description="节点日期")
    text: str = Field(..., min_length=1, description="节点内容")


class TaskFields(InputSchema):
    parent: UUID | None = Field(None, description="上级任务编号")
    seq: str = Field(..., min_length=1, json_schema_extra={"maxLength": 20}, description="序号（不超过 20 个字，由任务规则检查）")
    feedback_no: str = Field("", json_schema_extra={"maxLength": 20}, description="反馈问题序号")
    section: list[str] = Field(default_factory=list, description="所属章节（逐级）")
    title: str = Field("", json_schema_extra={"maxLength": 200}, description="任务名称")
    problem: str = Field("", description="反馈问题")
    target: str = Field("", description="整改目标")
    measures: list[str] = Field(default_factory=list, description="整改措施，每项一条")
    milestones: list[MilestoneIn] = Field(default_factory=list, description="时间节点")
    lead_units: list[str] = Field(default_factory=list, description="牵头单位名称（按任务区划及上级区划匹配）")
    cooperating_units: list[str] = Field(default_factory=list, description="配合单位名称")
    responsible_units: list[str] = Field(default_factory=list, description="责任单位名称")
    responsible_person: str = Field("", json_schema_extra={"maxLength": 120}, description="责任人")
    deadline: datetime.date | None = Field(None, description="整改时限；不填时按时限原文（如 2025年上半年）确定，或须勾选长期坚持")
    deadline_text: str = Field("", max_length=60, description="时限原文")
    long_term: bool = Field(False, description="长期坚持")
    priority: bool = Field(False, description="重点任务")
    progress: str = Field("", description="进展情况")
    reason: str = Field("", max_length=500, description="原因，记入变更记录")


class TaskIn(TaskFields):
    plan: UUID = Field(..., description="整改方案编号")
    region: str = Field(..., description="区划代码")


class TaskPut(TaskIn):
    version: int = Field(..., description="读取时的版本；已被他人修改时返回 409")


class TaskPatch(InputSchema):
    version: int = Field(..., description="读取时的版本；已被他人修改时返回 409")
    plan: UUID | None = None
    region: str | None = None
    parent: UUID | None = None
    seq: str | None = Field(None, min_length=1, json_schema_extra={"maxLength": 20})
    feedback_no: str | None = Field(None, json_schema_extra={"maxLength": 20})
    section: list[str] | None = None
    title: str | None = Field(None, json_schema_extra={"maxLength": 200})
    problem: str | None = None
    target: str | None = None
    measures: list[str] | None = None
    milestones: list[MilestoneIn] | None = None
    lead_units: list[str] | None = None
    cooperating_units: list[str] | None = None
    responsible_units: list[str] | None = None
    responsible_person: str | None = Field(None, json_schema_extra={"maxLength": 120})
    deadline: datetime.date | None = None
    deadline_text: str | None = Field(None, max_length=60)
    long_term: bool | None = None
    priority: bool | None = None
    progress: str | None = None
    reason: str = Field("", max_length=500)


class TransitionIn(InputSchema):
    state: TaskStateValue = Field(..., description="目标状态")  # type: ignore[valid-type]
    reason: str = Field("", max_length=500, description="原因，记入变更记录")
    version: int = Field(..., description="读取时的版本；已被他人修改时返回 409")


class ChangeOut(Schema):
    field: str = Field(..., description="字段名")
    label: str = Field(..., description="字段的中文名称（与页面一致）")
    before: Any = None
    after: Any = None
    before_text: str = Field(..., description="修改前，按页面的写法")
    after_text: str = Field(..., description="修改后，按页面的写法")


class HistoryOut(Schema):
    time: datetime.datetime
    user_name: str = Field(..., description="操作人")
    action: str
    action_label: str
    object_type: str
    object_uuid: UUID
    object_repr: str
    reason: str
    request_id: str
    changes: list[ChangeOut] = Field(..., description="改动的字段（不含内部字段）")
    before: dict[str, Any] | None = Field(None, description="修改前的内容（不含内部字段）")
    after: dict[str, Any] | None = Field(None, description="修改后的内容（不含内部字段）")

    @staticmethod
    def resolve_action_label(obj: Any) -> str:
        return str(obj.get_action_display())

    @staticmethod
    def resolve_changes(obj: Any) -> list[dict[str, Any]]:
        return describe_for_api(obj)

    @staticmethod
    def resolve_before(obj: Any) -> dict[str, Any] | None:
        return without_internals(obj, obj.before)

    @staticmethod
    def resolve_after(obj: Any) -> dict[str, Any] | None:
        return without_internals(obj, obj.after)
