"""Word .docx: paragraphs and tables in document order."""
from __future__ import annotations

import io
import zipfile

from ..blocks import Block, Table
from ..errors import IngestError


def read_docx(data: bytes) -> list[Block]:
    try:
        import docx
        from docx.table import Table as DocxTable
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        raise IngestError(f"文件已损坏或被截断：Word 文档无法打开（{type(exc).__name__}）") from None
    except Exception as exc:  # noqa: BLE001 - lxml and python-docx raise many kinds
        raise IngestError(f"文件已损坏或被截断：Word 文档无法解析（{type(exc).__name__}）") from None
    blocks: list[Block] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            blocks.extend(Paragraph(child, document).text.splitlines() or [""])
        elif tag == "tbl":
            blocks.append(_table(DocxTable(child, document)))
    return blocks


def _table(table) -> Table:
    rows: list[list[str]] = []
    for row in table.rows:
        try:
            cells = [cell.text.strip() for cell in row.cells]
        except (IndexError, ValueError):
            continue
        rows.append(cells)
    return Table(rows)
