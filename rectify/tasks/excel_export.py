"""Writing the ledger as an Excel sheet: the export and the blank template.

A large export must not build a model object per task, measure and unit. ``write_ledger`` reads
rows as tuples (``values_list``) in chunks of task ids — one query for the tasks with their region and
plan names, one each for their measures, milestones and units per chunk — turns each into the sheet's
cells with precomputed column functions, and writes them with ``rectify.core.xlsx.StyledRows``
(one reused cell object per column). The order is fixed up front by ``ledger_ids``, so the same
list of ids can be written now (small exports) or later by a background job (large ones).
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from openpyxl.styles import Font

from rectify.core.xlsx import StyledRows, XlsxWriter, cell, style_cell
from rectify.regions.models import Region

from .excel_layout import (
    BODY_FONT,
    BORDER,
    CENTER,
    COLUMNS,
    EXAMPLE_FONT,
    EXAMPLE_MARK,
    HEADER_FILL,
    HEADER_FONT,
    HEADERS,
    UUID_FONT,
    WRAP,
    _append_row,
    _column_styles,
    _setup_sheet,
    format_deadline,
    format_measures,
    format_milestones,
    format_section,
    format_units,
    natural_key,
)
from .models import Assignment, Measure, Milestone, Task
from .states import TaskState

#: Task ids per round of queries: four queries per chunk, well under every database's parameter limit.
CHUNK_SIZE = 2000
#: The task fields one row needs, in the order ``_row_function`` reads them.
ROW_FIELDS = ("pk", "seq", "section", "problem", "title", "target", "responsible_person", "deadline", "long_term",
              "priority", "progress", "state", "uuid", "region_id", "region__name", "region__level", "region__parent__name",
              "region__parent__level", "plan__title")
STATE_LABELS = {s.value: s.label for s in TaskState}

Progress = Callable[[int], None]


def prepare_export_queryset(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """The tasks with what a sheet row shows prefetched (for callers that want model objects)."""
    # prefetch_related(None) drops the caller's prefetches, so the ones below cannot clash with them.
    return tasks.select_related("region__parent", "plan").prefetch_related(None).prefetch_related(
        "measures", "milestones",
        Prefetch("assignments", queryset=Assignment.objects.select_related("unit").order_by("role", "id")),
    )


def ledger_ids(tasks: QuerySet[Task], *, keep_order: bool = False) -> list[int]:
    """The ids of ``tasks`` in the order the sheet lists them, in one query.

    ``keep_order``: the query set's own order (the caller chose one). Otherwise document order: plan
    by plan, each plan's sections in the order their first task was created in (the order of the
    imported document) and 序号 in natural order within a section (1, 2 … 10, 11).
    """
    tasks = tasks.prefetch_related(None)
    if keep_order:
        return list(tasks.values_list("pk", flat=True))
    keys = list(tasks.order_by().values_list("pk", "plan_id", "section_title", "seq"))
    first_seen: dict[tuple[int, str], int] = {}
    for pk, plan_id, section, _ in keys:
        key = (plan_id, section)
        first_seen[key] = min(first_seen.get(key, pk), pk)
    keys.sort(key=lambda k: (k[1], first_seen[(k[1], k[2])], natural_key(k[3]), k[0]))
    return [k[0] for k in keys]


def document_order(tasks: QuerySet[Task], chunk_size: int = 500) -> Iterator[Task]:
    """The tasks as model objects in document order (see ``ledger_ids``), fetched in chunks."""
    ids = ledger_ids(tasks)
    base = prepare_export_queryset(Task.objects.all())
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start:start + chunk_size]
        found = base.in_bulk(chunk)
        yield from (found[pk] for pk in chunk if pk in found)


def _region_name(name: str, level: str, parent_name: str | None, parent_level: str | None) -> str:
    """``Region.full_name`` from the joined columns (an unsaved region, so the rule stays in one place)."""
    parent = Region(name=parent_name, level=parent_level or "") if parent_name is not None else None
    return Region(name=name, level=level, parent=parent).full_name


def _grouped(rows: Iterable[tuple[Any, ...]]) -> dict[int, list[tuple[Any, ...]]]:
    result: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for task_id, *rest in rows:
        result[task_id].append(tuple(rest))
    return result


def ledger_rows(ids: Sequence[int], *, chunk_size: int = CHUNK_SIZE, progress: Progress | None = None) -> Iterator[list[Any]]:
    """The sheet rows (cell values in ``HEADERS`` order) of the tasks ``ids``, in that order.

    Ids of tasks deleted in the meantime are skipped. ``progress(n)`` is called after each chunk with
    the number of ids handled so far.
    """
    regions: dict[int, str] = {}
    done = 0
    for start in range(0, len(ids), chunk_size):
        chunk = list(ids[start:start + chunk_size])
        tasks = {row[0]: row for row in Task.objects.filter(pk__in=chunk).order_by().values_list(*ROW_FIELDS)}
        measures = _grouped(Measure.objects.filter(task_id__in=chunk).order_by("task_id", "order").values_list("task_id", "text"))
        milestones = _grouped(Milestone.objects.filter(task_id__in=chunk).order_by("task_id", "date", "id")
                              .values_list("task_id", "date", "text"))
        units = _grouped(Assignment.objects.filter(task_id__in=chunk).order_by("task_id", "id")
                         .values_list("task_id", "role", "unit__name"))
        for pk in chunk:
            task = tasks.get(pk)
            if task is None:
                continue
            (_, seq, section, problem, title, target, person, deadline, long_term, priority, progress_text, state, uuid,
             region_id, *region, plan_title) = task
            region_name = regions.get(region_id)
            if region_name is None:
                region_name = regions[region_id] = _region_name(*region)
            yield [
                seq,
                format_section(section or []),
                problem,
                title,
                target,
                format_measures(m[0] for m in measures.get(pk, ())),
                format_milestones(milestones.get(pk, ())),
                format_units(units.get(pk, ())),
                person,
                format_deadline(deadline, long_term),
                "是" if priority else "",
                progress_text,
                STATE_LABELS.get(state, state),
                region_name,
                plan_title,
                str(uuid),
            ]
        done += len(chunk)
        if progress is not None:
            progress(done)


def task_row(task: Task) -> list[Any]:
    """One task's sheet row from a model object (prefetched as ``prepare_export_queryset`` does)."""
    assignments = sorted(task.assignments.all(), key=lambda a: a.id)
    return [
        task.seq, format_section(task.section), task.problem, task.title, task.target,
        format_measures(m.text for m in task.measures.all()),
        format_milestones((m.date, m.text) for m in task.milestones.all()),
        format_units((a.role, a.unit.name) for a in assignments),
        task.responsible_person, format_deadline(task.deadline, task.long_term), "是" if task.priority else "",
        task.progress, STATE_LABELS.get(task.state, task.state), task.region.full_name, task.plan.title, str(task.uuid),
    ]


