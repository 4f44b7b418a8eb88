"""Pure-Python reader of rectification documents (no Django import).

    ingest.parse(data, filename) -> dict      # the eval/SCHEMA.md document object
    ingest.content_hash(data) -> str          # sha256 of the normalised text
    ingest.IngestError                        # .message is a Chinese sentence for the user
    ingest.parse_deadline(text) -> (iso, long_term)   # one deadline as written: 2025年上半年 → 2025-06-30
    ingest.unit_names(text) -> [(written, completed)] # the units of a list as written and as completed
    ingest.split_units(text) -> [completed]           # the same, completed names only (as parse gives them)
"""
from __future__ import annotations

import hashlib
import re
from pathlib import PurePath
from typing import Any

from .errors import IngestError

MAX_BYTES = 50 * 1024 * 1024

__all__ = ["parse", "content_hash", "IngestError", "MAX_BYTES", "parse_deadline", "unit_names", "split_units"]


def _check_size(data: bytes) -> None:
    if not data or not data.strip():
        raise IngestError("文件为空")
    if len(data) > MAX_BYTES:
        raise IngestError(f"文件过大：{len(data) / 1024 / 1024:.1f} MB，超过 {MAX_BYTES // 1024 // 1024} MB 的上限")


def parse(data: bytes, filename: str) -> dict[str, Any]:
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


def parse_deadline(text: str | None, year_hint: int | None = None) -> tuple[str | None, bool]:
    """(ISO last day allowed, long_term) of a deadline as written, the reading ``parse`` gives a task:
    `2025年上半年` → ('2025-06-30', False), `2027年6月底` → ('2027-06-30', False), `长期坚持` → (None, True)."""
    from .fields.dates import parse_deadline as _parse_deadline

    return _parse_deadline(text, year_hint)


def unit_names(text: str | None) -> list[tuple[str, str]]:
    """The units named in a list, each as written and as completed by the names around it:
    `市生态环境局、水务局及城区人民政府` → [('市生态环境局', '市生态环境局'), ('水务局', '市水务局'), …].
    Separators 、，,；; / and a new line, 及 and 以及 (not inside brackets); a trailing 牵头/配合/负责 is dropped."""
    from .fields.units import TRAILING_NOISE, _clean, _share_affixes, _split_etc, _split_outside_brackets

    if not text:
        return []
    text = re.sub(r"\s+", "", re.sub(r"[\r\n]+", "、", text.strip())).strip("。.;；、")
    text = TRAILING_NOISE.sub("", text)
    pairs: list[tuple[str, str]] = []
    for group_text in re.split(r"[，,；;]", text):
        group = [u for u in (_clean(p) for p in _split_outside_brackets(group_text)) if u]
        written = [part for unit in group for part in _split_etc(unit)]
        if written:
            pairs.extend(zip(written, _share_affixes(written), strict=True))
    seen: set[str] = set()
    result = []
    for raw, completed in pairs:
        if completed and completed not in seen and len(completed) >= 2:
            seen.add(completed)
            result.append((raw, completed))
    return result


def split_units(text: str | None) -> list[str]:
    """The completed unit names of a list, as ``parse`` puts them into a task."""
    return [completed for _, completed in unit_names(text)]
