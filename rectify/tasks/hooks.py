"""Questions about a task that a step above the ledger answers, asked without importing that step.

The traffic lights (supervision) count a task whose unit did not report in a due reporting round
(dispatch) as late. Supervision and dispatch are peers and may not import each other, so dispatch
registers its answer here when it starts (``DispatchConfig.ready``) and supervision asks here.
"""
from __future__ import annotations

import datetime
from collections.abc import Callable

MissingReports = Callable[[dict[int, str], datetime.date], set[int]]

_missing_reports: list[MissingReports] = []


def answer_missing_reports(func: MissingReports) -> MissingReports:
    """Register ``func(task id → region path, today) → ids of tasks with a missing report``."""
    if func not in _missing_reports:
        _missing_reports.append(func)
    return func


def missing_report_ids(task_paths: dict[int, str], today: datetime.date) -> set[int]:
    """Of the tasks, those with a unit that did not report when due (none when no step answers)."""
    found: set[int] = set()
    for func in _missing_reports:
        found |= func(task_paths, today)
    return found
