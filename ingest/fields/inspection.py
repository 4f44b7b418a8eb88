"""Facts about the inspection a document answers: team, level, round, stationing and feedback dates."""
from __future__ import annotations

import re

from .dates import cn_number, iso

_TEAM = re.compile(r"((?:中央|国家|省委省政府|省委、省政府|省|自治区|市委市政府|市|州)(?:第[一二三四五六七八九十\d]{1,4})?[\u4e00-\u9fff]{0,10}?(?:督察|督查)组)")
_ROUND = re.compile(r"第([一二三四五六七八九十\d]{1,4})轮")
_LEVEL = re.compile(r"(中央|国家|省委省政府|省委、省政府|省级|省|自治区|市级|市)(?:第[一二三四五六七八九十]{1,4}|委)?(?:生态)?环(?:境)?(?:保护)?(?:督察|督查)")
_DMY = r"(?P<y1>(?:19|20)\d{2})年(?P<m1>\d{1,2})月(?P<d1>\d{1,2})日"
_STATIONED = re.compile(_DMY + r"\s{0,3}(?:至|到|—|-|~)\s{0,3}(?:(?P<y2>(?:19|20)\d{2})年)?(?P<m2>\d{1,2})月(?P<d2>\d{1,2})日")
_FEEDBACK = re.compile(r"(?P<y>(?:19|20)\d{2})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日[^。；;]{0,20}?反馈")


def _level(word: str) -> str:
    if word in ("中央", "国家"):
        return "central"
    if word.startswith(("省", "自治区")):
        return "provincial"
    return "municipal"


def find_inspection(title: str, text: str) -> dict | None:
    """The inspection named in the title or opening; None when the document answers none."""
    head = text[:3000]
    team_m = _TEAM.search(title) or _TEAM.search(head)
    level_m = _LEVEL.search(title) or (_LEVEL.search(head) if team_m else None)
    if not team_m and not level_m:
        return None
    team = team_m.group(1) if team_m else None
    if team_m:
        level_word = team_m.group(1)
    else:
        assert level_m is not None  # returned above when neither matched
        level_word = level_m.group(1)
    prefix = re.match(r"中央|国家|省|自治区|市|州", level_word)
    level = _level(prefix.group(0) if prefix else level_word)
    if level_m and not team_m:
        level = _level(level_m.group(1))
    round_m = _ROUND.search(title) or _ROUND.search(head)
    stationed = _STATIONED.search(head)
    feedback = _FEEDBACK.search(head)
    result = {
        "team": team,
        "level": level,
        "round": cn_number(round_m.group(1)) if round_m else None,
        "stationed_from": None,
        "stationed_to": None,
        "feedback_date": None,
    }
    if stationed:
        y1 = int(stationed.group("y1"))
        result["stationed_from"] = iso(y1, int(stationed.group("m1")), int(stationed.group("d1")))
        y2 = int(stationed.group("y2") or y1)
        result["stationed_to"] = iso(y2, int(stationed.group("m2")), int(stationed.group("d2")))
    if feedback and (not stationed or feedback.start() != stationed.start()):
        result["feedback_date"] = iso(int(feedback.group("y")), int(feedback.group("m")), int(feedback.group("d")))
    return result
