"""Object predicates: whether a user stands in the right place towards a record.

Each is a ``rules`` predicate of ``(user, obj)``; ``rectify/accounts/permissions.py`` composes them with
the role predicates of ``rectify/accounts/roles.py`` into the one table of actions. They read the
record through its attributes (``task.region``, ``notice.units`` …) and the scope through
``accounts.scope``, so ``accounts`` still imports no domain app.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps

from rectify.core.types import AnyUser
from rectify.regions.models import Region

from .roles import REGION_ROLES, Role, describe, is_admin, predicate
from .scope import own_unit_ids, region_paths, unit_ids

# Assignment roles (tasks.Assignment.Role) that apply for acceptance, and the one that reviews reports.
APPLICANT_ASSIGNMENTS = ("lead", "responsible")
LEAD_ASSIGNMENT = "lead"


def _task_in_scope(user: AnyUser, task: Any, roles: set[str]) -> bool:
    if task is None or not user.is_authenticated:
        return False
    return bool(apps.get_model("tasks", "Task").objects.has_visible(user, task, roles=roles))


def _under(user: AnyUser, region: Any, roles: Iterable[str]) -> bool:
    return region is not None and any(region.path.startswith(p) for p in region_paths(user, set(roles)))


def _region(obj: Any) -> Any:
    """The region an action on ``obj`` happens in: the region itself, or the record's ``region``."""
    return obj if obj is None or isinstance(obj, Region) else obj.region


# ---------------------------------------------------------------- tasks

@predicate
def office_of_task(user: AnyUser, task: Any) -> bool:
    """整改办 of the task's region subtree (administrators: every task)."""
    return _task_in_scope(user, task, {Role.OFFICE})


describe(office_of_task, who={Role.ADMIN: "全部", Role.OFFICE: "本辖区（含下级）的任务"})


@predicate
def reviewer_of_task(user: AnyUser, task: Any) -> bool:
    """验收人员 or 整改办 of the task's region subtree (administrators: every task)."""
    return _task_in_scope(user, task, {Role.REVIEWER, Role.OFFICE})


describe(reviewer_of_task, who={Role.ADMIN: "全部", Role.OFFICE: "本辖区的任务", Role.REVIEWER: "本辖区的任务"})


@predicate
def applicant_unit_of_task(user: AnyUser, task: Any) -> bool:
    """A unit of the user's unit roles is the task's lead or responsible unit (not a cooperating one)."""
    ids = unit_ids(user) if user.is_authenticated and task is not None else []
    return bool(ids) and task.assignments.filter(unit_id__in=ids, role__in=APPLICANT_ASSIGNMENTS).exists()


describe(applicant_unit_of_task, who={Role.LEAD_UNIT: "本单位是任务的牵头或责任单位", Role.RESPONSIBLE_UNIT: "本单位是任务的牵头或责任单位"})


# ---------------------------------------------------------------- regions

@predicate
def office_of_region(user: AnyUser, obj: Any) -> bool:
    """整改办 whose subtree holds the region (of the record): the write scope. Administrators: every region."""
    region = _region(obj)
    return region is not None and (is_admin(user) or _under(user, region, {Role.OFFICE}))


describe(office_of_region, who={Role.ADMIN: "全部", Role.OFFICE: "本辖区（含下级）的区划"})


@predicate
def reader_of_region(user: AnyUser, obj: Any) -> bool:
    """整改办, 验收人员 or 领导 over the region (of the record): they read the whole of it. Administrators: all."""
    region = _region(obj)
    return region is not None and (is_admin(user) or _under(user, region, REGION_ROLES))


describe(reader_of_region, who={Role.ADMIN: "全部", Role.OFFICE: "本辖区的区划", Role.REVIEWER: "本辖区的区划", Role.LEADER: "本辖区的区划"})


@predicate
def office_filed_to(user: AnyUser, filing: Any) -> bool:
    """整改办 of the region a closure is filed to, or of a region above it. Administrators: every filing."""
    return filing is not None and (is_admin(user) or _under(user, filing.filed_to_region, {Role.OFFICE}))


describe(office_filed_to, who={Role.ADMIN: "全部", Role.OFFICE: "报送给本辖区（或其下级）的备案"})


# ---------------------------------------------------------------- supervision notices

@predicate
def unit_of_notice(user: AnyUser, notice: Any) -> bool:
    """One of the supervised units (administrators may act for them)."""
    if notice is None or not user.is_authenticated:
        return False
    if is_admin(user):
        return True
    ids = unit_ids(user)
    return bool(ids) and notice.units.filter(pk__in=ids).exists()


describe(unit_of_notice, who={Role.ADMIN: "全部（代单位办理）", Role.LEAD_UNIT: "本单位是被督办单位", Role.RESPONSIBLE_UNIT: "本单位是被督办单位"})


def _separated(user: AnyUser, notice: Any, submitter_id: Any) -> bool:
    """Separation of duties: not the submitting user, not a user of one of the supervised units."""
    if submitter_id is not None and submitter_id == user.pk:
        return False
    own = own_unit_ids(user)
    return not any(u.pk in own for u in notice.units.all())


@predicate
def reviewer_of_notice(user: AnyUser, notice: Any) -> bool:
    """The office of the notice's task judges what the units reported done; never the reporter nor a supervised unit."""
    return notice is not None and office_of_task(user, notice.task) and _separated(user, notice, notice.done_reported_by_id)


describe(reviewer_of_notice, who={Role.ADMIN: "全部，本人报办结或本单位被督办的除外", Role.OFFICE: "本辖区任务的督办单，本人报办结或本单位被督办的除外"})


@predicate
def decider_of_extension(user: AnyUser, extension: Any) -> bool:
    """The office of the notice's task decides an extension; never the requester nor a supervised unit."""
    if extension is None:
        return False
    notice = extension.notice
    return office_of_task(user, notice.task) and _separated(user, notice, extension.requested_by_id)


describe(decider_of_extension, who={Role.ADMIN: "全部，本人申请或本单位被督办的除外", Role.OFFICE: "本辖区任务的延期申请，本人申请或本单位被督办的除外"})


# ---------------------------------------------------------------- progress reports

def lead_unit_ids(task: Any) -> set[int]:
    return {a.unit_id for a in task.assignments.all() if a.role == LEAD_ASSIGNMENT}


@predicate
def report_needs_lead_review(user: AnyUser, report: Any) -> bool:
    """A cooperating or responsible unit's report is reviewed by a lead unit; a lead unit's own report is not."""
    return report is not None and report.unit_id not in lead_unit_ids(report.task)


describe(report_needs_lead_review, condition="报送单位不是该任务的牵头单位")


@predicate
def lead_unit_of_report_task(user: AnyUser, report: Any) -> bool:
    """A unit of the user's unit roles leads the report's task (administrators do not review reports)."""
    return report is not None and bool(lead_unit_ids(report.task) & set(unit_ids(user)))


describe(lead_unit_of_report_task, who={Role.LEAD_UNIT: "本单位牵头该任务", Role.RESPONSIBLE_UNIT: "本单位牵头该任务"})


@predicate
def submitted_report(user: AnyUser, report: Any) -> bool:
    """The user submitted the report."""
    return report is not None and report.submitted_by_id is not None and report.submitted_by_id == user.pk


describe(submitted_report, condition="本人提交了该报送")


@predicate
def speaks_for_report_unit(user: AnyUser, report: Any) -> bool:
    """The reporting unit is one the user speaks for (a unit role or the unit they belong to)."""
    return report is not None and report.unit_id in own_unit_ids(user)



describe(speaks_for_report_unit, condition="报送单位是本人所在或所代表的单位")
