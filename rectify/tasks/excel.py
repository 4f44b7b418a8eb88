"""The ledger as an Excel sheet and back: reading an uploaded sheet and comparing it with the database.

Pure functions, no request handling, so that the web views, the API and the CLI share them:

* ``write_ledger(tasks)`` / ``write_template()`` — writing, in ``excel_export`` (re-exported here);
  the layout both sides share (columns, styles, cell text) is in ``excel_layout``;
* ``read_ledger(content)`` — the rows of an uploaded sheet (raises ``ExcelError`` on a bad file);
* ``build_preview(sheet, plan=…, region=…, user=…)`` — each row as 新增 / 修改 / 无变化 / 错误;
* ``apply_preview(preview, reason=…, expected=…)`` — writes everything in one transaction through
  ``services.create_task`` / ``services.update_task``.

Rows are matched by 系统编号 first; a plan whose numbering restarts in each section has repeated
序号, which is legal. Every cell is written by ``rectify.core.xlsx`` (no formulas, safe sheet titles).
"""
from __future__ import annotations

import datetime
import io
import re
import uuid as uuid_lib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel

from rectify.accounts.permissions import can
from rectify.core.models import ChangeRecord
from rectify.core.refusals import Refused
from rectify.core.types import AuthedUser
from rectify.core.versioning import StaleEdit
from rectify.core.xlsx import TRUNCATED, clean_text
from rectify.inspections.models import Plan
from rectify.regions.matching import find_unit, normalise_name
from rectify.regions.models import Region, Unit

from . import validation
from .excel_export import (
    document_order,
    ledger_ids,
    ledger_rows,
    prepare_export_queryset,
    task_row,
    write_ledger,
    write_template,
)
from .excel_layout import (
    CELL_LIMITS,
    COLUMNS,
    EXAMPLE_MARK,
    HEADER_ALIASES,
    HEADERS,
    LONG_TERM,
    MAX_UPLOAD_BYTES,
    MEASURE_NUMBER_RE,
    PRIORITY_NO,
    PRIORITY_YES,
    READ_ONLY_COLUMNS,
    SECTION_SEPARATOR,
    ExcelError,
    format_deadline,
    format_measures,
    format_milestones,
    format_section,
    format_units,
    natural_key,
    parse_section,
)
from .models import Assignment, Task
from .services import TaskData, TaskRefused, create_task, update_task

# Re-exported: callers import the ledger's Excel writing and layout from here as well.
__all__ = [
    "CELL_LIMITS",
    "COLUMNS",
    "EXAMPLE_MARK",
    "ExcelError",
    "HEADERS",
    "HEADER_ALIASES",
    "LONG_TERM",
    "MAX_UPLOAD_BYTES",
    "MEASURE_NUMBER_RE",
    "PRIORITY_NO",
    "PRIORITY_YES",
    "READ_ONLY_COLUMNS",
    "SECTION_SEPARATOR",
    "document_order",
    "format_deadline",
    "format_measures",
    "format_milestones",
    "format_section",
    "format_units",
    "ledger_ids",
    "ledger_rows",
    "natural_key",
    "parse_section",
    "prepare_export_queryset",
    "task_row",
    "write_ledger",
    "write_template",
]

# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------

MAX_DEADLINE_CHARS = CELL_LIMITS["整改时限"]
Deadline = validation.Deadline


