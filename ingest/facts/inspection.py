"""Checks on the inspection found by ingest.fields.inspection: stationing dates must be the team's
stay (a sentence about the inspection being stationed or carried out), not a 公示 period; a
回头看 named in the title has no round (SCHEMA.md, Inspection)."""
from __future__ import annotations

import re
from typing import Any

_RANGE = re.compile(r"(?:19|20)\d{2}年\d{1,2}月\d{1,2}日\s*(?:至|到|—|-|~)\s*(?:(?:19|20)\d{2}年)?(?:\d{1,2}月)?\d{1,2}日")
_STAY = re.compile(r"进驻|入驻|督察组.{0,20}(?:对|在|赴)|开展.{0,12}督察|督察.{0,6}期间")
_SENTENCE = re.compile(r"[^。；;\n]+")


def checked_inspection(inspection: dict[str, Any] | None, title: str | None, text: str) -> dict[str, Any] | None:
    if not inspection:
        return inspection
    result = dict(inspection)
    if result.get("stationed_from"):
        stays = [s for s in _SENTENCE.findall(text[:3000]) if _RANGE.search(s) and _STAY.search(s)]
        if not stays:
            result["stationed_from"] = result["stationed_to"] = None
    if title and "回头看" in title and not re.search(r"第[一二三四五六七八九十\d]+轮", title):
        result["round"] = None
    return result
