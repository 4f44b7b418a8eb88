"""Roles and the data scope each grants."""
from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "系统管理员"
    OFFICE = "office", "整改办"
    LEAD_UNIT = "lead_unit", "牵头单位"
    RESPONSIBLE_UNIT = "responsible_unit", "责任单位"
    REVIEWER = "reviewer", "验收人员"
    LEADER = "leader", "领导"


# Roles whose scope is a region subtree; the others are scoped to their unit's assignments.
REGION_ROLES = {Role.OFFICE, Role.REVIEWER, Role.LEADER}
UNIT_ROLES = {Role.LEAD_UNIT, Role.RESPONSIBLE_UNIT}
# Roles that may create and edit tasks in their scope.
EDITOR_ROLES = {Role.ADMIN, Role.OFFICE}
