"""Remove personal data from text the public (or a wider audience) will read.

One function, ``redact(text)``: mobile numbers, landlines, resident ID numbers, e-mail addresses and
the names written after labels such as 联系人 / 举报人为 / 信访人是 / 责任人： become ``×××``.
Dates, amounts (1090万吨), measurements (PM2.5 47微克), areas and document numbers
(晋环发〔2024〕5号) stay.

Matching runs on a normalised copy of the text — NFKC (full-width digits and letters, full-width
colons), with separators inside numbers allowed (``138.1234.5678``, ``138 1234 5678``,
``1405 0219 9001 0112 34``) — and the masks are applied to the original text, which is otherwise
returned unchanged. Every pattern runs in linear time: quantifiers are bounded or possessive and
each match can start only at a boundary, so a long run of spaces, digits or letters costs one pass.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

MASK = "×××"

# Between the digits of one number: at most two separator characters (space, dot, dash, middle dot,
# underscore, slash is not one: 2024/10/12 is a date).
SEP = r"[ \t\u00a0\u3000.\-_·•・‐‑‒–—―]{0,2}+"
# A number followed by a unit of measure (13512345678平方米) is a quantity, not a phone.
QUANTITY_UNIT = (r"(?! {0,3}+(?:万|亿|千|百|吨|元|米|平方|立方|公里|公顷|亩|克|千克|户|人|件|台|辆|个|%|kg|km|m2|m3|t\b|m\b))")
NOT_BEFORE = r"(?<![0-9A-Za-z.])"  # not inside a code such as D140000202310170012 or a decimal figure
NOT_AFTER = r"(?![0-9])"
PHONE_BEFORE = r"(?<![0-9])(?<![0-9]\.)"  # Tel13812345678 is a phone; 0.13812345678 is not

# 18-digit resident ID (region, birth date 19xx/20xx MMDD, sequence, check digit or X) and the old
# 15-digit form; groups may be written apart (1405 0219 9001 0112 34).
ID_NUMBER = re.compile(
    NOT_BEFORE + r"[1-9](?:" + SEP + r"\d){5}" + SEP + r"(?:1" + SEP + r"9|2" + SEP + r"0)(?:" + SEP + r"\d){2}" + SEP
    + r"(?:0" + SEP + r"[1-9]|1" + SEP + r"[0-2])" + SEP + r"(?:[0-2]" + SEP + r"\d|3" + SEP + r"[01])"
    + r"(?:" + SEP + r"\d){3}" + SEP + r"[\dXx]" + NOT_AFTER
    + r"|" + NOT_BEFORE + r"[1-9](?:" + SEP + r"\d){7}" + SEP + r"(?:0" + SEP + r"[1-9]|1" + SEP + r"[0-2])"
    + SEP + r"(?:[0-2]" + SEP + r"\d|3" + SEP + r"[01])(?:" + SEP + r"\d){3}" + NOT_AFTER
)
# 1[3-9]x xxxx xxxx, optionally +86 / 0086 / (+86), with separators anywhere between the digits.
MOBILE = re.compile(
    PHONE_BEFORE + r"(?:\(?(?:\+|00)?86\)?" + SEP + r")?1" + SEP + r"[3-9](?:" + SEP + r"\d){9}" + NOT_AFTER + QUANTITY_UNIT
)
# Area code 0xx / 0xxx (optionally in brackets), 7–8 digits, optional extension (-123, 转123, ext.123).
LANDLINE = re.compile(
    NOT_BEFORE + r"(?:\(0\d{2,3}\)" + SEP + r"|0\d{2,3}" + SEP + r")[2-9](?:" + SEP + r"\d){6,7}"
    r"(?: {0,2}+(?:-|转|分机|ext\.?|x) {0,2}+\d{1,6})?" + NOT_AFTER + QUANTITY_UNIT
)
# A local number without area code, only where a label says it is a phone (电话：2021234).
PHONE_LABEL = re.compile(
    r"((?:电话|手机|座机|联系方式)(?:号码)?+ {0,3}+(?:[:=]|为|是)?+ {0,3}+)[2-9](?:" + SEP + r"\d){6,7}" + NOT_AFTER
)
# Local part starting at a boundary (so a long run of letters is scanned once), then a dotted domain.
EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{1,64}+@[A-Za-z0-9\-]{1,63}+(?:\.[A-Za-z0-9\-]{1,63}+){1,8}+")

CJK = "\u4e00-\u9fff"
LABELS = "举报人|反映人|信访人|投诉人|来信人|来访人|控告人|联系人|责任人|负责人|经办人|当事人|申请人|姓名"
# A label, then ：/为/是 (optional), then 2–4 CJK characters (a name, possibly with ·); stops before
# 同志/先生/女士/等 or a verb such as 反映/举报, or where the CJK run ends.
NAME_AFTER_LABEL = re.compile(
    rf"((?:{LABELS}) {{0,3}}+(?:[:]|为|是|系)?+ {{0,3}}+)([{CJK}][{CJK}·]{{1,3}}?)"
    rf"(?=同志|先生|女士|等|反映|举报|投诉|来信|来电|称|[^{CJK}·]|$)"
)
# Words that follow a label but are not names ("责任人为县政府", "联系人电话", "举报人姓名不详").
NOT_NAMES = re.compile(r"^(?:居|民|员|们|电话|手机|单位|信息|姓名|及|和|的|所在|职务|身份|地址|联系|签字|签名|意见|名单|均|已|未|要|须|应|由|对|在|不详|匿名|本人|无)")
BODIES = re.compile(r"(?:政府|局|委|办|院|所|站|处|科|队|部|厅|中心|公司|集团|镇|乡|村|街道|社区|县|区|市|省|组|会|厂|矿|场|校)$")


def normalise(text: str) -> tuple[str, list[int]]:
    """The NFKC form of ``text`` and, for each of its characters, the index of the original
    character it came from (so a match on the normal form masks the right original span)."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        norm = unicodedata.normalize("NFKC", ch) if not ch.isascii() else ch
        if not norm:
            continue
        out.append(norm)
        origin.extend([i] * len(norm))
    return "".join(out), origin