def ledger_title(today: datetime.date, title: str = "整改任务台账") -> str:
    return f"{title}（截至{today.year}年{today.month}月{today.day}日）"


def write_rows(rows: Iterable[list[Any]], *, today: datetime.date | None = None, title: str = "整改任务台账") -> bytes:
    """Sheet rows (``HEADERS`` order) as the ledger .xlsx file."""
    writer = XlsxWriter()
    ws = writer.sheet("整改台账")
    _setup_sheet(ws, ledger_title(today or timezone.localdate(), title))
    out = StyledRows(ws, _column_styles(ws, BODY_FONT, UUID_FONT))
    for row in rows:
        out.append(row)
    return writer.save()


def write_ledger(tasks: Iterable[Task] | QuerySet[Task], *, today: datetime.date | None = None, title: str = "整改任务台账",
                 keep_order: bool = False, progress: Progress | None = None) -> bytes:
    """The tasks as an .xlsx file (write-only: rows go to disk as they are produced).

    A query set is read as tuples in chunks (``ledger_rows``), in document order unless ``keep_order``
    (the caller chose an ordering); other iterables of tasks are written as given.
    """
    if isinstance(tasks, QuerySet):
        rows: Iterable[list[Any]] = ledger_rows(ledger_ids(tasks, keep_order=keep_order), progress=progress)
    else:
        rows = (task_row(t) for t in tasks)
    return write_rows(rows, today=today, title=title)


