"""Counts a report states in prose, wherever they stand (SCHEMA.md `stats`).

Each sentence is read on its own: a sentence about petitions (信访/举报/投诉/案件) gives
petitions_received / petitions_closed, any other sentence about rectification gives tasks_total /
tasks_done / tasks_in_progress. The first statement of a count in document order wins. A planned
completion (`年底前完成21项`) is not a count done; `阶段性办结` is not `办结`.
"""
from __future__ import annotations

import re
from typing import Any

from .stats import find_stats

_SENTENCES = re.compile(r"[^。；;!！?？\n]+")
_PETITION_TOPIC = re.compile(r"信访|举报|投诉|案件|办结\d+\s*件")
_TASK_TOPIC = re.compile(r"整改|督察|交办|销号")
_N = r"(?<![第号\d])(\d+)"
_TASK_NOUN = r"\s*(?:项|个|条)(?:具体|重点|环保|环境|突出|反馈)?(?:整改任务|整改问题|问题|任务)"
TASK_TOTAL = [re.compile(_N + _TASK_NOUN), re.compile(r"任务(?:是|为|共)" + _N + r"\s*(?:项|个)")]
TASK_DONE = [
    re.compile(r"已(?:经|基本)?(?:整改)?完成(?:整改|了)?(?:任务)?" + _N + r"\s*(?:项|个)"),
    re.compile(_N + r"\s*(?:项|个)(?:问题|任务)?已(?:经|基本)?(?:整改)?完成"),
]
TASK_IN_PROGRESS = [
    re.compile(r"(?:其余|剩余|另有)" + _N + r"\s*(?:项|个)"),
    re.compile(r"序时进度" + _N + r"\s*(?:项|个)"),
    re.compile(r"正在(?:推进|整改)(?:中)?的?" + _N + r"\s*(?:项|个)"),
]
PETITIONS_RECEIVED = [
    re.compile(r"(?:交办|转办|移交)[^，,。]{0,12}?" + _N + r"\s*[件起]"),
    re.compile(r"(?:信访|举报|投诉)[\u4e00-\u9fff]{0,8}?(?:共计|共|合计)" + _N + r"\s*[件起]"),
    re.compile(_N + r"\s*[件起](?:群众)?(?:信访|举报|投诉)"),
    re.compile(r"(?:信访|举报|投诉)[\u4e00-\u9fff]{0,6}?" + _N + r"\s*[件起]"),
    re.compile(r"(?:收到|受理)[^，,。]{0,12}?" + _N + r"\s*[件起]"),
]
PETITIONS_CLOSED = [
    re.compile(r"(?<!阶段性)(?:已|共|累计)?办结(?:信访件|举报件|案件)?" + _N + r"\s*[件起]"),
    re.compile(r"已(?:经)?完成(?:整改)?" + _N + r"\s*[件起]"),
    re.compile(_N + r"\s*[件起](?:已|均已)(?:经)?(?:办结|完成)"),
]
_ALL_CLOSED = re.compile(r"(?:已|均已)?全部办结")


def _first(patterns: list[re.Pattern[str]], text: str) -> int | None:
    best: tuple[int, int] | None = None
    for rx in patterns:
        m = rx.search(text)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), int(m.group(1)))
    return best[1] if best else None


def _blank(rx: list[re.Pattern[str]], text: str) -> str:
    for r in rx:
        text = r.sub(lambda m: "＿" * len(m.group(0)), text)
    return text


def _petition_counts(sentence: str) -> dict[str, int]:
    out: dict[str, int] = {}
    closed = _first(PETITIONS_CLOSED, sentence)
    rest = _blank(PETITIONS_CLOSED + [re.compile(r"阶段性办结\d+\s*件|未办结\d+\s*件")], sentence)
    received = _first(PETITIONS_RECEIVED[:1], rest) or _first(PETITIONS_RECEIVED[1:], rest)
    if received is not None:
        out["petitions_received"] = received
    if closed is None and received is not None and _ALL_CLOSED.search(sentence):
        closed = received
    if closed is not None:
        out["petitions_closed"] = closed
    return out


