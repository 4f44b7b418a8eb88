"""Hand-offs: when a workflow step is recorded, tell the people who must act next.

Every step already writes one ``core.ChangeRecord`` (object type, action, before/after, actor) in
its transaction. ``HANDOFFS`` is the one table that turns such a record into notifications: a row
matches an object type, the actions and a field reaching a value; it loads the object, names the
recipients (by role and scope, see ``recipients.py``) and says what to tell them and where to go.

The rows are written in the step's own transaction (a rolled-back step notifies nobody, a
committed one never loses its notice); e-mails with an absolute link (``RECTIFY_SITE_URL``) go
out after the commit. The actor is never told of their own step. A failure here is logged and
never undoes the step.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import transaction
from django.urls import reverse

from rectify.core.models import ChangeRecord

from . import recipients as r
from .services import notify

logger = logging.getLogger("rectify.notifications")

Action = ChangeRecord.Action


@dataclass(frozen=True)
class Handoff:
    """One row: ``object_type`` + ``actions`` + ``field`` becoming one of ``to`` (any non-empty value when
    ``to`` is empty; no field: the action alone) → who acts next, what to tell them, where to go."""

    name: str
    object_type: str
    actions: frozenset[str]
    field: str
    to: frozenset[str]
    recipients: Callable[[Any], list[Any]]
    title: Callable[[Any], str]
    url: Callable[[Any], str]
    body: Callable[[Any], str] = lambda obj: ""
    related: tuple[str, ...] = ()

    def matches(self, record: ChangeRecord) -> bool:
        if record.object_type != self.object_type or record.action not in self.actions:
            return False
        if not self.field:
            return True
        value = (record.after or {}).get(self.field)
        if value == (record.before or {}).get(self.field):
            return False
        return value in self.to if self.to else bool(value)

    def load(self, record: ChangeRecord) -> Any:
        model = apps.get_model(self.object_type)
        return model._default_manager.select_related(*self.related).filter(uuid=record.object_uuid).first()


def _of(*values: str) -> frozenset[str]:
    return frozenset(values)


# ---------------------------------------------------------------- what each row says and links to

def _task_label(task: Any) -> str:
    return f"第{task.seq}号整改任务（{task.region.name}）"


def _report_reviewers(report: Any) -> list[Any]:
    """The lead unit reviews the other units' reports; a lead unit's own report needs no review."""
    if report.assignment.role == "lead":
        return []
    return r.task_unit_users(report.assignment.task, roles=["lead"])


def _report_unit(report: Any) -> list[Any]:
    return r.unit_users([report.unit_id])


def _report_url(report: Any) -> str:
    return reverse("dispatch:report", args=[report.uuid])


def _applicant_side(application: Any) -> list[Any]:
    return [application.applicant, *r.unit_users([application.unit_id])]


def _task_file(obj: Any) -> str:
    task = getattr(obj, "task", obj)
    return reverse("acceptance:file", args=[task.uuid])


def _task_units(task: Any) -> list[Any]:
    return r.task_unit_users(task)


def _notice_url(notice: Any) -> str:
    return reverse("supervision:detail", args=[notice.uuid])


def _notice_units(notice: Any) -> list[Any]:
    return r.unit_users(notice.units.values_list("pk", flat=True))


def _round_office(round_: Any) -> list[Any]:
    return r.office_users(round_.region)


HANDOFFS: list[Handoff] = [
    # 调度: a cooperating / responsible unit's report awaits the lead unit's review.
    Handoff("report_submitted", "dispatch.progressreport", _of(Action.CREATE, Action.UPDATE), "status", _of("submitted"),
            recipients=_report_reviewers,
            title=lambda rep: f"进展报送待审核：{rep.unit.name}·{rep.round.title}",
            body=lambda rep: f"{rep.unit.name}报送了{_task_label(rep.assignment.task)}的进展，请牵头单位审核。",
            url=_report_url, related=("unit", "round", "assignment__task__region")),
    Handoff("report_accepted", "dispatch.progressreport", _of(Action.TRANSITION), "status", _of("accepted"),
            recipients=_report_unit,
            title=lambda rep: f"进展报送已认可：{rep.round.title}",
            body=lambda rep: f"牵头单位已认可贵单位{_task_label(rep.assignment.task)}的进展报送。{rep.reviewer_note}".strip(),
            url=_report_url, related=("unit", "round", "assignment__task__region")),
    Handoff("report_returned", "dispatch.progressreport", _of(Action.TRANSITION), "status", _of("returned"),
            recipients=_report_unit,
            title=lambda rep: f"进展报送被退回：{rep.round.title}",
            body=lambda rep: f"牵头单位退回了贵单位{_task_label(rep.assignment.task)}的进展报送，请修改后重新报送。"
                             f"退回理由：{rep.reviewer_note}",
            url=_report_url, related=("unit", "round", "assignment__task__region")),
    # 验收: an application arrives; the reviewers of the task's region must act.
    Handoff("application_submitted", "acceptance.acceptanceapplication", _of(Action.CREATE), "status", _of("pending"),
            recipients=lambda app: r.reviewers_of(app.task.region),
            title=lambda app: f"验收申请待验收：{_task_label(app.task)}",
            body=lambda app: f"{app.unit or app.applicant}提交了验收申请，请组织现场核查并验收。",
            url=lambda app: reverse("acceptance:review", args=[app.uuid]), related=("task__region", "unit", "applicant")),
    Handoff("application_accepted", "acceptance.acceptanceapplication", _of(Action.UPDATE), "status", _of("accepted"),
            recipients=_applicant_side,
            title=lambda app: f"验收通过：{_task_label(app.task)}",
            body=lambda app: "贵单位的验收申请已通过，整改办将发布销号公示。",
            url=_task_file, related=("task__region", "applicant")),
    Handoff("application_to_announce", "acceptance.acceptanceapplication", _of(Action.UPDATE), "status", _of("accepted"),
            recipients=lambda app: r.office_users(app.task.region),
            title=lambda app: f"验收通过，待发布销号公示：{_task_label(app.task)}",
            body=lambda app: "该任务已验收通过，请发布销号公示。",
            url=_task_file, related=("task__region",)),
    Handoff("application_sent_back", "acceptance.acceptanceapplication", _of(Action.UPDATE), "status", _of("sent_back"),
            recipients=_applicant_side,
            title=lambda app: f"验收申请被退回：{_task_label(app.task)}",
            body=lambda app: "验收人员退回了贵单位的验收申请，请按退回原因继续整改后重新申请。",
            url=_task_file, related=("task__region", "applicant")),
    # The task's own states that hand work back to (or inform) its units.
    Handoff("task_announced", "tasks.task", _of(Action.TRANSITION), "state", _of("announced"),
            recipients=_task_units,
            title=lambda task: f"销号公示已发布：{_task_label(task)}",
            body=lambda task: "贵单位承担的整改任务已进入销号公示期，公示期满无异议后销号。",
            url=_task_file, related=("region",)),
    Handoff("task_closed", "tasks.task", _of(Action.TRANSITION), "state", _of("closed"),
            recipients=_task_units,
            title=lambda task: f"整改任务已销号：{_task_label(task)}",
            url=_task_file, related=("region",)),
    Handoff("task_reopened", "tasks.task", _of(Action.TRANSITION), "state", _of("reopened"),
            recipients=_task_units,
            title=lambda task: f"整改任务重新整改：{_task_label(task)}",
            body=lambda task: "该任务因公示异议成立或回头看发现反弹，需重新整改，请及时部署并报送进展。",
            url=lambda task: reverse("tasks:detail", args=[task.uuid]), related=("region",)),
    # 公示异议: the office must handle it before closing.
    Handoff("objection_recorded", "acceptance.objection", _of(Action.CREATE), "", _of(),
            recipients=lambda obj: r.office_users(obj.announcement.task.region),
            title=lambda obj: f"销号公示收到异议：{_task_label(obj.announcement.task)}",
            body=lambda obj: "公示期间收到异议，请核实处理；异议处理完毕前不能销号。",
            url=lambda obj: _task_file(obj.announcement), related=("announcement__task__region",)),
    # 督办: the units owe each step; the office reviews completion and decides extensions; lateness goes up a level.
    Handoff("notice_issued", "supervision.supervisionnotice", _of(Action.CREATE), "", _of(),
            recipients=_notice_units,
            title=lambda n: f"督办单{n.number}：请于{n.arranged_by:%Y年%m月%d日}前部署",
            body=lambda n: f"{_task_label(n.task)}：{n.task.display_title}\n督办事由：{n.reason}",
            url=_notice_url, related=("task__region", "region")),
    Handoff("notice_done", "supervision.supervisionnotice", _of(Action.TRANSITION), "status", _of("done"),
            recipients=lambda n: r.office_users(n.region),
            title=lambda n: f"督办单{n.number}已报办结，请审核",
            body=lambda n: n.done_report[:200], url=_notice_url, related=("task__region", "region")),
    Handoff("notice_closed", "supervision.supervisionnotice", _of(Action.TRANSITION), "status", _of("closed"),
            recipients=_notice_units,
            title=lambda n: f"督办单{n.number}已销号（{n.get_grade_display()}）",
            body=lambda n: n.review_note, url=_notice_url, related=("task__region", "region")),
    Handoff("notice_sent_back", "supervision.supervisionnotice", _of(Action.TRANSITION), "send_backs", _of(),
            recipients=_notice_units,
            title=lambda n: f"督办单{n.number}被退回重办",
            body=lambda n: f"退回原因：{n.review_note}\n请于{n.arranged_by:%Y年%m月%d日}前重新部署。",
            url=_notice_url, related=("task__region", "region")),
    Handoff("notice_escalated", "supervision.supervisionnotice", _of(Action.TRANSITION), "status", _of("escalated"),
            recipients=lambda n: [*r.office_users(n.region), *(r.office_users(n.region.parent) if n.region.parent else [])],
            title=lambda n: f"督办单{n.number}{n.get_escalated_step_display()}逾期，已升级督办",
            body=lambda n: f"{_task_label(n.task)}：{n.task.display_title}\n"
                           f"{n.get_escalated_step_display()}时限：{n.due_for(n.escalated_step):%Y年%m月%d日}",
            url=_notice_url, related=("task__region", "region__parent")),
    Handoff("extension_requested", "supervision.extensionrequest", _of(Action.CREATE), "", _of(),
            recipients=lambda e: r.office_users(e.notice.region),
            title=lambda e: f"督办单{e.notice.number}申请延期至{e.new_date:%Y年%m月%d日}",
            body=lambda e: e.reason, url=lambda e: _notice_url(e.notice), related=("notice__region",)),
    Handoff("extension_decided", "supervision.extensionrequest", _of(Action.UPDATE), "decision", _of("approved", "refused"),
            recipients=lambda e: _notice_units(e.notice),
            title=lambda e: f"督办单{e.notice.number}延期申请：{e.get_decision_display()}",
            body=lambda e: e.decision_note, url=lambda e: _notice_url(e.notice), related=("notice",)),
    # 备案: the level above confirms; the filer learns it was confirmed.
    Handoff("filing_submitted", "acceptance.filing", _of(Action.CREATE), "", _of(),
            recipients=lambda f: r.office_users(f.filed_to_region),
            title=lambda f: f"销号备案待确认：{f.closure.number}",
            body=lambda f: f"{f.closure.task.region.full_name}第{f.closure.task.seq}号整改任务已销号（{f.closure.number}），报送备案，请确认。",
            url=lambda f: reverse("acceptance:filings"), related=("closure__task__region", "filed_to_region")),
    Handoff("filing_acknowledged", "acceptance.filing", _of(Action.UPDATE), "acknowledged_by", _of(),
            recipients=lambda f: [f.filed_by],
            title=lambda f: f"销号备案已确认：{f.closure.number}",
            body=lambda f: f"{f.filed_to_region.full_name}整改办已确认第{f.closure.task.seq}号整改任务的销号备案。",
            url=lambda f: reverse("acceptance:file", args=[f.closure.task.uuid]),
            related=("closure__task", "filed_to_region", "filed_by")),
    # 调度提醒 with units that nobody can receive it for: the office must reach them another way.
    Handoff("reminder_unreachable", "dispatch.reportinground", _of(Action.UPDATE), "no_account", _of(),
            recipients=_round_office,
            title=lambda round_: f"报送提醒无法送达部分单位：{round_.title}",
            body=lambda round_: "以下未报送单位没有可接收通知的有效账号，请电话或发文通知："
                                 + "、".join(round_.handoff_record.after["no_account"]),
            url=lambda round_: reverse("dispatch:round", args=[round_.uuid]), related=("region",)),
]


def deliver(record: ChangeRecord) -> int:
    """Notify every row's recipients for this record (never its actor); returns how many were notified."""
    rows = [h for h in HANDOFFS if h.matches(record)]
    if not rows:
        return 0
    sent = 0
    loaded: dict[str, Any] = {}
    for row in rows:
        key = ",".join(row.related)
        if key not in loaded:
            loaded[key] = row.load(record)
        obj = loaded[key]
        if obj is None:
            continue
        obj.handoff_record = record
        users = [u for u in row.recipients(obj) if u is not None and u.pk != record.user_id]
        sent += notify(users, row.title(obj), row.body(obj), row.url(obj), email=True)
    return sent


def on_change_recorded(sender: Any, instance: ChangeRecord, created: bool, **kwargs: Any) -> None:
    """post_save of ChangeRecord: a cheap type check first (imports write thousands of records)."""
    if not created or instance.object_type not in HANDOFF_TYPES:
        return
    try:
        with transaction.atomic():
            deliver(instance)
    except Exception:  # a notification must never undo the step it reports
        logger.exception("交接通知失败：%s %s", instance.object_type, instance.object_uuid)


HANDOFF_TYPES = frozenset(h.object_type for h in HANDOFFS)
