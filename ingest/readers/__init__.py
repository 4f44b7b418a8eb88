"""Format detection from content (magic bytes) and dispatch to one reader per format."""
from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

from ..blocks import Block
from ..errors import IngestError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def detect_format(data: bytes, filename: str) -> str:
    """One of txt, html, docx, xlsx, pdf, doc; raises IngestError for anything else."""
    ext = PurePath(filename or "").suffix.lower().lstrip(".")
    head = data[:2048]
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(data, ext)
    if head.startswith(OLE_MAGIC):
        if ext in ("xls", "et"):
            raise IngestError("无法识别的文件格式：旧版 Excel (.xls) 请另存为 .xlsx 后再导入")
        return "doc"
    if head.startswith((b"{\\rtf",)):
        return "doc"
    if _looks_binary(head):
        raise IngestError(f"无法识别的文件格式：{PurePath(filename or '').name or '未命名文件'} 不是文本、Word、PDF、网页或 Excel 文件")
    sniff = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if ext in ("html", "htm", "shtml", "xhtml") or sniff.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in head.lower() or b"<div" in head.lower() or b"<p>" in head.lower():
        return "html"
    return "txt"


def _zip_kind(data: bytes, ext: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
        raise IngestError(f"文件已损坏或被截断：无法打开压缩包（{exc}）") from None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    raise IngestError("无法识别的文件格式：压缩包中没有 Word 或 Excel 文档")


def _looks_binary(head: bytes) -> bool:
    if not head:
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 with BOM
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return control > len(head) * 0.05


def read_blocks(data: bytes, filename: str) -> list[Block]:
    """Paragraphs and tables of the document, in order."""
    kind = detect_format(data, filename)
    if kind == "txt":
        from .txt import read_txt
        return read_txt(data)
    if kind == "html":
        from .html import read_html
        return read_html(data)
    if kind == "docx":
        from .docx import read_docx
        return read_docx(data)
    if kind == "xlsx":
        from .xlsx import read_xlsx
        return read_xlsx(data)
    if kind == "pdf":
        from .pdf import read_pdf
        return read_pdf(data)
    from .doc import read_doc
    return read_doc(data, filename)
