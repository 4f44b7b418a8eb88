"""Layouts as a registry: each layout the reader knows is a class with `detect(lines) -> score` and
`extract(lines, context) -> LayoutResult`. Every layout that detects something runs; the result that
explains most of the document (most characters placed in task fields) wins.

Adding a layout is adding one module here, its class to LAYOUTS, and its tests.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class Context:
    kind: str
    doc_year: int | None
    title: str | None


@dataclass
class LayoutResult:
    name: str
    tasks: list[dict]
    used_chars: int
    warnings: list[dict] = field(default_factory=list)


class Layout(Protocol):
    name: str

    def detect(self, lines: list[str]) -> float: ...

    def extract(self, lines: list[str], context: Context) -> LayoutResult: ...


# a challenger must explain this many times the characters of the incumbent: the numbered structure
# also explains numbering and sections, which a flat layout does not
MARGIN = 1.6
TASK_TEXT_KEYS = ("title", "problem", "target", "completion", "deadline_text", "responsible_person")


def used_chars(tasks: list[dict]) -> int:
    """Characters of the document a task list accounts for."""
    n = 0
    for t in tasks:
        n += sum(len(t.get(k) or "") for k in TASK_TEXT_KEYS)
        n += sum(len(m) for m in t.get("measures") or [])
        n += sum(len(u) for k in ("lead_units", "cooperating_units", "responsible_units") for u in t.get(k) or [])
    return n


def registry() -> list[Layout]:
    from .labelled_fields import LabelledFields

    return [LabelledFields()]


def best_result(lines: list[str], context: Context, incumbent: LayoutResult) -> LayoutResult:
    """The result that explains most of the text: the incumbent (numbered structure) or a registered layout."""
    best = incumbent
    if incumbent.used_chars * MARGIN >= sum(len(s) for s in lines):
        return best  # no challenger could explain enough more of the text
    for layout in registry():
        if layout.detect(lines) <= 0:
            continue
        result = layout.extract(lines, context)
        if result.tasks and result.used_chars > best.used_chars * MARGIN:
            best = result
    return best
