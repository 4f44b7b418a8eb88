"""Kept for existing imports: emitted-text punctuation now lives in `ingest.repairs.output`."""
from __future__ import annotations

from .repairs.output import chinese_punctuation, restore_document

__all__ = ["chinese_punctuation", "restore_document"]
