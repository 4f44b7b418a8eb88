"""Reporting rounds (调度): an office opens one over its region and closes it."""
from __future__ import annotations

import datetime

from django.db import transaction

from rectify.accounts.permissions import can
from rectify.core.actions import Action
from rectify.core.history import record_change, snapshot
from rectify.core.models import ChangeRecord
from rectify.core.types import AuthedUser
from rectify.regions.models import Region

from ..models import ReportingRound
from .permissions import DispatchRefused

ROUND_STEP = Action(ReportingRound, reason="结束调度", select_related=("region",))


@transaction.atomic
def open_round(user: AuthedUser, *, region: Region, title: str, period_start: datetime.date, period_end: datetime.date,
               due_date: datetime.date) -> ReportingRound:
    if not can(user, "dispatch.open_round", region):
        raise DispatchRefused("只有该区域的整改办可以发起调度")
    if period_end < period_start:
        raise DispatchRefused("调度期止不能早于调度期起")
    if due_date < period_start:
        raise DispatchRefused("报送截止日期不能早于调度期起")
    round_ = ReportingRound.objects.create(region=region, title=title.strip(), period_start=period_start,
                                           period_end=period_end, due_date=due_date, opened_by=user)
    record_change(round_, ChangeRecord.Action.CREATE, after=snapshot(round_), reason="发起调度", user=user)
    return round_


def close_round(round_: ReportingRound, user: AuthedUser, *, expected_version: int) -> ReportingRound:
    if not can(user, "dispatch.manage_round", round_):
        raise DispatchRefused("只有该区域的整改办可以结束调度")
    with ROUND_STEP(round_, user, expected_version=expected_version) as act:
        round_ = act.obj
        if not round_.is_open:
            raise DispatchRefused("该调度已经结束")
        round_.status = ReportingRound.Status.CLOSED
        act.save(["status"])
    return round_

