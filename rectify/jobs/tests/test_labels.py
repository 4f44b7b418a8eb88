"""Every periodic check and job is described in Chinese on /jobs/ (not by an English docstring)."""
from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from rectify.jobs import registry, services

pytestmark = pytest.mark.django_db


def test_every_registered_check_has_a_chinese_label() -> None:
    checks = registry.periodic_checks()
    assert len(checks) >= 6
    for check in checks:
        assert registry.is_chinese(check.label), f"{check.name} 没有中文说明：{check.label!r}"
        assert check.label != check.name


def test_jobs_page_shows_chinese_descriptions_for_checks_and_queued_jobs(world: Any, login: Any) -> None:
    for check in registry.periodic_checks():
        services.enqueue(check.name)
    html = login(world.admin).get(reverse("jobs:list")).content.decode()
    for check in registry.periodic_checks():
        assert html.count(str(check.label).replace("&", "&amp;")) >= 2, check.name  # the checks table and the queued job
        english = (check.func.__doc__ or "").strip().splitlines()[:1]
        if english and not registry.is_chinese(english[0]):
            assert english[0] not in html


def test_a_job_without_label_or_chinese_docstring_falls_back_to_its_name(monkeypatch: Any) -> None:
    monkeypatch.setattr(registry, "_jobs", {})
    monkeypatch.setattr(registry, "_job_labels", {})

    def build() -> None:
        """Build the report."""

    registry.job("test.build")(build)
    registry.job("test.labelled", label="生成月报")(build)
    assert registry.label_of("test.build") == "test.build"
    assert registry.label_of("test.labelled") == "生成月报"
    assert registry.label_of("unknown.job") == "unknown.job"
