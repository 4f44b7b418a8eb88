"""Matching unit names found in documents and sheets to the units the system knows."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from django.db import transaction

from rectify.core.history import record_change, snapshot
from rectify.core.models import ChangeRecord

from .models import Region, Unit


@lru_cache(maxsize=1)
def _t2s():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s").convert


def normalise_name(name: str) -> str:
    """The form names are compared in: simplified, half-width, no spaces or brackets variants."""
    text = unicodedata.normalize("NFKC", name)
    text = _t2s()(text)
    return re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）")


class UnitNames:
    """The units of a region and its ancestors by name and alias, read in one query: looking up the many names
    of a document costs one query per region, not one per name. Where two units answer to a name, the one
    closest to the region (deepest path) is kept."""

    def __init__(self, region: Region) -> None:
        codes = [c for c in region.path.strip("/").split("/") if c]
        self._units: dict[str, Unit] = {}
        for unit in Unit.objects.filter(region__code__in=codes).select_related("region").order_by("id"):
            for written in {unit.name, *unit.aliases}:
                key = normalise_name(written)
                kept = self._units.get(key)
                if kept is None or len(unit.region.path) > len(kept.region.path):
                    self._units[key] = unit

    def find(self, name: str) -> Unit | None:
        return self._units.get(normalise_name(name))


def find_unit(name: str, region: Region) -> Unit | None:
    """A unit of ``region`` or its ancestors whose name or alias is ``name`` (many names: ``UnitNames``)."""
    return UnitNames(region).find(name)


@transaction.atomic
def get_or_create_unit(name: str, region: Region) -> tuple[Unit, bool]:
    unit = find_unit(name, region)
    if unit:
        return unit, False
    unit = Unit.objects.create(name=normalise_name(name)[:120], region=region, kind=guess_kind(name))
    record_change(unit, ChangeRecord.Action.CREATE, after=snapshot(unit), reason="导入时新建单位")
    return unit, True


def guess_kind(name: str) -> str:
    if name.endswith(("党委", "党组", "县委", "市委", "区委")):
        return Unit.Kind.PARTY
    if name.endswith(("政府", "人民政府")):
        return Unit.Kind.GOVERNMENT
    if name.endswith(("镇", "乡", "街道", "街道办事处", "办事处")):
        return Unit.Kind.TOWN
    if name.endswith(("公司", "集团", "厂")):
        return Unit.Kind.ENTERPRISE
    if "整改办" in name or "环委办" in name:
        return Unit.Kind.OFFICE
    return Unit.Kind.DEPARTMENT
