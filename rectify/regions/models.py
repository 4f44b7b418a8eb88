"""Regions (GB/T 2260) and the units (organisations) that work in them."""
from __future__ import annotations

import uuid
from typing import NamedTuple

from django.db import models

from rectify.accounts.scope import ScopedQuerySet, region_scope, writable_region_q, writable_unit_q
from rectify.core import generations
from rectify.core.models import PublicModel
from rectify.core.types import AnyUser


class RegionQuerySet(ScopedQuerySet["Region"]):
    """Regions a user may choose (``accounts.scope.region_scope``) and write into (``writable_region_q``)."""

    def visible_q(self, user: AnyUser, roles: set[str] | None = None) -> models.Q:
        return region_scope(user)

    def editable_q(self, user: AnyUser) -> models.Q:
        return writable_region_q(user)


class UnitQuerySet(ScopedQuerySet["Unit"]):
    """Units of the regions a user may choose, and those the user may assign (``writable_unit_q``)."""

    def visible_q(self, user: AnyUser, roles: set[str] | None = None) -> models.Q:
        return region_scope(user, "region")

    def editable_q(self, user: AnyUser) -> models.Q:
        return writable_unit_q(user)


# Regions' public ids are derived from their codes (``Region.uuid``): the code names a region for good.
REGION_NAMESPACE = uuid.UUID("0b5c6f0e-7a1d-5c3e-9f4a-2d8e6b1c4a70")


# County-level districts named alike in every city: documents prefix the city's name.
SHARED_COUNTY_NAMES = frozenset({"城区", "郊区", "市辖区", "矿区"})


def full_name_of(name: str, level: str, parent_name: str | None, parent_level: str | None) -> str:
    """``Region.full_name`` from the region's name and level and its parent's."""
    if level == Region.Level.COUNTY and parent_name is not None and parent_level == Region.Level.CITY and name in SHARED_COUNTY_NAMES:
        return f"{parent_name}{name}"
    return name


class RegionFacts(NamedTuple):
    path: str
    full_name: str


def region_facts() -> dict[int, RegionFacts]:
    """Every region's path and full name by id, kept in the process until a region changes (``core.generations``):
    a ledger page shows its tasks' regions without loading them (two model instances and their joined columns a
    row: ~0.5 ms of CPU per page). A few thousand regions (every county of the country: ~3,000). Shared: never change it."""
    def load() -> dict[int, RegionFacts]:
        rows = Region.objects.order_by().values_list("pk", "path", "name", "level", "parent__name", "parent__level")
        return {pk: RegionFacts(path, full_name_of(name, level, parent_name, parent_level))
                for pk, path, name, level, parent_name, parent_level in rows}

    return generations.cached([Region], "region facts", load)


class Region(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", "省级"
        CITY = "city", "市级"
        COUNTY = "county", "县级"
        TOWN = "town", "乡镇级"

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=60, db_index=True)
    level = models.CharField("级别", max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField("区划路径", max_length=120, db_index=True, help_text="从省到本级的代码，以 / 分隔")
    short_name = models.CharField("发文简称", max_length=20, blank=True,
                                  help_text="文号中的机关简称，如“晋城”（晋城督办〔2026〕1号）；留空为名称去掉省/市/县/区")

    # No scope path: the region tree is the scope itself (RegionQuerySet: subtrees of the user's grants).
    scope_exempt = "the region tree is the scope itself; RegionQuerySet reads it from the user's grants"
    objects = RegionQuerySet.as_manager()
    # A move's history row counts the regions that moved with it (``regions.services.move_region``).
    history_labels = {"regions_below": "随之移动的下级区划数"}

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        """The name as documents write it: 晋城市城区 rather than the bare 城区."""
        if self.level != self.Level.COUNTY or self.name not in SHARED_COUNTY_NAMES or self.parent is None:
            return self.name  # its parent not read: a region loaded without it costs no query
        return full_name_of(self.name, self.level, self.parent.name, self.parent.level)

    @property
    def uuid(self) -> uuid.UUID:
        """The public id its change history is kept under (``core.history``): derived from the code."""
        return uuid.uuid5(REGION_NAMESPACE, self.code)

    def subtree_q(self, field: str = "region") -> models.Q:
        """A filter for records whose ``field`` region lies in this region's subtree."""
        return models.Q(**{f"{field}__path__startswith": self.path})


class Unit(PublicModel):
    """An organisation that leads, cooperates on or carries out tasks (单位)."""

    class Kind(models.TextChoices):
        PARTY = "party", "党委"
        GOVERNMENT = "government", "政府"
        DEPARTMENT = "department", "部门"
        OFFICE = "office", "整改办/环委办"
        TOWN = "town", "乡镇（街道）"
        ENTERPRISE = "enterprise", "企业"
        OTHER = "other", "其他"
        GROUP = "group", "单位组（统称）"

    class MemberRule(models.TextChoices):
        """Who an umbrella phrase of a document (a unit of kind *group*) stands for.

        A group is not an organisation: nobody logs in as it. Decomposing a task assigned to a
        group assigns its members instead (``rectify.regions.groups.expand_group``).
        """

        SUBORDINATE_GOVERNMENTS = "subordinate_governments", "下一级各政府（各县（市、区）政府）"
        TOWNS = "towns", "各乡镇（街道）"
        DEPARTMENTS = "departments", "本级相关部门（区直相关单位、相关部门）"

    name = models.CharField("单位名称", max_length=120)
    kind = models.CharField("类别", max_length=12, choices=Kind.choices, default=Kind.DEPARTMENT)
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="units")
    parent = models.ForeignKey("self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    aliases = models.JSONField("别名", default=list, blank=True, help_text="文档中出现的其他写法，用于导入时匹配")
    is_active = models.BooleanField("启用", default=True)
    member_rule = models.CharField(
        "成员规则", max_length=24, choices=MemberRule.choices, blank=True,
        help_text="仅用于单位组（统称）：分解任务时按此规则展开为成员单位",
    )

    # Chosen within the region subtrees of the user's grants; assignable within an office's write scope
    # and the regions above it (UnitQuerySet).
    scope_path = "region"
    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["region__code", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="unit_unique_name_in_region")]
        indexes = [models.Index(fields=["updated_at"], name="unit_updated_at")]  # API updated_since

    def __str__(self) -> str:
        return self.name

    @property
    def is_group(self) -> bool:
        return self.kind == self.Kind.GROUP
