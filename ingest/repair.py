"""Text repair: width, traditional script, pinyin annotations, mojibake, wrapped and duplicated lines."""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

_PINYIN_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# 發(fā) -> 發; a web converter sometimes loses the opening bracket next to mojibake: 償?shù)
PINYIN_ANNOTATION = re.compile(rf"[(（]\s*[a-zü]*[{_PINYIN_VOWELS}][a-zü]*\s*[)）]")
_PINYIN_AFTER_LOST_BYTE = re.compile(rf"\?[a-zü]*[{_PINYIN_VOWELS}][a-zü]*[)）]")
_WIDE: dict[int, int | None] = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_WIDE.update({0x3000: 0x20, 0xA0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x200B: None, 0xFEFF: None})
# a GBK text that lost one byte is re-read one byte off until an ASCII byte re-aligns it
_MISALIGNED = re.compile(r"\?+((?:[^\x00-\x7f]|!){1,14}[\x40-\x7e])(?=[^\x00-\x7f])")
_HTML_REMNANT = re.compile(r"\?*[!！]?\s*\?*<?/?p>|<br\s*/?>|\?[!！] ?\?\s*$")


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


_STARTS_ITEM = re.compile(r"^([一二三四五六七八九十]+[、.]|[(（][一二三四五六七八九十\d]+[)）]|\d+[、.．]|[①-⑳]|第[一二三四五六七八九十\d]+[条章]|附件|[【\[])")
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
    out: list[str] = []
    carry = False
    for line in lines:
        if carry and out and line and not _STARTS_ITEM.match(line) and not _STARTS_LABEL.match(line):
            out[-1] += line
        else:
            out.append(line)
        carry = bool(line) and len(out[-1]) >= width - 1 and not line.endswith(_END_OF_SENTENCE)
    return out


def drop_duplicate_lines(lines: list[str]) -> list[str]:
    """Remove a line repeated at once, or a truncated copy of the line that follows it."""
    out: list[str] = []
    for i, line in enumerate(lines):
        nxt = next((s for s in lines[i + 1:] if s), "")
        if line and out and line == next((s for s in reversed(out) if s), None) and len(line) > 4:
            continue
        if line and nxt and len(line) >= 8 and nxt.startswith(line) and len(nxt) > len(line) and nxt[len(line)] != " ":
            continue
        prev = next((s for s in reversed(out) if s), "")
        if line and prev and len(prev) >= 6 and line.startswith(prev) and line != prev:
            rest = line[len(prev):].strip()
            if rest and nxt.startswith(rest[: max(4, len(rest) - 2)]):
                continue
        out.append(line)
    return out
