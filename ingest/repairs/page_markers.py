"""Page numbers and page-chunk markers a document-sharing site inserts into the text.

- a line that is only a page number: `- 3 -`, `—3—`, `第3页`, `第3页 共12页`, `3/12`;
- chunk markers: a site that cuts the text into numbered chunks starts each with `1、` `2、` `3、` …
  wherever the cut falls, often mid-word (`监察` / `2、支队`). They are told from a numbered list by
  all three of: numbered 1, 2, 3 … in order, every previous line ending without closing punctuation,
  and chunks of about the same length. The marker is removed and the line joined to the one before.
"""
from __future__ import annotations

import re
from statistics import median

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–]\s{0,2}\d{1,4}\s{0,2}[-—–]|第\s{0,2}\d{1,4}\s{0,2}页(?:\s{0,3}[,，/]?\s{0,3}共\s{0,2}\d{1,4}\s{0,2}页)?"
    r"|\d{1,4}\s{0,2}/\s{0,2}\d{1,4}|[Pp]age\s{0,2}\d{1,4}(?:\s{0,2}of\s{0,2}\d{1,4})?)\s*$"
)
_MARKER = re.compile(r"^(\d{1,3})、")
_CLOSED = ("。", "；", ";", "：", ":", "!", "！", "?", "？", "）", ")", "」", "”")


def _chunk_marker_lines(lines: list[str]) -> list[int]:
    marked = [(i, int(m.group(1))) for i, s in enumerate(lines) if (m := _MARKER.match(s))]
    if len(marked) < 3 or [n for _, n in marked] != list(range(1, len(marked) + 1)):
        return []
    starts = [i for i, _ in marked]
    if any(j == 0 or not lines[j - 1] or lines[j - 1].endswith(_CLOSED) for j in starts[1:]):
        return []
    sizes = [sum(len(s) for s in lines[a:b]) for a, b in zip(starts, starts[1:], strict=False)]
    middle = median(sizes)
    if not middle or any(abs(n - middle) > 0.35 * middle for n in sizes):
        return []
    return starts


def drop_page_markers(lines: list[str]) -> list[str]:
    lines = [s for s in lines if not _PAGE_NUMBER.match(s)]
    starts = set(_chunk_marker_lines(lines))
    if not starts:
        return lines
    out: list[str] = []
    for i, line in enumerate(lines):
        if i in starts:
            body = _MARKER.sub("", line, count=1)
            if i == min(starts):
                body = re.sub(r"^1(?=\D)", "", body)  # the first chunk's marker is often doubled: 1、1
                out.append(body)
            elif out:
                out[-1] += body
            else:
                out.append(body)
        else:
            out.append(line)
    return out
