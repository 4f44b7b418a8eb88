"""Questions about a task that a step above the ledger answers, asked without importing that step.

The traffic lights (supervision) count a task whose unit did not report in a due reporting round
(dispatch) as late. Supervision and dispatch are peers and may not import each other, so dispatch
registers its answer here when it starts (``DispatchConfig.ready``) and supervision asks here.
The ledger's pages show each task's light, but the ledger is below supervision: supervision registers
what it adds to the tasks shown (``on_show``) and the pages call ``prepare_for_display``. What they read
about the tasks shown is added to the page's ``core.reads.Reads``, asked in one statement with the page's own.
"""
from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from rectify.core.reads import Read, Reads, reading

MissingReports = Callable[[dict[int, str], datetime.date], Read | None]

_missing_reports: list[MissingReports] = []


def answer_missing_reports(func: MissingReports) -> MissingReports:
    """Register ``func(task id → region path, today) → the read of the tasks with a missing report`` (rows:
    a task id), None when it need not read."""
    if func not in _missing_reports:
        _missing_reports.append(func)
    return func


def missing_report_reads(task_paths: dict[int, str], today: datetime.date) -> list[Read]:
    """The reads of the tasks with a unit that did not report when due (rows: a task id), to ask with others."""
    return [read for func in _missing_reports if (read := func(task_paths, today)) is not None]


class ShowTasks(Protocol):
    def __call__(self, tasks: Sequence[Any], *, reads: Reads) -> object: ...


_on_show: list[ShowTasks] = []


def on_show(func: ShowTasks) -> ShowTasks:
    """Register ``func(tasks, reads=…)``, run on the tasks a ledger page is about to show, to set what a step
    above the ledger shows on them (supervision sets ``task.light``, ``SupervisionConfig.ready``) once the
    reads it adds to the page's ``reads`` are answered (``Reads.then``)."""
    if func not in _on_show:
        _on_show.append(func)
    return func


def prepare_for_display(tasks: Sequence[Any], reads: Reads | None = None) -> None:
    """Let every registered step decorate the tasks a page shows (the ledger's rows, a task's page): when
    ``reads`` runs (the page's, with its own reads), else now."""
    with reading(reads) as page_reads:
        for func in _on_show:
            func(tasks, reads=page_reads)
