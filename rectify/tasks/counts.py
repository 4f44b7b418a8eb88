"""The ledger's counts above the list from the maintained counts (``TaskCount``) when they can answer.

They answer the landing page (no filter other than the state) of a user whose scope is whole region
subtrees: the administrator (every row of the table) and a user whose every grant is over a region
(an office, a leader: the rows under their paths). A user with a unit role also sees the tasks their
units are assigned to, outside any subtree, and a filtered page counts other rows: those are counted
from the tasks (``views.state_counts``, an index-only scan of the caller's tasks). The overdue count
depends on today's date: it is counted from the partial index ``task_open_deadline`` (open dated tasks,
a range on the deadline).
"""
from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, Sum

from rectify.accounts.roles import UNIT_ROLES, is_admin
from rectify.accounts.scope import region_paths
from rectify.core.types import AnyUser

from .models import Task, TaskCount, overdue_q
from .states import TaskState


def counter_paths(user: AnyUser) -> list[str] | None:
    """The region paths whose counts make up the user's ledger ([""] for everything), or None when the
    user's scope is not whole subtrees (a unit role)."""
    if not user or not user.is_authenticated:
        return None
    if is_admin(user):
        return [""]
    if any(g.role in UNIT_ROLES for g in user.grants):
        return None
    paths = sorted(set(region_paths(user)))
    # a path under another one is counted with it
    return [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]


def _under(paths: list[str], field: str = "region_path") -> Q:
    if paths == [""]:
        return Q()
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def counted_state_counts(user: AnyUser, today: datetime.date) -> tuple[list[dict[str, Any]], int, int] | None:
    """(per state, overdue, to complete) as ``views.state_counts`` gives them, from ``TaskCount``; None when
    the counters cannot answer for this user."""
    paths = counter_paths(user)
    if paths is None:
        return None
    if not paths:
        return [{"value": s.value, "label": s.label, "count": 0} for s in TaskState], 0, 0
    counts: dict[str, int] = {}
    incomplete = 0
    rows = TaskCount.objects.filter(_under(paths)).values_list("state", "needs_completion").annotate(total=Sum("n")).order_by()
    for state, needs_completion, total in rows:
        counts[state] = counts.get(state, 0) + int(total or 0)
        if needs_completion:
            incomplete += int(total or 0)
    overdue = Task.objects.filter(overdue_q(today)).filter(_under(paths)).count()
    return [{"value": s.value, "label": s.label, "count": counts.get(s.value, 0)} for s in TaskState], overdue, incomplete
