"""Who may do what in dispatch: offices over a region, lead units reviewing the others' reports."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from rectify.accounts.roles import Role
from rectify.accounts.scope import own_unit_ids, region_paths, unit_ids
from rectify.core.refusals import Refused
from rectify.regions.models import Region
from rectify.tasks.models import Assignment, Task

from ..models import ProgressReport


class DispatchRefused(Refused, ValueError):
    """A request the rules refuse; the message is shown to the user."""


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
    return Region.objects.editable_by(user)


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
