"""Dispatch decisions and writes. Views only parse and check; everything that changes state is here,
in one transaction, with a history row for each changed object."""
from __future__ import annotations

import datetime
import random
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from rectify.acceptance.files import check_upload, sha256_of
from rectify.accounts.roles import UNIT_ROLES, Role
from rectify.accounts.scope import region_paths, unit_ids
from rectify.core.history import record_change, snapshot
from rectify.core.models import ChangeRecord
from rectify.core.versioning import StaleEdit, save_versioned
from rectify.regions.models import Region
from rectify.tasks.models import Assignment, Task
from rectify.tasks.services import task_data_from, update_task
from rectify.tasks.states import OPEN_STATES

from .models import EvidenceFile, ProgressReport, Reminder, ReportingRound, Verification, VerificationSample

MAX_FILES_PER_REPORT = 10
MAX_SAMPLE = 100


class DispatchRefused(ValueError):
    """A request the rules refuse; the message is shown to the user."""


# ---------------------------------------------------------------- who may do what

def is_admin(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_role(Role.ADMIN))


def _covers(paths: Iterable[str], region: Region) -> bool:
    return any(region.path.startswith(p) for p in paths)


def is_office_for(user: Any, region: Region) -> bool:
    """An office (整改办) whose subtree holds ``region``, or an administrator."""
    return is_admin(user) or _covers(region_paths(user, {Role.OFFICE}), region)


def is_viewer_for(user: Any, region: Region) -> bool:
    """Office, reviewer or leader over ``region`` (they read the whole round), or an administrator."""
    return is_admin(user) or _covers(region_paths(user), region)


def office_regions(user: Any) -> QuerySet[Region]:
    if is_admin(user):
        return Region.objects.all()
    q = Q(pk__in=[])
    for path in region_paths(user, {Role.OFFICE}):
        q |= Q(path__startswith=path)
    return Region.objects.filter(q)


def expected_assignments(round_: ReportingRound) -> QuerySet[Assignment]:
    """Every open assignment in the round's region subtree: its task is open or long-term."""
    return Assignment.objects.filter(task__region__path__startswith=round_.region.path).filter(
        Q(task__state__in=list(OPEN_STATES)) | Q(task__long_term=True)
    )


def my_assignments(user: Any) -> QuerySet[Assignment]:
    """Open assignments of the user's units (牵头单位 / 责任单位 roles)."""
    return Assignment.objects.filter(unit_id__in=unit_ids(user)).filter(
        Q(task__state__in=list(OPEN_STATES)) | Q(task__long_term=True)
    )


def _prefixes(paths: Iterable[str]) -> set[str]:
    """Every ancestor path of each region path: 140000/140500/ → 140000/, 140000/140500/."""
    out: set[str] = set()
    for path in paths:
        parts = [p for p in path.split("/") if p]
        for i in range(1, len(parts) + 1):
            out.add("/".join(parts[:i]) + "/")
    return out


def visible_rounds(user: Any) -> QuerySet[ReportingRound]:
    """Rounds over the user's region subtrees, plus rounds in which the user's units must report."""
    rounds = ReportingRound.objects.all()
    if not user.is_authenticated:
        return rounds.none()
    if is_admin(user):
        return rounds
    q = Q(pk__in=[])
    for path in region_paths(user):
        q |= Q(region__path__startswith=path)
    if unit_ids(user):
        paths = my_assignments(user).values_list("task__region__path", flat=True).distinct()
        q |= Q(region__path__in=_prefixes(paths))
    return rounds.filter(q)


def can_review(user: Any, report: ProgressReport) -> bool:
    """The lead unit (牵头单位) of the task reviews the other units' reports on it."""
    if report.assignment.role == Assignment.Role.LEAD:
        return False
    ids = set(unit_ids(user))
    return any(a.role == Assignment.Role.LEAD and a.unit_id in ids for a in report.assignment.task.assignments.all())


# ---------------------------------------------------------------- rounds

