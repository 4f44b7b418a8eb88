"""Request and response bodies. Field descriptions are Chinese: they show in /api/docs."""

import datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import ConfigDict

from rectify.core.changes import describe_for_api, without_internals
from rectify.inspections.models import Inspection, Plan
from rectify.regions.models import Region, Unit
from rectify.tasks.models import Assignment, Task
from rectify.tasks.states import STEP_ENDPOINTS, TRANSITIONS, Step, TaskState, plain_targets

TaskStateValue = Literal[tuple(TaskState.values)]  # type: ignore[valid-type]
UnitKindValue = Literal[tuple(Unit.Kind.values)]  # type: ignore[valid-type]
InspectionLevelValue = Literal[tuple(Inspection.Level.values)]  # type: ignore[valid-type]
PlanKindValue = Literal[tuple(Plan.Kind.values)]  # type: ignore[valid-type]
RegionLevelValue = Literal[tuple(Region.Level.values)]  # type: ignore[valid-type]


class InputSchema(Schema):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")


class Message(Schema):
    detail: str = Field(..., description="说明")
    code: str | None = Field(None, description="规则拒绝时的原因代码（如 transition_refused、outside_scope），见 core/refusals.py")
    status: int | None = Field(None, description="规则拒绝时的 HTTP 状态码")


class FieldError(Schema):
    field: str = Field(..., description="字段名")
    label: str = Field(..., description="字段中文名")
    message: str = Field(..., description="错误说明")


class ValidationErrorOut(Schema):
    detail: str = Field(..., description="所有错误的中文说明")
    code: str | None = Field(None, description="原因代码（规则检查不通过时为 invalid）")
    status: int | None = Field(None, description="HTTP 状态码")
    errors: list[FieldError]


class StaleOut(Schema):
    detail: str = Field(..., description="版本冲突说明")
    current_version: int = Field(..., description="数据库中的当前版本")
    code: str | None = Field(None, description="stale_edit")
    status: int | None = Field(None, description="409")


class Me(Schema):
    username: str
    name: str
    unit: str | None = None
    roles: list[str] = Field(..., description="角色代码")
    role_labels: list[str] = Field(..., description="角色名称")
    is_editor: bool = Field(..., description="能否新建和修改任务")

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)

    @staticmethod
    def resolve_unit(obj: Any) -> str | None:
        return obj.unit.name if obj.unit_id else None

    @staticmethod
    def resolve_roles(obj: Any) -> list[str]:
        return sorted(obj.roles())


# ---- regions and units -------------------------------------------------------------------


class RegionRef(Schema):
    code: str = Field(..., description="区划代码")
    name: str = Field(..., description="名称（如“晋城市城区”）")

    @staticmethod
    def resolve_name(obj: Region) -> str:
        return obj.full_name


class RegionOut(Schema):
    code: str = Field(..., description="区划代码")
    name: str = Field(..., description="名称")
    full_name: str = Field(..., description="文件中的写法，如“晋城市城区”")
    level: str = Field(..., description="级别：province/city/county/town")
    level_label: str
    parent: str | None = Field(None, description="上级区划代码")
    path: str = Field(..., description="从省到本级的代码路径")

    @staticmethod
    def resolve_level_label(obj: Region) -> str:
        return obj.get_level_display()

    @staticmethod
    def resolve_parent(obj: Region) -> str | None:
        return obj.parent.code if obj.parent_id and obj.parent is not None else None


class UnitRef(Schema):
    uuid: UUID
    name: str


class UnitOut(Schema):
    uuid: UUID
    name: str = Field(..., description="单位名称")
    kind: str = Field(..., description="类别")
    kind_label: str
    region: RegionRef
    parent: UUID | None = Field(None, description="上级单位编号")
    aliases: list[str] = Field(..., description="别名")
    is_active: bool

    @staticmethod
    def resolve_kind_label(obj: Unit) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_parent(obj: Unit) -> UUID | None:
        return obj.parent.uuid if obj.parent_id and obj.parent is not None else None


class UnitIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=120, description="单位名称")
    kind: UnitKindValue = Field(Unit.Kind.DEPARTMENT.value, description="类别")  # type: ignore[valid-type]
    region: str = Field(..., description="所属区划代码")
    parent: UUID | None = Field(None, description="上级单位编号")
    aliases: list[str] = Field(default_factory=list, description="文档中出现的其他写法")
    is_active: bool = True


class UnitPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=120)
    kind: UnitKindValue | None = None  # type: ignore[valid-type]
    region: str | None = None
    parent: UUID | None = None
    aliases: list[str] | None = None
    is_active: bool | None = None
    reason: str = Field("", max_length=500, description="修改原因，记入变更记录")


# ---- inspections and plans ----------------------------------------------------------------


class Versioned(Schema):
    version: int = Field(..., description="版本：修改时原样带回")
    updated_at: datetime.datetime


class InspectionLinked(Schema):
    inspection: UUID | None = Field(None, description="督察编号")

    @staticmethod
    def resolve_inspection(obj: Any) -> UUID | None:
        return obj.inspection.uuid if obj.inspection_id and obj.inspection is not None else None


class InspectionOut(Versioned):
    uuid: UUID
    name: str = Field(..., description="全称")
    short_name: str
    team: str = Field(..., description="督察组")
    level: str
    level_label: str
    round: int | None = None
    batch: str
    target_region: RegionRef
    stationed_from: datetime.date | None = None
    stationed_to: datetime.date | None = None
    feedback_date: datetime.date | None = None

    @staticmethod
    def resolve_name(obj: Inspection) -> str:
        return str(obj)

    @staticmethod
    def resolve_level_label(obj: Inspection) -> str:
        return obj.get_level_display()


class InspectionIn(InputSchema):
    team: str = Field(..., min_length=1, max_length=120, description="督察组")
    level: InspectionLevelValue = Field(..., description="层级")  # type: ignore[valid-type]
    round: int | None = Field(None, ge=1, le=99, description="轮次")
    batch: str = Field("", max_length=40, description="批次")
    target_region: str = Field(..., description="被督察区划代码")
    stationed_from: datetime.date | None = None
    stationed_to: datetime.date | None = None
    feedback_date: datetime.date | None = None
    reason: str = Field("", max_length=500, description="原因，记入变更记录")


class InspectionPatch(InputSchema):
    version: int = Field(..., description="读取时的版本；已被他人修改时返回 409")
    team: str | None = Field(None, min_length=1, max_length=120)
    level: InspectionLevelValue | None = None  # type: ignore[valid-type]
    round: int | None = Field(None, ge=1, le=99)
    batch: str | None = Field(None, max_length=40)
    target_region: str | None = None
    stationed_from: datetime.date | None = None
    stationed_to: datetime.date | None = None
    feedback_date: datetime.date | None = None
    reason: str = Field("", max_length=500)


class PlanOut(InspectionLinked, Versioned):
    uuid: UUID
    title: str = Field(..., description="方案名称")
    kind: str
    kind_label: str
    inspection_name: str | None = None
    region: RegionRef
    source_document: str
    period_start: int | None = None
    period_end: int | None = None

    @staticmethod
    def resolve_kind_label(obj: Plan) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_inspection_name(obj: Plan) -> str | None:
        return obj.inspection.short_name if obj.inspection_id and obj.inspection is not None else None


class PlanIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=200, description="方案名称")
    kind: PlanKindValue = Field(Plan.Kind.RECTIFICATION.value, description="类别")  # type: ignore[valid-type]
    inspection: UUID | None = Field(None, description="督察编号")
    region: str = Field(..., description="区划代码")
    source_document: str = Field("", max_length=200)
    period_start: int | None = Field(None, ge=2000, le=2100)
    period_end: int | None = Field(None, ge=2000, le=2100)
    reason: str = Field("", max_length=500)


