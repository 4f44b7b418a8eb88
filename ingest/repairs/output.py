"""Emitted text: Chinese punctuation, and the script the document was written in.

Parsing works on a half-width normalised text (see `repair.normalize_width`); what a document
object emits must carry the punctuation a Chinese document uses. ASCII `, ; : ( ) ? !` that sit
next to a Chinese character (or next to Chinese punctuation) become their full-width forms, and a
bracket pair with one full-width side gets the other side full-width too. ASCII punctuation
between digits or Latin letters stays: `PM2.5`, `1,000`, `10:30`, `2023-06-30`, `(PM2.5)` alone.
"""
from __future__ import annotations

import re
from typing import Any

from .traditional import ScriptMemory

_TO_WIDE = {",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "?": "？", "!": "！"}
# Chinese script and the punctuation written with it: CJK symbols (、。《》「」), full-width forms,
# curly quotes, ellipsis and dash
_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff5e\u2018-\u201d\u2026\u2014"
_NEXT_TO_CJK = re.compile(rf"(?<=[{_CJK}])[,;:()?!]|[,;:()?!](?=[{_CJK}])")
_PAIRS = {"(": ")", "（": "）"}

# document keys whose strings are prose (never file names, dates, kinds or comparators)
_TEXT_KEYS = frozenset({
    "title", "region", "team", "name", "problem", "target", "measures", "lead_units",
    "cooperating_units", "responsible_units", "responsible_person", "deadline_text", "text",
    "completion", "section",
})


def _pair_brackets(text: str) -> str:
    """Give both sides of a bracket pair the full-width form when one side has it."""
    chars = list(text)
    stack: list[int] = []
    for i, ch in enumerate(chars):
        if ch in "(（":
            stack.append(i)
        elif ch in ")）" and stack:
            j = stack.pop()
            if (chars[j] == "（") != (ch == "）"):
                chars[j], chars[i] = "（", "）"
    return "".join(chars)


def chinese_punctuation(text: str) -> str:
    """`排查,2023年6月底前建立清单;` -> `排查，2023年6月底前建立清单；`; `PM2.5` and `10:30` unchanged."""
    if not text or not any(c in _TO_WIDE for c in text):
        return text
    for _ in range(8):  # a run such as `完成);(2)` widens from the Chinese side outwards
        wider = _NEXT_TO_CJK.sub(lambda m: _TO_WIDE[m.group(0)], text)
        if wider == text:
            break
        text = wider
    return _pair_brackets(text)


def _restore(value: Any, key: str | None, script: ScriptMemory | None) -> Any:
    if isinstance(value, str):
        if key not in _TEXT_KEYS:
            return value
        value = chinese_punctuation(value)
        return script.written(value) if script is not None else value
    if isinstance(value, list):
        return [_restore(v, key, script) for v in value]
    if isinstance(value, dict):
        return {k: _restore(v, k, script) for k, v in value.items()}
    return value


def restore_document(doc: dict[str, Any], script: ScriptMemory | None = None) -> dict[str, Any]:
    """The document object with Chinese punctuation in all of its prose fields, in the script the
    document was written in when ``script`` remembers one (the layouts matched on simplified text)."""
    restored: dict[str, Any] = _restore(doc, None, script if script is not None and script.changed else None)
    return restored
