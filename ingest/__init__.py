"""Pure-Python reader of rectification documents (no Django import).

    ingest.parse(data, filename) -> dict      # the eval/SCHEMA.md document object
    ingest.content_hash(data) -> str          # sha256 of the normalised text
    ingest.IngestError                        # .message is a Chinese sentence for the user
"""
from __future__ import annotations

import hashlib
import re
from pathlib import PurePath

from .errors import IngestError

MAX_BYTES = 50 * 1024 * 1024

__all__ = ["parse", "content_hash", "IngestError", "MAX_BYTES"]


def _check_size(data: bytes) -> None:
    if not data or not data.strip():
        raise IngestError("文件为空")
    if len(data) > MAX_BYTES:
        raise IngestError(f"文件过大：{len(data) / 1024 / 1024:.1f} MB，超过 {MAX_BYTES // 1024 // 1024} MB 的上限")


def parse(data: bytes, filename: str) -> dict:
    """Read one rectification document (txt/docx/pdf/html/xlsx/doc) into the SCHEMA.md structure."""
    if not isinstance(data, (bytes, bytearray)):
        raise IngestError("文件内容必须是字节串")
    data = bytes(data)
    _check_size(data)
    from .document import build_document
    from .readers import read_blocks

    try:
        blocks = read_blocks(data, filename)
        return build_document(blocks, PurePath(filename or "").name)
    except IngestError:
        raise
    except RecursionError:
        raise IngestError("文件结构过于复杂，无法解析") from None
    except MemoryError:
        raise IngestError("文件过大，内存不足以解析") from None
    except Exception as exc:  # noqa: BLE001 - the contract is: IngestError or a dict, never a traceback
        raise IngestError(f"文件已损坏或无法解析：{type(exc).__name__}") from None


def content_hash(data: bytes) -> str:
    """sha256 hex of the document's normalised text (simplified script, half width, no white space),
    so the same document re-saved in another encoding or format hashes the same; falls back to the
    raw bytes when the file cannot be read."""
    from .blocks import Table
    from .readers import read_blocks
    from .repair import repair_text

    try:
        _check_size(data)
        blocks = read_blocks(data, "")
    except IngestError:
        return hashlib.sha256(data).hexdigest()
    except Exception:  # noqa: BLE001
        return hashlib.sha256(data).hexdigest()
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, Table):
            parts.extend(repair_text(c) for row in block.rows for c in row)
        else:
            parts.append(repair_text(block))
    text = re.sub(r"\s+", "", "".join(parts))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
