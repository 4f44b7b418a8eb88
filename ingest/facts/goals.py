"""The goals section of a plan (一、主要目标 / （二）目标指标。… / 具体指标：…) and its indicators.

A heading whose words open with a goal noun starts the section; it runs until the next heading of
the same or a higher level. A label line (总体目标： / 具体指标：) outside such a section starts one
that runs until the next numbered heading. Years carry over inside the section: a sentence that
names no year has the target year named before it, else the end of the plan's own period.
"""
from __future__ import annotations

import re
from typing import Any

from ..fields.indicators import find_indicators

_LEVELS = [
    re.compile(r"^[一二三四五六七八九十]{1,3}\s{0,2}[、.．]"),
    re.compile(r"^[(（][一二三四五六七八九十]{1,3}[)）]"),
    re.compile(r"^\d{1,2}\s{0,2}[、.．](?!\d)"),
    re.compile(r"^[(（]\d{1,2}[)）]"),
]
_GOAL_HEAD = re.compile(r"^(?!整改)[\u4e00-\u9fff]{0,10}(?:目标|指标)")
_GOAL_LABEL = re.compile(r"^(?!整改)[\u4e00-\u9fff]{0,6}(?:目标|指标)\s{0,2}[:：]")  # 整改目标 is a task's


def _level(line: str) -> tuple[int | None, str]:
    for level, rx in enumerate(_LEVELS, 1):
        m = rx.match(line)
        if m:
            return level, line[m.end():].strip()
    return None, line


def goal_lines(lines: list[str]) -> list[str]:
    """The lines of the goals section(s), heading words taken off."""
    out: list[str] = []
    inside: int | None = None  # level of the open goal heading; 99 for a label-opened section
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        level, body = _level(line)
        if level is not None and inside is not None and level <= inside:
            inside = None
        if level is not None and _GOAL_HEAD.match(body):
            head = re.match(r"^[\u4e00-\u9fff]{0,10}?(?:目标|指标)+[。.:：]?", body)
            rest = body[head.end():] if head else ""
            if len(body) <= 20 or (head and rest):
                inside = level
                if rest:
                    out.append(rest)
                continue
        if inside is None and level is None and _GOAL_LABEL.match(line):
            inside = 99
        if inside is not None:
            out.append(body if level is not None else line)
    return out


def find_goal_indicators(lines: list[str], period: dict[str, Any] | None) -> list[dict[str, Any]]:
    text = "\n".join(goal_lines(lines))
    end_year = period.get("end_year") if period else None
    return find_indicators(text, end_year, carry=True) if text else []


# kinds that report on work done: their figures are measurements, never goals
NO_GOALS = frozenset({"progress_report", "closure_notice"})


def reported_text(kind: str, full_text: str, tasks: list[dict[str, Any]]) -> str:
    """Where a document reports actual values: a report's whole text, a notice's completion parts."""
    if kind == "progress_report":
        return full_text
    if kind == "closure_notice":
        return "\n".join(t.get("completion") or "" for t in tasks)
    return ""
