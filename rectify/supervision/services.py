"""Every supervision write: one transaction each, one history row per changed record.

Views parse and check scope; these functions check the role again, decide and write.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from rectify.accounts.permissions import can
from rectify.accounts.roles import UNIT_ROLES, Role
from rectify.accounts.scope import own_unit_ids
from rectify.core.history import record_change, snapshot
from rectify.core.models import ChangeRecord
from rectify.core.numbering import SUPERVISION, issuer_name, next_seq
from rectify.core.refusals import Refused
from rectify.regions.models import Region, Unit
from rectify.regions.paths import path_prefixes
from rectify.tasks.models import Assignment, Task
from rectify.tasks.states import DONE_STATES

from .models import ExtensionRequest, SupervisionNotice, SupervisionRule

Status = SupervisionNotice.Status
Step = SupervisionNotice.Step
Grade = SupervisionNotice.Grade
OPEN_STATUSES = [Status.ISSUED, Status.ARRANGED, Status.REPORTED, Status.ESCALATED]
PASSING_GRADES = [Grade.EXCELLENT, Grade.GOOD, Grade.PASS]
DUE_FIELD: dict[str, str] = {Step.ARRANGE: "arranged_by", Step.REPORT: "first_report_by", Step.DONE: "done_by"}
STEP_STATUS: dict[str, str] = {Step.ARRANGE: Status.ISSUED, Step.REPORT: Status.ARRANGED, Step.DONE: Status.REPORTED}


class SupervisionRefused(Refused, ValueError):
    """A request the rules refuse; the message says why, in Chinese."""


# ---------------------------------------------------------------- who may see and do what

def visible_notices(user: Any) -> QuerySet[SupervisionNotice]:
    """Notices the user may see: on tasks in their region subtrees, or addressed to their units."""
    return SupervisionNotice.objects.visible_to(user)  # type: ignore[no-any-return]


def review_refusal(user: Any, notice: SupervisionNotice, submitter: Any = None, action: str = "审核督办单") -> str:
    """Why ``user`` may not review what was submitted on ``notice`` (grade, send back, decide an extension);
    '' when they may. Who may is ``can(user, "supervision.review" / "supervision.decide", …)``; this only says
    why not, in the order the table checks: the office of the task's region reviews, never the submitting
    user nor a user of one of the supervised units."""
    if not can(user, "supervision.issue", notice.task):
        return f"只有本区域的整改办可以{action}"
    if submitter is not None and getattr(submitter, "pk", None) == user.pk:
        return "不能审核本人提交的督办办理事项，请由其他整改办人员审核"
    own = own_unit_ids(user)
    mine = [u.name for u in notice.units.all() if u.pk in own]
    if mine:
        return f"不能审核本单位（{'、'.join(mine)}）办理的督办单，请由上级整改办审核"
    return ""


def _require_reviewer(user: Any, notice: SupervisionNotice, submitter: Any, action: str) -> None:
    refusal = review_refusal(user, notice, submitter, action)
    if refusal:
        raise PermissionDenied(refusal)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# ---------------------------------------------------------------- time limits

@dataclass(frozen=True)
class Limits:
    arrange_days: int = 1
    report_days: int = 3
    ordinary_done_days: int = 7
    major_done_days: int = 30
    working_days: bool = False


def limits_for(region: Region) -> Limits:
    """The nearest rule up the task region's path; a rule for the region's own level beats an all-levels one."""
    prefixes = path_prefixes(region.path)
    rules = SupervisionRule.objects.filter(region__path__in=prefixes, level__in=[region.level, ""]).select_related("region")
    best: dict[str, dict[str, SupervisionRule]] = {}
    for r in rules:
        best.setdefault(r.region.path, {})[r.level] = r
    for prefix in reversed(prefixes):
        found = best.get(prefix)
        if found:
            rule = found.get(region.level) or found[""]
            return Limits(rule.arrange_days, rule.report_days, rule.ordinary_done_days, rule.major_done_days, rule.working_days)
    return Limits()


def add_days(start: datetime.date, days: int, working: bool) -> datetime.date:
    if working:
        from rectify.core.workdays import add_working_days

        return add_working_days(start, days)
    return start + datetime.timedelta(days=days)


def due_dates(start: datetime.date, kind: str, limits: Limits) -> dict[str, datetime.date]:
    done_days = limits.major_done_days if kind == SupervisionNotice.Kind.MAJOR else limits.ordinary_done_days
    return {
        "arranged_by": add_days(start, limits.arrange_days, limits.working_days),
        "first_report_by": add_days(start, limits.report_days, limits.working_days),
        "done_by": add_days(start, done_days, limits.working_days),
    }


# ---------------------------------------------------------------- who is told (notifications/handoffs.py tells them)

def unit_users(units: Iterable[Unit]) -> list[Any]:
    from rectify.accounts.models import User

    ids = [u.pk for u in units]
    return list(User.objects.filter(is_active=True, role_grants__unit_id__in=ids, role_grants__role__in=list(UNIT_ROLES)).distinct())


def office_users(regions: Iterable[Region | None]) -> list[Any]:
    from rectify.accounts.models import User

    ids = [r.pk for r in regions if r is not None]
    return list(User.objects.filter(is_active=True, role_grants__role=Role.OFFICE, role_grants__region_id__in=ids).distinct())


def notice_url(notice: SupervisionNotice) -> str:
    return reverse("supervision:detail", args=[notice.uuid])


# ---------------------------------------------------------------- issue

def issuing_region(user: Any, task: Task) -> Region:
    """The deepest office region of the user that holds the task; the task's own region for admins and the system."""
    regions = [g.region for g in getattr(user, "grants", []) if g.role == Role.OFFICE and g.region_id
               and task.region.path.startswith(g.region.path)]
    if regions:
        return max(regions, key=lambda r: len(r.path))
    return task.region




