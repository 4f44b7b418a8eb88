"""``rectify generate``'s filler of acceptance records: for every generated task that the ledger moves to 申请验收,
the application (``services.apply_for_acceptance``), and for each move on to 验收通过 or 退回整改 the review and the
application's new status (``services.review_application``), written at the moment of the move, in the task's
chain before the transition row, as the services write them (the application by a generated applicant of the
task's responsible unit, the review by a generated reviewer). Evidence files are not generated."""
from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from rectify.accounts.models import User
from rectify.core.bulk import insert
from rectify.core.fill import Context, register
from rectify.core.history import snapshot
from rectify.core.models import ChangeRecord
from rectify.tasks.models import Task
from rectify.tasks.states import TaskState

from .models import AcceptanceApplication, AcceptanceReview
from .services.applications import signer_name
from .services.permissions import APPLICANT_ROLES

Action = ChangeRecord.Action
Decision = AcceptanceReview.Decision


class Acceptance:
    """Collects the records while the ledger plays its months; ``write`` inserts them afterwards."""

    def __init__(self, ctx: Context, applicant: User, reviewer: User) -> None:
        self.ctx, self.applicant, self.reviewer = ctx, applicant, reviewer
        self.open: dict[int, AcceptanceApplication] = {}
        self.applications: list[AcceptanceApplication] = []
        self.reviews: list[AcceptanceReview] = []

    def _record(self, obj: Any, action: str, task: Task, user: User, at: datetime.datetime, reason: str,
                before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
        self.ctx.chain.append(obj, action, time=at, before=before, after=after if after is not None else snapshot(obj),
                              reason=reason, task_uuid=task.uuid, user_id=user.pk,
                              user_name=user.get_full_name() or user.get_username())

    def moved(self, task: Task, before: str, state: str, at: datetime.datetime) -> None:
        if state == TaskState.APPLIED:
            unit = next((a.unit for a in task.assignments.all() if a.role in APPLICANT_ROLES), None)
            application = AcceptanceApplication(
                task=task, applicant=self.applicant, unit=unit,
                completion_report=f"{task.title}：各项整改措施已按方案完成，问题已整改到位，申请验收。")
            application.created_at = timezone.now()  # as saving it does (its text, read by the review's row, shows the day)
            self.applications.append(application)
            self.open[id(task)] = application
            self._record(application, Action.CREATE, task, self.applicant, at, "申请验收")
        elif before == TaskState.APPLIED and state in (TaskState.ACCEPTED, TaskState.SENT_BACK):
            application = self.open.pop(id(task))
            accepted = state == TaskState.ACCEPTED
            review = AcceptanceReview(
                application=application, reviewer=self.reviewer, decision=Decision.ACCEPT if accepted else Decision.SEND_BACK,
                site_check="经现场核查，整改措施落实情况与申请材料一致。" if accepted else "经现场核查，部分整改措施尚未落实到位。",
                reasons="" if accepted else "整改措施未全部落实，请继续整改后重新申请。", implemented=accepted,
                signed_by=signer_name(self.reviewer), signed_at=at)
            self.reviews.append(review)
            self._record(review, Action.CREATE, task, self.reviewer, at, "验收意见")
            status_before = {"status": application.status}
            application.status = AcceptanceApplication.Status.ACCEPTED if accepted else AcceptanceApplication.Status.SENT_BACK
            self._record(application, Action.UPDATE, task, self.reviewer, at, review.get_decision_display(),
                         before=status_before, after={"status": application.status})

    def write(self) -> None:
        for application in self.applications:
            application.task = application.task  # the task has its id now
        insert(self.applications)
        for review in self.reviews:
            review.application = review.application
        insert(self.reviews)
        self.ctx.wrote("验收申请和验收意见", len(self.applications) + len(self.reviews))


def _generated_user(username: str, name: str) -> User:
    """A user the generated records name (no password, no role: it cannot log in)."""
    user = User.objects.create_user(username=username, password=None, last_name=name[0], first_name=name[1:])
    return user


@register(15, "验收人员（生成数据）")
def prepare_acceptance(ctx: Context) -> None:
    acceptance = Acceptance(ctx, _generated_user("gen_applicant", "申请人（生成数据）"),
                            _generated_user("gen_reviewer", "验收人（生成数据）"))
    ctx.on("task.transition", acceptance.moved)
    ctx.data["acceptance"] = acceptance
    ctx.wrote("账号", 2)


@register(25, "验收申请和验收意见", large=["acceptance.AcceptanceApplication", "acceptance.AcceptanceReview"])
def fill_acceptance(ctx: Context) -> None:
    ctx.data["acceptance"].write()
