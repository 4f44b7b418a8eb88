"""The ledger's counts above the list from the maintained counts (``TaskCount``) when they can answer, and the
API's count of the caller's task assignments (``AssignmentCount``).

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

from django.db.models import Sum

from rectify.accounts.scope import subtree_paths, under_paths_q
from rectify.core.types import AnyUser

from .models import AssignmentCount, Task, TaskCount, overdue_q
from .states import TaskState


def counted_state_counts(user: AnyUser, today: datetime.date) -> tuple[list[dict[str, Any]], int, int] | None:
    """(per state, overdue, to complete) as ``views.state_counts`` gives them, from ``TaskCount``; None when
    the counters cannot answer for this user."""
    paths = subtree_paths(user)
    if paths is None:
        return None
    if not paths:
        return [{"value": s.value, "label": s.label, "count": 0} for s in TaskState], 0, 0
    counts: dict[str, int] = {}
    incomplete = 0
    under = under_paths_q(paths)  # everything ([""]) is no condition at all
    counters, overdue_tasks = TaskCount.objects.filter(under), Task.objects.filter(overdue_q(today), under)
    rows = counters.values_list("state", "needs_completion").annotate(total=Sum("n")).order_by()
    for state, needs_completion, total in rows:
        counts[state] = counts.get(state, 0) + int(total or 0)
        if needs_completion:
            incomplete += int(total or 0)
    overdue = overdue_tasks.count()
    return [{"value": s.value, "label": s.label, "count": counts.get(s.value, 0)} for s in TaskState], overdue, incomplete


def tasks_in_scope(user: AnyUser) -> int | None:
    """How many tasks the user's scope holds, from ``TaskCount``; None when the counters cannot answer (a unit
    role's scope is not whole region subtrees: it is small)."""
    paths = subtree_paths(user)
    if paths is None:
        return None
    if not paths:
        return 0
    return int(TaskCount.objects.filter(under_paths_q(paths)).aggregate(total=Sum("n"))["total"] or 0)


def assignments_in_scope(user: AnyUser) -> int | None:
    """How many task assignments the tasks of the user's scope hold, from ``AssignmentCount``; None when the counters
    cannot answer (as ``tasks_in_scope``)."""
    paths = subtree_paths(user)
    if paths is None:
        return None
    if not paths:
        return 0
    return int(AssignmentCount.objects.filter(under_paths_q(paths)).aggregate(total=Sum("n"))["total"] or 0)
