"""Dispatch decisions and writes. Views only parse and check; everything that changes state is here,
in one transaction, with a history row for each changed object."""
from __future__ import annotations

import datetime
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from rectify.acceptance.files import check_upload, sha256_of
from rectify.accounts.roles import UNIT_ROLES, Role
from rectify.accounts.scope import own_unit_ids, region_paths, unit_ids
from rectify.core.history import record_change, snapshot
from rectify.core.models import ChangeRecord
from rectify.core.refusals import Refused
from rectify.core.versioning import StaleEdit, save_versioned
from rectify.regions.models import Region
from rectify.regions.paths import all_path_prefixes
from rectify.tasks.models import Assignment, Task
from rectify.tasks.services import task_data_from, update_task
from rectify.tasks.states import OPEN_STATES

from .labels import ScheduleLabel
from .models import EvidenceFile, ProgressReport, Reminder, ReportingRound, Verification, VerificationSample

MAX_FILES_PER_REPORT = 10
MAX_SAMPLE = 100


class DispatchRefused(Refused, ValueError):
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
    """The regions where the user may open rounds: their write scope."""
    return Region.objects.editable_by(user)  # type: ignore[no-any-return]


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




def visible_rounds(user: Any) -> QuerySet[ReportingRound]:
    """Rounds over the user's region subtrees, plus rounds in which the user's units must report."""
    return ReportingRound.objects.visible_to(user)  # type: ignore[no-any-return]


def lead_unit_ids(task: Task) -> set[int]:
    return {a.unit_id for a in task.assignments.all() if a.role == Assignment.Role.LEAD}


def needs_lead_review(report: ProgressReport) -> bool:
    """A cooperating or responsible unit's report is reviewed by a lead unit; a lead unit's own report is not."""
    return report.unit_id not in lead_unit_ids(report.task)


def review_refusal(user: Any, report: ProgressReport) -> str:
    """Why ``user`` may not review ``report``; '' when they may.

    A lead unit (牵头单位) of the task reviews the other units' reports on it; nobody reviews their own
    submission: not the user who submitted it, not a user of the reporting unit (a unit that is both
    lead and responsible on a task does not approve its own report).
    """
    if not needs_lead_review(report):
        return "牵头单位自身的报送无需牵头单位审核"
    leads = lead_unit_ids(report.task)
    if not leads & set(unit_ids(user)):
        return "只有该任务的牵头单位可以审核配合单位、责任单位的报送"
    if report.submitted_by_id is not None and report.submitted_by_id == user.pk:
        return "不能审核本人提交的报送"
    if report.unit_id in own_unit_ids(user):
        return "不能审核本单位的报送，请由其他牵头单位审核"
    return ""


def can_review(user: Any, report: ProgressReport) -> bool:
    return not review_refusal(user, report)


def reviews_for(user: Any) -> QuerySet[ProgressReport]:
    """Submitted reports waiting for the user's lead unit: other units' reports on tasks it leads."""
    mine = unit_ids(user)
    own = own_unit_ids(user)
    leads_task = Assignment.objects.filter(task=OuterRef("task"), role=Assignment.Role.LEAD)
    return (ProgressReport.objects.filter(status=ProgressReport.Status.SUBMITTED)
            .filter(Exists(leads_task.filter(unit_id__in=mine)))
            .exclude(Exists(leads_task.filter(unit=OuterRef("unit"))))
            .exclude(unit_id__in=own).exclude(submitted_by=user))


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
    return snapshot(report, exclude=("id", "created_at", "updated_at", "round", "task", "assignment", "unit", "period")) | {
        "round": report.round.title, "unit": report.unit.name, "task": str(report.task.uuid),
        "period": f"{report.period:%Y-%m}",
    }


def report_for(round_: ReportingRound, assignment: Assignment) -> ProgressReport | None:
    """The unit's report on the assignment's task for the round's month, whichever round it came through."""
    return ProgressReport.objects.filter(task_id=assignment.task_id, unit_id=assignment.unit_id,
                                         period=round_.report_period).first()


def round_reports(round_: ReportingRound) -> QuerySet[ProgressReport]:
    """Every report a round counts: its month, tasks in its region subtree that it expects."""
    return ProgressReport.objects.filter(period=round_.report_period, task__region__path__startswith=round_.region.path).filter(
        Q(task__state__in=list(OPEN_STATES)) | Q(task__long_term=True)
    )


def open_round_for(report: ProgressReport, user: Any) -> ReportingRound | None:
    """An open round through which the user may edit ``report``: its own round, else another level's round
    of the same month over the task's region."""
    rounds = visible_rounds(user).filter(status=ReportingRound.Status.OPEN, report_period=report.period)
    paths = all_path_prefixes([report.task.region.path])
    return (rounds.filter(pk=report.round_id).first()
            or rounds.filter(region__path__in=paths).order_by("due_date", "id").first())


@dataclass(frozen=True)
class ReportInput:
    """What a unit fills in on its report form."""

    text: str
    schedule: str
    percent: int | None
    milestones: list[int]


