"""待完善: tasks imported without a deadline or units, flagged and counted on the ledger until completed."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from rectify.tasks.models import Task
from rectify.tasks.services import task_data_from, update_task

from . import documents
from .helpers import batch_from, confirm, upload

pytestmark = pytest.mark.django_db


def _import_with_gaps(world: Any, login: Any, stub_parser: Any) -> Any:
    tasks = [dict(t) for t in documents.TXT_EXPECTED["tasks"]]
    tasks[0] = dict(tasks[0], deadline=None, deadline_text=None)
    tasks[2] = dict(tasks[2], responsible_units=[])
    data = "待完善\n".encode("gbk")
    stub_parser.register(data, {**documents.TXT_EXPECTED, "tasks": tasks})
    client = login(world.city_office)
    response = confirm(client, batch_from(upload(client, data, "plan.txt")))
    assert response.status_code == 302
    return client


def test_ledger_flags_counts_and_filters_incomplete_tasks(world: Any, login: Any, stub_parser: Any) -> None:
    client = _import_with_gaps(world, login, stub_parser)
    page = client.get(reverse("tasks:ledger")).content.decode()
    assert 'id="count-incomplete"' in page
    count_card = page[page.index('id="count-incomplete"'):]
    assert '<span class="num">2</span>' in count_card[:400]
    assert page.count('class="tag tag-incomplete"') == 2
    filtered = client.get(reverse("tasks:ledger"), {"needs_completion": "on"}).content.decode()
    assert "共 <b>2</b> 项任务" in filtered
    assert "餐饮门店油烟" in filtered and "建筑工地扬尘" not in filtered


def test_completing_the_task_clears_the_flag(world: Any, login: Any, stub_parser: Any) -> None:
    _import_with_gaps(world, login, stub_parser)
    task = Task.objects.get(seq="1")
    assert task.needs_completion and task.incomplete_reason == "缺少整改时限"
    update_task(task, task_data_from(task, deadline=datetime.date(2025, 3, 31)), expected_version=task.version, reason="补充时限")
    task.refresh_from_db()
    assert not task.needs_completion and task.incomplete_reason == ""
    other = Task.objects.get(seq="3")
    assert other.needs_completion and other.incomplete_reason == "缺少牵头单位或责任单位"