class PlanPatch(InputSchema):
    version: int = Field(..., description="读取时的版本；已被他人修改时返回 409")
    title: str | None = Field(None, min_length=1, max_length=200)
    kind: PlanKindValue | None = None  # type: ignore[valid-type]
    inspection: UUID | None = None
    region: str | None = None
    source_document: str | None = Field(None, max_length=200)
    period_start: int | None = Field(None, ge=2000, le=2100)
    period_end: int | None = Field(None, ge=2000, le=2100)
    reason: str = Field("", max_length=500)


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
    role_label: str
    state: str
    state_label: str

    @staticmethod
    def resolve_role_label(obj: Assignment) -> str:
        return obj.get_role_display()

    @staticmethod
    def resolve_state_label(obj: Assignment) -> str:
        return obj.get_state_display()


class AssignmentOut(TaskAssignmentOut):
    task: UUID = Field(..., description="任务编号")
    version: int

    @staticmethod
    def resolve_task(obj: Assignment) -> UUID:
        return obj.task.uuid


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
        return obj.get_action_display()

    @staticmethod
    def resolve_changes(obj: Any) -> list[dict[str, Any]]:
        return describe_for_api(obj)

    @staticmethod
    def resolve_before(obj: Any) -> dict[str, Any] | None:
        return without_internals(obj, obj.before)

    @staticmethod
    def resolve_after(obj: Any) -> dict[str, Any] | None:
        return without_internals(obj, obj.after)


# ---- acceptance, closure and look-back (验收销号、回头看) -------------------------------------


class EvidenceOut(Schema):
    uuid: UUID
    original_name: str = Field(..., description="原文件名")
    kind: str = Field(..., description="按内容识别的类型：pdf/docx/xlsx/jpg/png")
    size: int = Field(..., description="大小（字节）")
    sha256: str


class Labelled(Schema):
    """A choice field's code and its Chinese label, read from ``get_<field>_display``."""

    @staticmethod
    def _label(obj: Any, field: str) -> str:
        return str(getattr(obj, f"get_{field}_display")())


class ReviewOut(Labelled):
    uuid: UUID
    decision: str = Field(..., description="accept 验收通过 / send_back 退回整改")
    decision_label: str
    site_check: str = Field(..., description="现场核查记录")
    implemented: bool = Field(..., description="整改措施已落实")
    reasons: str
    signed_by: str = Field(..., description="签字人")
    signed_at: datetime.datetime
    reviewer: str = Field(..., description="录入人")

    @staticmethod
    def resolve_decision_label(obj: Any) -> str:
        return Labelled._label(obj, "decision")

    @staticmethod
    def resolve_reviewer(obj: Any) -> str:
        return str(obj.reviewer)


class ApplicationOut(Labelled):
    uuid: UUID
    status: str = Field(..., description="pending 待验收 / accepted 验收通过 / sent_back 已退回")
    status_label: str
    applicant: str = Field(..., description="申请人")
    unit: str | None = Field(None, description="申请单位")
    completion_report: str = Field(..., description="整改完成情况")
    created_at: datetime.datetime
    evidence: list[EvidenceOut]
    reviews: list[ReviewOut]

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return Labelled._label(obj, "status")

    @staticmethod
    def resolve_applicant(obj: Any) -> str:
        return str(obj.applicant)

    @staticmethod
    def resolve_unit(obj: Any) -> str | None:
        return obj.unit.name if obj.unit_id else None

    @staticmethod
    def resolve_evidence(obj: Any) -> list[Any]:
        return list(obj.evidence.all())

    @staticmethod
    def resolve_reviews(obj: Any) -> list[Any]:
        return list(obj.reviews.all())


class ObjectionOut(Labelled):
    uuid: UUID
    received_on: datetime.date
    content: str = Field(..., description="异议内容（联系方式不公开，不在此列出）")
    resolution: str = Field(..., description="空为待处理；upheld 异议成立 / rejected 异议不成立")
    resolution_label: str
    resolution_note: str

    @staticmethod
    def resolve_resolution_label(obj: Any) -> str:
        return Labelled._label(obj, "resolution")


