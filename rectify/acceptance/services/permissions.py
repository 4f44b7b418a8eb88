"""Who may do what in acceptance and closure (the views check first, the steps again)."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied

from rectify.core.refusals import Refused
from rectify.tasks.models import Assignment
from rectify.tasks.states import TaskState

APPLY_FROM = {TaskState.ASSIGNED, TaskState.IN_PROGRESS, TaskState.SENT_BACK, TaskState.REOPENED}


APPLICANT_ROLES = {Assignment.Role.LEAD, Assignment.Role.RESPONSIBLE}


class AcceptanceRefused(Refused, ValueError):
    """A request that the rules refuse; the message says why, in Chinese."""


# Who may: rectify.accounts.permissions.can (the one table); the refusals below say why, in Chinese.

def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)
