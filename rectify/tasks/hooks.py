"""Questions about a task that a step above the ledger answers, asked without importing that step.

The traffic lights (supervision) count a task whose unit did not report in a due reporting round
(dispatch) as late. Supervision and dispatch are peers and may not import each other, so dispatch
registers its answer here when it starts (``DispatchConfig.ready``) and supervision asks here.
The ledger's pages show each task's light, but the ledger is below supervision: supervision registers
what it adds to the tasks shown (``on_show``) and the pages call ``prepare_for_display``.
"""
from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import Any

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


ShowTasks = Callable[[Sequence[Any]], object]

_on_show: list[ShowTasks] = []


def on_show(func: ShowTasks) -> ShowTasks:
    """Register ``func(tasks)``, run on the tasks a ledger page is about to show, to set what a step
    above the ledger shows on them (supervision sets ``task.light``, ``SupervisionConfig.ready``)."""
    if func not in _on_show:
        _on_show.append(func)
    return func


def prepare_for_display(tasks: Sequence[Any]) -> None:
    """Let every registered step decorate the tasks a page shows (the ledger's rows, a task's page)."""
    for func in _on_show:
        func(tasks)
