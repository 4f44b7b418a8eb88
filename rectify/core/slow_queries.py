"""Slow-query logging: every SQL statement a request runs that takes longer than
``RECTIFY_SLOW_QUERY_MS`` (0 turns it off) is logged on ``rectify.slow_query`` with its time, the
request's path and the statement — never its parameters, which may hold personal data."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("rectify.slow_query")
MAX_SQL_CHARS = 2000


class SlowQueryLog:
    def __init__(self, path: str, threshold_ms: float) -> None:
        self.path = path
        self.threshold_ms = threshold_ms

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed_ms = (time.perf_counter() - start) * 1000
            if elapsed_ms >= self.threshold_ms:
                logger.warning("慢查询 %.1f ms %s：%s", elapsed_ms, self.path, sql[:MAX_SQL_CHARS])


class SlowQueryMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        threshold = float(getattr(settings, "RECTIFY_SLOW_QUERY_MS", 0) or 0)
        if threshold <= 0:
            return self.get_response(request)
        wrapper = SlowQueryLog(request.path, threshold)
        with connections["default"].execute_wrapper(wrapper):
            return self.get_response(request)
