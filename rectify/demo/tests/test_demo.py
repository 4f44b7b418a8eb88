"""The demo goes through the real workflow: every accepted, announced or closed demo task has its records."""
from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from rectify.acceptance.models import AcceptanceApplication, AcceptanceReview, Announcement, Closure
from rectify.tasks.models import Task
from rectify.tasks.states import TaskState

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "示例数据已生成" in out.getvalue()


def _has_accepted_review(task: Task) -> bool:
    return AcceptanceReview.objects.filter(application__task=task, decision=AcceptanceReview.Decision.ACCEPT,
                                           application__status=AcceptanceApplication.Status.ACCEPTED).exists()


def test_every_demo_task_beyond_acceptance_has_its_records_and_public_pages(demo: None) -> None:
    later = {TaskState.ACCEPTED, TaskState.ANNOUNCED, TaskState.CLOSED}
    # A decomposed task's state is rolled up from its parts; the records belong to the parts (the leaves).
    leaves = Task.objects.filter(children__isnull=True)
    tasks = list(leaves.filter(state__in=later | {TaskState.APPLIED, TaskState.SENT_BACK}))
    by_state = {s: [t for t in tasks if t.state == s] for s in later}
    assert all(by_state.values()), {s: len(v) for s, v in by_state.items()}  # the demo shows every later state
    for task in tasks:
        applications = AcceptanceApplication.objects.filter(task=task)
        assert applications.exists(), f"{task}: {task.state} without an application"
        assert all(a.evidence.exists() for a in applications), f"{task}: an application without evidence"
        if task.state == TaskState.SENT_BACK:
            assert AcceptanceReview.objects.filter(application__task=task, decision=AcceptanceReview.Decision.SEND_BACK).exists()
        if task.state in later:
            assert _has_accepted_review(task), f"{task}: {task.state} without an accepting review"
        if task.state in {TaskState.ANNOUNCED, TaskState.CLOSED}:
            assert Announcement.objects.filter(task=task, published=True).exists(), f"{task}: {task.state} without an announcement"
        if task.state == TaskState.CLOSED:
            closure = Closure.objects.get(task=task)
            announcement = closure.announcement
            assert announcement.starts_on <= announcement.ends_on < closure.closed_on
    # Built once (it takes a while): the public pages of the closed tasks in the same test.
    closed = list(Task.objects.filter(state=TaskState.CLOSED, children__isnull=True))
    assert closed
    client = Client()
    listing = client.get(reverse("acceptance:public_list"))
    assert listing.status_code == 200
    for task in closed:
        assert client.get(reverse("acceptance:public_detail", args=[task.uuid])).status_code == 200, task
