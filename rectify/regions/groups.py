"""Unit groups: the umbrella phrases of plan documents (各县（市、区）政府, 区直相关单位, 各镇（街道）,
相关部门 …) and the units they stand for.

A plan often assigns a task to "every county government" rather than naming them. Such a
phrase becomes a unit of kind ``group`` in the plan's region with a ``member_rule``; nobody
logs in as it. When the office decomposes the task to a lower region, the group expands to
its members there (``expand_group``): the county's government, the county's departments, the
towns of the county. A county government named in a city's plan (泽州县人民政府) is a real unit
of its own county (``home_region``), not of the city.
"""
from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Q

from .matching import normalise_name
from .models import Region, Unit

Rule = Unit.MemberRule

# Bounded, simple tests on a name of at most 120 characters: no regular expression needed.
_DEPARTMENT_ENDS = ("部门", "单位", "部门单位")
_DEPARTMENT_MARKS = ("相关", "有关", "各", "直")
_TOWN_MARKS = ("镇", "乡", "街道")
_COUNTY_MARKS = ("县", "区", "市", "旗")
_UMBRELLA_STARTS = ("各", "相关", "有关")


_SEPARATORS = frozenset("、，,；;\n")


def split_names(text: str) -> list[str]:
    """Unit names separated by 、，；or new lines, but not inside brackets: 各县（市、区）政府 stays whole."""
    names: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text or "":
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        if depth == 0 and ch in _SEPARATORS:
            names.append("".join(current))
            current = []
        else:
            current.append(ch)
    names.append("".join(current))
    return list(dict.fromkeys(n.strip() for n in names if n.strip()))


def umbrella_rule(name: str) -> str:
    """The member rule an umbrella phrase stands for, or "" for the name of one organisation."""
    text = normalise_name(name)
    if not text or len(text) > 30:
        return ""
    if text.endswith(_DEPARTMENT_ENDS) and any(m in text for m in _DEPARTMENT_MARKS):
        return Rule.DEPARTMENTS
    if text.startswith(_UMBRELLA_STARTS):
        if any(m in text for m in _TOWN_MARKS):
            return Rule.TOWNS
        if any(m in text for m in _COUNTY_MARKS):
            return Rule.SUBORDINATE_GOVERNMENTS
    return ""


def _rule_members(rule: str, anchor: Region) -> Q:
    """Units that ``rule`` denotes when anchored at ``anchor`` (the region the phrase speaks of)."""
    if rule == Rule.SUBORDINATE_GOVERNMENTS:
        return Q(kind=Unit.Kind.GOVERNMENT, region__parent=anchor)
    if rule == Rule.TOWNS:
        below = Q(region__path__startswith=anchor.path)
        return below & (Q(kind=Unit.Kind.TOWN) | Q(kind=Unit.Kind.GOVERNMENT, region__level=Region.Level.TOWN))
    if rule == Rule.DEPARTMENTS:
        return Q(kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.OFFICE], region=anchor)
    return Q(pk__in=[])


def group_members(group: Unit) -> list[Unit]:
    """Every member of ``group`` (anchored at its own region), in a stable order."""
    qs = Unit.objects.filter(_rule_members(group.member_rule, group.region), is_active=True).exclude(kind=Unit.Kind.GROUP)
    return list(qs.select_related("region").order_by("region__path", "name"))


def expand_group(group: Unit, region: Region) -> list[Unit]:
    """The members of ``group`` for a task decomposed to ``region``.

    First the group's own members that lie in ``region``'s subtree (各县（市、区）政府 of a city,
    decomposed to a county: that county's government). When there are none, the same rule
    anchored at ``region`` (相关部门 of a city, decomposed to a county: the county's
    departments; 各镇（街道）: the county's towns).
    """
    active = Unit.objects.filter(is_active=True).exclude(kind=Unit.Kind.GROUP).select_related("region")
    inside = active.filter(_rule_members(group.member_rule, group.region), region__path__startswith=region.path)
    members = list(inside.order_by("region__path", "name"))
    if not members and region.pk != group.region_id:
        members = list(active.filter(_rule_members(group.member_rule, region)).order_by("region__path", "name"))
    return members


def regions_below(region: Region) -> list[Region]:
    """The regions strictly below ``region``, with their parents (what ``home_region`` matches names against)."""
    return list(Region.objects.filter(path__startswith=region.path).exclude(pk=region.pk).select_related("parent"))


def home_region(name: str, region: Region, below: Sequence[Region] | None = None) -> Region:
    """The region a unit named in ``region``'s document belongs to.

    A name that starts with the name of a region strictly below ``region`` (泽州县人民政府 in a
    city's plan) belongs to that region; every other name to ``region`` itself. Only a unique,
    longest match counts. ``below``: ``regions_below(region)`` read once for many names.
    """
    text = normalise_name(name)
    below = regions_below(region) if below is None else below
    best: Region | None = None
    best_len = 0
    tie = False
    prefixes = {text[:n] for n in range(2, min(len(text), 40) + 1)}
    # 城区 is written 晋城市城区 in documents: full names are matched too.
    short = {p[len(region.name):] for p in prefixes if p.startswith(region.name)}
    for candidate in (r for r in below if r.name in prefixes or r.name in short):
        for written in {candidate.name, candidate.full_name}:
            if text.startswith(written) and len(text) > len(written):
                if len(written) > best_len:
                    best, best_len, tie = candidate, len(written), False
                elif len(written) == best_len and best is not None and best.pk != candidate.pk:
                    tie = True
    if best is None or tie:
        return region
    return best