@transaction.atomic
def open_round(user: Any, *, region: Region, title: str, period_start: datetime.date, period_end: datetime.date,
               due_date: datetime.date) -> ReportingRound:
    if not is_office_for(user, region):
        raise DispatchRefused("只有该区域的整改办可以发起调度")
    if period_end < period_start:
        raise DispatchRefused("调度期止不能早于调度期起")
    if due_date < period_start:
        raise DispatchRefused("报送截止日期不能早于调度期起")
    round_ = ReportingRound.objects.create(region=region, title=title.strip(), period_start=period_start,
                                           period_end=period_end, due_date=due_date, opened_by=user)
    record_change(round_, ChangeRecord.Action.CREATE, after=snapshot(round_), reason="发起调度", user=user)
    return round_


@transaction.atomic
def close_round(round_: ReportingRound, user: Any, *, expected_version: int) -> ReportingRound:
    if not is_office_for(user, round_.region):
        raise DispatchRefused("只有该区域的整改办可以结束调度")
    round_ = ReportingRound.objects.select_for_update().get(pk=round_.pk)
    if not round_.is_open:
        raise DispatchRefused("该调度已经结束")
    round_.status = ReportingRound.Status.CLOSED
    save_versioned(round_, expected_version, ["status"])
    record_change(round_, ChangeRecord.Action.TRANSITION, before={"status": "open"}, after={"status": "closed"},
                  reason="结束调度", user=user)
    return round_


# ---------------------------------------------------------------- reports

def _report_snapshot(report: ProgressReport) -> dict[str, Any]:
    return snapshot(report, exclude=("id", "created_at", "updated_at", "round", "assignment", "unit")) | {
        "round": report.round.title, "unit": report.unit.name, "task": str(report.assignment.task_id),
    }


def submit_report(round_: ReportingRound, assignment: Assignment, user: Any, *, text: str, schedule: str,
                  percent: int | None = None, files: Sequence[Any] = (), expected_version: int = 0) -> ProgressReport:
    """Create the report or make a new version of it; files written here are deleted again if anything fails."""
    written: list[EvidenceFile] = []
    try:
        return _submit(round_, assignment, user, text, schedule, percent, files, expected_version, written)
    except BaseException:
        for evidence in written:
            if evidence.file.name:
                evidence.file.storage.delete(evidence.file.name)
        raise


@transaction.atomic
def _submit(round_: ReportingRound, assignment: Assignment, user: Any, text: str, schedule: str, percent: int | None,
            files: Sequence[Any], expected_version: int, written: list[EvidenceFile]) -> ProgressReport:
    if assignment.unit_id not in set(unit_ids(user)):
        raise DispatchRefused("只能报送本单位承担的任务")
    round_ = ReportingRound.objects.select_for_update().get(pk=round_.pk)
    if not round_.is_open:
        raise DispatchRefused(f"“{round_.title}”已经结束，不能再报送")
    if not expected_assignments(round_).filter(pk=assignment.pk).exists():
        raise DispatchRefused("该任务不在本轮调度范围内")
    text = text.strip()
    if not text:
        raise DispatchRefused("请填写进展情况")
    if len(files) > MAX_FILES_PER_REPORT:
        raise DispatchRefused(f"每次最多上传 {MAX_FILES_PER_REPORT} 个文件")
    kinds = [check_upload(f) for f in files]

    report = ProgressReport.objects.select_for_update().filter(round=round_, assignment=assignment).first()
    now = timezone.now()
    if report is None:
        if expected_version:
            raise StaleEdit(0)
        try:
            with transaction.atomic():
                report = ProgressReport.objects.create(
                    round=round_, assignment=assignment, unit=assignment.unit, submitted_by=user, submitted_at=now,
                    text=text, percent=percent, schedule=schedule,
                )
        except IntegrityError:
            raise StaleEdit(1) from None
        record_change(report, ChangeRecord.Action.CREATE, after=_report_snapshot(report),
                      reason=f"调度报送：{round_.title}", task_uuid=assignment.task.uuid, user=user)
    else:
        if report.version != expected_version:
            raise StaleEdit(report.version)
        before = _report_snapshot(report)
        report.text, report.percent, report.schedule = text, percent, schedule
        report.submitted_by, report.submitted_at = user, now
        report.status, report.reviewer_note, report.reviewed_by, report.reviewed_at = ProgressReport.Status.SUBMITTED, "", None, None
        save_versioned(report, expected_version, ["text", "percent", "schedule", "submitted_by", "submitted_at", "status",
                                                  "reviewer_note", "reviewed_by", "reviewed_at"])
        record_change(report, ChangeRecord.Action.UPDATE, before=before, after=_report_snapshot(report),
                      reason=f"调度重新报送：{round_.title}", task_uuid=assignment.task.uuid, user=user)

    _store_files(report, user, files, kinds, written)
    _copy_progress(assignment.task, text, round_)
    return report


