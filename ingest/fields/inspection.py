"""Facts about the inspection a document answers: team, level, round, stationing and feedback dates.

Every mention of an inspection in the opening text is a candidate (`第二轮中央生态环境保护督察`,
`省第三生态环境保护督察组`, `省级环保督察`); when a text names several, a central one comes before a
provincial one, then the most recent round (SCHEMA.md, edge cases). A team is its full name: one
with an ordinal (`中央第三…督察组`) wins over the press's shorthand (`中央环保督察组`), which alone
gives no team.
"""
from __future__ import annotations

import re
from typing import Any

from .dates import cn_number, iso

_N = r"[一二三四五六七八九十\d]{1,4}"
_PLACE = r"(?:(?<![\u4e00-\u9fff])[^\x00-\u4dff\ua000-\U0010ffff市县区我本全由对向在和的了经]{2,3}(?=省|自治区))?"  # a province's name opening a phrase
_FILLER = r"[^\x00-\u201b\u201e-\u4dff\ua000-\U0010ffff贯彻落实关于由对向在的和我]"  # no verb or preposition inside a team's name
_LEVEL_WORD = r"中央|国家|省委[、]?省政府|省级|省|自治区|市委[、]?市政府|市级|市|州"
_TEAM = re.compile(
    rf"(?<![我本全])({_PLACE}(?:{_LEVEL_WORD})(?:第{_N})?{_FILLER}{{0,14}}?(?:督察|督查)组)"
)
_ROUND_MENTION = re.compile(rf"第({_N})轮[^。；;，,]{{0,6}}?({_LEVEL_WORD})")
_ROUND = re.compile(rf"第({_N})轮")
_ROUND_BARE = re.compile(rf"第({_N})轮(?:生态)?环(?:境)?(?:保护)?(?:督察|督查)")
_LEVEL = re.compile(
    rf"({_LEVEL_WORD})(?:第{_N}|委)?(?:生态)?(?:环(?:境)?(?:保护)?|环保)[“”\"]?(?:回头看)?[“”\"]?(?:例行)?(?:督察|督查)"
)
_LEVEL_SHORT = re.compile(r"(中央|省级)督察(?![办室])")
_DMY = r"(?P<y1>(?:19|20)\d{2})年(?P<m1>\d{1,2})月(?P<d1>\d{1,2})日"
_STATIONED = re.compile(_DMY + r"\s{0,3}(?:至|到|—|-|~)\s{0,3}(?:(?P<y2>(?:19|20)\d{2})年)?(?:(?P<m2>\d{1,2})月)?(?P<d2>\d{1,2})日")
_FEEDBACK = re.compile(
    r"(?<![至到—\-~])(?:(?P<y>(?:19|20)\d{2})年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})日[,，]?(?:[^。；;()（）]{0,16}?向[^。；;()（）]{0,10}?)?反馈(?!问题|意见整改)"
)


def _level(word: str) -> str:
    if word in ("中央", "国家"):
        return "central"
    if word.startswith(("省", "自治区")) or word.endswith(("省", "自治区")):
        return "provincial"
    return "municipal"


def _team_level(team: str) -> str:
    if re.search(r"中央|国家", team):
        return "central"
    return "provincial" if re.search(r"省|自治区", team) else "municipal"


def _is_shorthand(team: str) -> bool:
    """`中央环保督察组`, `省督察组`: the press's or the text's short reference, not the team's name."""
    if re.search(rf"第{_N}", team):
        return False
    return "环保督察组" in team or not re.search(r"环境|生态|回头看", team)


def mentions_at(text: str) -> list[tuple[int, int, str, int | None]]:
    """(start, end, level, round) of each inspection named in ``text``."""
    out: list[tuple[int, int, str, int | None]] = []
    for m in _ROUND_MENTION.finditer(text):
        out.append((m.start(), m.end(), _level(m.group(2)), cn_number(m.group(1))))
    for rx in (_LEVEL_SHORT, _LEVEL):
        out.extend((m.start(), m.end(), _level(m.group(1)), None) for m in rx.finditer(text))
    out.extend((m.start(), m.end(), _team_level(m.group(1)), None) for m in _TEAM.finditer(text))
    return out


def _mentions(text: str) -> list[tuple[str, int | None]]:
    """(level, round) of each inspection named in ``text``."""
    out: list[tuple[str, int | None]] = []
    for m in _ROUND_MENTION.finditer(text):
        out.append((_level(m.group(2)), cn_number(m.group(1))))
    for m in _LEVEL_SHORT.finditer(text):
        out.append((_level(m.group(1)), None))
    for m in _LEVEL.finditer(text):
        out.append((_level(m.group(1)), None))
    for m in _TEAM.finditer(text):
        out.append((_team_level(m.group(1)), None))
    return out


def _choose(mentions: list[tuple[str, int | None]]) -> tuple[str, int | None] | None:
    if not mentions:
        return None
    order = {"central": 0, "provincial": 1, "municipal": 2}
    level = min((lv for lv, _ in mentions), key=order.__getitem__)
    rounds = [r for lv, r in mentions if lv == level and r]
    return level, (max(rounds) if rounds else None)


def find_inspection(title: str, text: str) -> dict[str, Any] | None:
    """The inspection named in the title or opening; None when the document answers none."""
    head = text[:3000]
    everywhere = _mentions((title or "") + "\n" + head)
    chosen = _choose(_mentions(title or "")) or _choose(everywhere)
    if chosen is None:
        return None
    level = chosen[0]  # the title's inspection, else the first by rank; its latest round
    rounds = [r for lv, r in everywhere if lv == level and r]
    round_no = max(rounds) if rounds else None
    if round_no is None:
        round_m = _ROUND.search(title or "") or _ROUND_BARE.search(head)
        round_no = cn_number(round_m.group(1)) if round_m else None
    teams = [m.group(1) for m in _TEAM.finditer((title or "") + "\n" + head)]
    teams = [t for t in teams if _team_level(t) == level and not _is_shorthand(t)]
    teams.sort(key=lambda t: not re.search(rf"第{_N}", t))
    result = {
        "team": teams[0] if teams else None,
        "level": level,
        "round": round_no,
        "stationed_from": None,
        "stationed_to": None,
        "feedback_date": None,
    }
    stationed = _STATIONED.search(head)
    year = None
    if stationed:
        y1 = int(stationed.group("y1"))
        m1 = int(stationed.group("m1"))
        result["stationed_from"] = iso(y1, m1, int(stationed.group("d1")))
        y2 = int(stationed.group("y2") or y1)
        result["stationed_to"] = iso(y2, int(stationed.group("m2") or m1), int(stationed.group("d2")))
        year = y2
    for feedback in _FEEDBACK.finditer(head):
        if stationed and stationed.start() <= feedback.start() < stationed.end():
            continue
        fy = int(feedback.group("y")) if feedback.group("y") else year
        if fy is None:
            continue
        result["feedback_date"] = iso(fy, int(feedback.group("m")), int(feedback.group("d")))
        break
    return result
