"""Inspections (督察) and the plans (整改方案) that answer them."""
from __future__ import annotations

from django.db import models
from django.db.models import Q

from rectify.accounts.scope import ScopedQuerySet, inspection_edit_scope, inspection_scope, plan_scope
from rectify.core.models import VersionedModel
from rectify.core.types import AnyUser
from rectify.regions.models import Region


class InspectionQuerySet(ScopedQuerySet["Inspection"]):
    """Inspections carry their own rule (``accounts.scope.inspection_scope``)."""

    def visible_q(self, user: AnyUser, roles: set[str] | None = None) -> Q:
        return inspection_scope(user)

    def editable_q(self, user: AnyUser) -> Q:
        return inspection_edit_scope(user)


def inspection_label(level: str, round_: int | None, region_name: str, team: str) -> str:
    """How an inspection is named in lists and menus: 省级第3轮督察（晋城市，省第三生态环境保护督察组）."""
    round_text = f"第{round_}轮" if round_ else ""
    return f"{Inspection.Level(level).label}{round_text}督察（{region_name}，{team}）"


class Inspection(VersionedModel):
    class Level(models.TextChoices):
        CENTRAL = "central", "中央"
        PROVINCIAL = "provincial", "省级"
        MUNICIPAL = "municipal", "市级"

    team = models.CharField("督察组", max_length=120)
    level = models.CharField("层级", max_length=12, choices=Level.choices)
    round = models.PositiveSmallIntegerField("轮次", null=True, blank=True)
    batch = models.CharField("批次", max_length=40, blank=True)
    target_region = models.ForeignKey(Region, verbose_name="被督察区划", on_delete=models.PROTECT, related_name="inspections")
    stationed_from = models.DateField("进驻开始", null=True, blank=True)
    stationed_to = models.DateField("进驻结束", null=True, blank=True)
    feedback_date = models.DateField("反馈日期", null=True, blank=True)

    # Seen over its target region (by region and unit roles there) and through the tasks it holds.
    scope_path = ("target_region", "tasks")
    scope_edit_path = "target_region"
    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = "督察"
        verbose_name_plural = "督察"
        ordering = ["-feedback_date", "-id"]
        indexes = [models.Index(fields=["updated_at"], name="inspection_updated_at")]  # API updated_since

    def __str__(self) -> str:
        return inspection_label(self.level, self.round, self.target_region.name, self.team)

    @property
    def short_name(self) -> str:
        round_text = f"第{self.round}轮" if self.round else ""
        return f"{self.get_level_display()}{round_text}·{self.target_region.name}"


class PlanQuerySet(ScopedQuerySet["Plan"]):
    """Plans carry their own rule (``accounts.scope.plan_scope``): every plan list, detail and choice starts here."""

    def visible_q(self, user: AnyUser, roles: set[str] | None = None) -> Q:
        return plan_scope(user)

    def writable_by(self, user: AnyUser) -> PlanQuerySet:
        """Plans in the regions the user may write into (an office's subtrees): ``editable_by``."""
        return self.editable_by(user)


class Plan(VersionedModel):
    """A region's rectification or action plan; its tasks come from one source document."""

    class Kind(models.TextChoices):
        RECTIFICATION = "rectification_plan", "整改方案"
        ACTION = "action_plan", "行动计划"

    inspection = models.ForeignKey(Inspection, verbose_name="督察", null=True, blank=True, on_delete=models.PROTECT, related_name="plans")
    region = models.ForeignKey(Region, verbose_name="区划", on_delete=models.PROTECT, related_name="plans")
    kind = models.CharField("类别", max_length=20, choices=Kind.choices, default=Kind.RECTIFICATION)
    title = models.CharField("方案名称", max_length=200)
    source_document = models.CharField("来源文件", max_length=200, blank=True)
    source_hash = models.CharField("来源文件摘要", max_length=64, blank=True, db_index=True)
    period_start = models.PositiveSmallIntegerField("起始年份", null=True, blank=True)
    period_end = models.PositiveSmallIntegerField("截止年份", null=True, blank=True)

    # Seen over its region subtree and through the tasks it holds; changed by the office over its region.
    scope_path = ("region", "tasks")
    scope_edit_path = "region"
    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = "整改方案"
        verbose_name_plural = "整改方案"
        ordering = ["-id"]
        indexes = [models.Index(fields=["updated_at"], name="plan_updated_at")]  # API updated_since

    def __str__(self) -> str:
        return self.title