def parse_deadline(value: Any) -> Deadline:
    """A 整改时限 cell: an Excel date, or text read by the task rules (``validation.read_deadline``):
    "2025-12-31", "2025年12月底", "2025年上半年", "2025年底前", "长期坚持" or a mix.

    Raises ``ValueError`` with a Chinese message when the cell cannot be understood.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return Deadline()
    if isinstance(value, datetime.datetime):
        return _checked(Deadline(date=value.date()))
    if isinstance(value, datetime.date):
        return _checked(Deadline(date=value))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 30000 <= value <= 80000:  # a date serial in a cell formatted as a number
            converted = from_excel(value)
            return _checked(Deadline(date=converted.date() if isinstance(converted, datetime.datetime) else converted))
        raise ValueError(f"无法识别的整改时限“{value}”，{validation.DEADLINE_FORMS}")
    return deadline_from_text(clean_text(value))


def deadline_from_text(text: str) -> Deadline:
    return validation.read_deadline(text)


def _checked(d: Deadline) -> Deadline:
    validation.check_year(d.date)
    return d


def parse_measures(value: Any) -> list[str]:
    """整改措施 text back into measures: numbered items (with continuation lines), else one per line."""
    lines = [line.strip() for line in clean_text(value).split("\n")]
    if not lines or not lines[0]:
        return []
    if not MEASURE_NUMBER_RE.match(lines[0]):
        return [line.strip() for line in lines if line.strip()]
    items: list[list[str]] = []
    for line in lines:
        if MEASURE_NUMBER_RE.match(line):
            items.append([MEASURE_NUMBER_RE.sub("", line, count=1)])
        else:
            items[-1].append(line)
    return [text for text in ("\n".join(item).strip() for item in items) if text]


def parse_units(value: Any) -> list[tuple[str, str]]:
    """责任单位 text as ``(role, name)`` pairs, by the （牵头）/（配合） suffixes (names as written)."""
    pairs: list[tuple[str, str]] = []
    for role, part in validation.role_parts(clean_text(value)):
        pairs += [(role, written) for written, _ in validation.unit_names(part) if (role, written) not in pairs]
    return pairs


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return clean_text(value)


@dataclass
class SheetRow:
    """One row of an uploaded ledger, parsed as far as that needs no database."""

    number: int  # the Excel row number, as the person sees it
    seq: str = ""
    section: str = ""  # as written: levels joined by " / "
    problem: str = ""
    title: str = ""
    target: str = ""
    measures: list[str] = field(default_factory=list)
    units: list[tuple[str, str]] = field(default_factory=list)  # (role, name as written)
    unit_pairs: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # role → (written, completed)
    responsible_person: str = ""
    deadline: Deadline = field(default_factory=Deadline)
    deadline_raw: str = ""
    progress: str = ""
    priority: bool | None = None  # None: the cell could not be read
    task_uuid: uuid_lib.UUID | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class LedgerSheet:
    rows: list[SheetRow]
    columns: set[str]  # the headers the sheet has (a missing column leaves that field alone)
    sheet_name: str = ""


def _header_key(value: Any) -> str:
    text = re.sub(r"\s+", "", clean_text(value))
    return HEADER_ALIASES.get(text, text)


def check_upload(content: bytes) -> None:
    """Refuse what is not an .xlsx file before handing it to openpyxl."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise ExcelError(f"文件太大（{len(content) / 1024 / 1024:.1f} MB），不能超过 10 MB")
    if not content:
        raise ExcelError("上传的文件是空的")
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise ExcelError("这是旧版 Excel（.xls）文件或已加密的文件，请在 Excel 中“另存为”.xlsx 格式（并取消密码）后再上传")
    if not content.startswith(b"PK\x03\x04"):
        raise ExcelError("文件不是 Excel（.xlsx）格式，请上传用 Excel 或 WPS 保存的 .xlsx 文件")


def read_ledger(content: bytes) -> LedgerSheet:
    """The task rows of an uploaded ledger. Raises ``ExcelError`` for a file that is not a usable sheet."""
    check_upload(content)
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, XML parse errors …: openpyxl raises many kinds
        raise ExcelError("文件已损坏或不是有效的 Excel（.xlsx）文件，无法读取。请用 Excel 打开后重新保存再上传。") from exc
    try:
        return _read_workbook(wb)
    except ExcelError:
        raise
    except Exception as exc:
        raise ExcelError("读取文件内容时出错，文件可能已损坏。请用 Excel 打开后重新保存再上传。") from exc
    finally:
        wb.close()


def _read_workbook(wb: Any) -> LedgerSheet:
    for ws in wb.worksheets:
        rows = ws.iter_rows(values_only=True)
        header: dict[str, int] | None = None
        header_row = 0
        for number, values in enumerate(rows, 1):
            keys = [_header_key(v) for v in values]
            if "序号" in keys and len(set(keys) & set(HEADERS)) >= 3:
                header = {}
                for i, k in enumerate(keys):
                    if k in HEADERS and k not in header:
                        header[k] = i
                header_row = number
                break
            if number >= 15:
                break
        if header is None:
            continue
        result = LedgerSheet(rows=[], columns=set(header), sheet_name=ws.title)
        for number, values in enumerate(rows, header_row + 1):
            row = _read_row(number, values, header)
            if row is not None:
                result.rows.append(row)
        return result
    raise ExcelError("表格中没有找到表头（需包含“序号”“整改措施”“责任单位”“整改时限”等列）。请使用系统导出的台账或空白模板填写。")


