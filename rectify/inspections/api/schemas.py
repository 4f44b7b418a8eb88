"""Inspections and plans."""

import datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema

from rectify.api.schemas import InputSchema
from rectify.inspections.models import Inspection, Plan
from rectify.regions.api.schemas import RegionRef

InspectionLevelValue = Literal[tuple(Inspection.Level.values)]  # type: ignore[valid-type]
PlanKindValue = Literal[tuple(Plan.Kind.values)]  # type: ignore[valid-type]

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
    level_label: str = Field(..., alias="get_level_display")
    round: int | None = None
    batch: str
    target_region: RegionRef
    stationed_from: datetime.date | None = None
    stationed_to: datetime.date | None = None
    feedback_date: datetime.date | None = None

    @staticmethod
    def resolve_name(obj: Inspection) -> str:
        return str(obj)


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
    kind_label: str = Field(..., alias="get_kind_display")
    inspection_name: str | None = None
    region: RegionRef
    source_document: str
    period_start: int | None = None
    period_end: int | None = None

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
