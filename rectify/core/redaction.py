"""Remove personal data from text the public (or a wider audience) will read.

One function, ``redact(text)``: mobile numbers, landlines, resident ID numbers and the names
written after labels such as 联系人 / 举报人 / 信访人 / 责任人 / 姓名 become ``×××``. Dates,
amounts (1090万吨), measurements (PM2.5 47微克) and document numbers (晋环发〔2024〕5号) stay.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "×××"

# 18-digit resident ID (region, birth date 19xx/20xx MMDD, sequence, check digit or X) and the old 15-digit form.
ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"
    r"|(?<![0-9A-Za-z])[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9A-Za-z])"
)
# 1[3-9]x xxxx xxxx, optionally +86, with spaces or dashes between the groups.
# A number followed by a unit of measure (13512345678平方米) is a quantity, not a phone.
QUANTITY_UNIT = r"(?!\s*(?:万|亿|千|百|吨|元|米|平方|立方|公里|公顷|亩|克|千克|户|人|件|台|辆|个|%|％|kg|t\b|m\b))"
MOBILE = re.compile(r"(?<![\d.])(?:(?:\+|00)?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?![\d.])" + QUANTITY_UNIT)
# Area code 0xx / 0xxx (optionally in brackets), 7–8 digits, optional extension (-123, 转123, ext.123).
LANDLINE = re.compile(
    r"(?<![\d.])(?:[（(]0\d{2,3}[)）][\s-]?|0\d{2,3}[\s\-—－]?)[2-9]\d{6,7}"
    r"(?:\s*(?:-|－|转|分机|ext\.?|x)\s*\d{1,6})?(?![\d.])" + QUANTITY_UNIT
)
# A local number without area code, only where a label says it is a phone (电话：2021234).
PHONE_LABEL = re.compile(r"((?:电话|手机|座机|联系方式)\s*[:：]?\s*)[2-9]\d{6,7}(?![\d.])")
CJK = "\u4e00-\u9fff"
LABELS = "联系人|举报人|信访人|投诉人|反映人|责任人|负责人|经办人|当事人|姓名"
# A label, an optional colon, then 2–4 CJK characters (a name, possibly with ·); stops before 同志/等 or a verb such as 反映/举报.
NAME_AFTER_LABEL = re.compile(rf"((?:{LABELS})\s*[:：]?\s*)([{CJK}][{CJK}·]{{1,3}}?)(?=同志|先生|女士|等|反映|举报|投诉|来信|来电|称|[^{CJK}·]|$)")
# Words that follow a label but are not names ("责任人为县政府", "联系人电话").
NOT_NAMES = re.compile(r"^(?:电话|手机|单位|信息|姓名|为|是|及|和|的|所在|职务|身份|地址|联系|签字|签名|意见|名单|均|已|未|要|须|应|由|对|在)")


def redact(text: str, names: Iterable[str] = ()) -> str:
    """The text with personal data replaced by ``×××``; ``names`` are extra known names to mask."""
    if not text:
        return ""
    text = ID_NUMBER.sub(MASK, text)
    text = MOBILE.sub(MASK, text)
    text = LANDLINE.sub(MASK, text)
    text = PHONE_LABEL.sub(lambda m: f"{m.group(1)}{MASK}", text)

    def name(m: re.Match[str]) -> str:
        if NOT_NAMES.match(m.group(2)):
            return m.group(0)
        return f"{m.group(1)}{MASK}"

    text = NAME_AFTER_LABEL.sub(name, text)
    for known in sorted({n for n in names if n and len(n) >= 2}, key=len, reverse=True):
        text = text.replace(known, MASK)
    return text
