"""The ledger sheet's layout, shared by the export (``excel_export``) and the import (``excel``):
columns, styles, and how task fields become cell text."""
from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from rectify.core.refusals import Refused
from rectify.core.xlsx import MAX_CELL_CHARS, XlsxWriter, cell, clean_text, style_cell

from . import validation
from .models import Assignment

# ---------------------------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------------------------

READ_ONLY_NOTE = "仅供查看，导入时忽略。"
#: (header, column width, explanation for the 填写说明 sheet)
COLUMNS: list[tuple[str, float, str]] = [
    ("序号", 7, "必填。任务在本整改方案（或本章节）中的序号，如 1、2.3。各章节重新编号的方案可以有相同的序号。"
     "首列填“示例”的行不会导入。"),
    ("章节", 20, "任务所属章节，多级章节用“ / ”分隔，如“三、主要措施 / （一）强化责任落实”。可修改。"),
    ("反馈问题", 36, "督察反馈的问题原文。反馈问题、整改任务、整改目标至少填写一项。"),
    ("整改任务", 22, "任务名称（简短概括）。"),
    ("整改目标", 30, "整改要达到的目标。"),
    ("整改措施", 44, "每条措施一行，可写成“1. ……”“2. ……”（编号导入时自动去掉）。"),
    ("时间节点", 24, READ_ONLY_NOTE + "每行一个节点（日期 内容）。时间节点及其完成情况请在系统中维护。"),
    ("责任单位", 26, "多个单位用“、”分隔。牵头单位写成“单位名（牵头）”，配合单位写成“单位名（配合）”，其余为责任单位。"
     "单位名称须与系统中的单位名称或别名一致。新增任务至少填写一个牵头单位或责任单位。"),
    ("责任人", 10, "责任人姓名、职务，可不填。"),
    ("整改时限", 13, "可填日期（如 2025-12-31）、“2025年12月底”、“2025年上半年”、“2025年底前”或“长期坚持”；"
     "既有时限又需长期坚持的，写成“2025-12-31，长期坚持”。新增任务必填。不超过 100 个字。"),
    ("重点", 6, "重点任务填“是”，否则留空或填“否”。"),
    ("进展情况", 36, "目前的整改进展。"),
    ("状态", 9, READ_ONLY_NOTE + "任务状态只能在系统中按整改、验收、销号流程变更，不能通过表格修改。"),
    ("区划", 12, READ_ONLY_NOTE + "任务所属行政区划；新增任务的区划在导入页面选择。"),
    ("整改方案", 22, READ_ONLY_NOTE + "任务所属整改方案。一张表格可以包含多个方案的任务（按系统编号对应）；"
     "新增任务归入导入页面选择的整改方案。"),
    ("系统编号", 10, "导出台账时由系统生成，用于重新导入时找到对应任务，请勿修改；新增任务留空。"
     "没有系统编号的行按“整改方案 + 章节 + 序号”匹配已有任务（表格没有章节列时按“整改方案 + 序号”）。"),
]
HEADERS = [c[0] for c in COLUMNS]
READ_ONLY_COLUMNS = {"时间节点", "状态", "区划", "整改方案"}
CENTERED_COLUMNS = {"序号", "责任人", "整改时限", "重点", "状态", "区划"}
HEADER_ALIASES = {"编号": "序号", "完成时限": "整改时限", "时限": "整改时限", "任务名称": "整改任务", "整改进展": "进展情况",
                  "所属章节": "章节", "重点任务": "重点", "方案": "整改方案", "行政区划": "区划"}
