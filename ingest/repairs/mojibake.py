"""Mojibake: GBK text read one byte out of step (`?。ㄒ唬﹫詻Q` → `（一）堅決`), and UTF-8 text read as
GBK (`鐜鏀` …) read back as UTF-8. A repair is kept only when it gives more common characters."""
from __future__ import annotations

import re

from .traditional import to_simplified

# a GBK text that lost one byte is re-read one byte off until an ASCII byte re-aligns it
# A run of ? is only tried from its first character (a run of n question marks costs n, not n²).
_MISALIGNED = re.compile(r"(?<!\?)\?+((?:[^\x00-\x7f]|!){1,14}[\x40-\x7e])(?=[^\x00-\x7f])")
# Bounded repeats: two adjacent \?* over one run of question marks cost n³.
_HTML_REMNANT = re.compile(r"\?{0,8}[!！]?\s{0,3}\?{0,8}<?/?p>|<br\s{0,3}/?>|\?[!！] ?\?\s{0,8}$")


def _level_one() -> frozenset[str]:
    chars = set()
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return frozenset(chars)


_COMMON = _level_one()  # the 3755 most common characters (GB2312 level 1)


def _is_common_hanzi(ch: str) -> bool:
    return ch in _COMMON


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


def _raw_common_ratio(text: str) -> float:
    """common_char_ratio without the change of script (cheap: a gate, not a judge)."""
    cjk = [c for c in text[:200] if "\u3400" <= c <= "\u9fff"]
    return sum(c in _COMMON for c in cjk) / len(cjk) if cjk else 1.0


_ODD = re.compile(r"[^\x00-\x7f，。、；：？！“”（）《》\s]{6,}")


def fix_utf8_read_as_gbk(text: str) -> str:
    """A run of rare characters that, written back as GBK bytes, decodes as UTF-8 into common ones
    (a byte the first reading could not place comes back as `?`)."""
    if len(text) < 6 or not _ODD.search(text) or _raw_common_ratio(text) >= 0.7:
        return text

    def back(m: re.Match[str]) -> str:
        run = m.group(0)
        try:
            raw = b"".join(b"?" if c == "\ufffd" else c.encode("gbk") for c in run)
        except UnicodeEncodeError:
            return run
        fixed = raw.decode("utf-8", errors="replace")
        lost = fixed.count("\ufffd")
        fixed = re.sub("\ufffd+", "?", fixed)
        if lost * 6 > len(fixed) or _raw_common_ratio(fixed) <= _raw_common_ratio(run) + 0.2:
            return run
        return fixed

    return _ODD.sub(back, text)
