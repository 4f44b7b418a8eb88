"""Quantified targets (`到2025年，PM2.5浓度不高于47微克/立方米`) and reported values (`…比例为74.5%`)."""
from __future__ import annotations

import re

UNITS = sorted([
    "%", "个百分点", "百分点", "微克/立方米", "毫克/立方米", "毫克/升", "mg/L", "μg/m3", "µg/m3", "万千瓦", "千瓦", "万吨标准煤",
    "万吨", "吨", "万立方米", "立方米", "平方公里", "公里", "万亩", "亩", "公顷", "条", "个", "家", "处", "座", "天", "台",
    "辆", "户", "蒸吨", "亿元", "万元", "米",
], key=len, reverse=True)
_NUM = r"(?P<v>\d+(?:\.\d+)?)"
_UNIT = "(?P<u>" + "|".join(re.escape(u) for u in UNITS) + ")"
_VALUE = _NUM + r"\s*" + _UNIT + r"?(?P<q>以上|以下|以内|左右)?"
COMPARATORS: list[tuple[str, str]] = [
    (r"较(?P<b>(?:19|20)\d{2})年(?:同期)?(?:分别|均|累计)?(?:下降|降低|减少)", "reduce_by"),
    (r"较(?P<b>(?:19|20)\d{2})年(?:同期)?(?:分别|均|累计)?(?:提高|提升|增加|上升|增长)", "increase_by"),
    (r"(?:在|比)(?P<b>(?:19|20)\d{2})年(?:的)?基础上(?:分别|均)?(?:下降|降低|减少)", "reduce_by"),
    (r"(?:在|比)(?P<b>(?:19|20)\d{2})年(?:的)?基础上(?:分别|均)?(?:提高|提升|增加)", "increase_by"),
    (r"(?:不高于|不超过|不大于|不得高于|不得超过|≤)", "<="),
    (r"(?:不低于|不少于|不小于|不得低于|不得少于|≥)", ">="),
    (r"控制在", "<="),
    (r"(?:力争)?(?:达到|达|提高到|提升到|提高至|提升至|增加到|增至|升至|稳定在|保持在)", ">="),
    (r"(?:低于|小于)", "<"),
    (r"(?:高于|大于|超过)", ">"),
]
_COMPARATOR_RX = [(re.compile(p + r"\s*" + _VALUE + r"(?:(?:、|和)" + r"(?P<v2>\d+(?:\.\d+)?)\s*(?P=u)?)?"), c) for p, c in COMPARATORS]
_YEAR = re.compile(r"(?:到|至|在)?((?:19|20)\d{2})年(?:年底|底|末)?(?:前)?")
_PLAN_PERIOD = re.compile(r"十([三四五])五[”\"]?(?:期间|末)")
_SHARE_MEET = re.compile(_NUM + r"\s*%\s*以上的(?P<x>[^,，;；。]{1,12}?)(?P<y>(?:稳定)?(?:达到|优于)[^,，;；。]{2,20})")
_ALL_GONE = re.compile(r"全部(?:消灭|消除)(?P<x>[^,，;；。]{2,12})")
_COMPLETE = re.compile(r"(?P<pre>[^,，;；。]*?)(?:力争)?(?:完成|建成(?!区)|新建(?!及|项目)|新增(?!及))(?P<body>[^,，;；。]+)")
_LEAD_WORDS = re.compile(r"^(?:力争|确保|争取|全面|基本|进一步|实现|其中|同时|并|且|或)+")


def _year_before(text: str, pos: int) -> int | None:
    year = None
    for m in _YEAR.finditer(text, 0, pos):
        before = text[max(0, m.start() - 1):m.start()]
        after = text[m.end():m.end() + 3]
        if before in ("较", "比") or after.startswith(("基础", "分别", "均")):
            continue
        year = int(m.group(1))
    for m in _PLAN_PERIOD.finditer(text, 0, pos):
        year = {"三": 2020, "四": 2025, "五": 2030}[m.group(1)]
    return year


def _clean_name(name: str) -> str:
    name = _YEAR.sub("", name)
    name = re.sub(r"[“”\"]?十[二三四五]五[”\"]?(期间|末)", "", name)
    name = _LEAD_WORDS.sub("", name.strip(" ,，:：、"))
    return name.strip(" ,，:：的")


def _names(name: str, count: int) -> list[str]:
    """`PM2.5、PM10浓度` with two values → PM2.5浓度, PM10浓度."""
    parts = name.split("、")
    if count <= 1 and len(parts) == 1:
        return [name]
    m = re.match(r"^(.*?)([\u4e00-\u9fff]+)$", parts[-1])
    if len(parts) > 1 and m and all(re.fullmatch(r"[A-Za-z0-9.]+", p) for p in parts[:-1] + [m.group(1)]):
        return [p + m.group(2) for p in parts[:-1]] + [parts[-1]]
    return [name]


def _indicator(name, comparator, value, unit, year, baseline=None) -> dict:
    v = float(value)
    return {"name": name, "comparator": comparator, "value": int(v) if v.is_integer() else v,
            "unit": unit or None, "year": year, "baseline_year": baseline}


def find_indicators(text: str, default_year: int | None = None) -> list[dict]:
    """Targets stated in text, in order; the year is the last one named earlier in the same sentence."""
    found: list[tuple[int, dict]] = []
    offset = 0
    for sentence in re.split(r"(?<=[。！？\n])", text):
        found.extend((offset + p, ind) for p, ind in _sentence_indicators(sentence, default_year))
        offset += len(sentence)
    found.sort(key=lambda t: t[0])
    return [ind for _, ind in found]


