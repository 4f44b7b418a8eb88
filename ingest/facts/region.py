"""The jurisdiction that issues or owns a document, found by the shape of Chinese place names.

A place is a short name with an administrative suffix (XX省, XX市, XX县, XX区, XX旗, XX盟, X县 before
人民政府, XX(X族)自治县/州/区). No list of places: a name counts when the text uses it as an issuer,
i.e. in the title, before an institution (人民政府, 市委, …局) or in an address or signature line.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

_HAN = r"[\u4e00-\u9fff]"
# characters that do not begin or continue a place name: pronouns, particles, numerals, admin words
_STOP = set("我本全各该此其向对在于和与及的了是为将已由从把被等个省市县区镇乡村年月日号第一二三四五六七八九十百千万两几多"
            "至到并或经据按以当给即共计约近抓好")
_NOT_PLACE = {"开发区", "保护区", "示范区", "禁养区", "限养区", "风景区", "功能区", "自贸区", "高新区", "试验区", "工业区",
              "管理区", "集聚区", "农业区", "商业区", "生活区", "核心区", "缓冲区", "实验区", "水源区", "库区",
              "城区", "园区", "景区", "辖区", "社区", "小区", "片区", "矿区", "湾区", "山区", "灾区", "牧区", "林区",
              "城市", "都市", "超市", "夜市", "股市", "楼市", "各省", "外省", "省市", "地市", "市县", "县区", "区县"}
_GENERIC_AREA = {"园区", "景区", "辖区", "社区", "小区", "片区", "库区"}
_AUTONOMOUS = re.compile(rf"({_HAN}{{2}}(?:{_HAN}{{1,2}}族)?自治(?:区|州|县|旗))")
_ORDINARY = re.compile(rf"({_HAN}{{2}}(?:省|市|县|区|旗|盟))")
_ONE_CHAR_COUNTY = re.compile(rf"(?:^|(?<=[\s，。、：:《（(“]))({_HAN}县)(?=人民政府|政府|委)")
_INSTITUTION = re.compile(rf"^(?:人民政府|政府|党委|委员会|委|人大|政协|{_HAN}{{0,12}}?(?:局|厅|办公室|办|分局|中心|委员会))")
_BOUNDARY = re.compile(r"(?:^|[\s，。、；：:,;《（(“]|[在向对由经和与及据])$")
_LEVEL = {"省": 0, "区": 2, "州": 1, "市": 1, "盟": 1, "县": 2, "旗": 2}
_CITY_DISTRICT = re.compile(r"^(?:城区|郊区|矿区)")
_ADDRESS = re.compile(r"(?:地址|通讯地址|邮寄地址|联系地址)\s*[:：]?\s*$")


@dataclass(frozen=True)
class Place:
    name: str
    start: int
    end: int


@lru_cache(maxsize=4096)
def places_in(line: str) -> tuple[Place, ...]:
    """Place names in one line, left to right, without overlaps."""
    found: list[Place] = []
    taken: list[tuple[int, int]] = []
    for rx in (_AUTONOMOUS, _ONE_CHAR_COUNTY, _ORDINARY):
        for m in rx.finditer(line):
            s, e = m.start(1), m.end(1)
            name = m.group(1)
            if rx is _AUTONOMOUS and name[0] in _STOP:  # 的石屏彝族自治县: the particle is not the name's
                s, name = s + 1, name[1:]
            if any(s < te and ts < e for ts, te in taken):
                continue
            if rx is _ORDINARY and (name[0] in _STOP or name[1] in _STOP or name in _NOT_PLACE
                                         or name[-2:] in _GENERIC_AREA):
                continue
            found.append(Place(name, s, e))
            taken.append((s, e))
    return tuple(sorted(found, key=lambda p: p.start))


def _chains(places: tuple[Place, ...]) -> list[Place]:
    """Adjacent names (盘锦市大洼区) read as one place path."""
    out: list[Place] = []
    for p in places:
        if out and out[-1].end == p.start:
            out[-1] = Place(out[-1].name + p.name, out[-1].start, p.end)
        else:
            out.append(p)
    return out


def _is_signature(line: str, index: int, total: int) -> bool:
    return index >= total - 6 and len(line) <= 30 and not re.search(r"[，。；,;:：]", line)


def _level(name: str) -> int:
    if name.endswith("自治区"):
        return 0
    return _LEVEL.get(name[-1], 1)


def region_from_title(title: str | None) -> str | None:
    """A title that opens with a place (`XX市XX区关于…`, `中共XX市委…`) names its issuer."""
    if not title:
        return None
    bare = re.sub(r"^(?:关于|中共)", "", title.strip())
    chains = _chains(places_in(bare))
    if chains and chains[0].start == 0:
        district = _CITY_DISTRICT.match(bare[chains[0].end:])
        return chains[0].name + (district.group(0) if district and chains[0].name.endswith("市") else "")
    return None


_NEWSPAPER = re.compile(rf"(?:^|[\s?？])({_HAN}{{2,3}}?)(?:日报|晚报|新闻网)讯")
_SIGNATURE_REST = re.compile(r"^(?:[(（]略[)）]|人民政府|政府|[市县区]委|[市县区]人民政府)?$")
_SELF = re.compile(r"我(市|县|区|省|州)")


def _newspaper_place(lines: list[str]) -> str | None:
    """`东川日报讯 …我市…` → 东川市: a local paper's name is its place, and the text says which level."""
    for line in lines[:5]:
        m = _NEWSPAPER.search(line)
        if m:
            levels = {s.group(1) for s in _SELF.finditer("\n".join(lines))}
            if len(levels) == 1:
                return m.group(1) + levels.pop()
            return None
    return None


