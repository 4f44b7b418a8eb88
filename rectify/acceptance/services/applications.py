"""Applying for acceptance and reviewing the application."""
from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import PurePosixPath
from typing import Any

from django.core.files import File
from django.utils import timezone

from rectify.accounts.permissions import can
from rectify.accounts.scope import unit_ids
from rectify.core.actions import Action
from rectify.core.files import check_upload
from rectify.core.models import ChangeRecord
from rectify.core.types import AuthedUser
from rectify.tasks.models import Task
from rectify.tasks.services import transition_task
from rectify.tasks.states import TaskState

from ..models import (
    AcceptanceApplication,
    AcceptanceReview,
    Evidence,
    EvidenceFile,
)
from .evidence import _delete_files, _save_evidence
from .permissions import (
    APPLICANT_ROLES,
    APPLY_FROM,
    AcceptanceRefused,
    _require,
)

TASK_STEP = Action(Task, reason="验收")


def apply_for_acceptance(
    task: Task, user: AuthedUser, *, completion_report: str, files: Sequence[Any] = (), expected_version: int | None = None
) -> AcceptanceApplication:
    """Create the application with its evidence and move the task to 申请验收.

    Evidence files are written inside the transaction; if it fails they are deleted again.
    """
    _require(can(user, "acceptance.apply", task), "只有承担该任务的牵头单位、责任单位或整改办可以申请验收")
    written: list[EvidenceFile] = []
    with TASK_STEP(task, user, expected_version=expected_version, reason="申请验收") as act:
        act.on_failure(lambda: _delete_files(written))
        task = act.obj
        if task.state not in APPLY_FROM:
            raise AcceptanceRefused(f"任务当前状态为“{task.get_state_display()}”，不能申请验收")
        if not completion_report.strip():
            raise AcceptanceRefused("请填写整改完成情况")
        if not files:
            raise AcceptanceRefused("请至少上传一份佐证材料（现场照片、验收材料等），没有佐证材料不能申请验收")
        kinds = [check_upload(f) for f in files]
        ids = set(unit_ids(user))
        unit = next((a.unit for a in task.assignments.select_related("unit") if a.unit_id in ids and a.role in APPLICANT_ROLES), None)
        application = AcceptanceApplication.objects.create(
            task=task, applicant=user, unit=unit or user.unit, completion_report=completion_report.strip()
        )
        act.record(application)
        _save_evidence(partial(Evidence, application=application), files, kinds, task, user, written)
        transition_task(task, TaskState.APPLIED, expected_version=expected_version, reason="申请验收")
    return application


def review_application(
    application: AcceptanceApplication,
    user: AuthedUser,
    *,
    decision: str,
    site_check: str,
    implemented: bool,
    signed_by: str = "",
    reasons: str = "",
    expected_version: int | None = None,
) -> AcceptanceReview:
    task = application.task
    _require(can(user, "acceptance.review", task), "只有本区域的验收人员或整改办可以验收")
    _require(application.applicant_id != user.pk, "申请人不能验收自己提交的申请")
    with TASK_STEP(task, user, expected_version=expected_version, reason="验收意见") as act:
        task = act.obj
        application = AcceptanceApplication.objects.select_for_update().get(pk=application.pk)
        if application.status != AcceptanceApplication.Status.PENDING or task.state != TaskState.APPLIED:
            raise AcceptanceRefused("该申请已处理，不能重复验收")
        if not site_check.strip():
            raise AcceptanceRefused("请填写现场核查记录")
        signer = signer_name(user)
        if signed_by.strip() and signed_by.strip() != signer:
            raise AcceptanceRefused(f"签字人须为当前登录的验收人员（{signer}），不能代他人签字")
        if decision == AcceptanceReview.Decision.ACCEPT and not implemented:
            raise AcceptanceRefused("整改措施未落实的，不能验收通过，请选择“退回整改”")
        if decision == AcceptanceReview.Decision.SEND_BACK and not reasons.strip():
            raise AcceptanceRefused("退回整改须写明退回原因")
        if decision not in AcceptanceReview.Decision.values:
            raise AcceptanceRefused("请选择验收结论")
        review = AcceptanceReview.objects.create(
            application=application, reviewer=user, site_check=site_check.strip(), decision=decision, reasons=reasons.strip(),
            implemented=implemented, signed_by=signer, signed_at=timezone.now(),
        )
        _copy_signature(review, user)
        act.record(review)
        before = {"status": application.status}
        accepted = decision == AcceptanceReview.Decision.ACCEPT
        application.status = AcceptanceApplication.Status.ACCEPTED if accepted else AcceptanceApplication.Status.SENT_BACK
        application.save(update_fields=["status", "updated_at"])
        act.record(application, ChangeRecord.Action.UPDATE, before=before, after={"status": application.status},
                   reason=review.get_decision_display())
        if accepted:
            transition_task(task, TaskState.ACCEPTED, expected_version=expected_version, reason=f"验收通过（{review.signed_by}）")
        else:
            transition_task(task, TaskState.SENT_BACK, expected_version=expected_version, reason=f"退回整改：{review.reasons}")
    return review


def signer_name(user: AuthedUser) -> str:
    """The name a review is signed with: always the logged-in reviewer's own."""
    return str(user.get_full_name() or user.get_username())[:60]


def _copy_signature(review: AcceptanceReview, user: AuthedUser) -> None:
    """Keep a copy of the reviewer's signature image as it was when signing (a later change of
    the profile image does not change a signed review)."""
    image = user.signature_image
    if not image.name:  # no image on the profile
        return
    with image.open("rb") as handle:
        review.signature_image.save(f"x{PurePosixPath(image.name).suffix.lower()}", File(handle), save=True)
