"""Moves a demo task to its chosen state through the real workflow services, so every state has the
records a person would have left: an application with an evidence file, a review, an announcement,
a closure. Only the dates of a closed task's records are set back (its announcement period must be
over before it can close), so that closed demo tasks read as closed in the past."""
from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rectify.acceptance import services as acceptance
from rectify.acceptance.models import AcceptanceApplication, AcceptanceReview, Announcement
from rectify.accounts.permissions import can
from rectify.core.types import AuthedUser
from rectify.core.workdays import add_working_days_noting
from rectify.tasks.models import Task
from rectify.tasks.services import transition_task
from rectify.tasks.states import TaskState

AFTER_APPLICATION = {TaskState.APPLIED, TaskState.SENT_BACK, TaskState.ACCEPTED, TaskState.ANNOUNCED, TaskState.CLOSED}
AFTER_ACCEPTANCE = {TaskState.ACCEPTED, TaskState.ANNOUNCED, TaskState.CLOSED}


@dataclass
class Workflow:
    """Who acts in the demo: the office announces and closes, the reviewer reviews, a unit (or the office) applies."""

    office: AuthedUser
    reviewer: AuthedUser
    unit_user: AuthedUser


def evidence_file() -> SimpleUploadedFile:
    """A one-page PDF standing for the site photos and acceptance papers."""
    content = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
               b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    return SimpleUploadedFile("整改佐证材料（示例）.pdf", content, content_type="application/pdf")


def _applicant(task: Task, people: Workflow) -> AuthedUser:
    if can(people.unit_user, "acceptance.apply", task):
        return people.unit_user
    return people.office


def advance(task: Task, state: str, people: Workflow, rng: random.Random, today: datetime.date) -> Task:
    if state == TaskState.ASSIGNED:
        return task
    task = transition_task(task, TaskState.IN_PROGRESS, reason="示例数据：开始整改")
    if state not in AFTER_APPLICATION:
        return task
    application = acceptance.apply_for_acceptance(
        task, _applicant(task, people), completion_report=f"已按整改措施完成整改：{task.progress or '问题点位全部整治到位'}",
        files=[evidence_file()],
    )
    if state == TaskState.APPLIED:
        return _fresh(task)
    if state == TaskState.SENT_BACK:
        acceptance.review_application(application, people.reviewer, decision=AcceptanceReview.Decision.SEND_BACK,
                                      site_check="现场核查发现部分点位仍有问题", implemented=False, reasons="部分点位未整改到位，请补充整改后重新申请")
        return _fresh(task)
    acceptance.review_application(application, people.reviewer, decision=AcceptanceReview.Decision.ACCEPT,
                                  site_check="现场核查，整改措施已落实，问题已整改到位", implemented=True)
    if state == TaskState.ACCEPTED:
        return _fresh(task)
    announcement = acceptance.start_announcement(_fresh(task), people.office)
    if state == TaskState.ANNOUNCED:
        return _fresh(task)
    closed_on = today - datetime.timedelta(days=rng.randint(1, 60))
    _set_back(announcement, application, closed_on)
    acceptance.close_task(_fresh(task), people.office, today=closed_on)
    return _fresh(task)


def _fresh(task: Task) -> Task:
    return Task.objects.get(pk=task.pk)


def _set_back(announcement: Announcement, application: AcceptanceApplication, closed_on: datetime.date) -> None:
    """Place the announcement period (same number of working days) to end before ``closed_on``, and the
    application and review before it."""
    starts_on = closed_on - datetime.timedelta(days=announcement.working_days * 2)
    ends_on, _ = add_working_days_noting(starts_on, announcement.working_days)
    while ends_on >= closed_on:
        starts_on -= datetime.timedelta(days=1)
        ends_on, _ = add_working_days_noting(starts_on, announcement.working_days)
    Announcement.objects.filter(pk=announcement.pk).update(starts_on=starts_on, ends_on=ends_on)
    applied_at = timezone.make_aware(datetime.datetime.combine(starts_on - datetime.timedelta(days=7), datetime.time(9, 30)))
    AcceptanceApplication.objects.filter(pk=application.pk).update(created_at=applied_at)
    AcceptanceReview.objects.filter(application=application).update(signed_at=applied_at + datetime.timedelta(days=3))
