"""The steps of a supervision notice: issue, the units' three steps, the office's review, extensions.

Each step runs through ``rectify.core.actions``: one transaction, the row locked, the version
checked, one history row per changed record.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils import timezone

from rectify.accounts.permissions import can
from rectify.core.actions import Action
from rectify.core.history import snapshot
from rectify.core.models import ChangeRecord
from rectify.core.numbering import SUPERVISION, issuer_name, next_seq
from rectify.core.types import AuthedUser
from rectify.regions.models import Unit
from rectify.tasks.models import Task
from rectify.tasks.states import DONE_STATES

from ..models import ExtensionRequest, SupervisionNotice
from .constants import DUE_FIELD, PASSING_GRADES, STEP_STATUS, Grade, Status, Step
from .limits import Limits, due_dates, limits_for, restarted_due_dates
from .permissions import SupervisionRefused, _require, _require_reviewer
from .recipients import issuing_region

ISSUE = Action(Task, reason="下达督办单", select_related=("region",))
NOTICE = Action(SupervisionNotice, reason="办理督办单", select_related=("task",))


def issue_notice(
    task: Task,
    user: AuthedUser | None,
    *,
    units: Iterable[Unit],
    reason: str,
    kind: str = SupervisionNotice.Kind.ORDINARY,
    today: datetime.date | None = None,
    automatic: bool = False,
) -> SupervisionNotice:
    if not automatic:
        _require(can(user, "supervision.issue", task), "只有本区域的整改办可以下达督办单")
    with ISSUE(task, user) as act:
        task = act.obj
        units = list(units)
        if task.state in DONE_STATES:
            raise SupervisionRefused(f"任务已{task.get_state_display()}，无需督办")
        if not reason.strip():
            raise SupervisionRefused("请填写督办事由")
        if not units:
            raise SupervisionRefused("请至少选择一个督办单位")
        assigned = set(task.assignments.values_list("unit_id", flat=True))
        strangers = [u.name for u in units if u.pk not in assigned]
        if strangers:
            raise SupervisionRefused(f"{'、'.join(strangers)}未承担该任务，不能作为督办单位")
        if kind not in SupervisionNotice.Kind.values:
            raise SupervisionRefused("请选择事项类别")
        now = timezone.now()
        today = today or timezone.localdate()
        limits = limits_for(task.region)
        region = issuing_region(user, task) if user is not None else task.region
        notice = SupervisionNotice.objects.create(
            task=task, region=region, issuer=(issuer := issuer_name(region)), year=today.year,
            seq=next_seq(SUPERVISION, issuer, today.year), issued_by=user, kind=kind,
            reason=reason.strip(), automatic=automatic, issued_at=now, issued_on=today, working_days=limits.working_days,
            **due_dates(today, kind, limits),
        )
        notice.units.set(units)
        act.record(notice, after={**snapshot(notice), "units": [u.name for u in units]},
                   reason="系统自动督办" if automatic else "下达督办单")
    return notice


# ---------------------------------------------------------------- the units' steps

STEP_FIELDS: dict[str, tuple[str, str, str, str]] = {
    Step.ARRANGE: ("arranged_at", "arrangement", Status.ARRANGED, "部署情况"),
    Step.REPORT: ("reported_at", "report", Status.REPORTED, "回复内容"),
    Step.DONE: ("done_at", "done_report", Status.DONE, "办结情况"),
}


def complete_step(notice: SupervisionNotice, user: AuthedUser, step: str, text: str, *, expected_version: int | None = None) -> SupervisionNotice:
    """A unit reports a step done: arrangement (部署), first report back (回复) or completion (办结)."""
    _require(can(user, "supervision.act", notice), "只有被督办单位可以办理督办单")
    with NOTICE(notice, user, expected_version=expected_version) as act:
        notice = act.obj
        if notice.status == Status.CLOSED:
            raise SupervisionRefused("督办单已销号，不能再办理")
        current = notice.current_step
        if step not in STEP_FIELDS:
            raise SupervisionRefused("未知的办理环节")
        if current != step:
            want = Step(current).label if current else "等待整改办审核"
            raise SupervisionRefused(f"当前应办理的环节是“{want}”，不能办理“{Step(step).label}”")
        at_field, text_field, status, label = STEP_FIELDS[step]
        if not text.strip():
            raise SupervisionRefused(f"请填写{label}")
        fields = [at_field, text_field, "status", "escalated_step"] + (["done_reported_by"] if step == Step.DONE else [])
        if step == Step.DONE:
            notice.done_reported_by = user
        setattr(notice, at_field, timezone.now())
        setattr(notice, text_field, text.strip())
        notice.status = status
        notice.escalated_step = ""
        act.save(fields, reason=f"督办单{Step(step).label}")
    return notice


# ---------------------------------------------------------------- the office's review

def close_notice(notice: SupervisionNotice, user: AuthedUser, grade: str, note: str = "", *, expected_version: int | None = None) -> SupervisionNotice:
    with NOTICE(notice, user, expected_version=expected_version) as act:
        notice = act.obj
        _require_reviewer(user, notice, notice.done_reported_by, "审核督办单")
        if notice.status != Status.DONE:
            raise SupervisionRefused("被督办单位报办结后才能评定销号")
        if grade == Grade.FAIL:
            raise SupervisionRefused("评定为不合格的，请退回重办并写明原因")
        if grade not in PASSING_GRADES:
            raise SupervisionRefused("请选择办结评定（优秀、良好、合格）")
        notice.status = Status.CLOSED
        notice.grade = grade
        notice.review_note = note.strip()
        notice.closed_at = timezone.now()
        notice.closed_by = user
        act.save(["status", "grade", "review_note", "closed_at", "closed_by"], reason=f"督办单销号，评定{Grade(grade).label}")
    return notice


def send_back(notice: SupervisionNotice, user: AuthedUser, reason: str, *, today: datetime.date | None = None,
              expected_version: int | None = None) -> SupervisionNotice:
    """A substandard completion goes back to 已下达 with the reason; the limits run again from today,
    except that an approved extension is kept (``restarted_due_dates``)."""
    with NOTICE(notice, user, expected_version=expected_version) as act:
        notice = act.obj
        _require_reviewer(user, notice, notice.done_reported_by, "退回督办单")
        if notice.status != Status.DONE:
            raise SupervisionRefused("被督办单位报办结后才能退回")
        if not reason.strip():
            raise SupervisionRefused("退回须写明原因")
        today = today or timezone.localdate()
        limits = limits_for(notice.task.region)
        limits = Limits(limits.arrange_days, limits.report_days, limits.ordinary_done_days, limits.major_done_days, notice.working_days)
        notice.status = Status.ISSUED
        notice.grade = Grade.FAIL
        notice.review_note = reason.strip()
        notice.arranged_at = notice.reported_at = notice.done_at = notice.done_reported_by = None
        notice.send_backs += 1
        notice.escalated_step = ""
        for name, value in restarted_due_dates(notice, today, limits).items():
            setattr(notice, name, value)
        act.save(["status", "grade", "review_note", "arranged_at", "reported_at", "done_at", "done_reported_by", "send_backs",
                  "arranged_by", "first_report_by", "done_by", "escalated_step"], reason=f"退回重办：{reason.strip()}")
    return notice


# ---------------------------------------------------------------- extensions

def request_extension(notice: SupervisionNotice, user: AuthedUser, *, new_date: datetime.date, reason: str) -> ExtensionRequest:
    _require(can(user, "supervision.act", notice), "只有被督办单位可以申请延期")
    with NOTICE(notice, user, reason="申请延期") as act:
        notice = act.obj
        step = notice.current_step
        if not step:
            raise SupervisionRefused("督办单当前没有待办环节，不能申请延期")
        if notice.extensions.filter(decision="").exists():
            raise SupervisionRefused("已有待审批的延期申请，请等待整改办审批")
        if not reason.strip():
            raise SupervisionRefused("请填写延期理由")
        old = notice.due_for(step)
        if new_date <= old:
            raise SupervisionRefused(f"申请延至的日期须晚于原时限（{old:%Y年%m月%d日}）")
        item = ExtensionRequest.objects.create(notice=notice, step=step, requested_by=user, reason=reason.strip(),
                                               old_date=old, new_date=new_date)
        act.record(item)
    return item


def decide_extension(item: ExtensionRequest, user: AuthedUser, *, approve: bool, note: str = "",
                     today: datetime.date | None = None) -> ExtensionRequest:
    with NOTICE(item.notice, user) as act:
        notice = act.obj
        _require_reviewer(user, notice, item.requested_by, "审批延期")
        item = ExtensionRequest.objects.select_for_update().get(pk=item.pk)
        if item.decision:
            raise SupervisionRefused("该延期申请已审批")
        if not approve and not note.strip():
            raise SupervisionRefused("不同意延期须写明理由")
        today = today or timezone.localdate()
        before_item = {"decision": item.decision}
        item.decision = ExtensionRequest.Decision.APPROVED if approve else ExtensionRequest.Decision.REFUSED
        item.decision_note = note.strip()
        item.decided_by = user
        item.decided_at = timezone.now()
        item.save(update_fields=["decision", "decision_note", "decided_by", "decided_at", "updated_at"])
        act.record(item, ChangeRecord.Action.UPDATE, before=before_item,
                   after={"decision": item.decision, "decision_note": item.decision_note}, reason=item.get_decision_display())
        if approve:
            field = DUE_FIELD[Step(item.step)]
            fields = [field]
            if notice.status == Status.ESCALATED and notice.current_step == item.step and item.new_date >= today:
                fields += ["status", "escalated_step"]
            setattr(notice, field, item.new_date)
            if "status" in fields:
                notice.status = STEP_STATUS[Step(item.step)]
                notice.escalated_step = ""
            act.save(fields, reason=f"同意延期：{Step(item.step).label}时限延至{item.new_date:%Y年%m月%d日}")
    return item
