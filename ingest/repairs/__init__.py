"""Repairs run before any layout reads the text, one small module each, in this order:

    pinyin        发(fā) → 发: reading aids a web converter inserted
    mojibake      GBK text read one byte out of step; UTF-8 read as GBK
    width         full-width ASCII forms → half-width, odd spaces → plain spaces
    spacing       letter-spaced headings (益 阳 市 → 益阳市)
    masks         a site's masks (*** / （略）) kept as printed, without the blanks around them
    punctuation   doubled punctuation (，， 。。) → one mark
    traditional   traditional → simplified for matching (the emitted text is restored as written)

and over lines: page-chunk markers and page numbers, hard-wrapped lines, a run-on line cut at its
headings (run_on), duplicated lines.
`repair_text` gives the text the layouts match on; `repair_written` the same without the
simplification, from which `traditional.ScriptMemory` learns how to give the text back as written.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from .lines import drop_duplicate_lines, join_wrapped_lines
from .masks import tidy_masks
from .mojibake import common_char_ratio, fix_mojibake, fix_utf8_read_as_gbk
from .page_markers import drop_page_markers
from .pinyin import PINYIN_ANNOTATION, strip_pinyin
from .punctuation import single_punctuation
from .run_on import split_run_on
from .spacing import join_letter_spacing
from .traditional import ScriptMemory, to_simplified
from .width import normalize_width

CHARACTER_REPAIRS: list[Callable[[str], str]] = [
    strip_pinyin, fix_mojibake, fix_utf8_read_as_gbk, normalize_width, join_letter_spacing, tidy_masks,
    single_punctuation,
]
_BLANKS = re.compile(r"[ \t]+")


def repair_written(text: str) -> str:
    """Every character repair except the change of script: the text as its author wrote it."""
    for repair in CHARACTER_REPAIRS:
        text = repair(text)
    return _BLANKS.sub(" ", text).strip()


def repair_text(text: str) -> str:
    """All character-level repairs of one paragraph or cell, giving simplified, half-width text."""
    return to_simplified(repair_written(text))


def repair_lines(lines: list[str]) -> list[str]:
    """Line-level repairs of a run of repaired lines."""
    return drop_duplicate_lines(split_run_on(join_wrapped_lines(drop_page_markers(lines))))


__all__ = [
    "CHARACTER_REPAIRS", "PINYIN_ANNOTATION", "ScriptMemory", "common_char_ratio", "drop_duplicate_lines",
    "drop_page_markers", "fix_mojibake", "fix_utf8_read_as_gbk", "join_letter_spacing", "join_wrapped_lines",
    "normalize_width", "repair_lines", "repair_text", "repair_written", "single_punctuation", "split_run_on", "strip_pinyin",
    "tidy_masks", "to_simplified",
]
