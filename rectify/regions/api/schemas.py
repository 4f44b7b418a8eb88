"""Regions and units."""

from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from rectify.api.schemas import InputSchema
from rectify.regions.models import Region, Unit

UnitKindValue = Literal[tuple(Unit.Kind.values)]  # type: ignore[valid-type]
RegionLevelValue = Literal[tuple(Region.Level.values)]  # type: ignore[valid-type]

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
