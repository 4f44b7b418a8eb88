"""Kept for existing imports: the repairs now live in `ingest.repairs`, one module each."""
from __future__ import annotations

from .repairs import (
    PINYIN_ANNOTATION,
    common_char_ratio,
    drop_duplicate_lines,
    fix_mojibake,
    join_wrapped_lines,
    normalize_width,
    repair_text,
    strip_pinyin,
    to_simplified,
)

__all__ = [
    "PINYIN_ANNOTATION", "common_char_ratio", "drop_duplicate_lines", "fix_mojibake", "join_wrapped_lines",
    "normalize_width", "repair_text", "strip_pinyin", "to_simplified",
]