def default_units(task: Task) -> list[Unit]:
    return [a.unit for a in task.assignments.select_related("unit") if a.role in (Assignment.Role.LEAD, Assignment.Role.RESPONSIBLE)]


@transaction.atomic
def issue_notice(
    task: Task,
    user: Any,
    *,
    units: Iterable[Unit],
    reason: str,
    kind: str = SupervisionNotice.Kind.ORDINARY,
    today: datetime.date | None = None,
    automatic: bool = False,
) -> SupervisionNotice:
    if not automatic:
        _require(can(user, "supervision.issue", task), "只有本区域的整改办可以下达督办单")
    task = Task.objects.select_for_update(of=("self",)).select_related("region").get(pk=task.pk)
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
    record_change(notice, ChangeRecord.Action.CREATE, after={**snapshot(notice), "units": [u.name for u in units]},
                  reason="系统自动督办" if automatic else "下达督办单", task_uuid=task.uuid, user=user)
    return notice


# ---------------------------------------------------------------- the units' steps

def _locked(notice: SupervisionNotice) -> SupervisionNotice:
    return SupervisionNotice.objects.select_for_update(of=("self",)).select_related("task").get(pk=notice.pk)


def _check_version(notice: SupervisionNotice, expected_version: int | None) -> None:
    from rectify.core.versioning import StaleEdit

    if expected_version is not None and notice.version != expected_version:
        raise StaleEdit(notice.version)


def _save(notice: SupervisionNotice, before: dict[str, Any], fields: list[str], reason: str, user: Any) -> None:
    notice.version += 1
    notice.save(update_fields=[*fields, "version", "updated_at"])
    after = {k: v for k, v in snapshot(notice).items() if k in before or k in fields}
    record_change(notice, ChangeRecord.Action.TRANSITION if "status" in fields else ChangeRecord.Action.UPDATE,
                  before=before, after=after, reason=reason, task_uuid=notice.task.uuid, user=user)


def _before(notice: SupervisionNotice, fields: list[str]) -> dict[str, Any]:
    snap = snapshot(notice)
    return {k: snap[k] for k in fields if k in snap}


STEP_FIELDS: dict[str, tuple[str, str, str, str]] = {
    Step.ARRANGE: ("arranged_at", "arrangement", Status.ARRANGED, "部署情况"),
    Step.REPORT: ("reported_at", "report", Status.REPORTED, "回复内容"),
    Step.DONE: ("done_at", "done_report", Status.DONE, "办结情况"),
}


