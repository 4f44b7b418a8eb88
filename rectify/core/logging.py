"""Logging filters: a refused request (403) is logged as one line — who, what path, why — never a traceback."""
from __future__ import annotations

import logging


def _user_of(request: object) -> str:
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return "匿名用户"
    return str(user.get_username())


class ForbiddenOneLine(logging.Filter):
    """On ``django.request``: turn a 403 record into ``拒绝访问：用户 … 路径 … 原因 …`` without exc_info."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) != 403 or getattr(record, "forbidden_one_line", False):
            return True
        record.forbidden_one_line = True
        request = getattr(record, "request", None)
        reason = ""
        if record.exc_info and record.exc_info[1] is not None:
            reason = str(record.exc_info[1])
        if not reason:
            reason = record.getMessage().split(":", 1)[0]
        path = getattr(request, "path", "") if request is not None else ""
        record.msg = "拒绝访问（403）：用户 %s，路径 %s，原因：%s"
        record.args = (_user_of(request), path, reason.replace("\n", " ")[:300] or "无权操作")
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True
