"""The ledger as an Excel sheet and back: reading an uploaded sheet and comparing it with the database.

Pure functions, no request handling, so that the web views, the API and the CLI share them:

* ``write_ledger(tasks)`` / ``write_template()`` — writing, in ``excel_export`` (re-exported here);
  the layout both sides share (columns, styles, cell text) is in ``excel_layout``;
* ``read_ledger(content)`` — the rows of an uploaded sheet (raises ``ExcelError`` on a bad file);
* comparing the rows with the ledger and applying them: ``excel_import`` (``build_preview``, ``apply_preview``).

Rows are matched by 系统编号 first; a plan whose numbering restarts in each section has repeated
序号, which is legal. Every cell is written by ``rectify.core.xlsx`` (no formulas, safe sheet titles).
"""
from __future__ import annotations

import datetime
import io
import re
import uuid as uuid_lib
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel

from rectify.core.xlsx import clean_text

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
