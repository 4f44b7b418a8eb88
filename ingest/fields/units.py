"""Responsible organisations: one unit per entry, as a person would enter them (see SCHEMA.md)."""
from __future__ import annotations

import re

ORG_SUFFIXES = (
    "人民政府", "政府", "党委", "党工委", "党组", "办事处", "管委会", "委员会", "纪委", "人大", "政协",
    "局", "委", "厅", "办", "室", "院", "队", "站", "所", "会", "部", "中心", "公司", "集团", "单位",
    "部门", "处", "科", "组", "段", "社", "馆", "校", "行", "署", "支队", "大队", "分局",
)
BARE_ORG_WORDS = ("人民政府", "政府", "党委", "党工委", "党组", "办事处", "管委会", "纪委", "人大", "政协", "街道办事处")
ADMIN_END = tuple("省市县区镇乡旗") + ("街道", "自治州", "自治县", "新区")
UMBRELLA = re.compile(r"^(各|相关|有关|其他|其它|全|区直|市直|县直|省直)")
DEPARTMENT_END = re.compile(r"(局|委|厅|办|办公室|中心|署|分局|支队|大队)$")
TRAILING_NOISE = re.compile(
    r"(按职责分工负责|按职责分工|按职责负责|分别负责|按照职责分工负责|负责落实|牵头负责|共同负责|配合|牵头|参与|负责|等)$"
)
_DIVIDER = re.compile(r"[、，,；;/\n]|及(?!时)|以及")