@transaction.atomic
def complete_step(notice: SupervisionNotice, user: Any, step: str, text: str, *, expected_version: int | None = None) -> SupervisionNotice:
    """A unit reports a step done: arrangement (部署), first report back (回复) or completion (办结)."""
    _require(can(user, "supervision.act", notice), "只有被督办单位可以办理督办单")
    notice = _locked(notice)
    _check_version(notice, expected_version)
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
    before = _before(notice, fields)
    if step == Step.DONE:
        notice.done_reported_by = user if getattr(user, "pk", None) else None
    setattr(notice, at_field, timezone.now())
    setattr(notice, text_field, text.strip())
    notice.status = status
    notice.escalated_step = ""
    _save(notice, before, fields, f"督办单{Step(step).label}", user)
    return notice


# ---------------------------------------------------------------- the office's review

@transaction.atomic
def close_notice(notice: SupervisionNotice, user: Any, grade: str, note: str = "", *, expected_version: int | None = None) -> SupervisionNotice:
    notice = _locked(notice)
    _require_reviewer(user, notice, notice.done_reported_by, "审核督办单")
    _check_version(notice, expected_version)
    if notice.status != Status.DONE:
        raise SupervisionRefused("被督办单位报办结后才能评定销号")
    if grade == Grade.FAIL:
        raise SupervisionRefused("评定为不合格的，请退回重办并写明原因")
    if grade not in PASSING_GRADES:
        raise SupervisionRefused("请选择办结评定（优秀、良好、合格）")
    fields = ["status", "grade", "review_note", "closed_at", "closed_by"]
    before = _before(notice, fields)
    notice.status = Status.CLOSED
    notice.grade = grade
    notice.review_note = note.strip()
    notice.closed_at = timezone.now()
    notice.closed_by = user
    _save(notice, before, fields, f"督办单销号，评定{Grade(grade).label}", user)
    return notice


def approved_dates(notice: SupervisionNotice) -> dict[str, datetime.date]:
    """The latest approved extension of each step, by due-date field (``done_by`` …)."""
    dates: dict[str, datetime.date] = {}
    for step, new_date in (notice.extensions.filter(decision=ExtensionRequest.Decision.APPROVED)
                           .order_by("decided_at", "id").values_list("step", "new_date")):
        dates[DUE_FIELD[Step(step)]] = new_date
    return dates


def restarted_due_dates(notice: SupervisionNotice, today: datetime.date, limits: Limits) -> dict[str, datetime.date]:
    """The limits run again from ``today``, but never earlier than an approved extension: an approved
    extension stays until a person changes it (a send-back only ever gives more time)."""
    dates = due_dates(today, notice.kind, limits)
    for name, approved in approved_dates(notice).items():
        dates[name] = max(dates[name], approved)
    return dates


@transaction.atomic
def send_back(notice: SupervisionNotice, user: Any, reason: str, *, today: datetime.date | None = None,
              expected_version: int | None = None) -> SupervisionNotice:
    """A substandard completion goes back to 已下达 with the reason; the limits run again from today,
    except that an approved extension is kept (``restarted_due_dates``)."""
    notice = _locked(notice)
    _require_reviewer(user, notice, notice.done_reported_by, "退回督办单")
    _check_version(notice, expected_version)
    if notice.status != Status.DONE:
        raise SupervisionRefused("被督办单位报办结后才能退回")
    if not reason.strip():
        raise SupervisionRefused("退回须写明原因")
    today = today or timezone.localdate()
    limits = limits_for(notice.task.region)
    limits = Limits(limits.arrange_days, limits.report_days, limits.ordinary_done_days, limits.major_done_days, notice.working_days)
    fields = ["status", "grade", "review_note", "arranged_at", "reported_at", "done_at", "done_reported_by", "send_backs",
              "arranged_by", "first_report_by", "done_by", "escalated_step"]
    before = _before(notice, fields)
    notice.status = Status.ISSUED
    notice.grade = Grade.FAIL
    notice.review_note = reason.strip()
    notice.arranged_at = notice.reported_at = notice.done_at = notice.done_reported_by = None
    notice.send_backs += 1
    notice.escalated_step = ""
    for name, value in restarted_due_dates(notice, today, limits).items():
        setattr(notice, name, value)
    _save(notice, before, fields, f"退回重办：{reason.strip()}", user)
    return notice


# ---------------------------------------------------------------- extensions

