"""The announcement (公示), objections during it, and the closure (销号) when it has run its course."""
from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from rectify.accounts.permissions import can
from rectify.core.actions import Action
from rectify.core.history import snapshot
from rectify.core.models import ChangeRecord
from rectify.core.numbering import CLOSURE, issuer_name, next_seq
from rectify.core.types import AuthedUser
from rectify.core.workdays import add_working_days_noting, estimate_warning
from rectify.tasks.models import Task
from rectify.tasks.services import transition_task
from rectify.tasks.states import TaskState

from ..models import (
    AcceptanceApplication,
    Announcement,
    Closure,
    Objection,
)
from ..privacy import person_names, scrub
from .permissions import (
    AcceptanceRefused,
    _require,
)
from .queries import accepted_application, announcement_days, current_announcement

TASK_STEP = Action(Task, reason="销号公示")


def start_announcement(
    task: Task, user: AuthedUser, *, starts_on: datetime.date | None = None, expected_version: int | None = None
) -> Announcement:
    _require(can(user, "acceptance.announce", task), "只有整改办可以发布销号公示")
    with TASK_STEP(task, user, expected_version=expected_version, reason="发布销号公示") as act:
        task = act.obj
        if task.state != TaskState.ACCEPTED:
            raise AcceptanceRefused(f"任务当前状态为“{task.get_state_display()}”，验收通过后才能公示")
        published_on = timezone.localdate()
        starts_on = starts_on or published_on
        if starts_on < published_on:
            raise AcceptanceRefused(
                f"公示开始日期{starts_on:%Y年%m月%d日}早于发布日期{published_on:%Y年%m月%d日}，"
                "公示期须自发布之日或之后开始，不能补发已过去的公示"
            )
        days = announcement_days(task.region)
        ends_on, estimated = add_working_days_noting(starts_on, days)
        announcement = Announcement.objects.create(
            task=task, starts_on=starts_on, ends_on=ends_on, working_days=days, published=True,
            body=public_body(task, accepted_application(task)), calendar_note=estimate_warning(estimated),
        )
        act.record(announcement)
        transition_task(task, TaskState.ANNOUNCED, expected_version=expected_version,
                        reason=f"销号公示 {starts_on:%Y年%m月%d日}至{ends_on:%Y年%m月%d日}（{days}个工作日）")
    return announcement


def record_objection(announcement: Announcement, user: AuthedUser, *, content: str, contact: str = "",
                     today: datetime.date | None = None) -> Objection:
    _require(can(user, "acceptance.object", announcement.task), "只有整改办可以登记公示异议")
    with TASK_STEP(announcement.task, user, reason="登记公示异议") as act:
        task = act.obj
        today = today or timezone.localdate()
        if task.state != TaskState.ANNOUNCED or current_announcement(task) != announcement:
            raise AcceptanceRefused("该任务不在公示中，不能登记异议")
        if not announcement.starts_on <= today <= announcement.ends_on:
            raise AcceptanceRefused(
                f"公示期为{announcement.starts_on:%Y年%m月%d日}至{announcement.ends_on:%Y年%m月%d日}，不在公示期内，不能登记异议"
            )
        if not content.strip():
            raise AcceptanceRefused("请填写异议内容")
        objection = Objection.objects.create(announcement=announcement, received_on=today, content=content.strip(),
                                             contact=contact.strip(), recorded_by=user)
        act.record(objection, after=snapshot(objection, exclude=("id", "created_at", "updated_at", "contact")))
    return objection


def resolve_objection(objection: Objection, user: AuthedUser, *, resolution: str, note: str,
                      expected_version: int | None = None) -> Objection:
    _require(can(user, "acceptance.resolve", objection.announcement.task), "只有整改办可以处理异议")
    with TASK_STEP(objection.announcement.task, user, expected_version=expected_version) as act:
        task = act.obj
        objection = Objection.objects.select_for_update().get(pk=objection.pk)
        if objection.resolution:
            raise AcceptanceRefused("该异议已处理")
        if resolution not in {Objection.Resolution.UPHELD, Objection.Resolution.REJECTED}:
            raise AcceptanceRefused("请选择处理结果")
        if not note.strip():
            raise AcceptanceRefused("请填写处理说明")
        objection.resolution = resolution
        objection.resolution_note = note.strip()
        objection.resolved_at = timezone.now()
        upheld = resolution == Objection.Resolution.UPHELD
        if upheld:
            if task.state != TaskState.ANNOUNCED:
                raise AcceptanceRefused(f"任务当前状态为“{task.get_state_display()}”，不能据异议重新整改")
            objection.reopened_task = True
        objection.save(update_fields=["resolution", "resolution_note", "resolved_at", "reopened_task", "updated_at"])
        act.record(objection, ChangeRecord.Action.UPDATE, before={"resolution": ""},
                   after={"resolution": resolution, "resolution_note": objection.resolution_note},
                   reason=objection.get_resolution_display())
        if upheld:
            transition_task(task, TaskState.REOPENED, expected_version=expected_version,
                            reason=f"公示异议成立，重新整改：{objection.resolution_note}")
    return objection


def close_task(task: Task, user: AuthedUser, *, today: datetime.date | None = None, expected_version: int | None = None) -> Closure:
    _require(can(user, "acceptance.close", task), "只有整改办可以销号")
    with TASK_STEP(task, user, expected_version=expected_version, reason="销号") as act:
        task = act.obj
        today = today or timezone.localdate()
        announcement = current_announcement(task)
        if task.state != TaskState.ANNOUNCED or announcement is None:
            raise AcceptanceRefused(f"任务当前状态为“{task.get_state_display()}”，公示期满后才能销号")
        if today <= announcement.ends_on:
            raise AcceptanceRefused(
                f"公示期至{announcement.ends_on:%Y年%m月%d日}届满，"
                f"请于{announcement.ends_on + datetime.timedelta(days=1):%Y年%m月%d日}及以后办理销号"
            )
        objections = list(announcement.objections.all())
        if any(not o.resolution for o in objections):
            raise AcceptanceRefused("公示期间收到的异议尚未处理完毕，不能销号")
        if any(o.resolution == Objection.Resolution.UPHELD for o in objections):
            raise AcceptanceRefused("公示异议成立，须重新整改，不能销号")
        year = today.year
        region = task.region
        issuer = issuer_name(region)
        closure = Closure.objects.create(task=task, announcement=announcement, region=region, issuer=issuer, year=year,
                                         seq=next_seq(CLOSURE, issuer, year), closed_on=today)
        act.record(closure, after={**snapshot(closure), "number": closure.number})
        transition_task(task, TaskState.CLOSED, expected_version=expected_version, reason=f"销号（{closure.number}）")
    return closure


def notice_title(task: Task) -> str:
    return f"关于{task.plan.title}第{task.seq}号整改任务验收销号公示"


def public_body(task: Task, application: AcceptanceApplication | None) -> dict[str, Any]:
    """The announcement's content as the public reads it: personal data removed."""
    names = person_names(task.responsible_person)
    if application is not None:
        names += person_names(application.applicant.get_full_name())
        names += person_names(*[r.signed_by for r in application.reviews.all()])
    completion = application.completion_report if application else task.completion
    return {
        "title": notice_title(task),
        "region": task.region.full_name,
        "problem": scrub(task.problem or task.title, names),
        "target": scrub(task.target, names),
        "measures": [scrub(m.text, names) for m in task.measures.all()],
        "completion": scrub(completion, names),
    }
