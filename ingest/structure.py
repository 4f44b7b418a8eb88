"""Headings, field labels and the task items they delimit."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .blocks import Table
from .vocabulary import label_field

HEADING_PATTERNS: list[tuple[int, re.Pattern[str]]] = [
    # Bounded repeats before the body (which is stripped): `\s*(.*)$` backtracks over a run of
    # spaces when a line break follows.
    (0, re.compile(r"^第([一二三四五六七八九十百\d]{1,6})(?:章|部分|篇)\s{0,8}(.*)$")),
    (1, re.compile(r"^([一二三四五六七八九十百]{1,6})\s{0,3}[、.．]\s{0,8}(.*)$")),
    (2, re.compile(r"^[(（]([一二三四五六七八九十]{1,6})[)）]\s{0,3}[、.．]?\s{0,8}(.*)$")),
    (3, re.compile(r"^(\d{1,3})\s{0,3}(?:[、．]|\.(?!\d))\s{0,8}(.*)$")),
    (3, re.compile(r"^第([一二三四五六七八九十百\d]{1,6})条\s{0,8}(.*)$")),
    (4, re.compile(r"^[(（](\d{1,3})[)）]\s{0,3}[、.．]?\s{0,8}(.*)$")),
    (5, re.compile(r"^([①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳])\s{0,8}(.*)$")),
]
LABELS: dict[str, tuple[str, ...]] = {
    "responsible_person": ("责任人", "责任领导", "责任人员", "包联领导"),
    "lead_units": ("牵头单位", "牵头部门", "牵头责任单位"),
    "cooperating_units": ("配合单位", "配合部门", "协办单位", "参与单位", "协同单位", "协助单位"),
    "responsible_units": ("责任单位", "主责单位", "责任部门", "整改实施主体", "实施主体", "整改责任单位", "整改单位", "落实单位"),
    "deadline": ("整改期限", "整改时限", "完成时限", "计划完成时间", "完成时间", "完成期限", "时限要求", "整改时间", "办结时限"),
    "completion": ("整改完成情况", "完成情况", "整改情况", "整改进展情况", "进展情况", "整改进展", "落实情况"),
    "target": ("整改目标", "整改要求", "目标要求"),
    "measures": ("整改措施", "具体措施", "重点措施", "工作措施", "具体整改措施", "主要整改措施"),
    "problem": ("反馈问题", "存在问题", "问题描述", "具体问题", "主要问题", "整改任务", "问题表现", "问题"),
}
_LABEL_WORDS = sorted(((w, k) for k, ws in LABELS.items() for w in ws), key=lambda t: -len(t[0]))
_LABEL_ALT = "|".join(re.escape(w) for w, _ in _LABEL_WORDS)
LABEL_LINE = re.compile(rf"^(?:【({_LABEL_ALT})】|\[({_LABEL_ALT})\]|({_LABEL_ALT})(?:[:：]|$))[:：]?(.*)$")
LABEL_OF = {w: k for w, k in _LABEL_WORDS}
FEEDBACK_NO = re.compile(r"^[(（【\[]\s{0,3}(?:对应)?(?:督察)?反馈(?:意见)?(?:问题)?\s{0,3}(?:第)?\s{0,3}(\d{1,4})\s{0,3}(?:项|条|个|号)?\s{0,3}[)）】\]]\s{0,3}[:：]?\s*")
NON_TASK_SECTIONS = re.compile(r"指导思想|总体要求|基本原则|目标|组织保障|保障措施|工作要求|组织领导|实施步骤|工作步骤|工作安排|职责分工|有关要求|进度安排|工作机制")
ATTACHMENT = re.compile(r"^附件\s{0,3}\d{0,3}\s{0,3}[:：]?")


_STRONG_LABEL_ALT = "|".join(re.escape(w) for w, k in _LABEL_WORDS if k != "problem")
# Splits right before the label (the pieces are stripped): a leading \s* here cost n² on a run of spaces.
_MIDLINE_LABEL = re.compile(rf"(?<=[。;；,，\s])(?=(?:【(?:{_STRONG_LABEL_ALT})】|(?:{_STRONG_LABEL_ALT})\s{{0,8}}[:：]))")


def split_label_runs(text: str) -> list[str]:
    """`整改目标：…。整改措施：…。责任单位：…` written on one line → one line per label."""
    if not re.search(_STRONG_LABEL_ALT, text):
        return [text]
    pieces = [p.strip() for p in _MIDLINE_LABEL.split(text)]
    return [p for p in pieces if p] or [text]


@dataclass
class Line:
    no: int
    text: str
    level: int | None = None
    number: str = ""
    body: str = ""
    label: str | None = None
    value: str = ""
    label_heading: bool = False


def classify(no: int, text: str) -> Line:
    line = Line(no, text)
    for level, rx in HEADING_PATTERNS:
        m = rx.match(text)
        if m and m.group(2).strip() != "":
            line.level, line.number, line.body = level, m.group(1), m.group(2).strip()
            break
    target = line.body if line.level is not None else text
    squeezed = re.sub(r"\s+", "", target[:14]) + target[14:]
    m = LABEL_LINE.match(squeezed)
    if m:
        word = m.group(1) or m.group(2) or m.group(3)
        value = m.group(4).strip()
        bare = squeezed.strip("【】[]:： ") == word
        if line.level is not None and bare:
            line.label_heading = True
            line.label = LABEL_OF[word]
        elif line.level is not None and LABEL_OF[word] == "problem":
            pass  # `（一）问题：…` opens an item whose problem follows
        elif m.group(1) or m.group(2) or re.match(rf"^{re.escape(word)}\s*[:：]", squeezed) or bare:
            line.label, line.value, line.level = LABEL_OF[word], value, None
    return line


@dataclass
class Draft:
    seq: str
    line_no: int
    level: int
    section: list[str]
    head: str
    head_more: list[str] = field(default_factory=list)
    parts: dict[str, list[list[str]]] = field(default_factory=dict)
    current: str | None = None
    sub_next: int = 0

    def add(self, key: str, text: str, new_item: bool) -> None:
        items = self.parts.setdefault(key, [])
        if new_item or not items:
            items.append([text] if text else [])
        elif text:
            items[-1].append(text)


_SECTION_LEAD = re.compile(r"\s*[(（][^()（）]{2,40}(?:总牵头|牵头)[^()（）]{0,6}[)）]\s*$")


_GENERAL = re.compile(r"总体要求")
_RUN_IN_TITLE = re.compile(r"^[^，,。；;：:]{4,20}。\s*\S")


def _section_name(body: str) -> str:
    """A heading without its closing punctuation and its section-wide `（…总牵头）` note."""
    return _SECTION_LEAD.sub("", body.strip()).rstrip("。:：;；").strip()


def choose_task_level(lines: list[Line], kind: str) -> int | None:
    label_levels: list[int] = []
    last: int | None = None
    for line in lines:
        if line.level is not None and not line.label_heading:
            last = line.level
        elif line.label and not line.label_heading and last is not None:
            label_levels.append(last)
    if label_levels:
        return min(label_levels)
    if kind == "progress_report":
        return None
    levels = {line.level for line in lines if line.level is not None}
    if 3 in levels:
        return 3
    if 2 in levels and kind in ("action_plan", "rectification_plan"):
        return 2
    return None


def is_single_task(lines: list[Line]) -> bool:
    fields = {line.label for line in lines if line.label_heading and line.level is not None and line.level <= 2}
    return "problem" in fields and ("measures" in fields or "completion" in fields)


def build_drafts(lines: list[Line], kind: str, title: str = "") -> tuple[list[Draft], list[dict[str, Any]]]:
    """Group classified lines into task drafts; also the lines of the task area left unread."""
    if is_single_task(lines):
        return _single_task(lines, title), []
    task_level = choose_task_level(lines, kind)
    if task_level is None:
        return [], []
    grouper = _Grouper(task_level)
    for line in lines:
        grouper.read(line)
    drafts, outside = grouper.drafts, grouper.outside
    unparsed = []
    if drafts:
        first, last = drafts[0].line_no, drafts[-1].line_no
        unparsed = [{"line": ln.no, "text": ln.text} for ln in outside if first < ln.no < last and ln.level is None]
    return drafts, unparsed


class _Grouper:
    """One pass of ``build_drafts``: the headings above (by level), the open draft, the lines outside any task."""

    def __init__(self, task_level: int) -> None:
        self.task_level = task_level
        self.drafts: list[Draft] = []
        self.stack: dict[int, Line] = {}
        self.current: Draft | None = None
        self.outside: list[Line] = []

    def read(self, line: Line) -> None:
        if ATTACHMENT.match(line.text) and line.level is None and not line.label:
            self.current = None
            self.stack.clear()
            return
        current = self.current
        if line.level is not None and not (current and line.label_heading and line.level > self.task_level):
            self._numbered(line, line.level)
            return
        if current is None:
            if line.text:
                self.outside.append(line)
            return
        if line.label:
            current.current = line.label
            if line.value:
                current.add(line.label, line.value, new_item=True)
            return
        if current.current is None:
            current.head_more.append(line.text)
        else:
            current.add(current.current, line.text, new_item=False)

    def _numbered(self, line: Line, level: int) -> None:
        current = self.current
        if level < self.task_level:
            self.current = None
            self.stack = {lv: h for lv, h in self.stack.items() if lv < level}
            self.stack[level] = line
            return
        if (level == self.task_level and current is not None and current.current == "measures"
                and line.number.isdigit() and int(line.number) == (current.sub_next or 1)):
            current.sub_next = int(line.number) + 1  # measures numbered like the tasks: 1. 2. under 整改措施
            current.add("measures", line.body, new_item=True)
            return
        if level == self.task_level:
            self._task_head(line)
            return
        if current is None:
            self.outside.append(line)
            return
        key = current.current or "body"
        if line.label_heading:
            current.current = line.label
            return
        current.current = key
        current.add(key, line.body, new_item=True)

    def _task_head(self, line: Line) -> None:
        stack = self.stack
        top = min(stack) if stack else None
        # under 总体要求 an item that names a work item of its own (not 指导思想, 目标指标) is a task
        if (top is not None and NON_TASK_SECTIONS.search(stack[top].body) and not line.label
                and (not _GENERAL.search(stack[top].body) or NON_TASK_SECTIONS.search(line.body[:12])
                     or not _RUN_IN_TITLE.match(line.body))):
            self.current = None
            return
        section = [_section_name(stack[lv].body) for lv in sorted(stack)]
        self.current = Draft(line.number, line.no, self.task_level, section, line.body)
        self.drafts.append(self.current)


def _single_task(lines: list[Line], title: str) -> list[Draft]:
    m = re.search(r"第\s{0,3}(\d{1,6})\s{0,3}号", title)
    draft = Draft(m.group(1) if m else "1", 0, 0, [], "")
    started = False
    for line in lines:
        if line.label_heading and line.label is not None and line.level is not None and line.level <= 2:
            started = True
            draft.current = line.label
            draft.parts.setdefault(line.label, [])
            continue
        if not started:
            continue
        if line.label and not line.label_heading:
            draft.current = line.label
            if line.value:
                draft.add(line.label, line.value, new_item=True)
            continue
        if line.level is not None:
            draft.add(draft.current or "body", line.body, new_item=True)
        elif line.text:
            draft.add(draft.current or "body", line.text, new_item=not draft.parts.get(draft.current or "body"))
    return [draft]


HEADER_FIELDS: list[tuple[str, re.Pattern[str]]] = [
    # a petition's 受理编号 is its number, before a running 序号
    ("petition_no", re.compile(r"(?:受理|信访|举报|交办|案件)编号")),
    ("seq", re.compile(r"^(序号|编号|序|任务编号|问题编号|问题序号)$")),
    # columns with no task field: how persons were dealt with, where, what kind, whether true, what was found
    ("ignore", re.compile(r"被处理|问责|追责|行政区域|所在地|污染类型|是否属实|调查核实|核查情况")),
    ("deadline", re.compile(r"时限|期限|完成时间|办结时间")),
    ("responsible_person", re.compile(r"责任人|责任领导|包联领导|包案领导|包抓领导|督办领导")),
    ("lead_units", re.compile(r"牵头")),
    ("cooperating_units", re.compile(r"配合|协办|参与|协助")),
    ("responsible_units", re.compile(r"责任单位|主责单位|责任部门|实施主体|整改单位|落实单位")),
    ("completion", re.compile(r"完成情况|整改情况|进展|落实情况|办理情况|办理结果|处理情况|查处情况")),
    ("target", re.compile(r"目标|整改要求")),
    ("measures", re.compile(r"措施")),
    ("feedback_no", re.compile(r"反馈问题(序号|编号)")),
    ("problem", re.compile(r"问题|反馈意见")),
    ("title", re.compile(r"任务|事项|名称")),
    ("section", re.compile(r"类别|分类|领域|类型|方面")),
]


def header_field(cell: str) -> str | None:
    text = re.sub(r"\s+", "", cell)
    if not text or len(text) > 16:
        return None
    for key, rx in HEADER_FIELDS:
        if rx.search(text):
            return key
    return None


def find_header(table: Table) -> tuple[int, dict[int, str]] | None:
    """The header row of a task table and its column → field mapping, or None for a layout table."""
    for i, row in enumerate(table.rows[:4]):
        named = {j: header_field(c) for j, c in enumerate(row)}
        found = {j: k for j, k in named.items() if k}
        if len(set(found.values()) - {"section", "title", "ignore"}) >= 2:
            below = table.rows[i + 1:i + 9]
            labelled = sum(1 for r in below if sum(1 for c in r if header_field(c)) >= 2)
            if below and labelled * 2 >= len(below):
                return None  # labels in every row: a label/value form, not a header over rows
            return i, found
    return None


def _is_header_piece(row: list[str]) -> bool:
    cells = [c.strip() for c in row if c.strip()]
    if not cells or len(set(cells)) == 1 and len(cells) > 1:
        return False  # a section row spanning the table (`一、水污染防治` in every cell)
    return all(len(c) <= 8 and not re.search(r"\d|[一二三四五六七八九十][、.．]", c) for c in cells)


def merge_wrapped_header(table: Table) -> Table:
    """A header wrapped over several rows (`责任` / `单位`) joined column by column; a shorter
    continuation row is aligned to the right, where wrapped trailing columns stand."""
    rows = table.rows
    if len(rows) < 3:
        return table
    for start in range(min(3, len(rows) - 1)):
        head = list(rows[start])
        if not any(header_field(c) for c in head):
            continue
        end = start + 1
        while end < len(rows) and end - start <= 3 and _is_header_piece(rows[end]):
            piece = list(rows[end])
            piece = [""] * (len(head) - len(piece)) + piece if len(piece) < len(head) else piece[: len(head)]
            head = [a + b.strip() for a, b in zip(head, piece, strict=True)]
            end += 1
        if end == start + 1:
            return table
        merged = Table(rows[:start] + [head] + rows[end:])
        return merged if find_header(merged) else table
    return table


def _label_cells(cells: list[str]) -> bool:
    labels = [label_field(c.strip() + "：") if "\n" not in c.strip() and len(c.strip()) <= 12 else None for c in cells]
    return all(labels) and any(lab[0] != "other" for lab in labels if lab)


def table_lines(table: Table) -> list[str]:
    """A table that is not a task list (page layout, a boxed paragraph) read as lines of text."""
    out: list[str] = []
    for row in table.rows:
        seen: list[str] = []
        for cell in row:
            if cell and cell not in seen:
                seen.append(cell)
        if len(seen) == 1:
            out.extend(s.strip() for s in seen[0].split("\n") if s.strip())
        elif len(seen) % 2 == 0 and _label_cells(seen[0::2]):
            # label/value rows: `整改时限 | 2025年底` or `问题编号 | 8 | 责任单位 | 县水务局`
            out.extend(label.strip() + "：" + value.replace("\n", "") for label, value in zip(seen[0::2], seen[1::2], strict=True))
        elif seen:
            out.append(" ".join(s.replace("\n", " ") for s in seen))
    return out


def table_drafts(table: Table, start_no: int) -> list[Draft]:
    """Tasks of a ledger table whose header names its columns (序号/反馈问题/整改措施/责任单位/…)."""
    table = merge_wrapped_header(table)
    rows = table.rows
    header = find_header(table)
    if header is None:
        return []
    header_at, mapping = header
    drafts: list[Draft] = []
    section: list[str] = []
    prev_key: tuple[str, str] | None = None
    for i, row in enumerate(rows[header_at + 1:], start=header_at + 1):
        cells = [c.strip() for c in row]
        distinct = {c for c in cells if c}
        if not distinct:
            continue
        if len(distinct) == 1 and len(cells) > 2:
            text = distinct.pop()
            line = classify(0, text)
            section = [_section_name(line.body if line.level is not None else text)]
            continue
        values: dict[str, str] = {}
        for j, key in mapping.items():
            if j < len(cells) and cells[j] and key not in values:
                values[key] = cells[j]
        if set(values) <= {"seq", "petition_no", "ignore"}:
            continue
        seq = values.get("petition_no") or re.sub(r"\D", "", values.get("seq", "")) or str(len(drafts) + 1)
        key_now = (values.get("seq", ""), values.get("problem", values.get("title", "")))
        if drafts and prev_key and key_now == prev_key and key_now != ("", ""):
            _continue_row(drafts[-1], values)
            continue
        prev_key = key_now
        row_section = section + ([values["section"]] if values.get("section") else [])
        drafts.append(_row_draft(values, seq, start_no + i, row_section))
    return drafts


def _continue_row(draft: Draft, values: dict[str, str]) -> None:
    """A row repeating the previous one's number and problem adds its measures and units to that task."""
    for k in ("measures", "lead_units", "cooperating_units", "responsible_units"):
        if values.get(k) and [values[k]] not in draft.parts.get(k, []):
            draft.add(k, values[k], new_item=True)


