"""Word .docx: paragraphs and tables in document order."""
from __future__ import annotations

import io
import zipfile
from typing import TYPE_CHECKING, Any

from ..blocks import Block, Table
from ..errors import IngestError

if TYPE_CHECKING:
    from docx.document import Document
    from docx.table import Table as DocxTable


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
    numbering = _Numbering(document)
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(child, document).text
            label = numbering.label(child)
            if label and text.strip():
                text = label + text.lstrip()
            blocks.extend(text.splitlines() or [""])
        elif tag == "tbl":
            blocks.append(_table(DocxTable(child, document)))
    return blocks


def _table(table: DocxTable) -> Table:
    rows: list[list[str]] = []
    for row in table.rows:
        try:
            cells = [cell.text.strip() for cell in row.cells]
        except (IndexError, ValueError):
            continue
        rows.append(cells)
    return Table(rows)


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CN = "〇一二三四五六七八九"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _chinese(n: int) -> str:
    if n < 10:
        return _CN[n]
    if n < 20:
        return "十" + (_CN[n % 10] if n % 10 else "")
    if n < 100:
        return _CN[n // 10] + "十" + (_CN[n % 10] if n % 10 else "")
    return str(n)


def _format(n: int, fmt: str) -> str:
    if fmt.startswith(("chinese", "ideograph", "japanese", "taiwanese")):
        return _chinese(n)
    if fmt == "decimalEnclosedCircle" or fmt.startswith("decimalEnclosedCircle"):
        return _CIRCLED[n - 1] if 0 < n <= len(_CIRCLED) else str(n)
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


class _Numbering:
    """Word's automatic list numbers (`一、` `（一）` `1.`), which paragraph text leaves out."""

    def __init__(self, document: Document) -> None:
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for an in root.iter(W + "abstractNum"):
            levels = {}
            for lvl in an.iter(W + "lvl"):
                fmt = lvl.find(W + "numFmt")
                text = lvl.find(W + "lvlText")
                start = lvl.find(W + "start")
                levels[int(lvl.get(W + "ilvl", "0"))] = (
                    fmt.get(W + "val", "decimal") if fmt is not None else "decimal",
                    text.get(W + "val", "") if text is not None else "",
                    int(start.get(W + "val", "1")) if start is not None else 1,
                )
            abstract[an.get(W + "abstractNumId", "")] = levels
        for num in root.iter(W + "num"):
            ref = num.find(W + "abstractNumId")
            if ref is not None:
                self.levels[num.get(W + "numId", "")] = abstract.get(ref.get(W + "val", ""), {})

    def label(self, p: Any) -> str:  # an lxml <w:p> element
        ppr = p.find(W + "pPr")
        numpr = ppr.find(W + "numPr") if ppr is not None else None
        if numpr is None or not self.levels:
            return ""
        num_id_el, ilvl_el = numpr.find(W + "numId"), numpr.find(W + "ilvl")
        num_id = num_id_el.get(W + "val", "") if num_id_el is not None else ""
        ilvl = int(ilvl_el.get(W + "val", "0")) if ilvl_el is not None else 0
        levels = self.levels.get(num_id)
        if not levels or ilvl not in levels:
            return ""
        counters = self.counters.setdefault(num_id, {})
        fmt, text, start = levels[ilvl]
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        label = text
        for k in range(9):
            if f"%{k + 1}" in label:
                lv = levels.get(k, ("decimal", "", 1))
                label = label.replace(f"%{k + 1}", _format(counters.get(k, lv[2]), lv[0]))
        label = label.strip()
        if label and label[-1] not in "、.．)）":
            label += "."
        return label if label.strip(".") else ""
