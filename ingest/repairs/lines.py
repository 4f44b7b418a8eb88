"""Line repairs: lines a fixed-width export broke inside a sentence, lines repeated or repeated cut short."""
from __future__ import annotations

import re
from collections import Counter

_END_OF_SENTENCE = tuple("。；;：:!！?？”」)")


_STARTS_ITEM = re.compile(r"^([一二三四五六七八九十]{1,4}[、.]|[(（][一二三四五六七八九十\d]{1,4}[)）]|\d{1,4}[、.．]|[①-⑳]|第[一二三四五六七八九十\d]{1,6}[条章]|附件|[【\[])")
_STARTS_LABEL = re.compile(r"^[\u4e00-\u9fff ]{2,8}[:：]")


def join_wrapped_lines(lines: list[str]) -> list[str]:
    """Join lines that a fixed-width export (PDF, e-mail) broke inside a sentence.

    Only when most long lines share one width, which is what hard wrapping leaves behind."""
    lengths = [len(s) for s in lines if len(s) >= 15]
    if len(lengths) < 8:
        return lines
    width = Counter(lengths).most_common(1)[0][0]
    near = sum(1 for n in lengths if abs(n - width) <= 1)
    if width < 20 or near < len(lengths) * 0.4:
        return lines
    # Joined pieces are collected and concatenated once: appending to one growing string line by
    # line costs the square of its length.
    out: list[list[str]] = []
    carry = False
    length = 0  # of the last output line
    for line in lines:
        if carry and out and line and not _STARTS_ITEM.match(line) and not _STARTS_LABEL.match(line):
            out[-1].append(line)
            length += len(line)
        else:
            out.append([line])
            length = len(line)
        carry = bool(line) and length >= width - 1 and not line.endswith(_END_OF_SENTENCE)
    return ["".join(parts) for parts in out]


def drop_duplicate_lines(lines: list[str]) -> list[str]:
    """Remove a line repeated at once, or a truncated copy of the line that follows it."""
    # The next and the previous non-empty line are tracked, never searched for: a file of blank
    # lines costs linear time.
    following = [""] * (len(lines) + 1)
    for i in range(len(lines) - 1, -1, -1):
        following[i] = lines[i] or following[i + 1]
    out: list[str] = []
    prev = ""  # the last non-empty line kept
    for i, line in enumerate(lines):
        nxt = following[i + 1]
        if line and out and line == prev and len(line) > 4:
            continue
        if line and nxt and len(line) >= 8 and nxt.startswith(line) and len(nxt) > len(line) and nxt[len(line)] != " ":
            continue
        if line and prev and len(prev) >= 6 and line.startswith(prev) and line != prev:
            rest = line[len(prev):].strip()
            if rest and nxt.startswith(rest[: max(4, len(rest) - 2)]):
                continue
        out.append(line)
        if line:
            prev = line
    return out
