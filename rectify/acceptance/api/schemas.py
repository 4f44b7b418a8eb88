"""Acceptance, closure and look-back (验收销号、回头看)."""

import datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema

from rectify.api.schemas import InputSchema

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
