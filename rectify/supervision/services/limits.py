"""Time limits of a notice: the region's rule, due dates, and dates after a send-back."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from rectify.regions.models import Region
from rectify.regions.paths import path_prefixes

from ..models import ExtensionRequest, SupervisionNotice, SupervisionRule
from .constants import DUE_FIELD, Step

# ---------------------------------------------------------------- time limits

@dataclass(frozen=True)
class Limits:
    arrange_days: int = 1
    report_days: int = 3
    ordinary_done_days: int = 7
    major_done_days: int = 30
    working_days: bool = False


def limits_for(region: Region) -> Limits:
    """The nearest rule up the task region's path; a rule for the region's own level beats an all-levels one."""
    prefixes = path_prefixes(region.path)
    rules = SupervisionRule.objects.filter(region__path__in=prefixes, level__in=[region.level, ""]).select_related("region")
    best: dict[str, dict[str, SupervisionRule]] = {}
    for r in rules:
        best.setdefault(r.region.path, {})[r.level] = r
    for prefix in reversed(prefixes):
        found = best.get(prefix)
        if found:
            rule = found.get(region.level) or found[""]
            return Limits(rule.arrange_days, rule.report_days, rule.ordinary_done_days, rule.major_done_days, rule.working_days)
    return Limits()


def add_days(start: datetime.date, days: int, working: bool) -> datetime.date:
    if working:
        from rectify.core.workdays import add_working_days

        return add_working_days(start, days)
    return start + datetime.timedelta(days=days)


def due_dates(start: datetime.date, kind: str, limits: Limits) -> dict[str, datetime.date]:
    done_days = limits.major_done_days if kind == SupervisionNotice.Kind.MAJOR else limits.ordinary_done_days
    return {
        "arranged_by": add_days(start, limits.arrange_days, limits.working_days),
        "first_report_by": add_days(start, limits.report_days, limits.working_days),
        "done_by": add_days(start, done_days, limits.working_days),
    }



def approved_dates(notice: SupervisionNotice) -> dict[str, datetime.date]:
    """The latest approved extension of each step, by due-date field (``done_by`` …)."""
    dates: dict[str, datetime.date] = {}
    for step, new_date in (notice.extensions.filter(decision=ExtensionRequest.Decision.APPROVED)
                           .order_by("decided_at", "id").values_list("step", "new_date")):
        dates[DUE_FIELD[Step(step)]] = new_date
    return dates


def restarted_due_dates(notice: SupervisionNotice, today: datetime.date, limits: Limits) -> dict[str, datetime.date]:
    """The limits run again from ``today``, but never earlier than an approved extension: an approved
    extension stays until a person changes it (a send-back only ever gives more time)."""
    dates = due_dates(today, notice.kind, limits)
    for name, approved in approved_dates(notice).items():
        dates[name] = max(dates[name], approved)
    return dates