def _read_row(number: int, values: tuple[Any, ...], header: dict[str, int]) -> SheetRow | None:
    def get(name: str) -> Any:
        i = header.get(name)
        return values[i] if i is not None and i < len(values) else None

    if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
        return None
    row = SheetRow(number=number)
    # Lengths are checked before anything parses a cell, so that no parser ever sees a huge cell.
    too_long = _oversized_cells(row, get)

    def text(name: str) -> str:
        return "" if name in too_long else _cell_text(get(name))

    row.seq = text("序号")
    if row.seq == EXAMPLE_MARK:
        return None
    row.section = text("章节")
    row.problem = text("反馈问题")
    row.title = text("整改任务")
    row.target = text("整改目标")
    row.measures = [] if "整改措施" in too_long else parse_measures(get("整改措施"))
    if "责任单位" not in too_long:
        row.unit_pairs = validation.units_by_role(clean_text(get("责任单位")))
        row.units = [(role, written) for role, pairs in row.unit_pairs.items() for written, _ in pairs]
    row.responsible_person = text("责任人")
    row.progress = text("进展情况")
    row.deadline_raw = text("整改时限")
    row.priority = _parse_priority(row, text("重点"))
    if not row.seq and "序号" not in too_long:
        row.errors.append("缺少序号")
    if "整改时限" not in too_long:
        try:
            row.deadline = parse_deadline(get("整改时限"))
        except ValueError as exc:
            row.errors.append(str(exc))
    uuid_text = text("系统编号")
    if uuid_text:
        try:
            row.task_uuid = uuid_lib.UUID(uuid_text)
        except ValueError:
            row.errors.append(f"系统编号“{uuid_text[:40]}”格式不对，请勿修改导出表格中的系统编号（新增任务留空）")
    return row


def _oversized_cells(row: SheetRow, get: Any) -> set[str]:
    too_long = set()
    for name, limit in CELL_LIMITS.items():
        value = get(name)
        if isinstance(value, str) and len(value) > limit and len(clean_text(value)) > limit:
            too_long.add(name)
            row.errors.append(validation.too_long_message(name, len(clean_text(value)), limit))
    return too_long


def _parse_priority(row: SheetRow, value: str) -> bool | None:
    key = value.strip().lower()
    if key in PRIORITY_YES:
        return True
    if key in PRIORITY_NO:
        return False
    row.errors.append(f"“重点”列应填“是”或留空，不能填“{value[:10]}”")
    return None


# ---------------------------------------------------------------------------------------------
# Comparing with the database
# ---------------------------------------------------------------------------------------------

NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"
STATUS_LABELS = {NEW: "新增", CHANGED: "修改", UNCHANGED: "无变化", ERROR: "错误"}


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class RowResult:
    row: SheetRow
    status: str = UNCHANGED
    errors: list[str] = field(default_factory=list)
    changes: list[FieldChange] = field(default_factory=list)
    task: Task | None = None
    data: TaskData | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def matched(self) -> tuple[str, int] | None:
        """The task this row changes and the version it was compared against."""
        return (str(self.task.uuid), self.task.version) if self.task is not None else None


@dataclass
class ImportPreview:
    rows: list[RowResult]
    plan: Plan
    region: Region

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def counts(self) -> dict[str, int]:
        return {label: self.count(status) for status, label in STATUS_LABELS.items()}

    @property
    def has_errors(self) -> bool:
        return any(r.status == ERROR for r in self.rows)

    @property
    def to_apply(self) -> list[RowResult]:
        return [r for r in self.rows if r.status in (NEW, CHANGED)]

    def matches(self) -> dict[str, tuple[str, int] | None]:
        return {str(r.row.number): r.matched for r in self.rows}


def _task_queryset() -> QuerySet[Task]:
    return Task.objects.select_related("plan__inspection", "region", "parent").prefetch_related(
        "measures", "milestones", Prefetch("assignments", queryset=Assignment.objects.select_related("unit"))
    )


