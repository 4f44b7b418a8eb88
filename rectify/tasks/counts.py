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
from typing import Any, NamedTuple

from django.db import connections, router
from django.db.models import Sum

from rectify.accounts.scope import subtree_paths, under_paths_q
from rectify.core.types import AnyUser

from .models import AssignmentCount, Task, TaskCount, overdue_q
from .states import TaskState


class LedgerCounts(NamedTuple):
    """The counts above the ledger: per state (``value``, ``label``, ``count``), overdue, to complete; ``more_than``:
    the matches were read up to that many and there were more, so none is counted (the counts are None)."""

    states: list[dict[str, Any]]
    overdue: int | None
    incomplete: int | None
    more_than: int | None = None


def counted_state_counts(user: AnyUser, today: datetime.date) -> LedgerCounts | None:
    """(per state, overdue, to complete) as ``views.state_counts`` gives them, from ``TaskCount``; None when
    the counters cannot answer for this user."""
    paths = subtree_paths(user)
    if paths is None:
        return None
    if not paths:
        return LedgerCounts([{"value": s.value, "label": s.label, "count": 0} for s in TaskState], 0, 0)
    counts: dict[str, int] = {}
    incomplete = overdue = 0
    alias = router.db_for_read(TaskCount)
    sql, params = _counts_statement(alias, tuple(paths), today)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for state, needs_completion, total in rows:
        if state is None:  # the overdue tasks' row
            overdue = int(total or 0)
            continue
        counts[state] = counts.get(state, 0) + int(total or 0)
        if needs_completion:
            incomplete += int(total or 0)
    return LedgerCounts([{"value": s.value, "label": s.label, "count": counts.get(s.value, 0)} for s in TaskState], overdue, incomplete)


# The statement of the counts above a landing page by (database, region paths, day): the ORM's two queries
# joined into one, compiled once. Compiling them cost ~2 ms of CPU per ledger page, the statement ~0.2 ms.
_COUNTS_STATEMENTS: dict[tuple[str, tuple[str, ...], datetime.date], tuple[str, tuple[Any, ...]]] = {}
_COUNTS_STATEMENTS_KEPT = 2000


def _counts_statement(alias: str, paths: tuple[str, ...], today: datetime.date) -> tuple[str, tuple[Any, ...]]:
    """One statement: a row (state, to complete, tasks) per maintained counter group under ``paths``, then
    (NULL, NULL, the open tasks past their deadline on ``today``), counted from the partial index
    ``task_open_deadline`` as ``Task.objects.filter(overdue_q(today)).count()`` counts them."""
    key = (alias, paths, today)
    found = _COUNTS_STATEMENTS.get(key)
    if found is None:
        under = under_paths_q(list(paths))  # everything ([""]) is no condition at all
        counters = (TaskCount.objects.using(alias).filter(under).values_list("state", "needs_completion")
                    .annotate(total=Sum("n")).order_by())
        overdue_tasks = Task.objects.using(alias).filter(overdue_q(today), under).order_by().values("pk")
        counters_sql, counters_params = counters.query.sql_with_params()
        overdue_sql, overdue_params = overdue_tasks.query.sql_with_params()
        sql = (f"SELECT * FROM ({counters_sql}) counters "  # noqa: S608  (the ORM's own statements)
               f"UNION ALL SELECT NULL, NULL, COUNT(*) FROM ({overdue_sql}) overdue")
        if len(_COUNTS_STATEMENTS) >= _COUNTS_STATEMENTS_KEPT:
            _COUNTS_STATEMENTS.clear()
        found = _COUNTS_STATEMENTS[key] = (sql, (*counters_params, *overdue_params))
    return found


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