def _sentence_indicators(sentence: str, default_year: int | None) -> list[tuple[int, dict]]:
    out: list[tuple[int, dict]] = []
    used: list[tuple[int, int]] = []
    for m in _SHARE_MEET.finditer(sentence):
        y = re.sub(r"要求$", "", m.group("y"))
        name = y + "的" + re.sub(r"^(监测|考核)", "", m.group("x")) + "比例"
        out.append((m.start(), _indicator(name, ">=", m.group("v"), "%", _year_before(sentence, m.start()) or default_year)))
        used.append((m.start(), m.end()))
    for m in _ALL_GONE.finditer(sentence):
        out.append((m.start(), _indicator(m.group("x") + "比例", "=", 0, "%", _year_before(sentence, m.start()) or default_year)))
        used.append((m.start(), m.end()))
    pos = 0
    for clause in re.split(r"(?<=[,，;；:：])", sentence):
        start = pos
        pos += len(clause)
        if any(a <= start < b for a, b in used):
            continue
        out.extend(_clause_indicators(sentence, start, clause, default_year))
    return out


def _clause_indicators(sentence: str, start: int, clause: str, default_year: int | None) -> list[tuple[int, dict]]:
    out: list[tuple[int, dict]] = []
    last_name = ""
    cursor = 0
    while cursor < len(clause):
        best = None
        for rx, comp in _COMPARATOR_RX:
            m = rx.search(clause, cursor)
            if m and (best is None or m.start() < best[0].start()):
                best = (m, comp)
        if best is None:
            break
        m, comp = best
        cursor = m.end()
        unit = m.group("u")
        tail = clause[m.end():m.end() + 1]
        if tail == "的" or not unit:
            continue
        name = _clean_name(re.split(r"或|并且|并", clause[:m.start()])[-1] if comp in ("reduce_by", "increase_by") or True else "")
        if not name:
            name = last_name
        if not name or len(name) < 2:
            continue
        last_name = name
        year = _year_before(sentence, start + m.start()) or default_year
        baseline = int(m.group("b")) if "b" in m.groupdict() and m.group("b") else None
        values = [m.group("v")] + ([m.group("v2")] if m.group("v2") else [])
        names = _names(name, len(values))
        if len(values) == 1 and len(names) > 1:
            values = values * len(names)
        for n, v in zip(names, values, strict=False):
            out.append((start + m.start(), _indicator(n, comp, v, unit, year, baseline)))
    if not out:
        out.extend(_completion_counts(sentence, start, clause, default_year))
    return out


def _completion_counts(sentence: str, start: int, clause: str, default_year: int | None) -> list[tuple[int, dict]]:
    """`到2025年，完成7095亩历史遗留矿山生态修复治理`, `建成8条美丽河湖`, `完成入河排污口70%整治任务`."""
    m = _COMPLETE.search(clause)
    if not m:
        return []
    year = _year_before(sentence, start + m.start("body"))
    if year is None:
        return []
    subject = _clean_name(m.group("pre"))
    out = []
    body = m.group("body")
    whole = re.fullmatch(_NUM + r"\s*" + _UNIT + r"(?P<n>.{2,})", body.strip())
    parts = [body] if whole else body.split("、")
    for part in parts if re.search(r"\d", body) else []:
        part = part.strip()
        a = re.fullmatch(_NUM + r"\s*" + _UNIT + r"(?P<n>.{2,})", part)
        b = re.fullmatch(r"(?P<n>.{2,}?)" + _NUM + r"\s*" + _UNIT, part)
        c = re.fullmatch(r"(?P<x>.{2,}?)" + _NUM + r"\s*%(?P<y>.{2,})", part)
        if a and "%" not in a.group("u"):
            name = subject + a.group("n").replace("的", "")
            name = re.sub(r"(任务|工作)$", "", name)
            out.append((start + m.start(), _indicator(name, ">=", a.group("v"), a.group("u"), year)))
        elif c:
            out.append((start + m.start(), _indicator(c.group("x") + c.group("y"), ">=", c.group("v"), "%", year)))
        elif b and re.search(r"[\u4e00-\u9fff]$", b.group("n")) and not re.search(r"(市|县|区|镇|乡)$", b.group("n")):
            out.append((start + m.start(), _indicator(b.group("n"), ">=", b.group("v"), b.group("u"), year)))
        elif len(out) == 0 and not (a or b or c):
            if re.search(r"\d", part):
                return []
            break
    if not whole and any(re.search(r"(市|县|区)$", re.sub(_NUM + ".*", "", p)) for p in body.split("、")):
        return []
    return out


_MEASURED = re.compile(r"(?P<n>[^,，;；。:：\n]{2,30}?)为" + _NUM + r"\s*" + _UNIT + r"?(?![\d.])")


def find_measurements(text: str) -> list[dict]:
    """Reported values `2022年全省PM2.5浓度为38微克/立方米`, the year taken from the sentence."""
    out = []
    for sentence in re.split(r"(?<=[。！？\n])", text):
        for m in _MEASURED.finditer(sentence):
            year = _year_before(sentence, m.end("n"))
            if year is None:
                continue
            name = _clean_name(m.group("n"))
            name = re.sub(r"^(全省|全市|全县|全区)", "", name) or name
            if not name or re.search(r"\d{4}年", name) or name.endswith(("的", "资金")):
                continue
            v = float(m.group("v"))
            out.append({"name": name, "value": int(v) if v.is_integer() else v, "unit": m.group("u"), "year": year})
    return out
