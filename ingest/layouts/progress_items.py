"""Progress items: a report's numbered problems, each followed by what was done —
`（一）城区部分道路扬尘污染问题突出。` / `该问题已完成整改。一是…二是…`, or a feedback quoted as
`一、关于“…”整改进展情况：已经完成，长期坚持。1.…`. The heading (or the quoted feedback) is the
problem, the status and the reported steps are the completion; nothing is planned, so no measures,
deadline or milestones.
"""
from __future__ import annotations

import re
from typing import Any

from ..fields.dates import LONG_TERM
from ..structure import HEADING_PATTERNS, Draft, _section_name
from ..vocabulary import strip_numbering
from . import Context, LayoutResult, used_chars

_STATUS = re.compile(r"^(?:该|此|本)?(?:问题)?(?:已经|已)(?:全部|基本)?(?:完成|整改到位|办结|销号)|^(?:整改)?(?:进展|完成)?情况[:：]"
                     r"|^(?:该|此|本)问题(?:正在|持续|按序时|基本)")
_STATUS_WORD = re.compile(r"已(?:经)?(?:全部|基本)?(?:完成|整改|办结|销号)|情况\s*[:：]|问题(?:正在|持续|按序时|基本)")
_QUOTED = re.compile(r"^关于[“\"](?P<problem>.+)[”\"](?P<rest>.*)$")
_REST_LABEL = re.compile(r"^\s*(?:整改)?(?:进展|完成|落实)?情况\s*[:：]\s*")
# a quoted feedback item run on after the list's own heading, and numbered steps run on after a sentence
_RUN_ON_ITEM = re.compile(r"(?<=[\u4e00-\u9fff。”])(?=[一二三四五六七八九十]{1,3}、关于[“\"])")
_RUN_ON_STEP = re.compile(r"(?<=[。；;])\s{0,3}(?=\d{1,2}[.、．][^\d\s])")


def _heading(line: str) -> tuple[int, str, str] | None:
    for level, rx in HEADING_PATTERNS:
        m = rx.match(line)
        if m and m.group(2).strip():
            return level, m.group(1), m.group(2).strip()
    return None


def _split(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        for piece in _RUN_ON_ITEM.split(line):
            out.extend(p.strip() for p in _RUN_ON_STEP.split(piece) if p.strip())
    return out


def _item_levels(lines: list[str]) -> list[int]:
    levels = []
    for i, line in enumerate(lines):
        head = _heading(line)
        if head is None:
            continue
        quoted = _QUOTED.match(head[2])
        if quoted and _REST_LABEL.match(quoted.group("rest")):
            levels.append(head[0])
        elif i + 1 < len(lines) and _heading(lines[i + 1]) is None and _STATUS.match(lines[i + 1]):
            levels.append(head[0])
    return levels


class ProgressItems:
    name = "progress_items"

    def detect(self, lines: list[str]) -> float:
        if not _STATUS_WORD.search("\n".join(lines)):
            return 0.0
        return float(len(_item_levels(_split(lines))))

    def extract(self, lines: list[str], context: Context) -> LayoutResult:
        lines = _split(lines)
        levels = _item_levels(lines)
        if not levels:
            return LayoutResult(self.name, [], 0)
        level = max(set(levels), key=levels.count)
        stack: dict[int, str] = {}
        drafts: list[Draft] = []
        current: Draft | None = None
        for no, line in enumerate(lines, 1):
            head = _heading(line)
            if head is not None and head[0] < level:
                stack = {lv: name for lv, name in stack.items() if lv < head[0]}
                stack[head[0]] = _section_name(head[2])
                current = None
                continue
            if head is not None and head[0] == level:
                current = Draft(head[1], no, level, [stack[lv] for lv in sorted(stack)], "")
                quoted = _QUOTED.match(head[2])
                problem, rest = (quoted.group("problem"), quoted.group("rest")) if quoted else (head[2], "")
                current.parts["problem"] = [[problem]]
                rest = _REST_LABEL.sub("", rest).strip()
                if rest:
                    current.add("completion", rest, new_item=False)
                drafts.append(current)
                continue
            if current is not None:
                current.add("completion", strip_numbering(line) if head is not None else line, new_item=False)
        tasks = [self._task(d) for d in drafts]
        return LayoutResult(self.name, tasks, used_chars(tasks))

    @staticmethod
    def _task(draft: Draft) -> dict[str, Any]:
        completion = "\n".join(draft.parts.get("completion", [[]])[0]).strip() or None
        status = re.split(r"[。；;]", completion or "", maxsplit=1)[0]
        return {
            "seq": draft.seq, "feedback_no": None, "section": draft.section, "title": None,
            "problem": draft.parts["problem"][0][0], "target": None, "measures": [],
            "lead_units": [], "cooperating_units": [], "responsible_units": [], "responsible_person": None,
            "deadline": None, "deadline_text": None, "long_term": bool(LONG_TERM.search(status)),
            "milestones": [], "completion": completion,
        }
