"""Who may see and do what on a supervision notice (the views check first, the steps again)."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from rectify.accounts.permissions import can
from rectify.accounts.scope import own_unit_ids
from rectify.core.refusals import Refused
from rectify.core.types import AnyUser, AuthedUser

from ..models import SupervisionNotice


class SupervisionRefused(Refused, ValueError):
    """A request the rules refuse; the message says why, in Chinese."""


# ---------------------------------------------------------------- who may see and do what

def visible_notices(user: AnyUser) -> QuerySet[SupervisionNotice]:
    """Notices the user may see: on tasks in their region subtrees, or addressed to their units."""
    return SupervisionNotice.objects.visible_to(user)


def review_refusal(user: AnyUser, notice: SupervisionNotice, submitter: AuthedUser | None = None, action: str = "审核督办单") -> str:
    """Why ``user`` may not review what was submitted on ``notice`` (grade, send back, decide an extension);
    '' when they may. Who may is ``can(user, "supervision.review" / "supervision.decide", …)``; this only says
    why not, in the order the table checks: the office of the task's region reviews, never the submitting
    user nor a user of one of the supervised units."""
    if not can(user, "supervision.issue", notice.task):
        return f"只有本区域的整改办可以{action}"
    if submitter is not None and submitter.pk == user.pk:
        return "不能审核本人提交的督办办理事项，请由其他整改办人员审核"
    own = own_unit_ids(user)
    mine = [u.name for u in notice.units.all() if u.pk in own]
    if mine:
        return f"不能审核本单位（{'、'.join(mine)}）办理的督办单，请由上级整改办审核"
    return ""


def _require_reviewer(user: AnyUser, notice: SupervisionNotice, submitter: AuthedUser | None, action: str) -> None:
    refusal = review_refusal(user, notice, submitter, action)
    if refusal:
        raise PermissionDenied(refusal)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)

