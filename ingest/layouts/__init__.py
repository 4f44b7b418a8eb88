"""Layouts as a registry: each layout the reader knows is a class with `detect(lines) -> score` and
`extract(lines, context) -> LayoutResult`. Every layout that detects something runs; the result that
explains most of the document (most characters placed in task fields) wins.

Adding a layout is adding one module here, its class to LAYOUTS, and its tests.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class Context:
    kind: str
    doc_year: int | None
    title: str | None


@dataclass
class LayoutResult:
    name: str
    tasks: list[dict[str, Any]]
    used_chars: int
    warnings: list[dict[str, Any]] = field(default_factory=list)


class Layout(Protocol):
    name: str

    def detect(self, lines: list[str]) -> float: ...

    def extract(self, lines: list[str], context: Context) -> LayoutResult: ...


# a challenger must explain this many times the characters of the incumbent: the numbered structure
# also explains numbering and sections, which a flat layout does not
MARGIN = 1.6
TASK_TEXT_KEYS = ("title", "problem", "target", "completion", "deadline_text", "responsible_person")


def used_chars(tasks: list[dict[str, Any]]) -> int:
    """Characters of the document a task list accounts for."""
    n = 0
    for t in tasks:
        n += sum(len(t.get(k) or "") for k in TASK_TEXT_KEYS)
        n += sum(len(m) for m in t.get("measures") or [])
        n += sum(len(u) for k in ("lead_units", "cooperating_units", "responsible_units") for u in t.get(k) or [])
    return n


_NUMBERED_LABEL = re.compile(r"^\W{0,2}(?:问题|受理)?(?:编号|序号)\s{0,3}[A-Za-z\d][\w\-]{0,20}\s{0,3}[:：]")


def reads_label_as_text(task: dict[str, Any]) -> bool:
    """A text field holding a label line of its own (`整改目标：…`, `验收情况：…`, `编号8：…`,
    `（反馈问题6）：…`): the task was
    read by a layout that took the document's labels for plain text."""
    from ..structure import FEEDBACK_NO
    from ..vocabulary import label_field

    def misread(key: str, line: str) -> bool:
        lab = label_field(line)
        if lab and key == "completion" and lab[0] == "completion":
            return False  # `整改目标完成情况：…` kept as a part of the completion
        return bool(lab or _NUMBERED_LABEL.match(line) or FEEDBACK_NO.match(line))

    return any(misread(k, line) for k in ("title", "problem", "target", "completion")
               for line in (task.get(k) or "").split("\n"))


def quality(result: LayoutResult) -> int:
    """Characters explained by the tasks that did not read a field label as text."""
    kept = [t for t in result.tasks if not reads_label_as_text(t)]
    return result.used_chars if len(kept) == len(result.tasks) else used_chars(kept)


def registry() -> list[Layout]:
    from .labelled_fields import LabelledFields
    from .progress_items import ProgressItems
    from .run_in_items import RunInItems

    return [LabelledFields(), RunInItems(), ProgressItems()]


def best_result(lines: list[str], context: Context, incumbent: LayoutResult) -> LayoutResult:
    """The result that explains most of the text: the incumbent (numbered structure) or a registered layout."""
    best, best_q = incumbent, quality(incumbent)
    # an incumbent that read labels as text, or found one item under no heading (no numbering to explain),
    # has no head start
    structured = len(incumbent.tasks) > 1 or any(t.get("section") for t in incumbent.tasks)
    margin = MARGIN if best_q == incumbent.used_chars and structured else 1.0
    if best_q * margin >= sum(len(s) for s in lines):
        return best  # no challenger could explain enough more of the text
    for layout in registry():
        if layout.detect(lines) <= 0:
            continue
        result = layout.extract(lines, context)
        q = quality(result)
        if result.tasks and (q > best_q * margin or margin == 1.0 and q == best_q > 0):
            best, best_q, margin = result, q, MARGIN
    return best
