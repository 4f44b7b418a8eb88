"""A reporting round's progress reports as an Excel sheet, read as tuples in chunks of report ids.

The view chooses the reports (the caller's round, filters and order) and either writes them at once
or, above ``RECTIFY_EXPORT_BACKGROUND_ROWS``, queues ``ROUND_EXPORT`` (built by
``rectify.dispatch.jobs.build_round_export``)."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db.models import Count
from django.utils import timezone
from openpyxl.styles import Alignment, Font

from rectify.core.xlsx import StyledRows, XlsxWriter, style_cell

from .labels import ScheduleLabel
from .models import ProgressReport

ROUND_EXPORT = "dispatch.round_reports"
CHUNK_SIZE = 2000
HEADERS = ["序号", "整改任务", "责任单位", "进展情况", "序时进度", "报送时间", "附件数"]
WIDTHS = (6, 40, 20, 60, 14, 18, 8)
SCHEDULE_LABELS = dict(ScheduleLabel.choices)


def report_rows(ids: Sequence[int], *, chunk_size: int = CHUNK_SIZE, progress: Callable[[int], None] | None = None) -> Iterator[list[Any]]:
    """The sheet rows of the reports ``ids``, in that order (one query per chunk; deleted reports skipped)."""
    n = 0
    for start in range(0, len(ids), chunk_size):
        chunk = list(ids[start:start + chunk_size])
        found = {
            row[0]: row for row in ProgressReport.objects.filter(pk__in=chunk).order_by().annotate(file_count=Count("files")).values_list(
                "pk", "assignment__task__seq", "assignment__task__title", "assignment__task__problem", "unit__name", "text",
                "schedule", "submitted_at", "file_count",
            )
        }
        for pk in chunk:
            row = found.get(pk)
            if row is None:
                continue
            n += 1
            _, seq, title, problem, unit, text, schedule, submitted_at, files = row
            submitted = timezone.localtime(submitted_at).strftime("%Y-%m-%d %H:%M") if submitted_at else ""
            yield [n, f"{seq}. {title or problem}", unit, text, SCHEDULE_LABELS.get(schedule, schedule), submitted, files]
        if progress is not None:
            progress(start + len(chunk))


def write_round_reports(title: str, ids: Sequence[int], *, progress: Callable[[int], None] | None = None) -> bytes:
    writer = XlsxWriter()
    ws = writer.sheet(title, "调度")
    for column, width in zip("ABCDEFG", WIDTHS, strict=True):
        ws.column_dimensions[column].width = width
    head = style_cell(ws, font=Font(bold=True), alignment=Alignment(horizontal="center"))
    writer.append(ws, HEADERS, [head] * len(HEADERS))
    out = StyledRows(ws, [None] * len(HEADERS))
    for row in report_rows(ids, progress=progress):
        out.append(row)
    return writer.save()
