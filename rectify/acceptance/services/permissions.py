"""Who may do what in acceptance and closure (the views check first, the steps again)."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from rectify.accounts.roles import Role
from rectify.accounts.scope import region_paths, unit_ids
from rectify.core.refusals import Refused
from rectify.tasks.models import Assignment, Task
from rectify.tasks.states import TaskState

from ..models import (
    Filing,
)

APPLY_FROM = {TaskState.ASSIGNED, TaskState.IN_PROGRESS, TaskState.SENT_BACK, TaskState.REOPENED}


APPLICANT_ROLES = {Assignment.Role.LEAD, Assignment.Role.RESPONSIBLE}


class AcceptanceRefused(Refused, ValueError):
    """A request that the rules refuse; the message says why, in Chinese."""


def _is_admin(user: Any) -> bool:
    return bool(user.is_superuser or Role.ADMIN in user.roles())


def _in_scope(user: Any, task: Task, roles: set[str]) -> bool:
    return Task.objects.has_visible(user, task, roles=roles)


def can_apply(user: Any, task: Task) -> bool:
    if _is_admin(user) or _in_scope(user, task, {Role.OFFICE}):
        return True
    ids = unit_ids(user)
    return bool(ids) and task.assignments.filter(unit_id__in=ids, role__in=APPLICANT_ROLES).exists()


def can_review(user: Any, task: Task) -> bool:
    return _is_admin(user) or _in_scope(user, task, {Role.REVIEWER, Role.OFFICE})


def can_manage(user: Any, task: Task) -> bool:
    """Announce, resolve objections and close: the office of the task's region subtree."""
    return _is_admin(user) or _in_scope(user, task, {Role.OFFICE})


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def can_schedule_look_back(user: Any, task: Task) -> bool:
    return can_manage(user, task)


def can_record_look_back(user: Any, task: Task) -> bool:
    return can_review(user, task)


def can_file(user: Any, task: Task) -> bool:
    return can_manage(user, task)


def can_acknowledge(user: Any, filing: Filing) -> bool:
    """The office of the region filed to, or of a region above it."""
    if _is_admin(user):
        return True
    target = filing.filed_to_region.path
    return any(target.startswith(p) for p in region_paths(user, roles={Role.OFFICE}))


def may_receive_filings(user: Any) -> bool:
    return _is_admin(user) or Role.OFFICE in user.roles()


def may_schedule_look_backs(user: Any) -> bool:
    """Offices and admins schedule look-backs (each task is still checked against the subtree)."""
    return _is_admin(user) or Role.OFFICE in user.roles()
