from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models

from rectify.regions.models import Region, Unit

from .roles import EDITOR_ROLES, Role


class User(AbstractUser):
    unit = models.ForeignKey(Unit, verbose_name="所属单位", null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    phone = models.CharField("联系电话", max_length=20, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_full_name(self) -> str:
        return f"{self.last_name}{self.first_name}".strip()

    @cached_property
    def grants(self) -> list[RoleGrant]:
        return list(self.role_grants.select_related("region", "unit__region"))

    def roles(self) -> set[str]:
        roles = {g.role for g in self.grants}
        if self.is_superuser:
            roles.add(Role.ADMIN)
        return roles

    def role_labels(self) -> list[str]:
        return [Role(r).label for r in sorted(self.roles())]

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles() & set(roles))

    @property
    def is_editor(self) -> bool:
        return self.has_role(*EDITOR_ROLES)


class RoleGrant(models.Model):
    """A role held by a user, over a region subtree or for a unit (a user may hold several)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    region = models.ForeignKey(Region, verbose_name="管辖区划", null=True, blank=True, on_delete=models.PROTECT, help_text="整改办、验收人员、领导的数据范围")
    unit = models.ForeignKey(Unit, verbose_name="单位", null=True, blank=True, on_delete=models.PROTECT, help_text="牵头单位、责任单位的数据范围")

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        constraints = [models.UniqueConstraint(fields=["user", "role", "region", "unit"], name="role_grant_unique")]

    def __str__(self) -> str:
        where = self.region or self.unit or "全部"
        return f"{self.get_role_display()}（{where}）"