EXAMPLE_MARK = "示例"
LONG_TERM = "长期坚持"
SECTION_SEPARATOR = " / "
PRIORITY_YES, PRIORITY_NO = {"是", "重点", "√", "✓", "y", "yes", "true", "1"}, {"", "否", "非重点", "n", "no", "false", "0"}
ROLE_SUFFIX = {Assignment.Role.LEAD: "（牵头）", Assignment.Role.COOPERATING: "（配合）"}
ROLE_ORDER = [Assignment.Role.LEAD, Assignment.Role.RESPONSIBLE, Assignment.Role.COOPERATING]
MEASURE_NUMBER_RE = re.compile(r"^\s*(?:\d{1,3}\s*[.．、)）](?!\d)|[（(]\d{1,3}[）)])\s*")
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: The longest text each column accepts on import (checked before anything parses the cell).
CELL_LIMITS = {
    "序号": 20, "章节": 2000, "整改任务": 200, "责任人": 120, "整改时限": 100, "重点": 10, "责任单位": 2000,
    "反馈问题": MAX_CELL_CHARS, "整改目标": MAX_CELL_CHARS, "整改措施": MAX_CELL_CHARS, "进展情况": MAX_CELL_CHARS,
    "系统编号": 100,
}

THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
TITLE_FONT = Font(name="宋体", size=16, bold=True)
HEADER_FONT = Font(name="黑体", size=11, bold=True)
BODY_FONT = Font(name="宋体", size=10)
UUID_FONT = Font(name="Arial", size=7, color="999999")
EXAMPLE_FONT = Font(name="宋体", size=10, italic=True, color="808080")
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")


class ExcelError(Refused):
    """The uploaded file cannot be read as a ledger; the message is for the person who uploaded it."""


def format_deadline(deadline: datetime.date | None, long_term: bool) -> str:
    parts = [deadline.isoformat()] if deadline else []
    if long_term:
        parts.append(LONG_TERM)
    return "，".join(parts)


def format_measures(measures: Iterable[str]) -> str:
    return "\n".join(f"{i}. {clean_text(m)}" for i, m in enumerate(measures, 1))


def format_milestones(milestones: Iterable[tuple[datetime.date | None, str]]) -> str:
    return "\n".join(f"{d.isoformat() + ' ' if d else ''}{clean_text(t)}" for d, t in milestones)


def format_section(section: Iterable[str]) -> str:
    return SECTION_SEPARATOR.join(clean_text(s) for s in section if clean_text(s))


parse_section = validation.split_section


def format_units(assignments: Iterable[tuple[str, str]]) -> str:
    """``(role, unit name)`` pairs as 责任单位 text: lead units, responsible units, cooperating units."""
    pairs = list(assignments)
    names: list[str] = []
    for role in ROLE_ORDER:
        for r, name in pairs:
            if r == role:
                text = f"{name}{ROLE_SUFFIX.get(role, '')}"
                if text not in names:
                    names.append(text)
    return "、".join(names)


def natural_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """序号 in the order people count: 1, 2, … 9, 10, 11 and 2.3 before 2.10 (numbers compare as numbers)."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.findall(r"\d+|\D+", text.strip()))


def _column_styles(ws: Any, font: Font, last_font: Font) -> list[Any]:
    cache = ws.__dict__.setdefault("_rectify_styles", {})
    key = (id(font), id(last_font))
    if key not in cache:
        cache[key] = [
            style_cell(ws, font=last_font if i == len(COLUMNS) - 1 else font,
                       alignment=CENTER if name in CENTERED_COLUMNS else WRAP, border=BORDER)
            for i, name in enumerate(HEADERS)
        ]
    return list(cache[key])


def _append_row(ws: Any, values: list[Any], *, font: Font = BODY_FONT, last_font: Font = UUID_FONT) -> None:
    XlsxWriter.append(ws, values, _column_styles(ws, font, last_font))


def _setup_sheet(ws: Any, title: str) -> None:
    for i, (_, width, _) in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "B3"
    ws.print_title_rows = "1:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    last = get_column_letter(len(COLUMNS))
    ws.merged_cells.add(f"A1:{last}1")
    ws.row_dimensions[1].height = 30
    ws.append([cell(ws, title, style_cell(ws, font=TITLE_FONT, alignment=Alignment(horizontal="center", vertical="center")))])
    header_style = style_cell(ws, font=HEADER_FONT, fill=HEADER_FILL, alignment=CENTER, border=BORDER)
    uuid_style = style_cell(ws, font=UUID_FONT, fill=HEADER_FILL, alignment=CENTER, border=BORDER)
    ws.append([cell(ws, name, uuid_style if name == "系统编号" else header_style) for name in HEADERS])

