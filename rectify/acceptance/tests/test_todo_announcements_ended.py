"""待我处理 "公示期满待销号" found from the ended announcements lists what the earlier query (each announced
task asked for its latest announcement, kept here verbatim) listed: same tasks, same order, same dates."""
from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.db.models import Exists, OuterRef, QuerySet, Subquery

from conftest import FIXED_NOW
from rectify.acceptance.models import Announcement, Objection
from rectify.acceptance.todo import announcements_ended
from rectify.accounts.roles import Role
from rectify.notifications.todo import role_tasks
from rectify.tasks.models import Task
from rectify.tasks.states import TaskState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]
TODAY = FIXED_NOW.date()  # the clock of every test here (conftest.fixed_clock)
R = Objection.Resolution


def reference(user: Any, today: datetime.date) -> QuerySet[Task]:
    latest = Announcement.objects.filter(task=OuterRef("pk")).order_by("-id")
    blocking = Objection.objects.filter(announcement_id=OuterRef("latest_id")).exclude(resolution=Objection.Resolution.REJECTED)
    return (role_tasks(user, Role.OFFICE).filter(state=TaskState.ANNOUNCED)
            .annotate(latest_id=Subquery(latest.values("pk")[:1]), latest_end=Subquery(latest.values("ends_on")[:1]))
            .filter(latest_end__lt=today).exclude(Exists(blocking)).select_related("region").order_by("latest_end", "id"))


def announce(task: Task, ends_in: int, *objections: str) -> None:
    ends = TODAY + datetime.timedelta(days=ends_in)
    item = Announcement.objects.create(task=task, starts_on=ends - datetime.timedelta(days=7), ends_on=ends, working_days=5)
    for resolution in objections:
        Objection.objects.create(announcement=item, received_on=ends, content="异议", resolution=resolution)


def test_the_ended_list_is_the_reference(world: SimpleNamespace, make_task: Any) -> None:
    cases: list[tuple[str, list[tuple[int, tuple[str, ...]]]]] = [
        (TaskState.ANNOUNCED, [(-3, ())]),                          # ended: listed
        (TaskState.ANNOUNCED, [(-3, ())]),                          # same day, by id
        (TaskState.ANNOUNCED, [(-9, ())]),                          # ended earlier: first
        (TaskState.ANNOUNCED, [(0, ())]),                           # ends today: not yet
        (TaskState.ANNOUNCED, [(-5, (R.REJECTED,))]),               # an objection rejected: listed
        (TaskState.ANNOUNCED, [(-5, (R.PENDING,))]),                # an objection open: held
        (TaskState.ANNOUNCED, [(-5, (R.REJECTED, R.UPHELD))]),      # one upheld: held
        (TaskState.ANNOUNCED, [(-30, (R.UPHELD,)), (-2, ())]),      # announced again, ended: listed
        (TaskState.ANNOUNCED, [(-30, ()), (4, ())]),                # announced again, running: not yet
        (TaskState.ANNOUNCED, [(-30, ()), (-2, (R.PENDING,))]),     # the latest held
        (TaskState.ANNOUNCED, []),                                  # no announcement
        (TaskState.CLOSED, [(-8, ())]),                             # closed already
    ]
    for n, (state, periods) in enumerate(cases):
        region = world.other_city if n % 4 == 3 else world.county
        task = make_task(plan=world.other_plan if region == world.other_city else world.plan, region=region)
        Task.objects.filter(pk=task.pk).update(state=state)
        for ends_in, objections in periods:
            announce(task, ends_in, *objections)
    for user in (world.admin, world.city_office, world.province_office):
        expected = [(t.pk, t.latest_end) for t in reference(user, TODAY)]
        pending = announcements_ended(user, 50, today=TODAY)
        found = [(a.task_id, a.latest_end) for a in pending.rows]  # a row is the task's latest announcement
        assert found == expected and pending.rows.count() == len(expected)
    assert len([(t.pk) for t in reference(world.admin, TODAY)]) == 5
