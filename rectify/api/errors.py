"""Errors as the API answers them: JSON with a Chinese ``detail`` and, for bad input, the fields."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from rectify.core.refusals import Refused, problem

# Field names as people know them (the labels of the task form and the models).
FIELD_LABELS = {
    "plan": "整改方案", "region": "区划", "parent": "上级任务", "seq": "序号", "feedback_no": "反馈问题序号",
    "section": "所属章节", "title": "任务名称", "problem": "反馈问题", "target": "整改目标", "measures": "整改措施",
    "milestones": "时间节点", "lead_units": "牵头单位", "cooperating_units": "配合单位", "responsible_units": "责任单位",
    "responsible_person": "责任人", "deadline": "整改时限", "deadline_text": "时限原文", "long_term": "长期坚持",
    "priority": "重点任务", "progress": "进展情况", "completion": "整改完成情况", "version": "版本", "reason": "原因",
    "state": "状态", "name": "名称", "kind": "类别", "aliases": "别名", "is_active": "启用", "team": "督察组",
    "level": "层级", "round": "轮次", "batch": "批次", "target_region": "被督察区划", "stationed_from": "进驻开始",
    "stationed_to": "进驻结束", "feedback_date": "反馈日期", "inspection": "督察", "source_document": "来源文件",
    "period_start": "起始年份", "period_end": "截止年份", "page": "页码", "page_size": "每页条数", "unit": "单位",
    "date": "日期", "text": "内容", "q": "关键词", "overdue": "仅看逾期", "deadline_from": "时限起", "deadline_to": "时限止",
    "completion_report": "整改完成情况", "evidence": "佐证材料", "decision": "验收结论", "site_check": "现场核查记录",
    "implemented": "整改措施已落实", "signed_by": "签字人", "reasons": "理由/退回原因", "starts_on": "公示开始日期",
    "scheduled_for": "计划回头看日期", "finding": "核查情况", "result": "结论", "updated_since": "更新时间起",
    "due_date": "报送截止日期", "schedule": "序时进度", "percent": "完成比例", "files": "佐证材料", "note": "意见/说明",
    "units": "督办单位", "step": "办理环节", "grade": "办结评定", "new_date": "申请延至", "content": "异议内容",
    "contact": "联系方式", "resolution": "处理结果", "status": "状态", "missing": "只看未报齐", "mine": "只看本单位",
    "late": "只看逾期", "unread": "只看未读", "size": "抽取任务数", "seed": "随机种子",
}

# Pydantic error types in Chinese; ``{ctx}`` values come from the error's context.
TYPE_MESSAGES = {
    "missing": "此项为必填项",
    "string_type": "应为文本",
    "string_too_short": "不能为空",
    "string_too_long": "太长（不超过 {max_length} 个字）",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "date_parsing": "日期格式不正确，请写成 2025-06-30",
    "date_from_datetime_parsing": "日期格式不正确，请写成 2025-06-30",
    "date_from_datetime_inexact": "日期不应包含时间",
    "date_type": "日期格式不正确，请写成 2025-06-30",
    "uuid_parsing": "编号格式不正确",
    "uuid_type": "编号格式不正确",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "literal_error": "取值无效，可选：{expected}",
    "enum": "取值无效，可选：{expected}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "greater_than": "应大于 {gt}",
    "json_invalid": "请求内容不是有效的 JSON",
    "extra_forbidden": "不认识的字段",
}

# Leading parts of an error location that only say where the value came from.
LOCATION_PREFIXES = {"body", "query", "path", "header", "cookie", "payload", "filters", "data"}


class ApiValidationError(Refused):
    """Input that parsed but breaks a rule (the API's counterpart of a form error)."""

    status = 422
    code = "invalid"

    def __init__(self, errors: dict[str, list[str]] | None = None, **fields: str) -> None:
        merged: dict[str, list[str]] = {k: list(v) for k, v in (errors or {}).items()}
        for name, message in fields.items():
            merged.setdefault(name, []).append(message)
        super().__init__(summary(merged) or "提交的内容不符合要求", errors=merged)

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)
        self.message = summary(self.errors)
        self.args = (self.message,)


def label(field: str) -> str:
    head = field.split(".")[0]
    return FIELD_LABELS.get(head, head)


def summary(errors: dict[str, list[str]]) -> str:
    parts = []
    for field, messages in errors.items():
        for message in messages:
            parts.append(f"{label(field)}：{message}" if field != "__all__" else message)
    return "；".join(parts)


def field_errors(errors: dict[str, list[str]]) -> list[dict[str, str]]:
    return [
        {"field": field, "label": label(field) if field != "__all__" else "", "message": message}
        for field, messages in errors.items()
        for message in messages
    ]


def _location(loc: Iterable[Any]) -> str:
    parts = [str(p) for p in loc]
    while parts and parts[0] in LOCATION_PREFIXES:
        parts.pop(0)
    return ".".join(parts) or "__all__"


def translate(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for error in errors:
        field = _location(error.get("loc", ()))
        template = TYPE_MESSAGES.get(error.get("type", ""))
        ctx = error.get("ctx") or {}
        if template:
            try:
                message = template.format(**ctx)
            except (KeyError, IndexError):
                message = template.split("{")[0].rstrip("：:")
        else:
            # A ValueError raised by a validator: its own (Chinese) text after pydantic's prefix.
            message = str(error.get("msg", "取值无效")).removeprefix("Value error, ")
        result.setdefault(field, []).append(message)
    return result


def install(api: NinjaAPI) -> None:
    def json(request: HttpRequest, status: int, payload: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, payload, status=status)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = str(exc.message) if exc.message and exc.message != "Unauthorized" else "请先登录，或在请求头中提供有效的接口令牌"
        response = json(request, 401, {"detail": message})
        response["WWW-Authenticate"] = 'Bearer realm="rectify"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        message = str(exc.message)
        if exc.status_code == 403 and message == "Forbidden":
            message = "您没有执行此操作的权限"
        return json(request, exc.status_code, {"detail": message})

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        message = str(exc) if exc.args and not str(exc).startswith("No ") else "记录不存在，或您无权查看"
        return json(request, 404, {"detail": message})

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = translate(list(exc.errors))
        return json(request, 422, {"detail": summary(errors), "errors": field_errors(errors)})

    @api.exception_handler(Refused)
    def refused(request: HttpRequest, exc: Refused) -> HttpResponse:
        """Every refusal of every app, once: its status, Chinese message, code and field errors."""
        return json(request, exc.status, problem(exc, field_errors(exc.errors) if exc.errors else None))

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return json(request, 403, {"detail": str(exc) or "您没有执行此操作的权限"})
