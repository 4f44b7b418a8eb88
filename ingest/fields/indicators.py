"""Quantified targets (`到2025年，PM2.5浓度不高于47微克/立方米`) and reported values (`…比例为74.5%`)."""
from __future__ import annotations

import bisect
import re
from functools import lru_cache
from typing import Any

UNITS = sorted([
    "%", "个百分点", "百分点", "微克/立方米", "毫克/立方米", "毫克/升", "mg/L", "μg/m3", "µg/m3", "万千瓦", "千瓦", "万吨标准煤",
    "万吨", "吨", "万立方米", "立方米", "平方公里", "公里", "万亩", "亩", "公顷", "条", "个", "家", "处", "座", "天", "台",
    "辆", "户", "蒸吨", "亿元", "万元", "米", "万人", "万户",
], key=len, reverse=True)
# Repeats are bounded, and a number is only tried from the start of its digits: one long line
# of digits (or spaces, or anything) costs linear time, never the square of its length.
_NUM = r"(?P<v>\d{1,12}(?:\.\d{1,6})?)"
_NUM_START = r"(?<![\d.])" + _NUM
_S = r"\s{0,3}"
_UNIT = "(?P<u>" + "|".join(re.escape(u) for u in UNITS) + ")"
_VALUE = _NUM + _S + _UNIT + r"?(?P<q>以上|以下|以内|左右)?"
_FALL = r"(?:下降|降低|削减|减少)"
_RISE = r"(?:提高|提升|增加|上升|增长)"
COMPARATORS: list[tuple[str, str]] = [
    (r"(?:较|比)\s?(?P<b>(?:19|20)\d{2})\s?年(?:同期|水平)?(?:分别|均|累计)?" + _FALL, "reduce_by"),
    (r"(?:较|比)\s?(?P<b>(?:19|20)\d{2})\s?年(?:同期|水平)?(?:分别|均|累计)?" + _RISE, "increase_by"),
    (r"(?:在|比)\s?(?P<b>(?:19|20)\d{2})\s?年(?:的)?基础上(?:分别|均)?" + _FALL, "reduce_by"),
    (r"(?:在|比)\s?(?P<b>(?:19|20)\d{2})\s?年(?:的)?基础上(?:分别|均)?" + _RISE, "increase_by"),
    (r"(?:不高于|不超过|不大于|不得高于|不得超过|≤)", "<="),
    (r"(?:不低于|不少于|不小于|不得低于|不得少于|≥)", ">="),
    (r"(?:控制在|控制到|(?:下降|降低|减少|降)(?:到|至))", "<="),
    (r"(?:力争)?(?:达到|达|提高到|提升到|提高至|提升至|增加到|增至|升至|稳定在|保持在)", ">="),
    (r"(?:低于|小于)", "<"),
    (r"(?:高于|大于|超过)", ">"),
    (r"(?:分别|均|累计)?" + _FALL, "reduce_by"),
    (r"(?:分别|均|累计)?" + _RISE, "increase_by"),
]
# a concentration that reaches or is held at a level may not exceed it
_CONCENTRATION_UNITS = frozenset({"微克/立方米", "毫克/立方米", "毫克/升", "mg/L", "μg/m3", "µg/m3"})
_MORE = r"(?P<more>(?:[、和]\d{1,12}(?:\.\d{1,6})?" + _S + "(?:" + "|".join(re.escape(u) for u in UNITS) + "){0,1}){1,8})?"
_COMPARATOR_RX = [
    (re.compile(p + _S + _NUM + _S + _UNIT + "?" + _MORE + r"(?P<q>以上|以下|以内|左右)?"), c) for p, c in COMPARATORS
]
# head nouns an indicator's name ends with: `二氧化硫、氮氧化物排放总量均…` shares 排放总量
_HEAD_NOUN = re.compile(
    r"(?:(?:年均|平均)?浓度|排放总量|排放量|总量|优良天数比率|比率|比例|[\u4e00-\u9fff]{1,3}率|天数|强度|面积|人数|数量|指数|占比)$"
)
_YEAR = re.compile(r"(?:到|至|在)?((?:19|20)\d{2})年(?:年底|底|末)?(?:前)?")
_PLAN_PERIOD = re.compile(r"十([三四五])五[”\"]?(?:期间|末)")
_SHARE_MEET = re.compile(_NUM_START + _S + "%" + _S + r"以上的(?P<x>[^,，;；。]{1,12}?)(?P<y>(?:稳定)?(?:达到|优于)[^,，;；。]{2,20})")
_ALL_GONE = re.compile(r"全部(?:消灭|消除)(?P<x>[^,，;；。]{2,12})")
# `(?P<pre>[^,，;；。]*?)完成…` tried from every position cost n²: the verb is searched for, and
# what precedes it in the clause is the subject.
_COMPLETE_VERB = re.compile(r"(?:力争)?(?:完成|建成(?!区)|新建(?!及|项目)|新增(?!及))")
_COMPLETE_BODY = re.compile(r"[^,，;；。]+")
_CLAUSE_STOP = re.compile(r"[,，;；。]")
_NAME_WINDOW = 80  # characters before a comparator that may hold the indicator's name
_LEAD_WORDS = re.compile(r"^(?:力争|确保|争取|全面|基本|进一步|实现|其中|同时|并|且|或)+")


