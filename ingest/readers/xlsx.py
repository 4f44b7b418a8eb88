"""Excel ledgers (.xlsx): every sheet as a table, merged cells filled from their anchor."""
from __future__ import annotations

import io
from typing import Any

from ..blocks import Block, Table
from ..errors import IngestError


def _cell_text(value: Any) -> str:  # whatever openpyxl holds: None, numbers, text, dates
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return str(value.strftime("%Y年%m月%d日"))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_xlsx(data: bytes) -> list[Block]:
    try:
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # noqa: BLE001 - zip, xml and openpyxl errors
        raise IngestError(f"文件已损坏或被截断：Excel 文件无法打开（{type(exc).__name__}）") from None
    blocks: list[Block] = []
    for ws in wb.worksheets:
        grid = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        for rng in ws.merged_cells.ranges:
            anchor = grid[rng.min_row - 1][rng.min_col - 1] if rng.min_row - 1 < len(grid) else ""
            for r in range(rng.min_row - 1, min(rng.max_row, len(grid))):
                for c in range(rng.min_col - 1, min(rng.max_col, len(grid[r]))):
                    grid[r][c] = anchor
        rows = [r for r in grid if any(r)]
        if not rows:
            continue
        # a title row merged across the sheet reads as a paragraph
        while rows and len({c for c in rows[0] if c}) == 1 and len(rows) > 1 and sum(1 for c in rows[1] if c) > 1:
            blocks.append(next(c for c in rows[0] if c))
            rows = rows[1:]
        blocks.append(Table(rows))
    return blocks