class AnnouncementOut(Schema):
    uuid: UUID
    title: str
    starts_on: datetime.date = Field(..., description="公示开始")
    ends_on: datetime.date = Field(..., description="公示截止")
    working_days: int = Field(..., description="公示期（工作日）")
    calendar_note: str = Field("", description="公示期跨越尚未录入节假日安排的年度时的提示（截止日为推算结果）；否则为空")
    published: bool
    objections: list[ObjectionOut]

    @staticmethod
    def resolve_title(obj: Any) -> str:
        return str(obj.body.get("title", ""))

    @staticmethod
    def resolve_objections(obj: Any) -> list[Any]:
        return list(obj.objections.all())


class ClosureOut(Schema):
    uuid: UUID
    number: str = Field(..., description="销号编号，冠以发文机关简称，如“晋城销号〔2026〕3号”")
    year: int
    seq: int
    closed_on: datetime.date
    region: str = Field(..., description="销号区划代码")

    @staticmethod
    def resolve_region(obj: Any) -> str:
        return str(obj.region.code)


class LookBackOut(Labelled):
    uuid: UUID
    task: UUID = Field(..., description="任务编号")
    closure: UUID = Field(..., description="所查销号的编号")
    closure_number: str
    scheduled_for: datetime.date = Field(..., description="计划回头看日期")
    scheduled_by: str = Field(..., description="安排人")
    checker: str | None = Field(None, description="核查人")
    done_at: datetime.datetime | None = None
    finding: str = Field(..., description="核查情况")
    result: str = Field(..., description="空为待回头看；consolidated 巩固 / relapse 反弹")
    result_label: str
    evidence: list[EvidenceOut]

    @staticmethod
    def resolve_task(obj: Any) -> UUID:
        return obj.task.uuid  # type: ignore[no-any-return]

    @staticmethod
    def resolve_closure(obj: Any) -> UUID:
        return obj.closure.uuid  # type: ignore[no-any-return]

    @staticmethod
    def resolve_closure_number(obj: Any) -> str:
        return str(obj.closure.number)

    @staticmethod
    def resolve_scheduled_by(obj: Any) -> str:
        return str(obj.scheduled_by)

    @staticmethod
    def resolve_checker(obj: Any) -> str | None:
        return str(obj.checker) if obj.checker_id else None

    @staticmethod
    def resolve_result_label(obj: Any) -> str:
        return Labelled._label(obj, "result")

    @staticmethod
    def resolve_evidence(obj: Any) -> list[Any]:
        return list(obj.evidence.all())


class AcceptanceFileOut(Schema):
    task: UUID = Field(..., description="任务编号")
    state: str
    state_label: str
    version: int = Field(..., description="任务版本：提交操作时原样带回")
    applications: list[ApplicationOut] = Field(..., description="验收申请及验收意见")
    announcements: list[AnnouncementOut] = Field(..., description="销号公示及异议")
    closures: list[ClosureOut] = Field(..., description="销号记录（重新整改后再次销号的，依次列出）")
    look_backs: list[LookBackOut] = Field(..., description="回头看")


class ReviewIn(InputSchema):
    decision: Literal["accept", "send_back"] = Field(..., description="accept 验收通过 / send_back 退回整改")
    site_check: str = Field(..., min_length=1, description="现场核查记录")
    implemented: bool = Field(..., description="整改措施已落实")
    signed_by: str = Field("", max_length=60, description="可不填：签字人为当前登录的验收人员本人；填写的姓名与本人不符时拒绝")
    reasons: str = Field("", description="理由/退回原因（退回时必填）")
    version: int = Field(..., description="任务版本；已被他人修改时返回 409")


class AnnounceIn(InputSchema):
    starts_on: datetime.date | None = Field(None, description="公示开始日期，不填为今天")
    version: int = Field(..., description="任务版本；已被他人修改时返回 409")


class CloseIn(InputSchema):
    version: int = Field(..., description="任务版本；已被他人修改时返回 409")


class LookBackScheduleIn(InputSchema):
    scheduled_for: datetime.date = Field(..., description="计划回头看日期")