@lru_cache(maxsize=32)
def _year_marks(text: str) -> tuple[list[int], list[int], list[int], list[int]]:
    """Ends and values of the target years and of the 十X五 periods named in ``text`` (once per text)."""
    year_ends, years, plan_ends, plans = [], [], [], []
    for m in _YEAR.finditer(text):
        before = text[max(0, m.start() - 1):m.start()]
        after = text[m.end():m.end() + 3]
        if before in ("较", "比") or after.startswith(("基础", "分别", "均", "水平", "同期")):
            continue
        year_ends.append(m.end())
        years.append(int(m.group(1)))
    for m in _PLAN_PERIOD.finditer(text):
        plan_ends.append(m.end())
        plans.append({"三": 2020, "四": 2025, "五": 2030}[m.group(1)])
    return year_ends, years, plan_ends, plans


def _year_before(text: str, pos: int) -> int | None:
    """The last year named wholly before ``pos`` (a 十X五 period before it wins)."""
    year_ends, years, plan_ends, plans = _year_marks(text)
    i = bisect.bisect_right(plan_ends, pos)
    if i:
        return plans[i - 1]
    i = bisect.bisect_right(year_ends, pos)
    return years[i - 1] if i else None


def _clean_name(name: str) -> str:
    name = _YEAR.sub("", name)
    name = re.sub(r"[“”\"]?十[二三四五]五[”\"]?(期间|末)", "", name)
    name = _LEAD_WORDS.sub("", name.strip(" ,，:：、"))
    return re.sub(r"(?:要|将|应|须|必须|力争)$", "", name.strip(" ,，:：的"))


def _last_unit(more: str | None) -> str | None:
    found = re.findall(_UNIT, more or "")
    return found[-1] if found else None


def _names(name: str, count: int, each: bool = False) -> list[str]:
    """`PM2.5、PM10浓度` with two values → PM2.5浓度, PM10浓度; with 均/分别 (``each``) every listed
    name takes its own indicator and shares the last one's head noun (`二氧化硫、氮氧化物排放总量均…`)."""
    parts = name.split("、")
    if count <= 1 and len(parts) == 1:
        return [name]
    m = re.match(r"^(.*?)([\u4e00-\u9fff]+)$", parts[-1])
    if len(parts) > 1 and m and all(re.fullmatch(r"[A-Za-z0-9.]+", p) for p in parts[:-1] + [m.group(1)]):
        return [p + m.group(2) for p in parts[:-1]] + [parts[-1]]
    head = _HEAD_NOUN.search(parts[-1])
    if each and len(parts) > 1 and head and all(len(p) >= 2 for p in parts):
        return [p if _HEAD_NOUN.search(p) else p + head.group(0) for p in parts[:-1]] + [parts[-1]]
    return [name]


