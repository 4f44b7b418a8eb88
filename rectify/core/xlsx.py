"""The one place .xlsx files are written: every cell, every sheet title and every download.

Text written into a sheet can come from anyone (a unit's progress report, a plan document, an
imported cell), so each value passes through ``cell_value``:

* control characters that the file format forbids are removed and line ends become ``\\n``;
* text is never a formula: it is stored as a string cell, and text that a spreadsheet would
  take for a formula or a DDE call once someone edits the cell (it starts with ``=``, ``+``,
  ``-`` or ``@``, after any leading tab, CR or spaces) also carries Excel's own text marker
  (``quotePrefix``, the apostrophe Excel shows in the edit bar), so the text itself stays as it
  was and survives a round trip through the import;
* text longer than a cell can hold is cut with a visible marker (``TRUNCATED``).

Sheet titles go through ``sheet_title`` (no ``/\\?*[]:``, no leading or trailing apostrophe, at
most 31 characters) and downloads through ``xlsx_response`` (a safe file name in both forms).
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterable
from copy import copy
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_CELL_CHARS = 32767  # Excel's limit for one cell
TRUNCATED = "…（内容超出 Excel 单元格上限，已截断）"
FORMULA_STARTS = ("=", "+", "-", "@")
MAX_SHEET_TITLE = 31
SHEET_TITLE_REPLACEMENTS = str.maketrans({"/": "／", "\\": "＼", "?": "？", "*": "＊", "[": "【", "]": "】", ":": "："})


def clean_text(value: Any) -> str:
    """Text as it survives a round trip through a cell: no control characters, \\n line ends, stripped."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return str(ILLEGAL_CHARACTERS_RE.sub("", text)).strip()


def looks_like_formula(text: str) -> bool:
    return text.lstrip(" \t\r\n").startswith(FORMULA_STARTS)


def cell_value(value: Any) -> Any:
    """``value`` as it may go into a cell: text cleaned and capped; numbers, dates and None unchanged."""
    if value is None or isinstance(value, (bool, int, float)) or hasattr(value, "isoformat"):
        return value
    text = clean_text(value)
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - len(TRUNCATED)] + TRUNCATED
    return text


def cell(ws: Any, value: Any, style: Any = None) -> WriteOnlyCell:
    """A write-only cell holding ``value`` safely; ``style`` is a cell whose style is copied (fast path)."""
    value = cell_value(value)
    result = WriteOnlyCell(ws, value=value)
    if style is not None:
        result._style = copy(style._style)  # registering a style per cell is the slow part of writing a sheet
    if isinstance(value, str):
        result.data_type = "s"  # never a formula, whatever the text starts with
        if looks_like_formula(value):
            result.quotePrefix = True
    return result


def style_cell(ws: Any, **attributes: Any) -> WriteOnlyCell:
    """An empty cell carrying a style (font, alignment, border, fill …) to pass to ``cell(style=…)``."""
    result = WriteOnlyCell(ws)
    for name, value in attributes.items():
        setattr(result, name, value)
    return result


def sheet_title(title: str, fallback: str = "Sheet1") -> str:
    """A title every spreadsheet program accepts: forbidden characters replaced by their full-width forms."""
    text = re.sub(r"\s+", " ", clean_text(title)).translate(SHEET_TITLE_REPLACEMENTS).strip(" '")
    text = text[:MAX_SHEET_TITLE].strip(" '")
    if not text or text.lower() == "history":  # "History" is reserved by Excel
        return fallback
    return text


class XlsxWriter:
    """A write-only workbook whose rows go to disk as they are produced; every value through ``cell``."""

    def __init__(self) -> None:
        self.workbook = Workbook(write_only=True)

    def sheet(self, title: str, fallback: str = "Sheet1") -> Any:
        return self.workbook.create_sheet(sheet_title(title, fallback))

    @staticmethod
    def append(ws: Any, values: Iterable[Any], styles: Iterable[Any] | None = None) -> None:
        """One row: plain values (made safe here) or cells already made by ``cell``; ``styles`` per column."""
        values = list(values)
        style_list = list(styles) if styles is not None else [None] * len(values)
        style_list += [None] * (len(values) - len(style_list))
        ws.append([v if isinstance(v, Cell) else cell(ws, v, s) for v, s in zip(values, style_list, strict=False)])

    def save(self) -> bytes:
        out = io.BytesIO()
        self.workbook.save(out)
        return out.getvalue()


def safe_filename(name: str, fallback: str = "export.xlsx") -> str:
    """A download name without path separators or control characters."""
    text = re.sub(r"[\x00-\x1f\x7f]", "", name or "")
    text = re.sub(r'[\\/:*?"<>|]+', "_", text).strip(" .")
    return text[:150] or fallback


def xlsx_response(content: bytes, filename: str, ascii_fallback: str) -> HttpResponse:
    """The file as a download, with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987)."""
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    name = safe_filename(filename, ascii_fallback)
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", ascii_fallback) or "export.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
    response["Cache-Control"] = "private, no-store"
    return response
