"""Text the reader could not place: lines inside the part of the document the tasks come from whose
words went into no task. They come back as warnings with their line numbers (the import preview
shows them), whatever layout won; a layout's own warnings are kept and not repeated.
"""
from __future__ import annotations

import re
from typing import Any

from ..layouts import TASK_TEXT_KEYS

_K = 6  # characters in a shingle
_WORDS = re.compile(r"[^\s，。、；：:;,.!！?？()（）“”\"'《》【】\[\]\-—]+")
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]{1,3}[、.．]|[(（][一二三四五六七八九十\d]{1,3}[)）]|附件|第[一二三四五六七八九十\d]{1,4}[章节部分])")
_UNIT_KEYS = ("lead_units", "cooperating_units", "responsible_units")


def _shingles(text: str) -> set[str]:
    core = "".join(_WORDS.findall(text))
    return {core[i:i + _K] for i in range(max(1, len(core) - _K + 1))} if core else set()


def _task_shingles(tasks: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for t in tasks:
        texts = [t.get(k) or "" for k in TASK_TEXT_KEYS] + list(t.get("measures") or [])
        texts += [u for k in _UNIT_KEYS for u in t.get(k) or []] + list(t.get("section") or [])
        for text in texts:
            found |= _shingles(text)
    return found


_LABEL = re.compile(r"^[\u4e00-\u9fff ]{2,8}[:：]")
_PREAMBLE = re.compile(r"^(?:根据|按照|依据|为)[^。]{0,120}(?:公示|如下)")  # a notice's opening sentence
_CLOSING = re.compile(r"^(?:公示(?:时间|期)|监督电话|联系电话|联系人|电子邮箱|联系地址|邮寄地址|特此公示|如(?:对|有))")


def unplaced_lines(lines: list[str], tasks: list[dict[str, Any]], known: list[dict[str, Any]], facts: tuple[str, ...] | list[str] = ()
                   ) -> list[dict[str, Any]]:
    """``lines`` are the document's text lines (1-based line numbers); ``known`` the layout's warnings;
    ``facts`` texts the document facts were read from (the title, the goals section), placed too."""
    stated = {re.sub(r"\s", "", f) for f in facts if f}

    def is_fact(text: str) -> bool:
        bare = re.sub(r"\s", "", text or "")
        return any(bare.endswith(f) or (len(bare) >= 4 and bare in f) for f in stated)

    known = [w for w in known if not is_fact(w.get("text") or "")]
    if not tasks:
        return known
    placed = _task_shingles(tasks)
    used: list[bool] = []
    for line in lines:
        own = _shingles(_LABEL.sub("", line))  # a label is placed with its value
        used.append(bool(own) and len(own & placed) * 2 >= len(own))
    hits = [i for i, u in enumerate(used) if u]
    if not hits:
        return known
    seen = {w.get("line") for w in known}
    out = list(known)
    for i in range(hits[0] + 1, hits[-1]):
        line = lines[i].strip()
        if used[i] or len(line) < 8 or _HEADING.match(line) or (i + 1) in seen or _CLOSING.match(line) or _PREAMBLE.match(line):
            continue
        if is_fact(line):
            continue
        out.append({"line": i + 1, "text": line})
    return sorted(out, key=lambda w: (w.get("line") is None, w.get("line") or 0))