def _indicator(name: str, comparator: str, value: str | float, unit: str, year: int | None, baseline: int | None = None) -> dict[str, Any]:
    v = float(value)
    return {"name": name, "comparator": comparator, "value": int(v) if v.is_integer() else v,
            "unit": unit or None, "year": year, "baseline_year": baseline}


def find_indicators(text: str, default_year: int | None = None, carry: bool = False) -> list[dict[str, Any]]:
    """Targets stated in text, in order; the year is the last one named earlier in the same sentence
    (with ``carry``, in the text so far: a goals section names its target year once)."""
    found: list[tuple[int, dict[str, Any]]] = []
    offset = 0
    for sentence in re.split(r"(?<=[。！？\n])", text):
        year = (_year_before(text, offset) or default_year) if carry else default_year
        found.extend((offset + p, ind) for p, ind in _sentence_indicators(sentence, year))
        offset += len(sentence)
    found.sort(key=lambda t: t[0])
    return [ind for _, ind in found]


def _sentence_indicators(sentence: str, default_year: int | None) -> list[tuple[int, dict[str, Any]]]:
    out: list[tuple[int, dict[str, Any]]] = []
    used = bytearray(len(sentence) + 1)  # characters inside a share or all-gone indicator
    for m in _SHARE_MEET.finditer(sentence):
        y = re.sub(r"要求$", "", m.group("y"))
        name = y + "的" + re.sub(r"^(监测|考核)", "", m.group("x")) + "比例"
        out.append((m.start(), _indicator(name, ">=", m.group("v"), "%", _year_before(sentence, m.start()) or default_year)))
        used[m.start():m.end()] = b"\x01" * (m.end() - m.start())
    for m in _ALL_GONE.finditer(sentence):
        out.append((m.start(), _indicator(m.group("x") + "比例", "=", 0, "%", _year_before(sentence, m.start()) or default_year)))
        used[m.start():m.end()] = b"\x01" * (m.end() - m.start())
    pos = 0
    for clause in re.split(r"(?<=[,，;；:：])", sentence):
        start = pos
        pos += len(clause)
        if used[start]:
            continue
        out.extend(_clause_indicators(sentence, start, clause, default_year))
    return out


def _clause_indicators(sentence: str, start: int, clause: str, default_year: int | None) -> list[tuple[int, dict[str, Any]]]:
    out: list[tuple[int, dict[str, Any]]] = []
    last_name = ""
    cursor = 0
    # Each comparator's next match, searched again only once the cursor has passed it: every
    # pattern scans the clause once, not once per indicator found.
    pending: list[re.Match[str] | None] = [rx.search(clause) for rx, _ in _COMPARATOR_RX]
    while cursor < len(clause):
        best = _next_comparator(clause, cursor, pending)
        if best is None:
            break
        m, comp = best
        cursor = m.end()
        unit = m.group("u") or _last_unit(m.group("more"))
        tail = clause[m.end():m.end() + 1]
        if tail == "的" or not unit:
            continue
        raw = re.split(r"或|并且|并", clause[max(0, m.start() - _NAME_WINDOW):m.start()])[-1]
        each = bool(re.search(r"(?:均|分别)$", raw.strip()) or m.group(0).startswith(("均", "分别")))
        name = _clean_name(re.sub(r"(?:均|分别)$", "", raw.strip()))
        if not name:
            name = last_name
        if not name or len(name) < 2:
            continue
        last_name = name
        year = _year_before(sentence, start + m.start()) or default_year
        baseline = int(m.group("b")) if "b" in m.groupdict() and m.group("b") else None
        values = [m.group("v")] + re.findall(r"(?<![\d.])\d{1,12}(?:\.\d{1,6})?", m.group("more") or "")
        names = _names(name, len(values), each)
        if len(values) == 1 and len(names) > 1:
            values = values * len(names)
        elif len(names) == 1 and len(values) > 1:
            names = names * len(values)
        comp = _comparator(m, comp, unit)
        for n, v in zip(names, values, strict=False):
            out.append((start + m.start(), _indicator(n, comp, v, unit, year, baseline)))
    if not out:
        out.extend(_completion_counts(sentence, start, clause, default_year))
    return out


