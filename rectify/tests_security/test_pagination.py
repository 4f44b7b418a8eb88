"""Every list page paginates through ``core.pagination.paginate`` and ``includes/paginator.html``: one query
parameter (``page``; a page with several lists names one per list), a bad or too large number answers the
first or last page, and the page links keep the other query parameters (filters, search, sort)."""
from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.paginator import Paginator
from django.test import Client

from rectify.core import pagination
from rectify.dispatch import services as dispatch
from rectify.tasks.models import Task

from .test_params import LIST_PAGES, scene, url_of  # noqa: F401  (scene is a fixture)

PAGE_PARAMS = {"page", "mine", "reviews"}
# A form page that LIST_PAGES lists with "page" only because the fuzz test sends it one; it shows no list.
NOT_PAGINATED = {"acceptance:look_back_schedule"}
PAGINATED = {name: sorted(PAGE_PARAMS & set(params)) for name, params in LIST_PAGES.items()
             if PAGE_PARAMS & set(params) and name not in NOT_PAGINATED}
INCLUDE = "includes/paginator.html"


class OnePerPage(Paginator[Any]):
    """One row a page, so that a page holding two rows shows its paginator."""

    def __init__(self, object_list: Any, per_page: int, **kwargs: Any) -> None:
        super().__init__(object_list, 1, **kwargs)


@pytest.fixture
def more(scene: SimpleNamespace, world: SimpleNamespace, make_task: Callable[..., Task]) -> SimpleNamespace:  # noqa: F811
    """A second row in the lists the scene fills with one: a task, a round, a progress report."""
    task = make_task(problem="第二项任务")
    dispatch.submit_report(scene.round, task.assignments.get(unit=world.unit_county_env), world.county_unit, text="已完成",
                           schedule="on_schedule")
    dispatch.open_round(world.city_office, region=world.city, title="2026年10月调度", period_start=datetime.date(2026, 10, 1),
                        period_end=datetime.date(2026, 10, 31), due_date=datetime.date(2026, 10, 31))
    return scene


def test_no_list_page_paginates_by_hand() -> None:
    from pathlib import Path

    root = Path(pagination.__file__).resolve().parents[1]
    by_hand = [str(p.relative_to(root)) for p in root.rglob("*.py")
               if "tests" not in p.parts and p.name != "pagination.py" and "api" not in p.parts
               and re.search(r"\bPaginator\(|\.get_page\(", p.read_text(encoding="utf-8"))]
    assert by_hand == []
    templates = [str(p.relative_to(root)) for p in root.rglob("*.html")
                 if p.name != "paginator.html" and "page.has_next" in p.read_text(encoding="utf-8")]
    assert templates == []


@pytest.mark.django_db
def test_every_list_page_renders_the_one_paginator(world: SimpleNamespace, more: SimpleNamespace,
                                                   login: Callable[[Any], Client]) -> None:
    client = login(world.admin)
    for name in PAGINATED:
        response = client.get(url_of(name, more))
        assert response.status_code == 200, name
        assert INCLUDE in [t.name for t in response.templates], name


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["abc", "999999", "0", "-3", "1" * 50, ""])
def test_bad_page_numbers_answer_a_page(world: SimpleNamespace, more: SimpleNamespace, login: Callable[[Any], Client],
                                        value: str) -> None:
    client = login(world.admin)
    client.raise_request_exception = False
    for name, params in PAGINATED.items():
        for param in params:
            assert client.get(url_of(name, more), {param: value}).status_code == 200, (name, param, value)


@pytest.mark.django_db
def test_page_links_keep_the_other_parameters(world: SimpleNamespace, more: SimpleNamespace, login: Callable[[Any], Client],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pagination, "Paginator", OnePerPage)
    monkeypatch.setattr(pagination, "DeferredPaginator", OnePerPage)
    client = login(world.admin)
    linked = []
    for name, params in PAGINATED.items():
        body = client.get(url_of(name, more), {"sort": "近期"}).content.decode()
        for param in params:
            if f"?{param}=2&amp;" not in body:
                continue
            linked.append(name)
            assert f"?{param}=2&amp;sort=%E8%BF%91%E6%9C%9F" in body, name
            last = client.get(url_of(name, more), {param: "999999", "sort": "近期"}).content.decode()
            assert f"?{param}=2&amp;" not in last and f"?{param}=1&amp;sort=" in last, (name, param)  # the last page
    # The scene fills these lists with two rows or more; each shows the paginator with the kept parameter.
    assert {"tasks:ledger", "dispatch:home", "dispatch:round_reports"} <= set(linked), linked


@pytest.mark.django_db
def test_a_real_filter_survives_paging(world: SimpleNamespace, more: SimpleNamespace, login: Callable[[Any], Client],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pagination, "Paginator", OnePerPage)
    monkeypatch.setattr(pagination, "DeferredPaginator", OnePerPage)
    client = login(world.admin)
    ledger = client.get(url_of("tasks:ledger", more), {"region": world.city.pk}).content.decode()
    assert f"?page=2&amp;region={world.city.pk}" in ledger
    unit = world.unit_county_env.pk
    reports = client.get(url_of("dispatch:round_reports", more), {"unit": unit}).content.decode()
    assert f"?page=2&amp;unit={unit}" in reports
