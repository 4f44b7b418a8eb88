"""A unit's progress report on a task for a round's month, and the lead unit's review of it."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from rectify.accounts.scope import unit_ids
from rectify.core.actions import Action
from rectify.core.files import check_upload, sha256_of
from rectify.core.history import record_change, snapshot
from rectify.core.models import ChangeRecord
from rectify.core.types import AuthedUser
from rectify.core.versioning import StaleEdit, save_versioned
from rectify.tasks.milestones import complete_from_report
from rectify.tasks.models import Assignment, Task
from rectify.tasks.services import task_data_from, update_task

from ..labels import ScheduleLabel
from ..models import EvidenceFile, ProgressReport, ReportingRound
from .permissions import DispatchRefused, review_refusal
from .queries import expected_assignments

MAX_FILES_PER_REPORT = 10


def _report_snapshot(report: ProgressReport) -> dict[str, Any]:
    return snapshot(report, exclude=("id", "created_at", "updated_at", "round", "task", "assignment", "unit", "period",
                                      "unit_name", "task_seq")) | {
        "round": report.round.title, "unit": report.unit.name, "task": str(report.task.uuid),
        "period": f"{report.period:%Y-%m}",
    }


SUBMIT = Action(ReportingRound, reason="调度报送")
REVIEW = Action(ProgressReport, reason="审核报送", select_related=("round", "unit", "task"), picture=_report_snapshot)


@dataclass(frozen=True)
class ReportInput:
    """What a unit fills in on its report form."""

    text: str
    schedule: str
    percent: int | None
    milestones: list[int]


def submit_report(round_: ReportingRound, assignment: Assignment, user: AuthedUser, *, text: str, schedule: str,
                  percent: int | None = None, files: Sequence[Any] = (), expected_version: int = 0,
                  milestones: Iterable[int] = ()) -> ProgressReport:
    """Create the unit's report for the round's month, or make a new version of it (whichever level's round it
    was first reported in); ``milestones`` are ids of the task's time nodes the unit reports completed.
    Files written here are deleted again if anything fails."""
    data = ReportInput(text, schedule, percent, list(milestones))
    written: list[EvidenceFile] = []
    with SUBMIT(round_, user) as act:
        act.on_failure(lambda: _delete_files(written))
        round_ = act.obj
        kinds = _check_submission(round_, assignment, user, data, files)
        text = data.text.strip()
        task = assignment.task
        act.task_uuid = task.uuid
        # The task's row is locked first, as ``_copy_progress`` locks it last: a new report's copy of its 序号
        # share-locks the row (core.copies), and two units reporting on one task, each holding that share and
        # then one wanting the row and the other its history chain, deadlocked. Locked up front, they take turns.
        Task.objects.select_for_update().filter(pk=task.pk).values_list("pk", flat=True).first()
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
            act.record(report, after=_report_snapshot(report), reason=f"调度报送：{round_.title}")
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
            act.record(report, ChangeRecord.Action.UPDATE, before=before, after=_report_snapshot(report),
                       reason=f"调度重新报送：{round_.title}")

        _store_files(report, user, files, kinds, written)
        if data.milestones:
            complete_from_report(task, user, data.milestones, source=f"{assignment.unit.name}在“{round_.title}”中报送完成")
        _copy_progress(task, text, round_)
    return report


def _delete_files(written: Sequence[EvidenceFile]) -> None:
    for evidence in written:
        if evidence.file.name:
            evidence.file.storage.delete(evidence.file.name)


def _check_submission(round_: ReportingRound, assignment: Assignment, user: AuthedUser, data: ReportInput,
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



def review_report(report: ProgressReport, user: AuthedUser, *, accept: bool, note: str, expected_version: int) -> ProgressReport:
    note = note.strip()
    with REVIEW(report, user, expected_version=expected_version) as act:
        report = act.obj
        refusal = review_refusal(user, report)
        if refusal:
            raise PermissionDenied(refusal)
        if not accept and not note:
            raise DispatchRefused("退回时请填写退回理由")
        if report.status != ProgressReport.Status.SUBMITTED:
            raise DispatchRefused(f"该报送已{report.get_status_display()}，请等待单位重新报送")
        report.status = ProgressReport.Status.ACCEPTED if accept else ProgressReport.Status.RETURNED
        report.reviewer_note, report.reviewed_by, report.reviewed_at = note, user, timezone.now()
        act.save(["status", "reviewer_note", "reviewed_by", "reviewed_at"],
                 reason="牵头单位认可报送" if accept else f"牵头单位退回报送：{note}")
    return report


def _unchanged(report: ProgressReport, text: str, data: ReportInput, files: Sequence[Any]) -> bool:
    """A resubmission that changes nothing (and is not an answer to a return) writes nothing."""
    return (not files and not data.milestones and report.status != ProgressReport.Status.RETURNED
            and (report.text, report.percent, report.schedule) == (text, data.percent, data.schedule))


def _store_files(report: ProgressReport, user: AuthedUser, files: Sequence[Any], kinds: list[str], written: list[EvidenceFile]) -> None:
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