def _store_files(report: ProgressReport, user: Any, files: Sequence[Any], kinds: list[str], written: list[EvidenceFile]) -> None:
    if not files:
        return
    previous = list(report.files.filter(superseded_by__isnull=True))
    task_uuid = report.assignment.task.uuid
    for upload, kind in zip(files, kinds, strict=True):
        evidence = EvidenceFile(report=report, original_name=upload.name[:255], kind=kind,
                                content_type=EvidenceFile.CONTENT_TYPES[kind], size=upload.size,
                                sha256=sha256_of(upload), uploaded_by=user)
        evidence.file.save(f"x.{kind}", upload, save=False)
        written.append(evidence)
        evidence.save()
        record_change(evidence, ChangeRecord.Action.CREATE,
                      after={**snapshot(evidence, exclude=("id", "created_at", "updated_at", "file")), "file": evidence.file.name},
                      reason="上传调度佐证材料", task_uuid=task_uuid, user=user)
    newest = written[0]
    for old in previous:
        old.superseded_by = newest
        old.save(update_fields=["superseded_by", "updated_at"])
        record_change(old, ChangeRecord.Action.UPDATE, before={"superseded_by": None}, after={"superseded_by": str(newest.uuid)},
                      reason="佐证材料已被新版本替换", task_uuid=task_uuid, user=user)


