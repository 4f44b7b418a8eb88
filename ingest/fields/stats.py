"""Counts a progress report states: tasks done, petitions closed, accountability cases."""
from __future__ import annotations

import re
from typing import Any

# A count starts where a run of digits starts and has at most 9 digits: a line of digits costs
# linear time, not the square of its length.
_N = r"(?<!\d)(\d{1,9})"
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("tasks", re.compile(_N + r"项(?:整改)?任务[^。；;]{0,12}?(?:已)?(?:完成|办结)(?:整改)?" + _N + r"项")),
    ("tasks_in_progress", re.compile(r"(?:其余|剩余|另有)" + _N + r"项[^。；;]{0,6}?(?:按|正在|推进|序时)")),
    ("petitions", re.compile(_N + r"(?:件|个|批)(?:群众)?(?:信访|举报)[^。；;]{0,12}?(?:已)?(?:办结|完成|整改)" + _N + r"(?:件|个)")),
    ("petitions_received", re.compile(r"(?:转办|交办|移交|受理)的?" + _N + r"(?:件|起|个)(?:群众)?(?:信访|举报)")),
    ("accountability", re.compile(r"(?:移交|问责|追责)[^。；;]{0,8}?的?" + _N + r"(?:件|起|个)(?:生态环境损害)?责任追究问题[^。；;]{0,6}?(全部办结|已办结|办结" + _N + r"件)?")),
]


def find_stats(text: str) -> dict[str, Any] | None:
    stats: dict[str, int] = {}
    m = PATTERNS[0][1].search(text)
    if m:
        stats["tasks_total"], stats["tasks_done"] = int(m.group(1)), int(m.group(2))
    m = PATTERNS[1][1].search(text)
    if m:
        stats["tasks_in_progress"] = int(m.group(1))
    m = PATTERNS[2][1].search(text)
    if m:
        stats["petitions_received"], stats["petitions_closed"] = int(m.group(1)), int(m.group(2))
    else:
        m = PATTERNS[3][1].search(text)
        if m:
            stats["petitions_received"] = int(m.group(1))
    m = PATTERNS[4][1].search(text)
    if m:
        stats["accountability_cases"] = int(m.group(1))
        if m.group(2) and "全部" in m.group(2):
            stats["accountability_closed"] = int(m.group(1))
        elif m.group(3):
            stats["accountability_closed"] = int(m.group(3))
    return stats or None
