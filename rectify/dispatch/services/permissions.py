"""Who may do what in dispatch: offices over a region, lead units reviewing the others' reports."""
from __future__ import annotations

from django.db.models import QuerySet

from rectify.accounts import predicates as p
from rectify.accounts.permissions import can
from rectify.core.refusals import Refused
from rectify.core.types import AnyUser
from rectify.regions.models import Region

from ..models import ProgressReport


class DispatchRefused(Refused, ValueError):
    """A request the rules refuse; the message is shown to the user."""


def office_regions(user: AnyUser) -> QuerySet[Region]:
    """The regions where the user may open rounds: their write scope."""
    return Region.objects.editable_by(user)


def review_refusal(user: AnyUser, report: ProgressReport) -> str:
    """Why ``user`` may not review ``report``; '' when they may. Who may is ``can(user, "dispatch.review", report)``;
    this only says why not, in the order the table checks.

    A lead unit (牵头单位) of the task reviews the other units' reports on it; nobody reviews their own
    submission: not the user who submitted it, not a user of the reporting unit (a unit that is both
    lead and responsible on a task does not approve its own report).
    """
    if can(user, "dispatch.review", report):
        return ""
    if not p.report_needs_lead_review(user, report):
        return "牵头单位自身的报送无需牵头单位审核"
    if not p.lead_unit_of_report_task(user, report):
        return "只有该任务的牵头单位可以审核配合单位、责任单位的报送"
    if p.submitted_report(user, report):
        return "不能审核本人提交的报送"
    return "不能审核本单位的报送，请由其他牵头单位审核"
