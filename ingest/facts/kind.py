"""The kind of a document, decided after extraction from what was found (SCHEMA.md `kind`)."""
from __future__ import annotations

import re
from typing import Any

from ..kinds import KIND_RULES

_CLOSURE_WORDS = re.compile(r"销号|公示期|予以公示|进行公示|公示如下|验收")
_TASK_LIST = re.compile(r"(?:任务分解|责任分解|分解责任|任务)清单|责任清单")  # a list of tasks with units is a plan
_ANNOUNCES_PLAN = re.compile(r"(?:制定|印发|公布|公开)[^。]{0,40}?(?:整改方案|整改任务清单|整改清单|整改措施清单)")
_PROGRESS_WORDS = re.compile(r"已完成|已办结|已整改|整改进展|取得.{0,4}成效")


def kind_named_in(title: str | None) -> str | None:
    """The kind the title names last (a Chinese title ends with its head noun)."""
    if not title:
        return None
    bare = re.sub(r"《[^》]*》", "", title)
    named = [(m.end(), -order, kind) for order, (kind, rx) in enumerate(KIND_RULES) for m in rx.finditer(bare)]
    named += [(m.end(), 1, "rectification_plan") for m in _TASK_LIST.finditer(bare)]
    return max(named)[2] if named else None


def decide_kind(title: str | None, text: str, tasks: list[dict[str, Any]], stats: dict[str, Any] | None) -> str:
    named = kind_named_in(title)
    if named:
        return named
    with_problem = [t for t in tasks if t.get("problem")]
    if any(t.get("completion") for t in tasks) or (with_problem and len(tasks) <= 3 and _CLOSURE_WORDS.search(text)):
        return "closure_notice"
    if stats and not with_problem and set(stats) - {"tasks_total"}:
        return "progress_report"  # a count of tasks alone announces a plan; a report says what was done
    if stats and not tasks and _ANNOUNCES_PLAN.search(text):
        return "rectification_plan"
    if with_problem:
        return "rectification_plan"
    if tasks:
        return "action_plan"
    return "progress_report" if _PROGRESS_WORDS.search(text) else "rectification_plan"
