"""Who must act next, resolved by role and scope: the one place notifications look people up."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from rectify.accounts.roles import UNIT_ROLES, Role
from rectify.core.types import AuthedUser
from rectify.regions.models import Region
from rectify.regions.paths import path_prefixes


def _users() -> QuerySet[AuthedUser]:
    from rectify.accounts.models import User

    return User.objects.filter(is_active=True)




def unit_users(unit_ids: Iterable[int]) -> list[AuthedUser]:
    """Active users holding a unit role (牵头单位 / 责任单位) for one of the units."""
    ids = [i for i in unit_ids if i]
    if not ids:
        return []
    return list(_users().filter(role_grants__role__in=list(UNIT_ROLES), role_grants__unit_id__in=ids).distinct())


def units_without_users(unit_ids: Iterable[int]) -> list[str]:
    """Names of the units no active user can act for: a notice to them reaches nobody."""
    from rectify.accounts.models import RoleGrant
    from rectify.regions.models import Unit

    ids = set(unit_ids)
    reached = set(RoleGrant.objects.filter(unit_id__in=ids, role__in=list(UNIT_ROLES), user__is_active=True)
                  .values_list("unit_id", flat=True))
    return list(Unit.objects.filter(pk__in=ids - reached).order_by("name").values_list("name", flat=True))


def region_role_users(region: Region, role: str) -> list[AuthedUser]:
    """Active users whose ``role`` covers ``region`` (a grant on it or on a region above it)."""
    return list(_users().filter(role_grants__role=role, role_grants__region__path__in=path_prefixes(region.path)).distinct())


def office_users(region: Region) -> list[AuthedUser]:
    """The nearest rectification office up the region path (the office that handles the region's tasks)."""
    from rectify.accounts.models import RoleGrant

    grants = list(RoleGrant.objects.filter(role=Role.OFFICE, region__path__in=path_prefixes(region.path), user__is_active=True)
                  .select_related("user", "region"))
    if not grants:
        return []
    deepest = max(len(g.region.path) for g in grants if g.region is not None)
    return [g.user for g in grants if g.region is not None and len(g.region.path) == deepest]


def reviewers_of(region: Region) -> list[AuthedUser]:
    """验收人员 whose region covers ``region``; without any, the office that may review in their place."""
    return region_role_users(region, Role.REVIEWER) or office_users(region)


def task_unit_users(task: Any, roles: Iterable[str] | None = None) -> list[AuthedUser]:
    """Users of the units assigned to the task (only those assigned in ``roles``, when given)."""
    assignments = task.assignments.all()
    if roles is not None:
        assignments = assignments.filter(role__in=list(roles))
    return unit_users(assignments.values_list("unit_id", flat=True))
