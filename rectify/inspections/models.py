"""Inspections (督察) and the plans (整改方案) that answer them."""
from __future__ import annotations

from typing import Any

from django.db import models

from rectify.core.models import VersionedModel
from rectify.regions.models import Region


class InspectionQuerySet(models.QuerySet["Inspection"]):
    def visible_to(self, user: Any) -> InspectionQuerySet:
        from rectify.accounts.scope import inspection_scope

        return self.filter(inspection_scope(user))

    def editable_by(self, user: Any) -> InspectionQuerySet:
        from rectify.accounts.scope import inspection_edit_scope

        return self.filter(inspection_edit_scope(user))


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

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = "督察"
        verbose_name_plural = "督察"
        ordering = ["-feedback_date", "-id"]
        indexes = [models.Index(fields=["updated_at"], name="inspection_updated_at")]  # API updated_since

    def __str__(self) -> str:
        round_text = f"第{self.round}轮" if self.round else ""
        return f"{self.get_level_display()}{round_text}督察（{self.target_region.name}，{self.team}）"

    @property
    def short_name(self) -> str:
        round_text = f"第{self.round}轮" if self.round else ""
        return f"{self.get_level_display()}{round_text}·{self.target_region.name}"


class PlanQuerySet(models.QuerySet["Plan"]):
    def visible_to(self, user: Any) -> PlanQuerySet:
        """The plans ``user`` may see (``accounts.scope.plan_scope``): every plan list, detail and choice starts here."""
        from rectify.accounts.scope import plan_scope

        return self.filter(plan_scope(user))

    def writable_by(self, user: Any) -> PlanQuerySet:
        """Plans in the regions the user may write into (an office's subtrees)."""
        from rectify.accounts.scope import region_write_scope

        return self.filter(region_write_scope(user, "region"))


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

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = "整改方案"
        verbose_name_plural = "整改方案"
        ordering = ["-id"]
        indexes = [models.Index(fields=["updated_at"], name="plan_updated_at")]  # API updated_since

    def __str__(self) -> str:
        return self.title
