"""Bodies shared by every app's API: input base, messages and errors, the caller. Each app's own
bodies (and its choice literals) live in its ``api`` module."""

from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict


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
