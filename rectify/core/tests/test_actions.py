"""The action helper: lock, version check, one history row, rollback on refusal, notices after commit."""
from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail

from rectify.core.actions import Action
from rectify.core.context import acting_as
from rectify.core.history import SYSTEM_ACTOR
from rectify.core.models import ChangeRecord
from rectify.core.refusals import Refused
from rectify.core.versioning import StaleEdit
from rectify.tasks.models import Task

pytestmark = pytest.mark.django_db

RENAME = Action(Task, reason="改标题", select_related=("region",))


class NoThanks(Refused):
    pass


def _rename(task: Task, user: Any, title: str, *, expected_version: int | None, refuse: bool = False,
            after: Any = None, failed: Any = None) -> Task:
    with RENAME(task, user, expected_version=expected_version) as act:
        act.obj.title = title
        act.save(["title"])
        if after is not None:
            act.after_commit(after)
        if failed is not None:
            act.on_failure(failed)
        if refuse:
            raise NoThanks("不同意")
    return act.obj


def test_one_history_row_with_before_and_after(make_task, world):
    task = make_task(title="旧标题")
    rows = ChangeRecord.objects.count()
    done = _rename(task, world.city_office, "新标题", expected_version=task.version)
    assert ChangeRecord.objects.count() == rows + 1
    row = ChangeRecord.objects.order_by("-id").first()
    assert (row.before, row.after) == ({"title": "旧标题"}, {"title": "新标题"})
    assert row.reason == "改标题" and row.task_uuid == task.uuid and row.user == world.city_office
    assert row.action == ChangeRecord.Action.UPDATE
    assert done.version == task.version + 1
    task.refresh_from_db()
    assert (task.title, task.version) == ("新标题", done.version)


def test_stale_version_is_refused_before_anything_is_written(make_task, world):
    task = make_task(title="旧标题")
    rows = ChangeRecord.objects.count()
    called: list[str] = []
    with pytest.raises(StaleEdit) as refused:
        _rename(task, world.city_office, "新标题", expected_version=task.version - 1 or 99, failed=lambda: called.append("x"))
    assert refused.value.current_version == task.version
    task.refresh_from_db()
    assert task.title == "旧标题" and ChangeRecord.objects.count() == rows
    assert called == []  # the step never started: nothing to clean up


def test_a_refusal_rolls_back_the_write_and_its_history_row(make_task, world):
    task = make_task(title="旧标题")
    rows = ChangeRecord.objects.count()
    cleaned: list[str] = []
    with pytest.raises(NoThanks):
        _rename(task, world.city_office, "新标题", expected_version=task.version, refuse=True,
                failed=lambda: cleaned.append("files"))
    task.refresh_from_db()
    assert task.title == "旧标题" and task.version == 1
    assert ChangeRecord.objects.count() == rows
    assert cleaned == ["files"]


def test_notices_leave_only_after_commit(make_task, world, django_capture_on_commit_callbacks):
    task = make_task()
    sent: list[str] = []

    def send() -> None:
        sent.append("mail")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _rename(task, world.city_office, "新标题", expected_version=None, after=send)
        assert sent == []
    assert len(callbacks) == 1 and sent == []
    callbacks[0]()
    assert sent == ["mail"]

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(NoThanks):
        _rename(task, world.city_office, "再改", expected_version=None, refuse=True, after=send)
    assert callbacks == [] and sent == ["mail"] and mail.outbox == []


def test_a_step_of_the_system_is_recorded_as_the_system(make_task, world):
    """No person acts (user None, no request or command actor): the row names 系统 and no user."""
    task = make_task(title="旧标题")
    _rename(task, None, "新标题", expected_version=None)
    row = ChangeRecord.objects.order_by("-id").first()
    assert (row.user, row.user_name, row.after) == (None, SYSTEM_ACTOR, {"title": "新标题"})
    assert SYSTEM_ACTOR == "系统"


def test_a_step_without_a_user_names_the_actor_of_its_command(make_task, world):
    """A command or job run on someone's behalf (``acting_as``) records that person, an anonymous one the system."""
    task = make_task(title="旧标题")
    with acting_as(world.city_office):
        _rename(task, None, "命令改", expected_version=None)
    assert ChangeRecord.objects.order_by("-id").first().user == world.city_office
    with acting_as(AnonymousUser()):
        _rename(task, None, "匿名改", expected_version=None)
    row = ChangeRecord.objects.order_by("-id").first()
    assert (row.user, row.user_name) == (None, SYSTEM_ACTOR)
