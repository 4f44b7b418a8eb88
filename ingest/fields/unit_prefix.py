"""A place written once for a list of units is given to each (SCHEMA.md, Units):
`南溪县委、县政府` → 南溪县委, 南溪县政府; `西河区住房和城乡建设局、水务局` → …, 西河区水务局."""
from __future__ import annotations

import re

from ..facts.region import places_in

_INSTITUTION_END = re.compile(r"(?:局|委|办|政府|中心|站|所|队|院|厅|处|公司)$")
_UMBRELLA = re.compile(r"^(?:各|相关|有关|其他|其它|全)")
_LEVELS = "省市县区镇乡旗州"


def _leading_place(unit: str) -> str | None:
    found = places_in(unit)
    if found and found[0].start == 0:
        place = found[0].name
        for p in found[1:]:
            if p.start == len(place):
                place += p.name
        return place
    return None


def share_place_prefix(units: list[str]) -> list[str]:
    if len(units) < 2:
        return units
    out: list[str] = []
    place: str | None = None
    for unit in units:
        own = _leading_place(unit)
        if own:
            place = own
            out.append(unit)
            continue
        if place and not _UMBRELLA.match(unit) and _INSTITUTION_END.search(unit) and len(unit) <= 14:
            if unit[0] == place[-1]:
                unit = place[:-1] + unit
            elif unit[0] not in _LEVELS:
                unit = place + unit
        out.append(unit)
    return out