def find_region(title: str | None, lines: list[str]) -> str | None:
    """The issuing jurisdiction: the title's opening place, else the place the body uses as an issuer."""
    named = region_from_title(title)
    if named:
        return named
    strong, weak, first_seen = _count_places(lines)
    if strong:
        # the lowest level named as an issuer: a county's notice cites its city's and province's rules
        return max(strong, key=lambda n: (_level(n), strong[n] + weak[n], -first_seen[n]))
    return _newspaper_place(lines) or _masked_signature(lines, weak) or _only_place(weak)


def _count_places(lines: list[str]) -> tuple[Counter[str], Counter[str], dict[str, int]]:
    """Places named as an issuer (strong), named at all (weak), and the line each is first seen on."""
    strong: Counter[str] = Counter()
    weak: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    total = len(lines)
    for i, line in enumerate(lines):
        for p in places_in(line):
            leaf = p.name
            first_seen.setdefault(leaf, i)
            after, before = line[p.end:], line[:p.start]
            weak[leaf] += 1
            issuer = _INSTITUTION.match(after) and _BOUNDARY.search(before)
            if issuer or before.endswith("《") or _ADDRESS.search(before) or _is_signature(line, i, total):
                strong[leaf] += 2
    return strong, weak, first_seen


def _masked_signature(lines: list[str], weak: Counter[str]) -> str | None:
    for line in lines[-6:]:
        # a signature that names the issuer without its suffix or behind a mask: `宿川 （略）` for 宿川市
        bare = re.sub(r"[?？\s*]", "", line)
        if len(bare) <= 30:
            stems = [n for n in weak if len(n) >= 3 and "自治" not in n and bare.startswith(n[:-1])
                     and _SIGNATURE_REST.match(bare[len(n) - 1:])]
            if len(stems) == 1:
                return stems[0]
    return None


def _only_place(weak: Counter[str]) -> str | None:
    """The one place a text without an issuer names: an autonomous one, or the only one named twice."""
    autonomous = [n for n in weak if "自治" in n]
    if len(autonomous) == 1:
        return autonomous[0]  # an autonomous county's or prefecture's name is never a common word
    if len(weak) == 1:
        name, count = next(iter(weak.items()))
        if count >= 2 or "自治" in name:
            return name
    return None
