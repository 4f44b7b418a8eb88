"""History displays: Chinese labels, readable values, internal fields hidden — for every model."""
from __future__ import annotations

import datetime
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD
from rectify.core.changes import EMPTY, INTERNAL_FIELDS, describe
from rectify.core.models import ChangeRecord, PublicModel
from rectify.tasks.services import task_data_from, update_task
from rectify.tasks.states import TaskState

CJK = re.compile(r"[\u4e00-\u9fff]")


def recorded_models() -> list[type[Any]]:
    """Every model whose changes are recorded (record_change takes a PublicModel)."""
    return sorted((m for m in apps.get_models() if issubclass(m, PublicModel)), key=lambda m: m._meta.label)


def fake_record(model: type[Any], before: dict[str, Any], after: dict[str, Any]) -> ChangeRecord:
    return ChangeRecord(object_type=model._meta.label_lower, before=before, after=after, action="update")


@pytest.mark.parametrize("model", recorded_models(), ids=lambda m: m._meta.label)
def test_every_field_of_every_model_reads_in_chinese(model: type[Any]) -> None:
    names = [f.name for f in model._meta.concrete_fields]
    changes = describe(fake_record(model, {n: None for n in names}, {n: f"值{i}" for i, n in enumerate(names)}))
    labels = [c.label for c in changes]
    assert not set(labels) & set(names), f"{model._meta.label}: raw field names shown: {set(labels) & set(names)}"
    assert all(CJK.search(x) or x == "SHA-256" for x in labels), f"{model._meta.label}: labels without Chinese: {labels}"
    hidden = INTERNAL_FIELDS | {f.name for f in model._meta.concrete_fields if not f.editable} | set(getattr(model, "history_hidden", ()))
    visible = [n for n in names if n not in hidden]
    assert len(changes) == len(visible), f"{model._meta.label}: shown {labels}, expected the fields {visible}"
    assert not {"公开编号", "版本", "创建时间", "更新时间"} & set(labels)


def test_internal_fields_of_a_task_are_hidden_and_values_readable() -> None:
    from rectify.tasks.models import Task

    before = {"uuid": "a", "version": 1, "search_text": "x", "section_title": "甲", "title": "旧", "long_term": False, "state": "assigned",
              "deadline": "2027-06-30", "milestones": [{"date": "2026-03-31", "text": "完成排查"}]}
    after = {"uuid": "a", "version": 2, "search_text": "y", "section_title": "乙", "title": "新", "long_term": True, "state": "in_progress",
             "deadline": None, "milestones": []}
    changes = {c.label: (c.before, c.after) for c in describe(fake_record(Task, before, after))}
    assert changes == {
        "任务名称": ("旧", "新"), "长期坚持": ("否", "是"), "状态": (TaskState.ASSIGNED.label, TaskState.IN_PROGRESS.label),
        "整改时限": ("2027-06-30", EMPTY), "时间节点": ("2026-03-31 完成排查", EMPTY),
    }


def test_the_task_timeline_shows_labels_not_field_names(world: SimpleNamespace, make_task: Any) -> None:
    task = make_task(deadline=datetime.date(2027, 6, 30))
    update_task(task, task_data_from(task, title="新名称", section=["一、大气"], long_term=True), expected_version=1, reason="测试")
    client = Client()
    assert client.login(username=world.city_office.username, password=PASSWORD)
    html = client.get(reverse("tasks:detail", args=[task.uuid])).content.decode()
    timeline = html[html.index("变更记录"):]
    assert "任务名称" in timeline and "新名称" in timeline and "所属章节" in timeline and "长期坚持" in timeline
    for internal in ("uuid", "version", "search_text", "section_title", "<code>"):
        assert internal not in timeline, internal


def test_sort_choices_read_in_chinese(world: SimpleNamespace) -> None:
    client = Client()
    assert client.login(username=world.city_office.username, password=PASSWORD)
    html = client.get(reverse("tasks:ledger")).content.decode()
    assert "整改时限（降序）" in html and "整改时限（升序）" in html
    assert "descending" not in html and "ascending" not in html