def _row_draft(values: dict[str, str], seq: str, line_no: int, section: list[str]) -> Draft:
    head = values.get("problem") or values.get("title") or ""
    draft = Draft(seq, line_no, 3, section, head)
    if "problem" not in values and "title" in values:
        draft.parts["title"] = [[values["title"]]]
    for k, v in values.items():
        if k in ("seq", "petition_no", "ignore", "problem", "title", "section"):
            continue
        if k == "measures":
            for item in split_numbered(v):
                draft.add("measures", item, new_item=True)
        else:
            draft.add(k, v, new_item=True)
    draft.parts.setdefault("_table", [])
    return draft


# \s{0,8}, not \s*: after each of n blank lines a leading \s* scanned all the rest (n²).
_ITEM_START = re.compile(r"(?:^|(?<=[\n。；;]))\s{0,8}(?:[(（]\d{1,2}[)）]|\d{1,2}[、.．](?!\d)|[①②③④⑤⑥⑦⑧⑨⑩])\s*")


def split_numbered(text: str) -> list[str]:
    """`（1）…（2）…` or `1.… 2.…` inside one cell or line → the items without their numbers."""
    starts = list(_ITEM_START.finditer(text))
    if len(starts) < 2 or starts[0].start() > 0 and text[: starts[0].start()].strip():
        return [text.strip()] if len(starts) < 2 else [text[: starts[0].start()].strip()] + [
            text[a.end(): (b.start() if b else len(text))].strip() for a, b in zip(starts, starts[1:] + [None], strict=True)]
    return [text[a.end(): (b.start() if b else len(text))].strip() for a, b in zip(starts, starts[1:] + [None], strict=True)]


_INLINE_PAREN_ITEMS = re.compile(r"[(（](\d{1,2})[)）]")
# `1.…；2.…` run on in one line: a number opens an item only at the start or after ；。
_INLINE_DOT_ITEMS = re.compile(r"(?:^|(?<=[；;。]))\s{0,2}(\d{1,2})[.、．](?!\d)")


def split_inline_items(text: str) -> list[str]:
    """`（1）甲；（2）乙` or `1.甲；2.乙` written on one line → [甲；, 乙]."""
    for rx in (_INLINE_PAREN_ITEMS, _INLINE_DOT_ITEMS):
        marks = list(rx.finditer(text))
        if len(marks) < 2 or marks[0].start() != 0 or marks[0].group(1) != "1":
            continue
        seq = []
        expected = 1
        for m in marks:
            if int(m.group(1)) == expected:
                seq.append(m)
                expected += 1
        if len(seq) >= 2:
            return [text[a.end(): (b.start() if b else len(text))].strip() for a, b in zip(seq, seq[1:] + [None], strict=True)]
    return [text]
