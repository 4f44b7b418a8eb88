"""The feedback problem a task answers (SCHEMA.md `feedback_no`).

- in a task's own opening: `编号8：…` after the list number, `（反馈问题9）`;
- for a notice about one problem, in its title or opening: `反馈问题第二十七项`, `反馈问题（序号19）`,
  `问题编号：第十二项`. A petition's 受理编号 is its seq, never a feedback number.
"""
from __future__ import annotations

import re
from typing import Any

_N = r"(\d{1,4}|[一二三四五六七八九十百]{1,6})"
_HEAD = re.compile(r"^[?？\s]{0,6}(?:问题)?编号\s{0,2}" + r"(\d{1,4})" + r"\s{0,2}[:：]\s{0,3}")
_DOCUMENT = re.compile(
    r"反馈(?:意见)?(?:问题|意见)\s{0,2}(?:第\s{0,2}" + _N + r"\s{0,2}[项条个]|[(（]\s{0,2}(?:序号|编号|第)?\s{0,2}"
    + _N + r"\s{0,2}(?:项|号)?\s{0,2}[)）])"
    r"|问题编号\s{0,2}[:：]?\s{0,2}第\s{0,2}" + _N + r"\s{0,2}项"
)


def split_head_number(text: str | None) -> tuple[str | None, str | None]:
    """`？编号8：加强入湖河流整治。` -> ("8", "加强入湖河流整治。")."""
    if not text:
        return None, text
    m = _HEAD.match(text)
    if not m:
        return None, text
    return m.group(1), text[m.end():].strip() or None


def document_feedback_no(title: str | None, opening: str) -> str | None:
    """The one feedback problem a notice is about, from its title, else its first lines."""
    for text in (title or "", opening[:600]):
        numbers = {next(g for g in m.groups() if g) for m in _DOCUMENT.finditer(text)}
        if len(numbers) == 1:
            return numbers.pop()
        if numbers:
            return None
    return None


def assign_feedback_numbers(tasks: list[dict[str, Any]], kind: str, title: str | None, opening: str) -> None:
    for task in tasks:
        if task.get("feedback_no"):
            continue
        for key in ("problem", "title"):
            number, rest = split_head_number(task.get(key))
            if number:
                task["feedback_no"], task[key] = number, rest
                break
    if kind == "closure_notice" and len(tasks) == 1 and not tasks[0].get("feedback_no"):
        tasks[0]["feedback_no"] = document_feedback_no(title, opening)