def _next_comparator(clause: str, cursor: int, pending: list[re.Match[str] | None]) -> tuple[re.Match[str], str] | None:
    """The first comparator at or after ``cursor`` and its sign; ``pending`` keeps each pattern's next match."""
    best = None
    for i, (rx, comp) in enumerate(_COMPARATOR_RX):
        m = pending[i]
        if m is not None and m.start() < cursor:
            m = pending[i] = rx.search(clause, cursor)
        if m and (best is None or m.start() < best[0].start()):
            best = (m, comp)
    return best


def _comparator(m: re.Match[str], comp: str, unit: str) -> str:
    """`左右` is an equality; a concentration "reaching" a value is a ceiling."""
    if m.group("q") == "左右":
        return "="
    if comp == ">=" and unit in _CONCENTRATION_UNITS:
        return "<="
    return comp


def _completion_counts(sentence: str, start: int, clause: str, default_year: int | None) -> list[tuple[int, dict[str, Any]]]:
    """`到2025年，完成7095亩历史遗留矿山生态修复治理`, `建成8条美丽河湖`, `完成入河排污口70%整治任务`."""
    verb = body_m = None
    for verb in _COMPLETE_VERB.finditer(clause):
        stop = _CLAUSE_STOP.search(clause, 0, verb.start())
        if stop:  # the subject may not run over a clause break; a verb after one starts afresh
            return _completion_counts(sentence, start + stop.end(), clause[stop.end():], default_year)
        body_m = _COMPLETE_BODY.match(clause, verb.end())
        if body_m:
            break
    if verb is None or body_m is None:
        return []
    year = _year_before(sentence, start + body_m.start())
    if year is None:
        return []
    subject = _clean_name(clause[max(0, verb.start() - _NAME_WINDOW):verb.start()])
    body = body_m.group(0)
    whole = re.fullmatch(_NUM + _S + _UNIT + r"(?P<n>.{2,})", body.strip())
    out = _count_parts([body] if whole else body.split("、"), body, subject, start, year)
    if out is None:
        return []
    if not whole and any(re.search(r"(市|县|区)$", re.sub(_NUM + ".*", "", p)) for p in body.split("、")):
        return []
    return out


def _count_parts(parts: list[str], body: str, subject: str, start: int, year: int) -> list[tuple[int, dict[str, Any]]] | None:
    """The counts in the parts of a completion's body; None when a part holds a number that is none of them."""
    out: list[tuple[int, dict[str, Any]]] = []
    where = 0  # the clause's start, where the subject begins
    for part in parts if re.search(r"\d", body) else []:
        part = part.strip()
        a = re.fullmatch(_NUM + _S + _UNIT + r"(?P<n>.{2,})", part)
        b = re.fullmatch(r"(?P<n>.{2,}?)" + _NUM_START + _S + _UNIT, part)
        c = re.fullmatch(r"(?P<x>.{2,}?)" + _NUM_START + _S + r"%(?P<y>.{2,})", part)
        if a and "%" not in a.group("u"):
            name = subject + a.group("n").replace("的", "")
            name = re.sub(r"(任务|工作)$", "", name)
            out.append((start + where, _indicator(name, ">=", a.group("v"), a.group("u"), year)))
        elif c:
            out.append((start + where, _indicator(c.group("x") + c.group("y"), ">=", c.group("v"), "%", year)))
        elif b and re.search(r"[\u4e00-\u9fff]$", b.group("n")) and not re.search(r"(市|县|区|镇|乡)$", b.group("n")):
            out.append((start + where, _indicator(b.group("n"), ">=", b.group("v"), b.group("u"), year)))
        elif len(out) == 0 and not (a or b or c):
            if re.search(r"\d", part):
                return None
            break
    return out


