"""Run-on text: a whole document stored as one line (a scanned copy's text layer, a page that lost
its paragraph breaks), its headings standing inside the line with their punctuation often damaged
(`三,主要任务,一,掌握…,1.完善…` for `三、主要任务（一）掌握… 1.完善…`).

Only a long line is cut, and only at numbers that follow one another: 一 二 三 … at the top, a
series that starts again at 一 inside it is the next level down, and 1 2 3 … the level below that.
A number counts only after a boundary (start, punctuation, space, closing bracket) and before a
character; `N、` also straight after a character, where a flattened table's cells run together. A line
is cut when it holds two top headings in sequence, or one with three numbered items under it. Each
heading is written back with its level's usual numbering (`一、` `（一）` `1.`) so the headings
reader sees the levels; a Chinese-numbered heading runs to its first punctuation mark, where the
line is cut again. Numbering is not part of any field, so nothing a field keeps is rewritten.
"""
from __future__ import annotations

import re

MIN_LENGTH = 200
_CN = "一二三四五六七八九十"
_MARK = re.compile(
    r"(?:(?:(?<=^)|(?<=[。；;，,.、：:\s)）]))\s?(?:([一二三四五六七八九十]{1,3})|(\d{1,2}))[、,，.．]|(?<=[\u4e00-\u9fff])(\d{1,2})、)"
    r"(?!\d)\s?(?=[\u4e00-\u9fff])"
)
_HEAD_END = re.compile(r"[，,。.；;：:\s]")


def _cn_value(s: str) -> int:
    if s == "十":
        return 10
    if len(s) == 1:
        return _CN.index(s) + 1
    if s.startswith("十"):
        return 10 + _CN.index(s[1]) + 1
    tens = _CN.index(s[0]) + 1
    rest = s[2:] if len(s) > 2 else ""
    return tens * 10 + (_CN.index(rest) + 1 if rest else 0)


def _headings(line: str) -> list[tuple[int, int, int, int]]:
    """(start, end of the number, level, value) of the headings in a run-on line, in order."""
    stack: list[int] = []  # the last value of each Chinese-numbered series, outermost first
    arabic = 0
    found: list[tuple[int, int, int, int]] = []
    for m in _MARK.finditer(line):
        if m.group(1):
            try:
                v = _cn_value(m.group(1))
            except ValueError:
                continue
            level = None
            for depth in range(len(stack) - 1, -1, -1):
                if v == stack[depth] + 1:
                    del stack[depth + 1:]
                    stack[depth] = v
                    level = depth
                    break
            if level is None and v == 1 and len(stack) < 2:
                stack.append(1)
                level = len(stack) - 1
            if level is None:
                continue
            arabic = 0
            found.append((m.start(), m.end(), level, v))
        else:
            v = int(m.group(2) or m.group(3))
            if stack and v == arabic + 1:
                arabic = v
                found.append((m.start(), m.end(), 2, v))
    return found


def _numbering(level: int, value: int) -> str:
    cn = _CN[value - 1] if value <= 10 else str(value)
    return (f"{cn}、", f"（{cn}）", f"{value}.")[level]


def split_run_on(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        heads = _headings(line) if len(line) >= MIN_LENGTH else []
        tops = sum(1 for h in heads if h[2] == 0)
        if tops < 2 and not (tops == 1 and sum(1 for h in heads if h[2] == 2) >= 3):
            out.append(line)
            continue
        pos = 0
        pending = ""  # the numbering of the heading the next piece opens
        heads.append((len(line), len(line), -1, 0))
        for i, (start, end, level, value) in enumerate(heads):
            piece = line[pos:start].strip()
            if pending or piece:
                out.append(pending + piece)
            if level < 0:
                break
            pending, pos = _numbering(level, value), end
            if level < 2:
                cut = _HEAD_END.search(line, end, min(len(line), end + 21))
                nxt = heads[i + 1][0]  # in order: looked up, never searched for (linear in the headings)
                if cut and cut.start() > end + 1 and cut.start() <= nxt:
                    out.append(pending + line[end:cut.start()].strip())
                    pending, pos = "", cut.end()
    return out
