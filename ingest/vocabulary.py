"""Field labels recognised by their head noun, one rule table per field, numbering stripped first.

`label_field("二、整改实施主体")` → "responsible_units"; `label_field("（三）完成时限")` → "deadline".
A label the table does not know (公示时间, 联系电话, 整改成效 …) is `OTHER`: it ends the field before it.
"""
from __future__ import annotations

import re
from functools import lru_cache

OTHER = "other"
NUMBERING = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百\d]+(?:项|条|部分)\s*|[一二三四五六七八九十]+\s*[、.,，:：]+\s*"
    r"|[(（][一二三四五六七八九十\d]{1,3}[)）]\s*[、.]?\s*|\d{1,2}\s*[、．]\s*|\d{1,2}\.(?!\d)\s*|[①-⑳]\s*)"
)
# (field, head-noun pattern matched at the end of the label phrase); the first rule that matches wins
FIELD_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("seq", re.compile(r"(?:编号|序号)$")),
    ("title", re.compile(r"(?:问题|任务|事项|项目)名称$")),
    ("responsible_person", re.compile(r"(?:责任人|责任领导|包联领导|包案领导|包抓领导|督办领导|负责人)$")),
    ("lead_units", re.compile(r"牵头(?:责任)?(?:单位|部门)?$")),
    ("cooperating_units", re.compile(r"(?:配合|协办|参与|协同|协助)(?:单位|部门)$")),
    ("responsible_units", re.compile(r"(?:责任|主责|实施|落实|整改|承办)(?:单位|部门|主体)$")),
    ("deadline", re.compile(r"(?:时限|期限|完成时间|整改时间|办结时间)(?:要求)?$")),
    ("completion", re.compile(r"(?:完成|落实|进展|整改|办理|处理|查处)(?:情况|结果)$")),
    ("problem", re.compile(r"(?:问题|问题(?:描述|表现|内容)|基本情况|(?:交办|举报|信访|投诉)内容|反馈意见|整改任务|指出)$")),
    ("target", re.compile(r"(?:整改|工作)?目标(?:任务|要求)?$|整改要求$")),
    ("measures", re.compile(r"措施$")),
]
# a long label phrase (`中央环境保护督察反馈意见整改任务`) counts only with one of these head nouns
_LONG_LABEL_END = re.compile(r"(?:整改任务|反馈问题|反馈意见|整改目标|整改措施|完成情况|整改情况|整改结果|责任单位)$")
_NOT_LABEL = re.compile(r"[，,。；;、“”\"《》\d]")


def strip_numbering(text: str) -> str:
    """`一、` `（一）` `1.` `①` `第N项` `(N)` removed from the start, repeatedly."""
    prev = None
    while prev != text:
        prev, text = text, NUMBERING.sub("", text, count=1)
    return text.strip()


def field_of(phrase: str) -> str | None:
    """The field a label phrase names by its head noun, else None."""
    phrase = re.sub(r"\s+", "", phrase)
    if not 2 <= len(phrase) <= 24 or _NOT_LABEL.search(phrase) or len(phrase) > 12 and not _LONG_LABEL_END.search(phrase):
        return None
    for name, rx in FIELD_RULES:
        if rx.search(phrase):
            return name
    return None


_LABEL = re.compile(r"^[【\[]\s*([^】\]]{2,14})\s*[】\]]\s*[:：]?\s*(.*)$|^([\u4e00-\u9fff ]{2,14}?)\s*[:：]\s*(.*)$")


_SPACED_LABEL = re.compile(r"^([\u4e00-\u9fff]{2,12})[\t 　]{1,8}(\S.*)$")


def split_label(line: str) -> tuple[str, str] | None:
    """(phrase, value) of a `label：value`, `【label】value` or bare short label line; None for prose."""
    body = strip_numbering(line.strip().strip("|").strip())
    m = _LABEL.match(body)
    if m:
        phrase = m.group(1) or m.group(3)
        return phrase.strip(), (m.group(2) if m.group(1) else m.group(4)).strip().strip("|").strip()
    if 2 <= len(body) <= 24 and re.fullmatch(r"[\u4e00-\u9fff]+", body):
        return body, ""
    spaced = _SPACED_LABEL.match(body)
    if spaced and field_of(spaced.group(1)):
        return spaced.group(1), spaced.group(2).strip()  # a two-column row flattened: `整改时限  2025年底`
    return None


@lru_cache(maxsize=4096)
def label_field(line: str) -> tuple[str, str] | None:
    """(field or OTHER, value) for a label line; None when the line is not a label."""
    parts = split_label(line)
    if parts is None:
        return None
    phrase, value = parts
    name = field_of(phrase)
    if name:
        return name, value
    bare = not value and line.strip().strip("|").strip() != strip_numbering(line.strip().strip("|").strip())
    if re.search(r"[:：】]", line) or bare:
        return (OTHER, value) if len(phrase) <= 10 else None
    return None
