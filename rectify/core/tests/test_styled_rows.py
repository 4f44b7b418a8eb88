"""``StyledRows`` (the fast writer of large exports) is as safe as ``cell``: text is never a formula,
control characters go, long text is cut, numbers and dates stay typed, and each column keeps its style."""
from __future__ import annotations

import datetime
import io

from openpyxl import load_workbook
from openpyxl.styles import Font

from rectify.core.xlsx import MAX_CELL_CHARS, TRUNCATED, StyledRows, XlsxWriter, style_cell


def test_rows_read_back_typed_styled_and_safe() -> None:
    writer = XlsxWriter()
    ws = writer.sheet("表")
    writer.append(ws, ["表头"])  # a plain row before and after the fast rows still works
    out = StyledRows(ws, [style_cell(ws, font=Font(name="宋体", bold=True)), None, None])
    out.append(["=HYPERLINK(\"http://x\")", 3, datetime.date(2026, 1, 2)])
    out.append(["正常\x07文本", None, "x" * (MAX_CELL_CHARS + 10)])
    out.append(["  -1+2", 2.5, "+"])
    writer.append(ws, ["表尾"])
    ws_read = load_workbook(io.BytesIO(writer.save())).worksheets[0]
    rows = [[c for c in row] for row in ws_read.iter_rows(min_row=2, max_row=4)]
    formula = rows[0][0]
    assert formula.data_type == "s" and formula.value == "=HYPERLINK(\"http://x\")" and formula.quotePrefix
    assert formula.font.name == "宋体" and formula.font.bold
    assert rows[0][1].value == 3 and rows[0][2].value.date() == datetime.date(2026, 1, 2)
    assert rows[1][0].value == "正常文本" and not rows[1][0].quotePrefix and rows[1][0].font.bold
    assert rows[1][1].value is None and rows[1][2].value.endswith(TRUNCATED) and len(rows[1][2].value) == MAX_CELL_CHARS
    assert rows[2][0].value == "-1+2" and rows[2][0].quotePrefix and rows[2][1].value == 2.5 and rows[2][2].quotePrefix
    assert [c.value for c in next(ws_read.iter_rows(min_row=5, max_row=5))][:1] == ["表尾"]