def _split_outside_brackets(text: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    buf: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "(（〔[【":
            depth += 1
        elif ch in ")）〕]】":
            depth = max(0, depth - 1)
        if depth == 0:
            m = _DIVIDER.match(text, i)
            if m:
                parts.append("".join(buf))
                buf = []
                i = m.end()
                continue
        buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return parts


def _clean(unit: str) -> str:
    unit = unit.strip(" 　:：。.")
    for _ in range(2):
        unit = TRAILING_NOISE.sub("", unit).strip(" 　:：。.")
    return unit


def _split_etc(unit: str) -> list[str]:
    """`市发展改革委等相关职能部门` → the named unit and the umbrella after 等."""
    # The first 等 after at least one character, with 部门/单位 at the end: string operations,
    # where ``^(.+?)等(.*(?:部门|单位))$`` cost n² on a run of 等.
    if not unit.endswith(("部门", "单位")):
        return [unit]
    at = unit.find("等", 1)
    if at == -1 or len(unit) - at - 1 < 2 or at < 2:
        return [unit]
    return [unit[:at], unit[at + 1:]]


def _place_of(unit: str) -> str | None:
    m = re.match(r"^(.{1,7}?(?:省|市|县|区|镇|乡|旗|街道))", unit)
    return m.group(1) if m else None


def _is_bare_place(unit: str) -> bool:
    if UMBRELLA.match(unit) or len(unit) > 8:
        return False
    return unit.endswith(ADMIN_END) or not unit.endswith(ORG_SUFFIXES)


def _share_affixes(group: list[str]) -> list[str]:
    """Give a list written once its shared prefix or suffix: `北石店镇党委、政府`, `林州市、汤阴县政府`."""
    out = list(group)
    for i in range(1, len(out)):
        if out[i] in BARE_ORG_WORDS:
            prev = out[i - 1]
            for word in sorted(BARE_ORG_WORDS, key=len, reverse=True):
                if prev.endswith(word) and len(prev) > len(word):
                    out[i] = prev[: -len(word)] + out[i]
                    break
    _share_suffix(out)
    _share_level(out)
    return out


def _share_suffix(out: list[str]) -> None:
    """`林州市、汤阴县政府` → each bare place takes the last unit's organ (in place)."""
    last = out[-1]
    if len(out) > 1 and last.endswith(ORG_SUFFIXES) and not _is_bare_place(last):
        place = _place_of(last)
        for i in range(len(out) - 1):
            unit = out[i]
            if not _is_bare_place(unit):
                continue
            if unit.endswith(ADMIN_END) and place and len(place) < len(last):
                out[i] = unit + last[len(place):]
            elif not unit.endswith(ADMIN_END) and len(last) > len(unit) + 1:
                out[i] = unit + last[len(unit):]


def _share_level(out: list[str]) -> None:
    """`市生态环境局、水利局` → the departments after the first take its level word (in place)."""
    first = out[0]
    m = re.match(r"^(省|市|区|县)(?=.{2,})", first)
    if m and DEPARTMENT_END.search(first):
        for i in range(1, len(out)):
            unit = out[i]
            if (DEPARTMENT_END.search(unit) and not UMBRELLA.match(unit)
                    and not re.search(r"[省市县区]", re.sub(r"^市场", "", unit)[:4])
                    and not unit.startswith(("中国", "国家", "国网"))):
                out[i] = m.group(1) + unit


def split_units(text: str | None) -> list[str]:
    """Units named in a field, split and completed; umbrella units stay whole."""
    if not text:
        return []
    text = re.sub(r"\s+", "", text).strip("。.;；")
    text = TRAILING_NOISE.sub("", text)
    units: list[str] = []
    for group_text in re.split(r"[，,；;]", text):
        group = [u for u in (_clean(p) for p in _split_outside_brackets(group_text)) if u]
        expanded: list[str] = []
        for unit in group:
            expanded.extend(_split_etc(unit))
        if expanded:
            units.extend(_share_affixes(expanded))
    seen: set[str] = set()
    result = []
    for unit in units:
        if unit and unit not in seen and len(unit) >= 2:
            seen.add(unit)
            result.append(unit)
    return result


ROLE_WORDS = {"牵头": "lead_units", "配合": "cooperating_units", "协办": "cooperating_units", "参与": "cooperating_units",
              "协助": "cooperating_units", "负责": "responsible_units", "落实": "responsible_units"}
_INLINE = re.compile(r"[(（〔\[【]([^()（）〔〕\[\]【】]*(?:[(（][^()（）]*[)）][^()（）〔〕\[\]【】]*)*)[)）〕\]】]")
_ROLE = "牵头|配合|协办|参与|协助|负责|落实"
# `市环保局牵头` `由市建委、市规划局等部门负责制定方案并组织实施` `村庄规划工作由市规划局牵头组织实施`
_ROLE_PART = re.compile(
    rf"^(?:[^由]{{0,30}}?工作)?(?:由|请)?(?P<units>.+?)(?:等(?:有关|相关)?(?:部门|单位))?(?P<role>{_ROLE})(?:单位|部门)?"
    r"(?P<rest>(?:制定方案)?(?:并)?(?:组织)?(?:实施|落实|推进|完成|督导|督办|协调)?)$")
# `责任部门：市环保局、市工信委` `牵头单位：…`
_LABELLED_PART = re.compile(r"^(?P<label>[\u4e00-\u9fff]{2,8})[:：](?P<units>.+)$")
# `列第一位者为牵头部门，下同` — the first unit of each list leads, the others cooperate
_FIRST_LEADS = re.compile(r"^(?:排|列)(?:在)?第一位(?:者|的)?为牵头(?:单位|部门)?$")
# notes about the items that follow (`以下各项工作均需各县区政府落实`, `不再列出`) name no unit of this item
# `2025年底前完成` / `完成时限：2025年6月底` inside a unit note: the item's deadline
_DUE_PART = re.compile(r"^(?:(?:完成|整改)?(?:时限|时间|期限)\s{0,2}[:：]\s{0,2})?(?:于|在)?"
                       r"(?P<due>(?:19|20)\d{2}\s{0,2}年[^，,。；;]{0,10}?(?:前|底|末|内)?)(?:完成|办结|落实到位)?$")
_FILLER = re.compile(r"^(?:下同|以下.{0,40}|不再列出|不再一一列出)$")
_LABEL_ROLE = {"牵头": "lead_units", "配合": "cooperating_units", "协办": "cooperating_units", "参与": "cooperating_units",
               "责任": "responsible_units", "主责": "responsible_units", "实施": "responsible_units",
               "落实": "responsible_units", "承办": "responsible_units"}
_LABEL_NOUN = re.compile(r"(?:单位|部门|主体)$")


def _bracket_parts(inner: str) -> list[str]:
    """The bracket split on ，；。 outside nested brackets; a part opened by 由 runs on to its role word."""
    raw = [p.strip() for p in _split_top(inner) if p.strip()]
    parts: list[str] = []
    for part in raw:
        if parts and re.match(r"^(?:.{0,30}?工作)?由", parts[-1]) and not re.search(_ROLE, parts[-1]):
            parts[-1] += "，" + part
        else:
            parts.append(part)
    return parts


def _split_top(text: str) -> list[str]:
    out: list[str] = []
    buf: list[str] = []
    depth = 0
    for ch in text:
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth = max(0, depth - 1)
        if depth == 0 and ch in "，,；;。":
            out.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    out.append("".join(buf))
    return out


def _is_unit_list(text: str) -> bool:
    units = split_units(text)
    return bool(units) and all(re.sub(r"[(（][^()（）]{1,20}[)）]$", "", u).endswith(ORG_SUFFIXES) or UMBRELLA.match(u)
                               for u in units)


def _read_bracket(inner: str) -> dict[str, list[str]] | None:
    """The units of an inline bracket by role, or None when the bracket is not (only) a unit note."""
    parts = _bracket_parts(inner)
    first_leads = any(_FIRST_LEADS.match(p) for p in parts)
    roles: list[tuple[str, str]] = []
    for part in parts:
        if _FIRST_LEADS.match(part) or _FILLER.match(part):
            continue
        read = _part_roles(part, first_leads)
        if read is None:
            return None
        roles.extend(read)
    if not roles:
        return None
    if all(key == "deadline_text" for key, _ in roles):
        return None  # a date alone in brackets is part of the text
    found: dict[str, list[str]] = {}
    for key, listed in roles:
        if key == "deadline_text":
            found.setdefault(key, []).append(listed)
            continue
        for unit in split_units(listed):
            if unit not in found.setdefault(key, []):
                found[key].append(unit)
    return found


def _part_roles(part: str, first_leads: bool) -> list[tuple[str, str]] | None:
    """One part of a bracket as (role, units) pairs, or None when it is not a unit note."""
    due = _DUE_PART.match(part)
    if due:
        return [("deadline_text", due.group("due"))]
    lab = _LABELLED_PART.match(part)
    if lab and _LABEL_NOUN.search(lab.group("label")):
        key = next((v for k, v in _LABEL_ROLE.items() if k in lab.group("label")), "responsible_units")
        return [(key, lab.group("units"))]
    pm = _ROLE_PART.match(part)
    if pm and _is_unit_list(pm.group("units")):
        return [(ROLE_WORDS[pm.group("role")], pm.group("units"))]
    if first_leads and _is_unit_list(part):
        units = split_units(part)
        return [("lead_units", units[0])] + ([("cooperating_units", "、".join(units[1:]))] if len(units) > 1 else [])
    return None


# bounded repeats only (\s{0,3}): a leading \s* cost n² on a run of spaces
_TRAILING_DUTY = re.compile(rf"(?:^|(?<=[，,。；;]))\s{{0,3}}由(?P<units>[^，,。；;由]{{2,60}}?)(?:等(?:有关|相关)?(?:部门|单位))?"
                            rf"(?P<role>{_ROLE})(?:[^，,。；;]{{0,8}})[。；;]?$")


def extract_inline_units(text: str) -> tuple[str, dict[str, list[str]]]:
    """Take `（市生态环境局牵头，市发展改革委配合，各县（市、区）政府负责）`, `〔责任部门：…〕` and a closing
    `由…负责。` out of a measure; a deadline written in such a note comes back under `deadline_text`."""
    found: dict[str, list[str]] = {}

    def take(m: re.Match[str]) -> str:
        roles = _read_bracket(m.group(1))
        if roles is None:
            return m.group(0)
        for key, units in roles.items():
            found.setdefault(key, []).extend(u for u in units if u not in found.get(key, []))
        return ""

    cleaned = _INLINE.sub(take, text) if re.search(r"[(（〔\[【]", text) else text
    cleaned = cleaned.rstrip()
    tail = _TRAILING_DUTY.search(cleaned) if "由" in cleaned[-90:] else None
    if tail and _is_unit_list(tail.group("units")):
        key = ROLE_WORDS[tail.group("role")]
        found.setdefault(key, []).extend(u for u in split_units(tail.group("units")) if u not in found.get(key, []))
        cleaned = cleaned[: tail.start()].rstrip("，,；; ") + ("。" if cleaned[: tail.start()].rstrip().endswith(("，", ",")) else "")
    return cleaned.strip(), found


_LAST_SENTENCE = re.compile(r"(?:^|(?<=[。；;]))\s{0,3}(?P<units>[^。；;\d]{2,24})\s{0,3}$")


def trailing_unit_cell(text: str) -> tuple[str, list[str]]:
    """A row flattened to text ends with its unit column after the last sentence (`…定期更新。 监察支队`):
    the units and the text without them; the text unchanged when its end is not a unit list."""
    m = _LAST_SENTENCE.search(text)
    if not m or not _is_unit_list(m.group("units")) or _ROLE_PART.match(m.group("units").strip()):
        return text, []
    return text[: m.start()].strip(), split_units(m.group("units"))