def _task_counts(sentence: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for key, patterns in (("tasks_total", TASK_TOTAL), ("tasks_done", TASK_DONE), ("tasks_in_progress", TASK_IN_PROGRESS)):
        value = _first(patterns, sentence)
        if value is not None:
            out[key] = value
    if out.get("tasks_total") is not None and out.get("tasks_total") == out.get("tasks_done") and "已" not in sentence:
        out.pop("tasks_done")
    return out


def without_quotations(text: str) -> str:
    """Quoted text (“…”, nested quotes included) blanked: a notice quoting the feedback
    (`“…共受理信访投诉35件，群众反映强烈”`) states none of its own counts there."""
    if "“" not in text:
        return text
    pieces: list[str] = []
    depth = 0
    start = 0  # where the text not yet copied begins
    for m in _QUOTE.finditer(text):
        if m.group(0) == "“":
            if depth == 0:
                pieces.append(text[start:m.start()])
                start = m.start()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                pieces.append(_QUOTED_BLANK.sub("＿", text[start:m.end()]))
                start = m.end()
    rest = text[start:]
    pieces.append(_QUOTED_BLANK.sub("＿", rest) if depth else rest)
    return "".join(pieces)


_QUOTE = re.compile(r"[“”]")
_QUOTED_BLANK = re.compile(r"[^\n]")


_ALL_DONE = re.compile(r"^[\s，,]{0,3}(?:现|目前|截至目前|上述问题)?(?:均|已|全部){1,3}(?:全部)?完成(?:了)?整改")


_SUBJECT_OF_COUNTS = re.compile(r"^.{0,8}?(?:反馈|交办|转办|移交|涉及|指出)")


def _about_another(sentence: str, inspection: dict[str, Any] | None) -> bool:
    """Whether the sentence's counts belong to an inspection other than the document's (SCHEMA.md: stats
    describe the inspection the document answers): one named as the sentence's subject, or as the one
    that fed back, assigned or pointed out what is counted; an explicit round decides over a bare level."""
    if not inspection or not inspection.get("level"):
        return False
    from .inspection import mentions_at

    about = [(lv, r) for start, end, lv, r in mentions_at(sentence)
             if start <= 15 or _SUBJECT_OF_COUNTS.match(sentence, end)]
    if not about:
        return False
    level, round_no = inspection["level"], inspection.get("round")
    rounds = {r for lv, r in about if lv == level and r is not None}
    if rounds and round_no is not None:
        return round_no not in rounds
    return not any(lv == level for lv, _ in about)


def find_counts(text: str, inspection: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """tasks_total/done/in_progress and petitions_received/closed from the prose, plus accountability counts;
    with ``inspection``, sentences about another inspection are left out."""
    statements: list[dict[str, int]] = []
    text = without_quotations(text)
    for m in _SENTENCES.finditer(text):
        sentence = m.group(0)
        if _about_another(sentence, inspection):
            continue
        if _PETITION_TOPIC.search(sentence):
            statements.append(_petition_counts(sentence))
        elif _TASK_TOPIC.search(sentence):
            statements.append(_task_counts(sentence))
            # `交办的2个问题…。现已完成整改工作。` — the next sentence closes them all
            if _ALL_DONE.match(sentence) and len(statements) >= 2:
                before = statements[-2]
                if "tasks_total" in before and "tasks_done" not in before and not statements[-1]:
                    before["tasks_done"] = before["tasks_total"]
    # the fullest statement first (a running total with its closed count beats one batch's count)
    order = sorted(range(len(statements)), key=lambda i: (-len(statements[i]), -max(statements[i].values(), default=0), i))
    stats: dict[str, int] = {}
    for i in order:
        for key, value in statements[i].items():
            stats.setdefault(key, value)
    for key, value in (find_stats(text) or {}).items():
        if key.startswith("accountability"):
            stats.setdefault(key, value)
    return stats or None
