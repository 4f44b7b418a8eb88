"""Text repair: width, traditional script, pinyin annotations, mojibake, wrapped and duplicated lines."""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

_PINYIN_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# 發(fā) -> 發; a web converter sometimes loses the opening bracket next to mojibake: 償?shù)
PINYIN_ANNOTATION = re.compile(rf"[(（]\s{{0,3}}[a-zü]{{0,8}}[{_PINYIN_VOWELS}][a-zü]{{0,8}}\s{{0,3}}[)）]")
_PINYIN_AFTER_LOST_BYTE = re.compile(rf"\?[a-zü]{{0,8}}[{_PINYIN_VOWELS}][a-zü]{{0,8}}[)）]")
_WIDE: dict[int, int | None] = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_WIDE.update({0x3000: 0x20, 0xA0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x200B: None, 0xFEFF: None})
# a GBK text that lost one byte is re-read one byte off until an ASCII byte re-aligns it
# A run of ? is only tried from its first character (a run of n question marks costs n, not n²).
_MISALIGNED = re.compile(r"(?<!\?)\?+((?:[^\x00-\x7f]|!){1,14}[\x40-\x7e])(?=[^\x00-\x7f])")
# Bounded repeats: two adjacent \?* over one run of question marks cost n³.
_HTML_REMNANT = re.compile(r"\?{0,8}[!！]?\s{0,3}\?{0,8}<?/?p>|<br\s{0,3}/?>|\?[!！] ?\?\s{0,8}$")


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text) if text else text


def normalize_width(text: str) -> str:
    """Full-width ASCII forms to half-width, odd spaces to plain spaces."""
    return text.translate(_WIDE)


def strip_pinyin(text: str) -> str:
    return _PINYIN_AFTER_LOST_BYTE.sub("?", PINYIN_ANNOTATION.sub("", text))


def _is_common_hanzi(ch: str) -> bool:
    try:
        b = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(b) == 2 and 0xB0 <= b[0] <= 0xD7


def common_char_ratio(text: str) -> float:
    """Share of CJK characters (after t2s) that are among the 3755 most common: high for a right decoding."""
    sample = to_simplified(text[:4000])
    cjk = [c for c in sample if "\u3400" <= c <= "\u9fff"]
    if not cjk:
        return 0.0
    return sum(map(_is_common_hanzi, cjk)) / len(cjk)


def _realign(match: re.Match[str]) -> str:
    run = match.group(1).replace("!", "！")
    try:
        raw = run.encode("gbk")[1:]
    except UnicodeEncodeError:
        return match.group(0)
    try:
        fixed = raw.decode("gbk")
    except UnicodeDecodeError as exc:
        fixed = raw[: exc.start].decode("gbk", errors="ignore")
    if not fixed or common_char_ratio(fixed) < common_char_ratio(run):
        return match.group(0)
    return fixed


def fix_mojibake(text: str) -> str:
    """Repair GBK text read one byte out of step after a lost byte (e.g. `?。ㄒ唬﹫詻Q` -> `（一）堅決`)."""
    if "?" not in text:
        return text
    text, n_remnants = _HTML_REMNANT.subn("", text)
    text, n_runs = _MISALIGNED.subn(_realign, text)
    if not (n_remnants or n_runs):
        return text
    return re.sub(r"(?<=[^\x00-\x7f])\?+(?=[^\x00-\x7f]|$)|^\?+(?=[^\x00-\x7f])", "", text)


def repair_text(text: str) -> str:
    """All character-level repairs of one paragraph or cell, giving simplified, half-width text."""
    text = normalize_width(fix_mojibake(strip_pinyin(text)))
    text = to_simplified(text)
    text = re.sub(r"[ \t]+", " ", text)
    return text.strip()


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