EXAMPLE_VALUES = {
    "序号": EXAMPLE_MARK,
    "章节": "三、主要措施 / （一）强化责任落实",
    "反馈问题": "（示例）某河道两岸存在生活垃圾堆放问题，群众反映强烈。",
    "整改任务": "河道垃圾清理整治",
    "整改目标": "2025年底前完成河道两岸垃圾清理，建立长效保洁机制。",
    "整改措施": "1. 开展河道两岸垃圾排查，建立问题台账\n2. 组织集中清理，做到日产日清\n3. 建立河长巡河和保洁考核制度",
    "时间节点": "（导入时忽略）",
    "责任单位": "市生态环境局（牵头）、城区人民政府、市水务局（配合）",
    "责任人": "张三（局长）",
    "整改时限": "2025-12-31",
    "重点": "是",
    "进展情况": "已完成排查，正在清理。",
    "状态": "（导入时忽略）",
    "区划": "（导入时忽略）",
    "整改方案": "（导入时忽略）",
    "系统编号": "",
}
EXAMPLE_ROW = [EXAMPLE_VALUES[name] for name in HEADERS]


def write_template(*, plan_title: str = "") -> bytes:
    """A blank ledger: the header, one example row (ignored on import) and a sheet of instructions."""
    writer = XlsxWriter()
    ws = writer.sheet("整改台账")
    _setup_sheet(ws, f"整改任务台账{('（' + plan_title + '）') if plan_title else ''}")
    _append_row(ws, EXAMPLE_ROW, font=EXAMPLE_FONT, last_font=EXAMPLE_FONT)
    help_ws = writer.sheet("填写说明")
    help_ws.column_dimensions["A"].width = 14
    help_ws.column_dimensions["B"].width = 90
    help_ws.merged_cells.add("A1:B1")
    help_ws.row_dimensions[1].height = 32
    intro = ("填写说明：请在“整改台账”工作表第 3 行起逐行填写，一行一项任务。"
             "灰色斜体的示例行（序号为“示例”）导入时会被忽略，可以删除。")
    help_ws.append([cell(help_ws, intro, style_cell(help_ws, font=Font(name="宋体", size=11, bold=True), alignment=WRAP))])
    head = style_cell(help_ws, font=HEADER_FONT, fill=HEADER_FILL, border=BORDER, alignment=CENTER)
    XlsxWriter.append(help_ws, ["列名", "填写要求"], [head, head])
    notes = [(name, text) for name, _, text in COLUMNS] + [
        ("导入规则", "上传后系统先显示预览（新增、修改、无变化、错误），确认后才写入。只要有一行出错，整个文件都不会导入，"
         "请改正后重新上传。每项修改都记入变更记录，原因为“Excel导入：文件名”。"
         "有系统编号的行按系统编号对应任务，序号可以重复（如各章节重新编号）。"
         "只能修改您有修改权限的任务，新增任务只能导入到您所在整改办的区划。"),
        ("文件要求", "只接受 .xlsx 格式（旧版 .xls 请在 Excel 中另存为 .xlsx），文件不超过 10 MB。"),
    ]
    name_style = style_cell(help_ws, font=HEADER_FONT, border=BORDER, alignment=CENTER)
    text_style = style_cell(help_ws, font=BODY_FONT, border=BORDER, alignment=WRAP)
    for name, text in notes:
        XlsxWriter.append(help_ws, [name, text], [name_style, text_style])
    return writer.save()
