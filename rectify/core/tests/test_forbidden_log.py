"""A refused request (403) is logged as one line with user, path and reason — no traceback."""
from __future__ import annotations

import importlib
import logging
import logging.config
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _refusals(world: Any) -> list[tuple[Any, str, str]]:
    return [
        (world.county_unit, reverse("jobs:list"), "只有系统管理人员可以查看后台任务"),
        (world.leader, reverse("inspections:create"), "只有整改办或管理员可以登记督察"),
        (world.leader, reverse("inspections:edit", args=[world.inspection.uuid]), "您没有修改此督察信息的权限"),
    ]


def _check_one_line(caplog: Any, world: Any, login: Any) -> None:
    for user, path, reason in _refusals(world):
        caplog.clear()
        caplog.set_level(logging.INFO, logger="django.request")  # other tests may have silenced it
        with caplog.at_level(logging.INFO):
            assert login(user).get(path).status_code == 403
        records = [r for r in caplog.records if r.name == "django.request"]
        assert len(records) == 1, [r.getMessage() for r in caplog.records]
        record = records[0]
        assert record.levelno in (logging.INFO, logging.WARNING)
        assert record.exc_info is None and not record.exc_text
        message = record.getMessage()
        assert "\n" not in message and "Traceback" not in caplog.text
        assert user.username in message and path in message and reason in message


def test_forbidden_is_logged_in_one_line(world: Any, login: Any, caplog: Any) -> None:
    _check_one_line(caplog, world, login)


def test_forbidden_is_logged_in_one_line_with_production_logging(world: Any, login: Any, caplog: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("RECTIFY_SECRET_KEY", "production-test-key-" + "x" * 60)
    production = importlib.import_module("rectify.settings_production")
    logging.config.dictConfig(production.LOGGING)
    logging.getLogger().addHandler(caplog.handler)
    try:
        _check_one_line(caplog, world, login)
    finally:
        logging.config.dictConfig(settings.LOGGING)


def test_anonymous_refusal_names_no_user_and_keeps_the_reason() -> None:
    from rectify.core.logging import ForbiddenOneLine

    try:
        raise PermissionDenied("只有整改办可以操作")
    except PermissionDenied as exc:
        error = exc
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Forbidden (Permission denied): %s", ("/x/",),
                               (PermissionDenied, error, error.__traceback__))
    record.status_code = 403
    assert ForbiddenOneLine().filter(record) and ForbiddenOneLine().filter(record)  # twice: unchanged the second time
    assert record.getMessage() == "拒绝访问（403）：用户 匿名用户，路径 ，原因：只有整改办可以操作"
    assert record.exc_info is None


def _configure(logging_settings: dict[str, Any]) -> None:
    """What ``django.setup()`` does: Django's default logging, then the project's."""
    from django.utils.log import DEFAULT_LOGGING

    logging.config.dictConfig(DEFAULT_LOGGING)
    logging.config.dictConfig(logging_settings)


@pytest.mark.parametrize("debug", [True, False])
def test_forbidden_is_written_once_to_the_console(world: Any, login: Any, capsys: Any, settings: Any, debug: bool) -> None:
    """Counted in what the console handlers print (with DEBUG on, Django's own console handler used to print it again)."""
    settings.DEBUG = debug
    _configure(settings.LOGGING)
    try:
        for user, path, reason in _refusals(world):
            capsys.readouterr()
            assert login(user).get(path).status_code == 403
            lines = [line for line in capsys.readouterr().err.splitlines() if reason in line or path in line]
            assert len(lines) == 1, lines
            assert "拒绝访问（403）" in lines[0]
    finally:
        logging.config.dictConfig(settings.LOGGING)
