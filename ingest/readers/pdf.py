"""PDF: text between tables, and the tables, page by page (pdfplumber)."""
from __future__ import annotations

import io
from typing import TYPE_CHECKING

from ..blocks import Block, Table
from ..errors import IngestError

if TYPE_CHECKING:
    from pdfplumber.page import Page


def read_pdf(data: bytes) -> list[Block]:
    try:
        import pdfplumber

        blocks: list[Block] = []
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                blocks.extend(_page_blocks(page))
    except IngestError:
        raise
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds on damaged files
        raise IngestError(f"文件已损坏或被截断：PDF 无法解析（{type(exc).__name__}）") from None
    if not any(isinstance(b, Table) or b.strip() for b in blocks):
        raise IngestError("PDF 中没有可提取的文字（可能是扫描件），请提供文字版文件")
    return blocks


def _page_blocks(page: Page) -> list[Block]:
    found = sorted(page.find_tables(), key=lambda t: t.bbox[1])
    blocks: list[Block] = []
    top = 0.0
    for table in found:
        x0, t0, x1, b0 = table.bbox
        if t0 > top:
            blocks.extend(_text(page.crop((0, top, page.width, t0))))
        rows = [[(c or "").strip() for c in row] for row in table.extract()]
        blocks.append(Table([r for r in rows if any(r)]))
        top = max(top, b0)
    if top < page.height:
        blocks.extend(_text(page.crop((0, top, page.width, page.height))))
    return blocks


def _text(region: Page) -> list[str]:
    return (region.extract_text() or "").splitlines()