def submit_report(round_: ReportingRound, assignment: Assignment, user: Any, *, text: str, schedule: str,
                  percent: int | None = None, files: Sequence[Any] = (), expected_version: int = 0,
                  milestones: Iterable[int] = ()) -> ProgressReport:
    """Create the unit's report for the round's month, or make a new version of it (whichever level's round it
    was first reported in); ``milestones`` are ids of the task's time nodes the unit reports completed.
    Files written here are deleted again if anything fails."""
    written: list[EvidenceFile] = []
    try:
        return _submit(round_, assignment, user, ReportInput(text, schedule, percent, list(milestones)), files,
                       expected_version, written)
    except BaseException:
        for evidence in written:
            if evidence.file.name:
                evidence.file.storage.delete(evidence.file.name)
        raise


def _check_submission(round_: ReportingRound, assignment: Assignment, user: Any, data: ReportInput,
                      files: Sequence[Any]) -> list[str]:
    if assignment.unit_id not in set(unit_ids(user)):
        raise DispatchRefused("只能报送本单位承担的任务")
    if not round_.is_open:
        raise DispatchRefused(f"“{round_.title}”已经结束，不能再报送")
    if not expected_assignments(round_).filter(pk=assignment.pk).exists():
        raise DispatchRefused("该任务不在本轮调度范围内")
    if not data.text.strip():
        raise DispatchRefused("请填写进展情况")
    if data.schedule not in ScheduleLabel.values:
        raise DispatchRefused("请选择序时进度")
    if len(files) > MAX_FILES_PER_REPORT:
        raise DispatchRefused(f"每次最多上传 {MAX_FILES_PER_REPORT} 个文件")
    return [check_upload(f) for f in files]


@transaction.atomic
def _submit(round_: ReportingRound, assignment: Assignment, user: Any, data: ReportInput, files: Sequence[Any],
            expected_version: int, written: list[EvidenceFile]) -> ProgressReport:
    round_ = ReportingRound.objects.select_for_update().get(pk=round_.pk)
    kinds = _check_submission(round_, assignment, user, data, files)
    text = data.text.strip()
    task = assignment.task
    report = (ProgressReport.objects.select_for_update()
              .filter(task_id=assignment.task_id, unit_id=assignment.unit_id, period=round_.report_period).first())
    now = timezone.now()
    if report is None:
        if expected_version:
            raise StaleEdit(0)
        try:
            with transaction.atomic():
                report = ProgressReport.objects.create(
                    round=round_, task=task, period=round_.report_period, assignment=assignment, unit=assignment.unit,
                    submitted_by=user, submitted_at=now, text=text, percent=data.percent, schedule=data.schedule,
                )
        except IntegrityError:
            raise StaleEdit(1) from None
        record_change(report, ChangeRecord.Action.CREATE, after=_report_snapshot(report),
                      reason=f"调度报送：{round_.title}", task_uuid=task.uuid, user=user)
    else:
        if report.version != expected_version:
            raise StaleEdit(report.version)
        if _unchanged(report, text, data, files):
            return report
        before = _report_snapshot(report)
        report.text, report.percent, report.schedule = text, data.percent, data.schedule
        report.submitted_by, report.submitted_at = user, now
        report.status, report.reviewer_note, report.reviewed_by, report.reviewed_at = ProgressReport.Status.SUBMITTED, "", None, None
        save_versioned(report, expected_version, ["text", "percent", "schedule", "submitted_by", "submitted_at", "status",
                                                  "reviewer_note", "reviewed_by", "reviewed_at"])
        record_change(report, ChangeRecord.Action.UPDATE, before=before, after=_report_snapshot(report),
                      reason=f"调度重新报送：{round_.title}", task_uuid=task.uuid, user=user)

    _store_files(report, user, files, kinds, written)
    if data.milestones:
        from rectify.supervision.milestones import complete_from_report

        complete_from_report(task, user, data.milestones, source=f"{assignment.unit.name}在“{round_.title}”中报送完成")
    _copy_progress(task, text, round_)
    return report


def _unchanged(report: ProgressReport, text: str, data: ReportInput, files: Sequence[Any]) -> bool:
    """A resubmission that changes nothing (and is not an answer to a return) writes nothing."""
    return (not files and not data.milestones and report.status != ProgressReport.Status.RETURNED
            and (report.text, report.percent, report.schedule) == (text, data.percent, data.schedule))


def _store_files(report: ProgressReport, user: Any, files: Sequence[Any], kinds: list[str], written: list[EvidenceFile]) -> None:
    """Add the uploaded files to the report: a resubmission adds evidence, the earlier files stay and are listed."""
    task_uuid = report.task.uuid
    for upload, kind in zip(files, kinds, strict=True):
        evidence = EvidenceFile(report=report, original_name=(upload.name or "")[-255:], kind=kind,
                                content_type=EvidenceFile.CONTENT_TYPES[kind], size=upload.size,
                                sha256=sha256_of(upload), uploaded_by=user)
        evidence.file.save(f"x.{kind}", upload, save=False)
        written.append(evidence)
        evidence.save()
        record_change(evidence, ChangeRecord.Action.CREATE,
                      after={**snapshot(evidence, exclude=("id", "created_at", "updated_at", "file")), "file": evidence.file.name},
                      reason="上传调度佐证材料", task_uuid=task_uuid, user=user)


