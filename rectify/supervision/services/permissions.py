"""Who may see and do what on a supervision notice (the views check first, the steps again)."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from rectify.accounts.roles import Role
from rectify.accounts.scope import own_unit_ids, unit_ids
from rectify.core.refusals import Refused
from rectify.tasks.models import Task

from ..models import SupervisionNotice


class SupervisionRefused(Refused, ValueError):
    """A request the rules refuse; the message says why, in Chinese."""


# ---------------------------------------------------------------- who may see and do what

def _is_admin(user: Any) -> bool:
    return bool(user.is_superuser or Role.ADMIN in user.roles())


def visible_notices(user: Any) -> QuerySet[SupervisionNotice]:
    """Notices the user may see: on tasks in their region subtrees, or addressed to their units."""
    return SupervisionNotice.objects.visible_to(user)


def can_issue(user: Any, task: Task) -> bool:
    return Task.objects.has_visible(user, task, roles={Role.OFFICE})


def can_act_as_unit(user: Any, notice: SupervisionNotice) -> bool:
    if _is_admin(user):
        return True
    ids = unit_ids(user)
    return bool(ids) and notice.units.filter(pk__in=ids).exists()


def review_refusal(user: Any, notice: SupervisionNotice, submitter: Any = None, action: str = "审核督办单") -> str:
    """Why ``user`` may not review what was submitted on ``notice`` (grade, send back, decide an extension);
    '' when they may. Separation of duties: the office of the task's region reviews, never the submitting
    user nor a user of one of the supervised units."""
    if not can_issue(user, notice.task):
        return f"只有本区域的整改办可以{action}"
    if submitter is not None and getattr(submitter, "pk", None) == user.pk:
        return "不能审核本人提交的督办办理事项，请由其他整改办人员审核"
    own = own_unit_ids(user)
    mine = [u.name for u in notice.units.all() if u.pk in own]
    if mine:
        return f"不能审核本单位（{'、'.join(mine)}）办理的督办单，请由上级整改办审核"
    return ""


def can_review(user: Any, notice: SupervisionNotice, submitter: Any = None) -> bool:
    return not review_refusal(user, notice, submitter)


def _require_reviewer(user: Any, notice: SupervisionNotice, submitter: Any, action: str) -> None:
    refusal = review_refusal(user, notice, submitter, action)
    if refusal:
        raise PermissionDenied(refusal)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)