def _copy_progress(task: Task, text: str, round_: ReportingRound) -> None:
    """One report serves every level above it: the text becomes the task's 进展情况."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.progress != text:
        update_task(task, task_data_from(task, progress=text), expected_version=task.version, reason=f"调度报送：{round_.title}")


@transaction.atomic
def review_report(report: ProgressReport, user: Any, *, accept: bool, note: str, expected_version: int) -> ProgressReport:
    if not can_review(user, report):
        raise DispatchRefused("只有该任务的牵头单位可以审核配合单位、责任单位的报送")
    note = note.strip()
    if not accept and not note:
        raise DispatchRefused("退回时请填写退回理由")
    report = ProgressReport.objects.select_for_update().select_related("round", "unit", "assignment__task").get(pk=report.pk)
    if report.version != expected_version:
        raise StaleEdit(report.version)
    if report.status != ProgressReport.Status.SUBMITTED:
        raise DispatchRefused(f"该报送已{report.get_status_display()}，请等待单位重新报送")
    before = _report_snapshot(report)
    report.status = ProgressReport.Status.ACCEPTED if accept else ProgressReport.Status.RETURNED
    report.reviewer_note, report.reviewed_by, report.reviewed_at = note, user, timezone.now()
    save_versioned(report, expected_version, ["status", "reviewer_note", "reviewed_by", "reviewed_at"])
    record_change(report, ChangeRecord.Action.TRANSITION, before=before, after=_report_snapshot(report),
                  reason="牵头单位认可报送" if accept else f"牵头单位退回报送：{note}", task_uuid=report.assignment.task.uuid, user=user)
    return report


# ---------------------------------------------------------------- counts and reminders

def unit_rows(round_: ReportingRound) -> QuerySet[Any]:
    """Per unit: expected, reported and missing counts (a query of dicts, ordered by unit name)."""
    return (expected_assignments(round_).values("unit_id", "unit__name")
            .annotate(expected=Count("id", distinct=True),
                      reported=Count("progress_reports", filter=Q(progress_reports__round=round_), distinct=True))
            .order_by("unit__name", "unit_id"))


def missing_unit_ids(round_: ReportingRound) -> list[int]:
    reported = ProgressReport.objects.filter(round=round_).values("assignment_id")
    return list(expected_assignments(round_).exclude(pk__in=reported).values_list("unit_id", flat=True).distinct())


def unit_users(unit_id_list: Iterable[int]) -> QuerySet[Any]:
    from rectify.accounts.models import User

    return User.objects.filter(is_active=True, role_grants__role__in=list(UNIT_ROLES),
                               role_grants__unit_id__in=list(unit_id_list)).distinct()


def _notify_function() -> Any:
    try:
        from rectify.notifications.services import notify
    except ImportError:
        return None
    return notify


def notifications_available() -> bool:
    return _notify_function() is not None


def send_reminder(round_: ReportingRound, *, kind: str, user: Any = None, today: datetime.date | None = None) -> Reminder | None:
    """Notify every unit user with a missing report and record it; None when nothing is missing.

    Automatic kinds are sent at most once per round (a unique constraint guards against two runs at once).
    """
    notify = _notify_function()
    if notify is None:
        raise DispatchRefused("通知功能尚未启用，无法发送提醒")
    with transaction.atomic():
        missing = missing_unit_ids(round_)
        if not missing:
            return None
        from rectify.regions.models import Unit

        names = list(Unit.objects.filter(pk__in=missing).order_by("name").values_list("name", flat=True))
        try:
            with transaction.atomic():
                reminder = Reminder.objects.create(round=round_, kind=kind, sent_by=user if getattr(user, "pk", None) else None,
                                                   units=names)
        except IntegrityError:
            return None
        days = (round_.due_date - (today or timezone.localdate())).days
        when = f"还有 {days} 天截止" if days > 0 else ("今天截止" if days == 0 else f"已超过截止日期 {-days} 天")
        body = (f"“{round_.title}”的进展报送截止日期为{round_.due_date:%Y年%m月%d日}（{when}），"
                f"贵单位尚有任务未报送，请尽快登录系统报送进展情况和佐证材料。")
        url = reverse("dispatch:round", args=[round_.uuid])
        recipients = notify(list(unit_users(missing)), f"调度报送提醒：{round_.title}", body, url, email=True)
        reminder.recipients = int(recipients or 0)
        reminder.save(update_fields=["recipients"])
        from rectify.notifications.recipients import units_without_users

        no_account = units_without_users(missing)  # units nobody can receive it for: the office must reach them
        reminder.no_account = no_account  # type: ignore[attr-defined]
        record_change(round_, ChangeRecord.Action.UPDATE, after={"reminder": reminder.get_kind_display(), "units": names,
                                                                 "recipients": reminder.recipients, "no_account": no_account},
                      reason=f"报送提醒：{reminder.get_kind_display()}", user=user)
        return reminder


# ---------------------------------------------------------------- quarterly verification

def sample_population(round_: ReportingRound) -> list[int]:
    return sorted(set(expected_assignments(round_).values_list("task_id", flat=True)))


@transaction.atomic
def draw_sample(round_: ReportingRound, user: Any, *, size: int, seed: int | None = None) -> VerificationSample:
    if not is_office_for(user, round_.region):
        raise DispatchRefused("只有该区域的整改办可以抽取核查任务")
    if not 1 <= size <= MAX_SAMPLE:
        raise DispatchRefused(f"抽取数量应在 1 到 {MAX_SAMPLE} 之间")
    population = sample_population(round_)
    if not population:
        raise DispatchRefused("本轮调度没有可抽查的任务")
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    chosen = random.Random(seed).sample(population, min(size, len(population)))
    sample = VerificationSample.objects.create(round=round_, quarter=round_.quarter, seed=seed, size=len(chosen),
                                               population=len(population), drawn_by=user)
    Verification.objects.bulk_create(Verification(sample=sample, round=round_, task_id=t) for t in chosen)
    record_change(sample, ChangeRecord.Action.CREATE, after=snapshot(sample) | {"tasks": chosen},
                  reason=f"季度核查抽样（种子 {seed}）", user=user)
    return sample


@transaction.atomic
def record_finding(verification: Verification, user: Any, *, finding: str, result: str) -> Verification:
    if not is_office_for(user, verification.round.region):
        raise DispatchRefused("只有该区域的整改办可以登记核查情况")
    if not finding.strip():
        raise DispatchRefused("请填写核查情况")
    verification = Verification.objects.select_for_update().get(pk=verification.pk)
    before = snapshot(verification)
    verification.finding, verification.result = finding.strip(), result
    verification.checker, verification.checked_at = user, timezone.now()
    verification.save(update_fields=["finding", "result", "checker", "checked_at", "updated_at"])
    record_change(verification, ChangeRecord.Action.UPDATE, before=before, after=snapshot(verification),
                  reason="登记核查情况", task_uuid=verification.task.uuid, user=user)
    return verification
