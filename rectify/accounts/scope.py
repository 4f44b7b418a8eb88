"""A user's data scope as query-set filters: the union of what each of their roles grants.

Every list, detail, export and API endpoint narrows its query set through ``task_scope``;
nothing relies on templates hiding what a user may not see.
"""
from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Q

from .roles import REGION_ROLES, UNIT_ROLES, Role

NOTHING = Q(pk__in=[])
# An explicit always-true filter: an empty Q() would vanish when OR-ed with another condition.
EVERYTHING = Q(pk__isnull=False)


def _is_admin(user: Any) -> bool:
    return bool(user.is_superuser or any(g.role == Role.ADMIN for g in user.grants))


def region_paths(user: Any, roles: set[str] | None = None) -> list[str]:
    wanted = roles or REGION_ROLES
    return [g.region.path for g in user.grants if g.role in wanted and g.region_id]


def unit_ids(user: Any) -> list[int]:
    ids = [g.unit_id for g in user.grants if g.role in UNIT_ROLES and g.unit_id]
    return ids


def task_scope(user: Any, *, roles: set[str] | None = None) -> Q:
    """Tasks the user may see: their region subtrees, plus tasks their units are assigned to."""
    if not user or not user.is_authenticated:
        return NOTHING
    if _is_admin(user):
        return EVERYTHING
    q = NOTHING
    for path in region_paths(user, roles):
        q |= Q(region__path__startswith=path)
    if roles is None or roles & UNIT_ROLES:
        ids = unit_ids(user)
        if ids:
            assignments = apps.get_model("tasks", "Assignment").objects.filter(unit_id__in=ids)
            q |= Q(pk__in=assignments.values("task_id"))
    return q


def task_edit_scope(user: Any) -> Q:
    """Tasks whose plan fields the user may change: an office's subtree (or everything for admins)."""
    if not user or not user.is_authenticated:
        return NOTHING
    if _is_admin(user):
        return EVERYTHING
    return task_scope(user, roles={Role.OFFICE})


def region_scope(user: Any, field: str = "") -> Q:
    """Regions (or records with a region ``field``) inside the user's region subtrees."""
    prefix = f"{field}__" if field else ""
    if not user or not user.is_authenticated:
        return NOTHING
    if _is_admin(user):
        return EVERYTHING
    q = NOTHING
    for path in region_paths(user):
        q |= Q(**{f"{prefix}path__startswith": path})
    for g in user.grants:
        if g.role in UNIT_ROLES and g.unit_id:
            q |= Q(**{f"{prefix}path__startswith": g.unit.region.path})
    return q


def region_write_scope(user: Any, field: str = "") -> Q:
    """Regions (or records with a region ``field``) the user may write into: an office's subtrees.

    Read-only roles (reviewer, leader) and unit roles grant nothing here: every choice offered
    for a write (the region of a document import, for one) is built from this, not from
    ``region_scope``.
    """
    prefix = f"{field}__" if field else ""
    if not user or not user.is_authenticated:
        return NOTHING
    if _is_admin(user):
        return EVERYTHING
    q = NOTHING
    for path in region_paths(user, {Role.OFFICE}):
        q |= Q(**{f"{prefix}path__startswith": path})
    return q


def plan_scope(user: Any) -> Q:
    """Plans the user may see: those of their region subtrees, and those holding a task they see.

    A unit sees only the plans of the tasks it is assigned to, never every plan of its region.
    """
    if not user or not user.is_authenticated:
        return NOTHING
    if _is_admin(user):
        return EVERYTHING
    q = NOTHING
    for path in region_paths(user):
        q |= Q(region__path__startswith=path)
    tasks = apps.get_model("tasks", "Task").objects.filter(task_scope(user))
    return q | Q(pk__in=tasks.values("plan_id"))