_RATE_UNITS = "%|" + "|".join(re.escape(u) for u in sorted(_CONCENTRATION_UNITS, key=len, reverse=True))
_MEASURED = re.compile(
    r"(?P<n>[^,，;；。:：\n]{2,30}?)(?:已经|已)?(?P<verb>为|达到|达|提高到|提升到|提高至|提升至|降至|降到|下降到|下降至)"
    + _NUM + _S + _UNIT + r"?(?![\d.])"
)


def find_measurements(text: str, dated_only: bool = False) -> list[dict[str, Any]]:
    """Reported values of a rate or a concentration: `2022年全省PM2.5浓度为38微克/立方米`,
    `全县畜禽粪污综合利用率达到76%以上`; the year is the one named before in the sentence (with ``dated_only``, values without one are
    left out: a report's undated figures are more often targets restated than values measured)."""
    out = []
    for sentence in re.split(r"(?<=[。！？\n])", text):
        for m in _MEASURED.finditer(sentence):
            name = _clean_name(re.sub(r"^.*?[\d]+(?:条|个|家|座|处)", "", m.group("n")))
            name = re.sub(r"^(?:全省|全市|全县|全区|我省|我市|我县|我区)", "", name) or name
            name = re.sub(r"(?:已经|已)$", "", name)
            if not _HEAD_NOUN.search(name) or re.search(r"\d{4}年", name):
                continue
            if m.group("verb") != "为" and not (m.group("u") == "%" or m.group("u") in _CONCENTRATION_UNITS):
                continue
            v = float(m.group("v"))
            year = _year_before(sentence, m.end("n"))
            if dated_only and year is None:
                continue
            out.append({"name": name, "value": int(v) if v.is_integer() else v, "unit": m.group("u"), "year": year})
    return out


_COUNT_UNITS = "个|条|家|台|座|处|辆|户|万人|万户|蒸吨|公里|万亩|亩"
_COUNT_TARGET = re.compile(
    r"(?:(?P<verb>实施|抓好|完成|建成|新建|改造|整治|淘汰|关停|取缔|安装|建设|治理|确保|力争)(?P<mid>[^,，;；。\d]{0,12}?)等?"
    r"|(?<=[,，;；。]))"
    + _NUM_START + r"\s?(?P<u>" + _COUNT_UNITS + r")(?![/\d])(?P<n>[^,，;；。()（）]{0,30})"
)


def find_task_indicators(text: str, default_year: int | None = None) -> list[dict[str, Any]]:
    """A task's quantified targets: goal sentences, and counts of work to do in its measures
    (`重点实施…等15个排水改造项目`, `15家重点企业安装在线监测装置`, `2026年完成淘汰40台`); a count that
    qualifies a kind of thing (`10蒸吨/小时及以下锅炉`) is none."""
    found = find_indicators(text, default_year)
    taken = {(i["value"], i["unit"]) for i in found}
    for sentence in re.split(r"(?<=[。！？\n])", text):
        for m in _COUNT_TARGET.finditer("，" + sentence):
            name = m.group("n").strip()
            if name.startswith("、") or re.search(r"[市县区镇乡]$", "，" + sentence[:max(0, m.start("v") - 1)]):
                continue  # a count per place (`甲县14个、乙县8个`) is a breakdown, not a target
            if name.startswith(("以上", "以下", "及以", "以内")):
                continue  # a size that qualifies a kind of thing (`10蒸吨以下锅炉`)
            if not re.search(r"[\u4e00-\u9fff]{2}", name):
                mid = (m.group("mid") or "").strip()
                name = mid if re.fullmatch(r"[\u4e00-\u9fff]{2,8}", mid) else (m.group("verb") or "")
            if len(name) < 2:
                continue
            v = float(m.group("v"))
            value = int(v) if v.is_integer() else v
            if (value, m.group("u")) in taken:
                continue
            year = _year_before("，" + sentence, m.start()) or default_year
            found.append(_indicator(name, ">=", m.group("v"), m.group("u"), year))
            taken.add((value, m.group("u")))
    return found
