"""Roles, the data scope each grants, and the role predicates the permission table is built from.

The predicates are `rules <https://github.com/dfunckt/django-rules>`_ predicates: they compose with
``&``, ``|`` and ``~`` into the actions of ``rectify/accounts/permissions.py``. This module imports
nothing of the project but ``core.types``, so ``accounts.scope`` may use ``is_admin`` too. A predicate
receives any user (``AnyUser``: the anonymous one too) and answers a bool.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from rules.predicates import Predicate

from rectify.core.types import AnyUser, signed_in


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


def predicate(fn: Callable[..., bool], name: str | None = None) -> Predicate:
    """``rules.predicate`` with types: a composable (``&``, ``|``, ``~``) predicate of ``(user, obj)``."""
    return Predicate(fn, name=name)


# What each leaf predicate grants, for the generated docs/permissions.md: by predicate name, either
# the roles it lets through with the condition on the record ("who"), or a condition on the record
# that applies to every role ("condition").
DESCRIPTIONS: dict[str, dict[str, Any]] = {}


def describe(leaf: Predicate, *, who: dict[str, str] | None = None, condition: str = "") -> Predicate:
    """Record what ``leaf`` grants (see ``DESCRIPTIONS``) and return it."""
    DESCRIPTIONS[leaf.name] = {"who": who or {}, "condition": condition}
    return leaf


@predicate
def is_admin(user: AnyUser) -> bool:
    """系统管理员: a superuser or a holder of the administrator role (the only definition of it)."""
    return signed_in(user) and bool(user.is_superuser or any(g.role == Role.ADMIN for g in user.grants))


@predicate
def is_staff(user: AnyUser) -> bool:
    """A staff account (``is_staff``): Django's admin site lets it in."""
    return signed_in(user) and bool(user.is_staff)


@predicate
def is_superuser(user: AnyUser) -> bool:
    """A superuser account (it also counts as an administrator, ``is_admin``)."""
    return signed_in(user) and bool(user.is_superuser)


def holds(*roles: str) -> Predicate:
    """A predicate: the user holds one of ``roles`` (anywhere; the object predicates narrow it to a region or unit)."""
    wanted = set(roles)

    def check(user: AnyUser) -> bool:
        return signed_in(user) and any(g.role in wanted for g in user.grants)

    return predicate(check, name="holds_" + "_or_".join(sorted(wanted)))


describe(is_admin, who={Role.ADMIN: "全部"})
describe(is_staff, condition="Django 职员账号（is_staff），与角色无关")
describe(is_superuser, condition="超级用户账号，与角色无关")
has_office_role = describe(holds(Role.OFFICE), who={Role.OFFICE: "任一辖区"})
is_editor = is_admin | has_office_role
