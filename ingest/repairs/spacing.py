"""Letter-spaced headings (`益 阳 市 环 保 局` → `益阳市环保局`): a run of at least four short pieces
of Chinese (one or two characters, most of them one) separated by single blanks is one word."""
from __future__ import annotations

import re

_SPACED = re.compile(r"(?<![\u4e00-\u9fff])(?:[\u4e00-\u9fff]{1,2} ){3,}[\u4e00-\u9fff]{1,40}")


def _joined(m: re.Match[str]) -> str:
    pieces = m.group(0).split(" ")
    if sum(len(p) == 1 for p in pieces[:-1]) * 2 < len(pieces) - 1 or sum(len(p) == 1 for p in pieces) < 3:
        return m.group(0)
    return "".join(pieces)


def join_letter_spacing(text: str) -> str:
    if " " not in text:
        return text
    return _SPACED.sub(_joined, text)