def _data_from_task(task: Task) -> TaskData:
    """Like ``services.task_data_from`` but reading only what ``_task_queryset`` prefetched."""
    units: dict[str, list[Unit]] = {}
    for a in sorted(task.assignments.all(), key=lambda a: a.id):
        units.setdefault(a.role, []).append(a.unit)
    return TaskData(
        plan=task.plan, region=task.region, seq=task.seq, feedback_no=task.feedback_no, section=list(task.section),
        title=task.title, problem=task.problem, target=task.target, responsible_person=task.responsible_person,
        deadline=task.deadline, deadline_text=task.deadline_text, long_term=task.long_term, priority=task.priority,
        progress=task.progress, completion=task.completion, parent=task.parent,
        measures=[m.text for m in task.measures.all()], milestones=[(m.date, m.text) for m in task.milestones.all()],
        units=units,
    )


_normalised = lru_cache(maxsize=8192)(normalise_name)


class _UnitFinder:
    """``find_unit`` with a cache, trying a task's own units first (they may lie outside its region's ancestors)."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, int], Unit | None] = {}

    def find(self, name: str, region: Region, current: Iterable[Unit] = ()) -> Unit | None:
        wanted = _normalised(name)
        for unit in current:
            if wanted in {_normalised(n) for n in [unit.name, *unit.aliases]}:
                return unit
        key = (wanted, region.pk)
        if key not in self.cache:
            self.cache[key] = find_unit(name, region)
        return self.cache[key]


TEXT_FIELDS = [("序号", "seq"), ("反馈问题", "problem"), ("整改任务", "title"), ("整改目标", "target"),
               ("责任人", "responsible_person"), ("进展情况", "progress")]


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _match_key(plan_id: int, section: str | None, seq: str) -> tuple[int, str | None, str]:
    return (plan_id, section, seq)


class _Matcher:
    """Finds the task a sheet row names (by 系统编号, else by 章节 and 序号 in the plan) and what the caller may do to it."""

    def __init__(self, sheet: LedgerSheet, plan: Plan, user: AuthedUser) -> None:
        self.plan = plan
        self.by_section = "章节" in sheet.columns
        uuids = {r.task_uuid for r in sheet.rows if r.task_uuid}
        seqs = {r.seq for r in sheet.rows if r.seq and not r.task_uuid}
        self.by_uuid: dict[uuid_lib.UUID, Task] = {}
        if uuids:
            self.by_uuid = {t.uuid: t for t in _task_queryset().filter(uuid__in=uuids)}
        self.by_key: dict[tuple[int, str | None, str], list[Task]] = {}
        if seqs:
            for t in _task_queryset().filter(plan=plan, seq__in=seqs):
                section = format_section(t.section) if self.by_section else None
                self.by_key.setdefault(_match_key(t.plan_id, section, t.seq), []).append(t)
        candidate_ids = {t.pk for t in self.by_uuid.values()} | {t.pk for ts in self.by_key.values() for t in ts}
        self.editable_ids = _ids_in(Task.objects.editable_by(user), candidate_ids)
        self.readable_ids = _ids_in(Task.objects.visible_to(user), candidate_ids)
        self.seen_keys: dict[tuple[int, str | None, str], int] = {}
        self.seen_tasks: dict[int, int] = {}

    def read_only(self, task: Task) -> bool:
        return task.pk in self.readable_ids and task.pk not in self.editable_ids

    def by_task_uuid(self, row: SheetRow, result: RowResult) -> Task | None:
        task = self.by_uuid.get(row.task_uuid) if row.task_uuid else None
        if task is None or task.pk not in self.editable_ids:
            result.errors.append(f"系统编号 {row.task_uuid} 对应的任务不存在或不在您可修改的范围内")
            return None
        return task

    def by_seq(self, row: SheetRow, result: RowResult) -> Task | None:
        key = _match_key(self.plan.pk, row.section if self.by_section else None, row.seq)
        found = self.by_key.get(key, [])
        where = f"章节“{row.section or '（无）'}”中" if self.by_section else ""
        task: Task | None = None
        if len(found) > 1:
            result.errors.append(f"方案“{self.plan.title}”{where}有 {len(found)} 项序号为 {row.seq} 的任务，请填写系统编号以区分")
        elif found:
            task = found[0]
            if task.pk not in self.editable_ids:
                result.errors.append(f"方案中序号为 {row.seq} 的任务不在您可修改的范围内")
                task = None
        elif key in self.seen_keys:
            result.errors.append(f"序号 {row.seq} 与第 {self.seen_keys[key]} 行重复（{where or '同一方案中'}序号相同的新任务无法区分，请改序号或填写章节）")
        self.seen_keys.setdefault(key, row.number)
        return task

    def found(self, row: SheetRow) -> Task | None:
        """The existing task the row names, before any check (None for a new row)."""
        if row.task_uuid:
            return self.by_uuid.get(row.task_uuid)
        if row.seq:
            found = self.by_key.get(_match_key(self.plan.pk, row.section if self.by_section else None, row.seq), [])
            return found[0] if len(found) == 1 else None
        return None

    def claim(self, task: Task, row: SheetRow, result: RowResult) -> None:
        """Two rows must not change the same task."""
        if task.pk in self.seen_tasks:
            result.errors.append(f"与第 {self.seen_tasks[task.pk]} 行对应同一项任务")
        self.seen_tasks.setdefault(task.pk, row.number)


def build_preview(sheet: LedgerSheet, *, plan: Plan, region: Region, user: AuthedUser) -> ImportPreview:
    """Each row compared with the ledger: what importing it would do, or why it cannot be imported.

    A row with a 系统编号 changes that task (of whatever plan) if ``user`` may edit it. A row without one
    matches the task of ``plan`` with its 章节 (when the sheet has that column) and 序号, or is new: new
    tasks go to ``plan`` and ``region`` (where their unit names are looked up), which must lie inside the
    caller's write scope. Repeated 序号 are legal (numbering restarts in each section).
    """
    matcher = _Matcher(sheet, plan, user)
    creatable = can(user, "region.write", region) and can(user, "region.write", plan.region)
    finder = _UnitFinder()
    results = [_preview_row(row, matcher, finder, sheet.columns, region=region, creatable=creatable) for row in sheet.rows]
    return ImportPreview(rows=results, plan=plan, region=region)


def _preview_row(row: SheetRow, matcher: _Matcher, finder: _UnitFinder, columns: set[str], *, region: Region,
                 creatable: bool) -> RowResult:
    result = RowResult(row=row, errors=list(row.errors))
    existing = matcher.found(row)
    if existing is not None and matcher.read_only(existing):
        _read_only_row(result, existing, columns, finder)
        return result
    task: Task | None = None
    if row.task_uuid:
        task = matcher.by_task_uuid(row, result)
    elif row.seq:
        task = matcher.by_seq(row, result)
    if task is not None:
        matcher.claim(task, row, result)
        result.task = task
        _compare(result, task, columns, finder)
    elif not row.task_uuid:
        if not creatable and not result.errors:
            result.errors.append(f"您没有在“{region.full_name}”新增任务的权限（只读角色不能导入新任务），全部未导入")
        _new(result, matcher.plan, region, columns, finder)
    if result.errors:
        result.status = ERROR
    return result


def _ids_in(tasks: QuerySet[Task], ids: set[int]) -> set[int]:
    return set(tasks.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()


def _read_only_row(result: RowResult, task: Task, columns: set[str], finder: _UnitFinder) -> None:
    """A task the caller may see but not change (e.g. as leader of another region): fine while unchanged."""
    _compare(result, task, columns, finder)
    changed = [c.label for c in result.changes]
    result.task, result.data, result.changes = None, None, []
    if changed:
        result.errors.append(f"您对该任务只有查看权限，不能修改（本行改动了：{'、'.join(changed)}）")
    result.status = ERROR if result.errors else UNCHANGED


def _resolve_units(result: RowResult, region: Region, finder: _UnitFinder, current: Iterable[Unit] = ()) -> dict[str, list[Unit]]:
    current = list(current)
    units: dict[str, list[Unit]] = {}
    missing: list[str] = []
    for role, pairs in result.row.unit_pairs.items():
        found, unknown = validation.resolve_units(pairs, region, lambda name, r: finder.find(name, r, current))
        missing += unknown
        units.setdefault(role, []).extend(u for u in found if u not in units[role])
    if missing:
        result.errors.append(validation.unknown_units_message(missing))
    return {role: us for role, us in units.items() if us}


def _new(result: RowResult, plan: Plan, region: Region, columns: set[str], finder: _UnitFinder) -> None:
    row = result.row
    result.status = NEW
    units = _resolve_units(result, region, finder)
    checked = validation.Checked({}, {"units": list(result.errors)})
    validation.check_task(
        checked, title=row.title, problem=row.problem, target=row.target, deadline=row.deadline.date,
        long_term=row.deadline.long_term, units=units, need_deadline=not any("整改时限" in e for e in result.errors),
    )
    result.errors = checked.messages()
    result.data = TaskData(
        plan=plan, region=region, seq=row.seq, problem=row.problem, title=row.title, target=row.target,
        responsible_person=row.responsible_person, deadline=row.deadline.date, deadline_text=row.deadline.text,
        long_term=row.deadline.long_term, progress=row.progress, measures=row.measures, units=units,
        section=parse_section(row.section) if "章节" in columns else [], priority=bool(row.priority) if "重点" in columns else False,
    )


def _measure_key(text: str) -> str:
    """A stored measure as it reads back from a cell (each line stripped)."""
    return "\n".join(line.strip() for line in clean_text(text).split("\n"))


def _unit_text(units: dict[str, list[Unit]]) -> str:
    return format_units((role, u.name) for role, us in units.items() for u in us)


def _compare(result: RowResult, task: Task, columns: set[str], finder: _UnitFinder) -> None:
    """What importing the row would change in ``task``: ``result.data`` (the task as it would be) and ``result.changes``."""
    data = _data_from_task(task)
    changes = [change for compare in _COMPARERS for change in compare(result, task, data, columns, finder)]
    if (data.seq, data.section) != (task.seq, task.section) and not result.errors:
        _check_seq_clash(result, task, data)
    result.data = data
    result.changes = changes
    result.status = CHANGED if changes else UNCHANGED


def _compare_texts(result: RowResult, task: Task, data: TaskData, columns: set[str], finder: _UnitFinder) -> list[FieldChange]:
    changes = []
    for label, name in TEXT_FIELDS:
        if label not in columns:
            continue
        old, new = getattr(task, name), getattr(result.row, name)
        if clean_text(old) != new and not new.endswith(TRUNCATED):  # a cut cell leaves the field as it is
            setattr(data, name, new)
            changes.append(FieldChange(label, _short(clean_text(old)) or "（空）", _short(new) or "（空）"))
    return changes


def _compare_measures(result: RowResult, task: Task, data: TaskData, columns: set[str], finder: _UnitFinder) -> list[FieldChange]:
    row = result.row
    if "整改措施" not in columns:
        return []
    old_measures = [_measure_key(m) for m in data.measures]
    if old_measures == row.measures or (row.measures and row.measures[-1].endswith(TRUNCATED)):
        return []
    data.measures = list(row.measures)
    return [FieldChange("整改措施", _short(format_measures(old_measures)) or "（空）", _short(format_measures(row.measures)) or "（空）")]


def _compare_units(result: RowResult, task: Task, data: TaskData, columns: set[str], finder: _UnitFinder) -> list[FieldChange]:
    if "责任单位" not in columns:
        return []
    current = [u for us in data.units.values() for u in us]
    units = _resolve_units(result, task.region, finder, current)
    old_keys = sorted((u.pk, role) for role, us in data.units.items() for u in us)
    new_keys = sorted({(u.pk, role) for role, us in units.items() for u in us})
    if old_keys == new_keys:
        return []
    if not units.get(Assignment.Role.LEAD) and not units.get(Assignment.Role.RESPONSIBLE) and not result.errors:
        result.errors.append(validation.NEED_UNIT)
    change = FieldChange("责任单位", _unit_text(data.units) or "（空）", _unit_text(units) or "（空）")
    data.units = units
    return [change]


def _compare_deadline(result: RowResult, task: Task, data: TaskData, columns: set[str], finder: _UnitFinder) -> list[FieldChange]:
    row = result.row
    if "整改时限" not in columns or any("整改时限" in e for e in row.errors):
        return []
    old_pair = (task.deadline, task.long_term)
    new_pair = (row.deadline.date, row.deadline.long_term)
    if old_pair == new_pair:
        return []
    if new_pair == (None, False):
        result.errors.append(validation.NEED_DEADLINE)
    data.deadline, data.long_term, data.deadline_text = row.deadline.date, row.deadline.long_term, row.deadline.text
    return [FieldChange("整改时限", format_deadline(*old_pair) or "（空）", format_deadline(*new_pair) or "（空）")]


def _compare_section(result: RowResult, task: Task, data: TaskData, columns: set[str], finder: _UnitFinder) -> list[FieldChange]:
    row = result.row
    if "章节" not in columns or format_section(task.section) == row.section:
        return []
    data.section = parse_section(row.section)
    return [FieldChange("章节", _short(format_section(task.section)) or "（空）", _short(row.section) or "（空）")]


def _compare_priority(result: RowResult, task: Task, data: TaskData, columns: set[str], finder: _UnitFinder) -> list[FieldChange]:
    row = result.row
    if "重点" not in columns or row.priority is None or row.priority == task.priority:
        return []
    data.priority = row.priority
    return [FieldChange("重点", "是" if task.priority else "否", "是" if row.priority else "否")]


def _check_seq_clash(result: RowResult, task: Task, data: TaskData) -> None:
    """A changed 序号 or 章节 must not collide with another task of the same section of the plan
    (repeated 序号 in different sections are legal)."""
    section_title = SECTION_SEPARATOR.join(data.section)[:200]
    others = Task.objects.filter(plan_id=task.plan_id, seq=data.seq, section_title=section_title).exclude(pk=task.pk)
    if others.exists():
        where = f"章节“{section_title}”中" if section_title else ""
        result.errors.append(f"方案{where}已有序号为 {data.seq} 的另一项任务")


_COMPARERS = (_compare_texts, _compare_measures, _compare_units, _compare_deadline, _compare_section, _compare_priority)


# ---------------------------------------------------------------------------------------------
# Applying
# ---------------------------------------------------------------------------------------------


class ImportRefused(Refused):
    """The import cannot be applied; nothing was written."""


def stale_rows(preview: ImportPreview, expected: dict[str, Any]) -> list[str]:
    """Rows whose task changed (or appeared / went away) since the preview the person confirmed."""
    problems = []
    for r in preview.rows:
        seen = expected.get(str(r.row.number))
        seen = tuple(seen) if seen else None
        now = r.matched
        if seen != now:
            if seen and now and seen[0] == now[0]:
                problems.append(f"第 {r.row.number} 行：{StaleEdit(now[1])}")
            else:
                problems.append(f"第 {r.row.number} 行：对应的任务在预览之后发生了变化，请重新上传文件预览。")
    if set(expected) - {str(r.row.number) for r in preview.rows}:
        problems.append("文件内容与预览时不一致，请重新上传。")
    return problems


def apply_preview(preview: ImportPreview, *, reason: str, expected: dict[str, Any] | None = None) -> tuple[int, int]:
    """Write every new and changed row in one transaction; returns (created, updated).

    ``expected`` maps row numbers to the (task uuid, version) shown in the preview: a task changed
    since then refuses the whole import with the ``StaleEdit`` message. Raises ``ImportRefused``.
    """
    if preview.has_errors:
        raise ImportRefused("表格中有错误，全部未导入。请改正后重新上传。")
    if expected is not None:
        problems = stale_rows(preview, expected)
        if problems:
            raise ImportRefused("\n".join(problems))
    created = updated = 0
    row = 0
    try:
        with transaction.atomic():
            for r in preview.to_apply:
                assert r.data is not None  # noqa: S101 - narrowing only: to_apply holds rows with data
                row = r.row.number
                if r.task is None:
                    create_task(r.data, reason=reason, action=ChangeRecord.Action.IMPORT)
                    created += 1
                else:
                    version = int(expected[str(r.row.number)][1]) if expected else r.task.version
                    if update_task(r.task, r.data, expected_version=version, reason=reason):
                        updated += 1
    except StaleEdit as exc:
        raise ImportRefused(f"{exc}（全部未导入）") from exc
    except TaskRefused as exc:
        raise ImportRefused(f"第 {row} 行：{exc}（全部未导入）") from exc
    return created, updated