@transaction.atomic
def request_extension(notice: SupervisionNotice, user: Any, *, new_date: datetime.date, reason: str) -> ExtensionRequest:
    _require(can(user, "supervision.act", notice), "只有被督办单位可以申请延期")
    notice = _locked(notice)
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
    item = ExtensionRequest.objects.create(notice=notice, step=step, requested_by=user, reason=reason.strip(), old_date=old, new_date=new_date)
    record_change(item, ChangeRecord.Action.CREATE, after=snapshot(item), reason="申请延期", task_uuid=notice.task.uuid, user=user)
    return item


@transaction.atomic
def decide_extension(item: ExtensionRequest, user: Any, *, approve: bool, note: str = "",
                     today: datetime.date | None = None) -> ExtensionRequest:
    notice = _locked(item.notice)
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
    record_change(item, ChangeRecord.Action.UPDATE, before=before_item,
                  after={"decision": item.decision, "decision_note": item.decision_note}, reason=item.get_decision_display(),
                  task_uuid=notice.task.uuid, user=user)
    if approve:
        field = DUE_FIELD[Step(item.step)]
        fields = [field]
        if notice.status == Status.ESCALATED and notice.current_step == item.step and item.new_date >= today:
            fields += ["status", "escalated_step"]
        before = _before(notice, fields)
        setattr(notice, field, item.new_date)
        if "status" in fields:
            notice.status = STEP_STATUS[Step(item.step)]
            notice.escalated_step = ""
        _save(notice, before, fields, f"同意延期：{Step(item.step).label}时限延至{item.new_date:%Y年%m月%d日}", user)
    return item


# ---------------------------------------------------------------- escalation

def late_q(today: datetime.date) -> Q:
    """Notices whose current step limit has passed (escalated ones included)."""
    return (
        Q(arranged_at__isnull=True, arranged_by__lt=today)
        | Q(arranged_at__isnull=False, reported_at__isnull=True, first_report_by__lt=today)
        | Q(reported_at__isnull=False, done_at__isnull=True, done_by__lt=today)
    ) & ~Q(status=Status.CLOSED)


def late_step_q(step: str, today: datetime.date) -> Q:
    if step == Step.ARRANGE:
        return Q(arranged_at__isnull=True, arranged_by__lt=today) & ~Q(status=Status.CLOSED)
    if step == Step.REPORT:
        return Q(arranged_at__isnull=False, reported_at__isnull=True, first_report_by__lt=today) & ~Q(status=Status.CLOSED)
    return Q(reported_at__isnull=False, done_at__isnull=True, done_by__lt=today) & ~Q(status=Status.CLOSED)


def escalate_overdue(today: datetime.date | None = None) -> int:
    """Mark every notice whose current step limit has passed as escalated; each once."""
    today = today or timezone.localdate()
    done = 0
    ids = list(SupervisionNotice.objects.filter(late_q(today)).exclude(status=Status.ESCALATED).values_list("pk", flat=True))
    for pk in ids:
        if _escalate_one(pk, today):
            done += 1
    return done


@transaction.atomic
def _escalate_one(pk: int, today: datetime.date) -> bool:
    notice = SupervisionNotice.objects.select_for_update(of=("self",)).select_related("task", "region__parent").get(pk=pk)
    if notice.status in (Status.ESCALATED, Status.CLOSED) or not notice.is_late(today):
        return False
    step = notice.current_step
    fields = ["status", "escalated_at", "escalated_step"]
    before = _before(notice, fields)
    notice.status = Status.ESCALATED
    notice.escalated_at = timezone.now()
    notice.escalated_step = step
    due = notice.due_for(step)
    _save(notice, before, fields, f"{Step(step).label}逾期（时限{due:%Y年%m月%d日}），升级督办", None)
    return True


# ---------------------------------------------------------------- rules

@transaction.atomic
def save_rule(rule: Any, user: Any) -> Any:
    """Save a light or supervision rule an office configured, with its history."""
    created = rule.pk is None
    before = None if created else snapshot(type(rule).objects.get(pk=rule.pk))
    if before is not None and before == snapshot(rule):
        return rule  # an unchanged resubmission writes nothing
    rule.save()
    record_change(rule, ChangeRecord.Action.CREATE if created else ChangeRecord.Action.UPDATE, before=before,
                  after=snapshot(rule), reason="设置督办/预警规则", user=user)
    return rule
