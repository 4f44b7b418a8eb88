"""Slow statements of a request are logged with their time and path, without their parameters."""
from __future__ import annotations

import logging
from typing import Any

from django.test import Client


def test_a_statement_over_the_threshold_is_logged_without_its_parameters(db: Any, settings: Any, caplog: Any) -> None:
    settings.RECTIFY_SLOW_QUERY_MS = 0.000001  # every statement is "slow"
    with caplog.at_level(logging.WARNING, logger="rectify.slow_query"):
        Client().get("/accounts/login/", {"next": "/ledger/"})
        Client().post("/accounts/login/", {"username": "someone-13812345678", "password": "x"})
    lines = [r.getMessage() for r in caplog.records if r.name == "rectify.slow_query"]
    assert lines and all(line.startswith("慢查询 ") and " ms /accounts/login/：" in line for line in lines)
    assert not any("13812345678" in line for line in lines)  # the statement's parameters are never logged


def test_nothing_is_logged_under_the_threshold_or_when_off(db: Any, settings: Any, caplog: Any) -> None:
    for threshold in (60_000, 0):
        settings.RECTIFY_SLOW_QUERY_MS = threshold
        with caplog.at_level(logging.WARNING, logger="rectify.slow_query"):
            Client().post("/accounts/login/", {"username": "nobody", "password": "x"})
    assert not [r for r in caplog.records if r.name == "rectify.slow_query"]