def _copy_progress(task: Task, text: str, round_: ReportingRound) -> None:
    """One report serves every level above it: the text becomes the task's 进展情况."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.progress != text:
        update_task(task, task_data_from(task, progress=text), expected_version=task.version, reason=f"调度报送：{round_.title}")


@transaction.atomic
def review_report(report: ProgressReport, user: Any, *, accept: bool, note: str, expected_version: int) -> ProgressReport:
    note = note.strip()
    report = ProgressReport.objects.select_for_update(of=("self",)).select_related("round", "unit", "task").get(pk=report.pk)
    refusal = review_refusal(user, report)
    if refusal:
        raise PermissionDenied(refusal)
    if not accept and not note:
        raise DispatchRefused("退回时请填写退回理由")
    if report.version != expected_version:
        raise StaleEdit(report.version)
    if report.status != ProgressReport.Status.SUBMITTED:
        raise DispatchRefused(f"该报送已{report.get_status_display()}，请等待单位重新报送")
    before = _report_snapshot(report)
    report.status = ProgressReport.Status.ACCEPTED if accept else ProgressReport.Status.RETURNED
    report.reviewer_note, report.reviewed_by, report.reviewed_at = note, user, timezone.now()
    save_versioned(report, expected_version, ["status", "reviewer_note", "reviewed_by", "reviewed_at"])
    record_change(report, ChangeRecord.Action.TRANSITION, before=before, after=_report_snapshot(report),
                  reason="牵头单位认可报送" if accept else f"牵头单位退回报送：{note}", task_uuid=report.task.uuid, user=user)
    return report


# ---------------------------------------------------------------- counts and reminders

def _reported(round_: ReportingRound) -> Exists:
    """For an assignment row: its unit has reported on its task for the round's month."""
    return Exists(ProgressReport.objects.filter(task=OuterRef("task"), unit=OuterRef("unit"), period=round_.report_period))


def expected_pairs(round_: ReportingRound) -> QuerySet[Any]:
    """(task, unit) pairs the round expects a report from: a unit reports once per task, whatever its roles."""
    return expected_assignments(round_).values("task_id", "unit_id").distinct()


def round_counts(round_: ReportingRound) -> tuple[int, int]:
    """(expected, reported) reports of the round."""
    reported = expected_assignments(round_).filter(_reported(round_)).values("task_id", "unit_id").distinct()
    return expected_pairs(round_).count(), reported.count()


def unit_rows(round_: ReportingRound) -> QuerySet[Any]:
    """Per unit: expected, reported and missing counts of tasks (a query of dicts, ordered by unit name)."""
    return (expected_assignments(round_).annotate(has_report=_reported(round_)).values("unit_id", "unit__name")
            .annotate(expected=Count("task_id", distinct=True),
                      reported=Count("task_id", filter=Q(has_report=True), distinct=True))
            .order_by("unit__name", "unit_id"))


def missing_unit_ids(round_: ReportingRound) -> list[int]:
    return list(expected_assignments(round_).exclude(_reported(round_)).values_list("unit_id", flat=True).distinct())


def missing_report_task_ids(task_paths: dict[int, str], today: datetime.date) -> set[int]:
    """Of the tasks (id → region path), those with a unit that did not report for the latest round already
    due over the task's region (one query for the rounds, one per such round).

    Only tasks that existed by the end of that round's period are expected to have reported.
    """
    tasks = list(task_paths.items())
    prefixes = all_path_prefixes(path for _, path in tasks)
    latest: dict[str, ReportingRound] = {}
    for round_ in (ReportingRound.objects.filter(due_date__lt=today, region__path__in=prefixes)
                   .select_related("region").order_by("-due_date", "-id")):
        latest.setdefault(round_.region.path, round_)
    missing: set[int] = set()
    for round_ in latest.values():
        ids = [pk for pk, path in tasks if path.startswith(round_.region.path)]
        missing |= set(
            Assignment.objects.filter(task_id__in=ids, task__created_at__date__lte=round_.period_end)
            .exclude(_reported(round_)).values_list("task_id", flat=True)
        )
    return missing


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
    # S311 is fine: a replayable draw (the seed is recorded with the sample), fairness not secrecy
    chosen = random.Random(seed).sample(population, min(size, len(population)))  # noqa: S311
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
    own = own_unit_ids(user)
    mine = sorted(a.unit.name for a in verification.task.assignments.select_related("unit") if a.unit_id in own)
    if mine:
        raise PermissionDenied(f"不能核查本单位（{'、'.join(mine)}）承担的任务，请由其他人员核查")
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
