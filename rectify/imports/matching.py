"""Matching what a document names to what the system holds: regions, units, inspections, plans, earlier imports."""
from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from rectify.core.history import record_change, snapshot
from rectify.core.models import ChangeRecord
from rectify.core.types import AuthedUser
from rectify.inspections.models import Inspection, Plan
from rectify.regions.groups import home_region, regions_below, umbrella_rule
from rectify.regions.matching import UnitNames, guess_kind, normalise_name
from rectify.regions.models import Region, Unit

from .models import ImportBatch
from .reading import LEVEL_LABELS, DuplicateDocument, ImportFailed, _date, _text

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- regions


def _ancestor_names(region: Region) -> list[str]:
    names = []
    node = region.parent
    while node is not None:
        names.append(node.name)
        node = node.parent
    return names  # nearest first


def regions_named(name: str | None, within: QuerySet[Region] | None = None) -> list[Region]:
    """Regions a document's region name denotes: 晋城市城区, 城区 under 晋城市, 山西省晋城市 …"""
    wanted = normalise_name(name or "")
    if not wanted:
        return []
    suffixes = [wanted[i:] for i in range(len(wanted))]
    qs = (within if within is not None else Region.objects.all()).filter(name__in=suffixes).select_related("parent__parent__parent")
    exact, prefixed = [], []
    for region in qs:
        if wanted in {region.name, region.full_name}:
            exact.append(region)
            continue
        # The name written with (some of) its ancestors in front: 山西省晋城市城区.
        rest = wanted[: -len(region.name)]
        for ancestor in _ancestor_names(region):
            if not rest:
                break
            if rest.endswith(ancestor):
                rest = rest[: -len(ancestor)]
        if not rest:
            prefixed.append(region)
    return exact or prefixed


def resolve_region(name: str | None, within: QuerySet[Region] | None = None) -> Region:
    found = regions_named(name, within)
    if len(found) == 1:
        return found[0]
    if not name:
        raise ImportFailed("文档中没有写明所属区划，请指定要导入到哪个区划。")
    if not found:
        where = "系统" if within is None else "您可管理的区划"
        raise ImportFailed(f"文档所属区划为“{name}”，但在{where}中没有找到它，请指定要导入到哪个区划。")
    names = "、".join(f"{r.full_name}（{r.code}）" for r in found)
    raise ImportFailed(f"文档所属区划“{name}”对应多个区划：{names}，请指定要导入到哪个区划。")


def check_write_region(user: AuthedUser | None, region: Region | None) -> None:
    """Refuse an import into a region outside the user's write scope (an office's subtrees).

    ``user`` None is the operator at the command line without ``--user``: the whole system.
    """
    if user is None or region is None:
        return
    if not Region.objects.editable_by(user).filter(pk=region.pk).exists():
        raise ImportFailed(f"您没有向“{region.full_name}”导入方案的权限：只有该区划或上级的整改办可以导入。")


def write_regions(user: AuthedUser | None) -> QuerySet[Region]:
    """The regions ``user`` may import into; every region for the operator (``None``)."""
    if user is None:
        return Region.objects.all()
    return Region.objects.editable_by(user)


def find_duplicate(digest: str) -> DuplicateDocument | None:
    batch = (
        ImportBatch.objects.filter(content_hash=digest, status=ImportBatch.Status.CONFIRMED)
        .select_related("plan")
        .first()
    )
    if batch is not None:
        return DuplicateDocument(batch.confirmed_at or batch.created_at, batch.plan, batch)
    plan = Plan.objects.filter(source_hash=digest).order_by("id").first()
    if plan is not None:
        return DuplicateDocument(plan.created_at, plan, None)
    return None




@dataclass
class UnitMatch:
    name: str
    unit: Unit | None
    home: Region | None = None  # where a new unit is created: the plan's region, or the county it names
    rule: str = ""  # an umbrella phrase's member rule (a unit group), "" for one organisation

    @property
    def is_new(self) -> bool:
        return self.unit is None

    @property
    def is_group(self) -> bool:
        return bool(self.rule) or bool(self.unit and self.unit.is_group)

    @property
    def final_name(self) -> str:
        return self.unit.name if self.unit else normalise_name(self.name)[:120]

    @property
    def note(self) -> str:
        """What the preview says about the name, in Chinese."""
        parts = ["已有单位" if self.unit else "新单位"]
        if self.is_group:
            parts.append("统称，分解时展开为各成员单位")
        if self.unit is None and self.home is not None:
            parts.append(f"建在{self.home.full_name}")
        return "·".join(parts)


class UnitMatcher:
    """The units a document names, each name looked up once, the regions below and each home region's units read once.

    A name that starts with a lower region's name (泽州县人民政府 in a city's plan) is looked up
    and created in that region; an umbrella phrase (各县（市、区）政府, 相关部门) is a unit group.
    """

    def __init__(self, region: Region) -> None:
        self.region = region
        self._cache: dict[str, UnitMatch] = {}
        self._below: list[Region] | None = None
        self._names: dict[int, UnitNames] = {}  # per home region: one query each, not one per name

    def _home(self, name: str) -> Region:
        if self._below is None:
            self._below = regions_below(self.region)
        return home_region(name, self.region, self._below)

    def _find(self, name: str, home: Region) -> Unit | None:
        if home.pk not in self._names:
            self._names[home.pk] = UnitNames(home)
        return self._names[home.pk].find(name)

    def match(self, name: str) -> UnitMatch:
        key = normalise_name(name)
        if key not in self._cache:
            rule = umbrella_rule(name)
            home = self.region if rule else self._home(name)
            unit = self._find(name, home)
            if rule and unit is not None and unit.region_id != home.pk:
                unit = None  # 相关部门 of a county is not 相关部门 of its city
            self._cache[key] = UnitMatch(name, unit, home, rule)
        found = self._cache[key]
        return UnitMatch(name, found.unit, found.home, found.rule)


