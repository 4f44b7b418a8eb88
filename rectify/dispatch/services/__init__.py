"""Dispatch decisions and writes. Views only parse and check; every step runs through
``rectify.core.actions`` (one transaction, the row locked, one history row per changed record).

By concept: ``permissions`` (who may), ``queries`` (reading and counting), ``rounds``, ``reports``
(a unit's report and its review), ``reminders`` and ``verification`` (quarterly sampling).
"""
from __future__ import annotations

from .permissions import (
    DispatchRefused,
    office_regions,
    review_refusal,
)
from .queries import (
    _reported,
    expected_assignments,
    expected_pairs,
    fresh_round_counts,
    fresh_unit_rows,
    missing_report_task_ids,
    missing_unit_ids,
    my_assignments,
    open_round_for,
    overdue_task_count,
    overdue_tasks,
    report_for,
    reviews_for,
    round_counts,
    round_label_counts,
    round_reports,
    unit_row_count,
    unit_rows,
    unit_users,
    visible_rounds,
)
from .reminders import _notify_function, notifications_available, send_reminder
from .reports import MAX_FILES_PER_REPORT, ReportInput, _report_snapshot, review_report, submit_report
from .rounds import close_round, open_round
from .verification import MAX_SAMPLE, draw_sample, record_finding, sample_population

__all__ = ["DispatchRefused", "MAX_FILES_PER_REPORT", "MAX_SAMPLE", "ReportInput", "_notify_function", "_report_snapshot", "_reported", "close_round", "draw_sample", "expected_assignments", "expected_pairs", "fresh_round_counts", "fresh_unit_rows", "missing_report_task_ids", "missing_unit_ids", "my_assignments", "notifications_available", "office_regions", "open_round", "open_round_for", "overdue_task_count", "overdue_tasks", "record_finding", "report_for", "review_refusal", "review_report", "reviews_for", "round_counts", "round_label_counts", "round_reports", "sample_population", "send_reminder", "submit_report", "unit_row_count", "unit_rows", "unit_users", "visible_rounds"]
