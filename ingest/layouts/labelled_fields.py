"""Fields under labels: headings (一、整改问题 二、整改措施 …), 【label】value, `label：value` lines and a
label on one line with its value on the next — the layout of closure notices and assignment sheets.

Each label is recognised by its head noun (ingest.vocabulary). A field met a second time opens the
next task; `编号N：…` / `序号N：…` items open one too. Lines before the first label are the preamble
(document facts only); the task's number comes from the title or preamble (`（序号21）`, `第40项`).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..fields.dates import notice_steps
from ..fields.units import split_units
from ..structure import FEEDBACK_NO, Draft
from ..vocabulary import NUMBERING, OTHER, label_field, strip_numbering
from . import Context, LayoutResult, used_chars

# ingest.document.finish_task, passed in: document imports the layouts
FinishTask = Callable[[Draft, str, int | None], dict[str, Any]]

TASK_FIELDS = {"problem", "target", "measures", "completion", "responsible_units", "lead_units",
               "cooperating_units", "deadline", "responsible_person"}
_ITEM_HEAD = re.compile(r"^\s*(?:(\d{1,3})\s*[.、．]\s*)?\W{0,2}\s*(?:问题)?(?:编号|序号)\s*([\w\-()（）]{1,20}?)\s*[}】\]]?\s*[:：]\s*(.+)$")
_NUMBER_IN_HEAD = re.compile(r"(?:受理编号|问题编号|序号|编号)\s*[:：]?\s*([A-Za-z\d][A-Za-z\d\-]*(?:[(（][\d\-]+[)）])?)"
                             r"|第\s*([\d一二三四五六七八九十百]+)\s*(?:项|号)")
_FEEDBACK_NEAR = re.compile(r"反馈问题.{0,3}$|问题[(（]?$|^反馈问题")
_SPLIT_FIELDS = ("measures",)


class LabelledFields:
    name = "labelled_fields"

    def detect(self, lines: list[str]) -> float:
        found = {lab[0] for line in lines if (lab := label_field(line)) and lab[0] != OTHER}
        fields = found & TASK_FIELDS
        # a goal (总体目标) and measures (具体措施) alone are the sections of a plan, not the fields of a task
        task_only = fields & {"problem", "completion", "responsible_units", "lead_units", "deadline", "responsible_person"}
        return float(len(fields)) if len(fields) >= 2 and task_only else 0.0

    def extract(self, lines: list[str], context: Context) -> LayoutResult:
        from ..document import finish_task  # the shared finishing of a task (units, deadline, measures)

        reader = _Reader()
        for no, raw in enumerate(lines, 1):
            line = raw.strip().strip("|").strip()
            if line:
                reader.read(no, line)
        preamble = reader.preamble
        tasks = [self._finish(d, context, preamble, finish_task) for d in reader.drafts if _has_content(d)]
        if len(tasks) == 1:
            _one_task_from_preamble(tasks[0], preamble)
        return LayoutResult(self.name, tasks, used_chars(tasks), reader.warnings)

    @staticmethod
    def _new(drafts: list[Draft], no: int) -> Draft:
        if drafts and not _has_content(drafts[-1]):
            return drafts[-1]
        draft = Draft("", no, 0, [], "")
        drafts.append(draft)
        return draft

    @staticmethod
    def _finish(draft: Draft, context: Context, preamble: list[str], finish_task: FinishTask) -> dict[str, Any]:
        feedback = draft.parts.pop("feedback_no", [])
        task = finish_task(draft, "closure_notice", context.doc_year)
        if feedback and feedback[0]:
            task["feedback_no"] = feedback[0][0]
        if not task["seq"]:
            task["seq"], fb = _number_from_head([context.title or ""] + preamble[:5])
            task["feedback_no"] = task["feedback_no"] or fb
        task["seq"] = task["seq"] or None
        if task["seq"] and not task["feedback_no"] and _names_feedback(task["seq"], [context.title or ""] + preamble[:5]):
            task["feedback_no"] = task["seq"]
        if not task["problem"] and task["completion"]:
            quoted = _QUOTED_PROBLEM.search(task["completion"][:800])
            task["problem"] = quoted.group(1) if quoted else None
        notice_steps(task, context.doc_year)
        return task


def _one_task_from_preamble(task: dict[str, Any], preamble: list[str]) -> None:
    """A notice about one task: its name and leading unit may stand in the preamble only."""
    if not task["title"]:
        # `…反馈问题“矿山修复进展缓慢”的问题，已落实整改…`: the preamble names the one problem
        named = next((m for t in preamble[:6] if (m := _NAMED_PROBLEM.search(t))), None)
        task["title"] = named.group(1) if named else None
    if not any(task[k] for k in ("lead_units", "responsible_units")):
        # `市水利局牵头负责的…整改任务第12项已整改完成`: the unit that leads the one task
        lead = next((m for t in preamble[:6] if (m := _LEAD_IN_PREAMBLE.match(t))), None)
        task["lead_units"] = split_units(lead.group(1)) if lead else []


class _Reader:
    """One pass over the lines: the drafts so far, the open draft and the field its text goes to."""

    def __init__(self) -> None:
        self.drafts: list[Draft] = []
        self.preamble: list[str] = []
        self.warnings: list[dict[str, Any]] = []
        self.current: Draft | None = None
        self.field: str | None = None

    def _new(self, no: int) -> Draft:
        self.current = LabelledFields._new(self.drafts, no)
        return self.current

    def read(self, no: int, line: str) -> None:
        item = _ITEM_HEAD.match(line)
        if item:
            return self._item(no, item)
        counted = _COUNTED_PROBLEM.match(line)
        if counted:  # `问题二：…` — a numbered problem opens the next task
            current = self._new(no)
            current.seq = counted.group(1)
            current.add("problem", counted.group(2).strip(), new_item=True)
            self.field = "problem"
            return None
        lab = label_field(line)
        if lab is not None and lab[0] == "problem" and (nth := _NTH_ITEM.search(line)):
            return self._nth_problem(no, line, lab[1], nth)
        if lab is not None:
            return self._label(no, line, *lab)
        return self._text(no, line)

    def _item(self, no: int, item: re.Match[str]) -> None:
        current = self.current
        if current is not None and self.field == "problem" and not any(current.parts.get("problem") or []):
            current.seq = item.group(2)  # `一、反馈问题` then `{编号12}：…` — the number and text of that problem
            current.add("problem", item.group(3).strip(), new_item=True)
            return
        current = self.current = Draft(item.group(1) or item.group(2), no, 0, [], "")
        current.parts["title"] = [[item.group(3).strip()]]
        current.parts["feedback_no"] = [[item.group(2)]] if item.group(1) else []
        self.drafts.append(current)
        self.field = None

    def _nth_problem(self, no: int, line: str, value: str, nth: re.Match[str]) -> None:
        current = self._new(no)  # `一、第5项反馈问题`: the number is the task's
        current.seq = nth.group(1)
        if "反馈问题" in line:
            current.parts["feedback_no"] = [[nth.group(1)]]
        self.field = "problem"
        current.parts.setdefault("problem", [])
        if value:
            current.add("problem", value, new_item=True)

    def _label(self, no: int, line: str, name: str, value: str) -> None:
        current = self.current
        if name == OTHER:
            self.field = None
            return
        if name == "seq":
            if current is None or current.seq or set(k for k, v in current.parts.items() if v) - {"title"}:
                current = self._new(no)  # a number opens the next task unless only its name came first
            current.seq = re.sub(r"^第|项$", "", value) or current.seq
            self.field = None
            return
        if name == self.field == "completion" and current is not None and _PART_REPORT.search(line):
            # `（一）整改目标完成情况：已完成。` under 二、整改落实情况: a part of the completion, label kept
            current.add(name, strip_numbering(line), new_item=False)
            return
        if current is None or (name in current.parts and name != self.field and current.parts.get(name)):
            current = self._new(no)
        self.field = name
        current.parts.setdefault(name, [])
        if value:
            current.add(name, value, new_item=True)

    def _text(self, no: int, line: str) -> None:
        current, field = self.current, self.field
        if current is None:
            self.preamble.append(line)
            return
        if field is None:
            self.warnings.append({"line": no, "text": line})
            return
        numbered = bool(NUMBERING.match(line))
        text = strip_numbering(line) or line
        if field == "problem" and not any(current.parts.get("problem") or []):
            # `1.（反馈问题2）：…` opening the problem: the item's number and the feedback it answers
            number = re.match(r"^\s*(\d{1,3})\s*[.、．]", line)
            current.seq = current.seq or (number.group(1) if number else "")
            fb = FEEDBACK_NO.match(text)
            if fb:
                current.parts["feedback_no"] = [[fb.group(1)]]
                text = text[fb.end():].strip()
        current.add(field, text, new_item=field in _SPLIT_FIELDS and numbered)


_COUNTED_PROBLEM = re.compile(r"^\s*(?:反馈)?问题\s{0,2}([一二三四五六七八九十\d]{1,4})\s{0,2}[:：]\s*(\S.*)$")
_NTH_ITEM = re.compile(r"第\s{0,2}([一二三四五六七八九十百\d]{1,4})\s{0,2}项")
_PART_REPORT = re.compile(r"(?:目标|措施|任务|问题)(?:完成|落实|整改)情况\s*[:：]")
_LEAD_IN_PREAMBLE = re.compile(r"^([^，,。；;“”]{2,30}?)牵头(?:负责)?的[^，,。；;]{0,40}?(?:整改任务|问题|事项)")
_NAMED_PROBLEM = re.compile(r"问题[“\"]([^“”\"]{4,40})[”\"](?:的)?问题")
# a completion that restates its problem: `…反馈问题第N项指出，“…”问题，我县…` (greedy: quotes may nest)
_QUOTED_PROBLEM = re.compile(r"指出[，,:：]?\s{0,3}[“\"](.{8,600})[”\"]\s{0,3}(?:等|的)?问题")


def _names_feedback(number: str, texts: list[str]) -> bool:
    """`反馈问题第二十七项` / `反馈问题（序号19）` in the title or preamble: the number is a feedback problem's."""
    rx = re.compile(r"反馈问题.{0,4}" + re.escape(number) + r"(?![\d一二三四五六七八九十])")
    return any(rx.search(t) for t in texts)


def _has_content(draft: Draft) -> bool:
    return any(v and any(v) for k, v in draft.parts.items() if k != "feedback_no")


def _number_from_head(texts: list[str]) -> tuple[str | None, str | None]:
    for text in texts:
        m = _NUMBER_IN_HEAD.search(text)
        if m:
            number = m.group(1) or m.group(2)
            near = text[max(0, m.start() - 8):m.start()] + text[m.end():m.end() + 6]
            return number, number if "反馈问题" in near or re.search(r"问题[(（]?$", text[:m.start()]) else None
    return None, None