def create_unit(match: UnitMatch, region: Region) -> Unit:
    """The unit a new name in an import stands for, with its history row."""
    home = match.home or region
    kind = Unit.Kind.GROUP if match.rule else guess_kind(match.name)
    unit = Unit.objects.create(name=normalise_name(match.name)[:120], region=home, kind=kind, member_rule=match.rule)
    record_change(unit, ChangeRecord.Action.CREATE, after=snapshot(unit), reason="导入时新建单位")
    return unit


def inspection_facts(parsed: dict[str, Any]) -> dict[str, Any] | None:
    insp = parsed.get("inspection")
    if not isinstance(insp, dict) or not _text(insp.get("team")):
        return None
    team = _text(insp.get("team"))
    level = _text(insp.get("level"))
    if level not in LEVEL_LABELS:
        level = "central" if "中央" in team else ("municipal" if team.startswith("市") else "provincial")

    def day(key: str) -> datetime.date | None:
        try:
            return _date(insp.get(key))
        except ValueError:
            return None

    round_value = insp.get("round")
    try:
        round_number = int(round_value) if round_value not in (None, "") else None
    except (TypeError, ValueError):
        round_number = None
    return {
        "team": team[:120], "level": level, "round": round_number if round_number and 0 < round_number < 100 else None,
        "stationed_from": day("stationed_from"), "stationed_to": day("stationed_to"), "feedback_date": day("feedback_date"),
    }


INSPECTION_DATES = ("stationed_from", "stationed_to", "feedback_date")


def inspection_agrees(insp: Inspection, facts: dict[str, Any]) -> bool:
    """Whether the document's inspection is ``insp``: level, round and dates agree.

    A value only one side states does not contradict; but something besides the team's name
    must agree (a date, or the round when neither states a date): a team name is reused by
    every round, so the name alone never links a plan.
    """
    if insp.level != facts["level"]:
        return False
    if facts.get("round") and insp.round and insp.round != facts["round"]:
        return False
    shared_dates = 0
    for key in INSPECTION_DATES:
        mine, theirs = facts.get(key), getattr(insp, key)
        if mine and theirs:
            if mine != theirs:
                return False
            shared_dates += 1
    if shared_dates:
        return True
    stated = any(facts.get(k) for k in INSPECTION_DATES) or any(getattr(insp, k) for k in INSPECTION_DATES)
    same_round = bool(facts.get("round") and insp.round == facts["round"])
    return same_round and not stated and normalise_name(insp.team) == normalise_name(facts["team"])


def _inspections_over(region: Region) -> list[Inspection]:
    codes = [c for c in region.path.strip("/").split("/") if c]
    return list(Inspection.objects.filter(target_region__code__in=codes).select_related("target_region"))


def find_inspection(facts: dict[str, Any], region: Region) -> Inspection | None:
    """The inspection the document answers, over ``region`` or a region above it (deepest first).

    Only one whose level, round and dates agree with the document's (``inspection_agrees``).
    """
    best = None
    for insp in _inspections_over(region):
        if not inspection_agrees(insp, facts):
            continue
        if best is None or len(insp.target_region.path) > len(best.target_region.path):
            best = insp
    return best


def inspection_summary(source: Inspection | dict[str, Any]) -> str:
    """督察组、层级、轮次、进驻和反馈日期 in one Chinese line, for a document's facts or an inspection."""
    def get(key: str) -> Any:
        return source.get(key) if isinstance(source, dict) else getattr(source, key)

    def day(value: Any) -> str:
        return f"{value.year}年{value.month}月{value.day}日" if value else "—"

    round_text = f"第{get('round')}轮" if get("round") else "轮次未写明"
    return (
        f"{get('team')}，{LEVEL_LABELS.get(get('level'), '—')}，{round_text}，"
        f"进驻 {day(get('stationed_from'))} 至 {day(get('stationed_to'))}，反馈 {day(get('feedback_date'))}"
    )


def inspection_lookalike(facts: dict[str, Any], region: Region) -> Inspection | None:
    """An inspection of the same team that does *not* agree: shown beside the new one in the preview."""
    wanted = normalise_name(facts["team"])
    same_team = [i for i in _inspections_over(region) if normalise_name(i.team) == wanted and not inspection_agrees(i, facts)]
    same_team.sort(key=lambda i: (len(i.target_region.path), i.feedback_date or datetime.date.min), reverse=True)
    return same_team[0] if same_team else None


def find_plan(parsed: dict[str, Any], region: Region) -> Plan | None:
    title = _text(parsed.get("title"))[:200]
    if not title:
        return None
    return Plan.objects.filter(region=region, title=title).order_by("id").first()