def _spans(pattern: re.Pattern[str], text: str, accept: Callable[[re.Match[str]], tuple[int, int] | None]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for match in pattern.finditer(text):
        span = accept(match)
        if span is not None:
            spans.append(span)
    return spans


def _whole(match: re.Match[str]) -> tuple[int, int]:
    return match.span()


def _mobile(match: re.Match[str]) -> tuple[int, int] | None:
    found = match.group(0)
    separators = [c for c in found if not c.isdigit() and c not in "+()"]
    # 1381.2345678 is a decimal figure, not a phone: one dot and nothing else between the digits.
    if separators == ["."]:
        return None
    return match.span()


def _after_group(group: int) -> Callable[[re.Match[str]], tuple[int, int] | None]:
    def accept(match: re.Match[str]) -> tuple[int, int]:
        return match.end(group), match.end()
    return accept


def _name(match: re.Match[str]) -> tuple[int, int] | None:
    name = match.group(2)
    if NOT_NAMES.match(name) or BODIES.search(name):
        return None
    return match.span(2)


RULES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], tuple[int, int] | None]]] = [
    (ID_NUMBER, _whole), (EMAIL, _whole), (MOBILE, _mobile), (LANDLINE, _whole),
    (PHONE_LABEL, _after_group(1)), (NAME_AFTER_LABEL, _name),
]


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def redact(text: str, names: Iterable[str] = ()) -> str:
    """The text with personal data replaced by ``×××``; ``names`` are extra known names to mask."""
    if not text:
        return ""
    norm, origin = normalise(text)
    spans: list[tuple[int, int]] = []
    for pattern, accept in RULES:
        spans += _spans(pattern, norm, accept)
    pieces: list[str] = []
    last = 0
    for start, end in _merge([(origin[s], origin[e - 1] + 1) for s, e in spans if e > s]):
        pieces.append(text[last:start])
        pieces.append(MASK)
        last = end
    pieces.append(text[last:])
    result = "".join(pieces)
    for known in sorted({n for n in names if n and len(n) >= 2}, key=len, reverse=True):
        result = result.replace(known, MASK)
    return result
