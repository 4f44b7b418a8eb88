"""待我处理's lists kept per user and day (``todo.prepared``): the same lists on the next request without building
them again, new ones when the user's grants or the day change, and a list that reads more than the key
holds is caught by the suite's verification (``settings.RECTIFY_VERIFY_KEPT``)."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Q

from conftest import FIXED_NOW
from rectify.accounts.models import RoleGrant
from rectify.accounts.roles import Role
from rectify.notifications import todo
from rectify.notifications.tests.test_todo import accepted, counts, other_city_task, page
from rectify.tasks.models import Task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def fresh(user: Any) -> Any:
    return get_user_model().objects.get(pk=user.pk)


def test_the_next_request_reuses_the_lists_and_another_user_gets_their_own(world: Any, settings: Any) -> None:
    settings.RECTIFY_VERIFY_KEPT = False  # as in production: nothing is built again
    first = todo.prepared(fresh(world.city_office), todo.PANEL_LIMIT)
    assert todo.prepared(fresh(world.city_office), todo.PANEL_LIMIT) is first
    assert todo.prepared(fresh(world.province_office), todo.PANEL_LIMIT) is not first
    assert todo.prepared(fresh(world.city_office), todo.PAGE_LIMIT) is not first


def test_a_new_grant_is_in_the_next_panel(world: Any, make_task: Any, login: Any) -> None:
    for _ in range(2):
        accepted(world, make_task(), world.county_unit)
    accepted(world, other_city_task(world, make_task), world.other_unit)
    client = login(world.city_office)
    assert counts(page(client))["tasks_to_announce"] == 2
    RoleGrant.objects.create(user=world.city_office, role=Role.OFFICE, region=world.province)
    assert counts(page(client))["tasks_to_announce"] == 3


def test_the_lists_follow_the_day(world: Any, make_task: Any) -> None:
    import time_machine

    make_task(deadline=FIXED_NOW.date() + datetime.timedelta(days=1))

    def overdue() -> int:
        return {t.key: t.count for t in todo.todo_for(fresh(world.leader))}["overdue_tasks"]

    assert overdue() == 0
    with time_machine.travel(FIXED_NOW + datetime.timedelta(days=2), tick=False):
        assert overdue() == 1
    assert overdue() == 0


def test_a_list_reading_more_than_its_key_fails_the_verification(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {"word": "甲"}

    def titled(user: Any, limit: int) -> todo.Pending:  # reads a value that is neither the user nor the day
        rows = Task.objects.visible_to(user).filter(Q(title__contains=seen["word"])).order_by("id")
        return todo.listed("titled", "标题含字", rows, lambda t: todo.TodoEntry(t.title, "/"), limit)

    monkeypatch.setitem(todo._SOURCES, "titled", titled)
    monkeypatch.setitem(todo.TODO_BY_ROLE, Role.LEADER, ["overdue_tasks", "titled"])
    todo.todo_for(fresh(world.leader))
    seen["word"] = "乙"
    with pytest.raises(AssertionError, match="differs from a fresh build"):
        todo.todo_for(fresh(world.leader))
