"""A user's data scope as query-set filters: the union of what each of their roles grants.

Every model of the project declares how it reaches a task, region or unit (``scope_path``) or why it
has no scope (``scope_exempt``); its manager (``ScopedQuerySet``) offers ``visible_to(user)`` and
``editable_by(user)`` built from the functions below. Lists, details, exports and API endpoints start
from those managers; nothing relies on templates hiding what a user may not see.
"""
from __future__ import annotations

from typing import Any, Self, TypeVar

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q

from rectify.core.refusals import Refused
from rectify.core.types import AnyUser, signed_in

from .roles import REGION_ROLES, UNIT_ROLES, Role, is_admin

NOTHING = Q(pk__in=[])
# An explicit always-true filter: an empty Q() would vanish when OR-ed with another condition. Django
# compiles "not in nothing" to no condition at all (and an OR with it to none), where ``pk IS NOT NULL``
# reached the SQL and let PostgreSQL answer a search by walking a whole index that holds ``id``.
EVERYTHING = ~Q(pk__in=[])


def region_paths(user: AnyUser | None, roles: set[str] | None = None) -> list[str]:
    """The paths of the regions ``user`` holds one of ``roles`` over (none for the anonymous user)."""
    if not signed_in(user):
        return []
    wanted = roles or REGION_ROLES
    return [g.region.path for g in user.grants if g.role in wanted and g.region is not None]


def unit_ids(user: AnyUser | None) -> list[int]:
    if not signed_in(user):
        return []
    ids = [g.unit_id for g in user.grants if g.role in UNIT_ROLES and g.unit_id]
    return ids


def own_unit_ids(user: AnyUser | None) -> set[int]:
    """The organisations a user speaks for: units of their unit roles and the unit they belong to.

    Separation of duties uses it: nobody reviews a submission of one of these units.
    """
    if not signed_in(user):
        return set()
    ids = set(unit_ids(user))
    if user.unit_id:
        ids.add(user.unit_id)
    return ids


def subtree_paths(user: AnyUser | None) -> list[str] | None:
    """The region paths whose whole subtrees make up the user's scope ([""] for everything, none for the
    anonymous user), or None when the scope is not only subtrees (a unit role also sees its units' tasks
    wherever they are). Maintained per-path counters answer such a scope by summing the rows under it."""
    if not signed_in(user):
        return None
    if is_admin(user):
        return [""]
    if any(g.role in UNIT_ROLES for g in user.grants):
        return None
    paths = sorted(set(region_paths(user)))
    # a path under another one is counted with it
    return [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]


def under_paths_q(paths: list[str], field: str = "region_path") -> Q:
    """Rows whose ``field`` (a materialised region path) lies under one of ``paths`` ([""]: every row)."""
    if paths == [""]:
        return EVERYTHING
    q = NOTHING
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def task_scope(user: AnyUser | None, *, roles: set[str] | None = None) -> Q:
    """Tasks the user may see: their region subtrees, plus tasks their units are assigned to."""
    if not user or not user.is_authenticated:
        return NOTHING
    if is_admin(user):
        return EVERYTHING
    q = NOTHING
    for path in region_paths(user, roles):
        q |= Q(region_path__startswith=path)  # the task's copy of its region's path (indexed with the ledger order)
    if roles is None or roles & UNIT_ROLES:
        ids = unit_ids(user)
        if ids:
            assignments = apps.get_model("tasks", "Assignment").objects.filter(unit_id__in=ids)
            q |= Q(pk__in=assignments.values("task_id"))
    return q


def task_edit_scope(user: AnyUser | None) -> Q:
    """Tasks whose plan fields the user may change: an office's subtree (or everything for admins)."""
    if not user or not user.is_authenticated:
        return NOTHING
    if is_admin(user):
        return EVERYTHING
    return task_scope(user, roles={Role.OFFICE})


def region_scope(user: AnyUser | None, field: str = "") -> Q:
    """Regions (or records with a region ``field``) inside the user's region subtrees."""
    prefix = f"{field}__" if field else ""
    key = region_scope_key(user)
    if key == ("*",):
        return EVERYTHING
    q = NOTHING
    for path in key:
        q |= Q(**{f"{prefix}path__startswith": path})
    return q


def region_scope_key(user: AnyUser | None) -> tuple[str, ...]:
    """What ``region_scope`` depends on: ("*",) for everything, else the region paths whose subtrees the
    user sees (their region roles' regions and their units' regions), sorted; () for nothing. Equal keys,
    equal scopes: an answer computed for one user's region scope may be kept for another's (``core.generations``)."""
    if not user or not user.is_authenticated:
        return ()
    if is_admin(user):
        return ("*",)
    paths = set(region_paths(user))
    paths.update(g.unit.region.path for g in user.grants if g.role in UNIT_ROLES and g.unit is not None)
    return tuple(sorted(paths))


# --- Write scope -------------------------------------------------------------------------
# What a user may *change* is narrower than what they may see: only an office (整改办) grant
# gives write access, over its region subtree; administrators write everywhere. A reviewer or
# leader grant over another region adds to the read scope above, never to these.

WRITE_ROLES: set[str] = {Role.OFFICE}


class WriteScopeRefused(Refused, PermissionDenied):
    """A write outside the user's write scope; the message is shown to the user as is (403 in the API)."""

    status = 403
    code = "outside_scope"


def writable_region_q(user: AnyUser | None, field: str = "") -> Q:
    """Regions (or records whose region ``field`` is one) the user may create and move tasks into."""
    prefix = f"{field}__" if field else ""
    if not user or not user.is_authenticated:
        return NOTHING
    if is_admin(user):
        return EVERYTHING
    q = NOTHING
    for path in region_paths(user, WRITE_ROLES):
        q |= Q(**{f"{prefix}path__startswith": path})
    return q


def writable_regions(user: AnyUser | None) -> Any:
    """The regions the user may write in (their office subtrees), ordered by path."""
    Region = apps.get_model("regions", "Region")
    return Region.objects.filter(writable_region_q(user)).select_related("parent").order_by("path")


def writable_unit_q(user: AnyUser | None, field: str = "") -> Q:
    """Units (or records whose unit ``field`` is one) the user may assign tasks to.

    A task of a region may name units of that region or of the regions above it (a county's
    task led by the city's bureau), so the units are those of the writable subtrees and of
    their ancestors; never a unit of a region the user only reads.
    """
    prefix = f"{field}__" if field else ""
    if not user or not user.is_authenticated:
        return NOTHING
    if is_admin(user):
        return EVERYTHING
    q = NOTHING
    for path in region_paths(user, WRITE_ROLES):
        q |= Q(**{f"{prefix}region__path__startswith": path})
        ancestors = _ancestor_paths(path)
        if ancestors:
            q |= Q(**{f"{prefix}region__path__in": ancestors})
    return q


def writable_units(user: AnyUser | None) -> Any:
    """The units the user may assign: those of their writable regions and of the regions above them."""
    Unit = apps.get_model("regions", "Unit")
    return Unit.objects.filter(writable_unit_q(user)).select_related("region").order_by("region__path", "name")


def check_writable_region(user: AnyUser | None, region: Any) -> None:
    """Refuse (``WriteScopeRefused``, Chinese message) a write into a region outside the user's write scope
    (``can(user, "region.write", region)``, decided from the paths, without a query)."""
    from .permissions import can  # the permission table builds on this module

    if not can(user, "region.write", region):
        name = getattr(region, "full_name", None) or str(region)
        raise WriteScopeRefused(f"您没有在“{name}”新建或修改任务的权限（该区划不在您的整改办管辖范围内）")


def check_assignable_units(user: AnyUser | None, units: Any) -> None:
    """Refuse units the user may not assign (``writable_unit_q``), naming them."""
    wanted = {u.pk: u for u in units}
    if not wanted or (user and user.is_authenticated and is_admin(user)):
        return
    allowed = set(apps.get_model("regions", "Unit").objects.filter(writable_unit_q(user), pk__in=list(wanted)).values_list("pk", flat=True))
    refused = [wanted[pk] for pk in wanted if pk not in allowed]
    if refused:
        names = "、".join(getattr(u, "name", str(u)) for u in refused)
        raise WriteScopeRefused(f"您不能把任务分派给这些单位：{names}（不在您的整改办管辖范围内）")


def _ancestor_paths(path: str) -> list[str]:
    """The paths above ``path`` ("14/1405/140502" → ["14", "14/1405"]), whatever its trailing slash."""
    parts = [p for p in path.split("/") if p]
    trailing = "/" if path.endswith("/") else ""
    lead = "/" if path.startswith("/") else ""
    return [lead + "/".join(parts[:n]) + trailing for n in range(1, len(parts))]


# --- Inspections ---------------------------------------------------------------------------

def inspection_scope(user: AnyUser | None) -> Q:
    """Inspections the user may see: those of the user's region subtrees, and those of the tasks the user sees
    (a county unit working on a city inspection's task sees that inspection)."""
    if not user or not user.is_authenticated:
        return NOTHING
    if is_admin(user):
        return EVERYTHING
    tasks = apps.get_model("tasks", "Task").objects.filter(task_scope(user), inspection__isnull=False)
    return region_scope(user, "target_region") | Q(pk__in=tasks.values("inspection_id"))


def inspection_edit_scope(user: AnyUser | None) -> Q:
    """Inspections the user may correct: those targeting a region of the user's write scope."""
    return writable_region_q(user, "target_region")


def region_write_scope(user: AnyUser | None, field: str = "") -> Q:
    """Regions (or records with a region ``field``) the user may write into (the import's region choices)."""
    return writable_region_q(user, field)


def plan_scope(user: AnyUser | None) -> Q:
    """Plans the user may see: those of their region subtrees, and those holding a task they see.

    A unit sees only the plans of the tasks it is assigned to, never every plan of its region.
    """
    if not user or not user.is_authenticated:
        return NOTHING
    if is_admin(user):
        return EVERYTHING
    q = NOTHING
    for path in region_paths(user):
        q |= Q(region__path__startswith=path)
    tasks = apps.get_model("tasks", "Task").objects.filter(task_scope(user))
    return q | Q(pk__in=tasks.values("plan_id"))


# --- Scope declared on the models ------------------------------------------------------------

def _target(model: Any, path: str) -> tuple[Any, bool]:
    """The model at the end of the relation ``path`` and whether the path crosses a to-many relation."""
    many = False
    for name in path.split("__"):
        field = model._meta.get_field(name)
        many = many or bool(field.many_to_many or field.one_to_many)
        model = field.related_model
    return model, many


def scope_paths(model: Any, attribute: str = "scope_path") -> tuple[str, ...]:
    paths = getattr(model, attribute, None)
    if paths is None and attribute != "scope_path":
        paths = getattr(model, "scope_path", None)
    if paths is None:
        raise TypeError(f"{model._meta.label} declares no scope_path")
    return (paths,) if isinstance(paths, str) else tuple(paths)


def _through(model: Any, q: Q, many: bool) -> Q:
    """A condition across a to-many relation as a subquery, so the rows are not repeated."""
    return Q(pk__in=model._base_manager.filter(q).values("pk")) if many else q


def visible_q(model: Any, user: AnyUser | None, roles: set[str] | None = None) -> Q:
    """What ``user`` may see of ``model``: any of its ``scope_path`` relations leads into the user's scope.

    A path ending at a region is read through the user's region roles (``roles`` or the model's
    ``scope_roles`` narrow them), one ending at a unit through their unit roles (``roles`` only), one ending at another scoped model (a task, a round, a
    notice …) through that model's own ``visible_to``.
    """
    if not user or not user.is_authenticated:
        return NOTHING
    if is_admin(user):
        return EVERYTHING
    asked = roles
    roles = roles if roles is not None else getattr(model, "scope_roles", None)
    Region = apps.get_model("regions", "Region")
    Unit = apps.get_model("regions", "Unit")
    q = NOTHING
    for path in scope_paths(model):
        target, many = _target(model, path)
        if target is Region:
            part = NOTHING
            for prefix in region_paths(user, roles):
                part |= Q(**{f"{path}__path__startswith": prefix})
        elif target is Unit:
            ids = unit_ids(user) if asked is None or asked & UNIT_ROLES else []
            part = Q(**{f"{path}__in": ids}) if ids else NOTHING
        else:
            part = Q(**{f"{path}__in": target._default_manager.visible_to(user, roles=roles).values("pk")})
        q |= _through(model, part, many)
    return q


def editable_q(model: Any, user: AnyUser | None) -> Q:
    """What ``user`` may change of ``model``: its ``scope_edit_path`` (else ``scope_path``) relations lead
    into the user's write scope (an office's subtrees; administrators everywhere)."""
    if not user or not user.is_authenticated:
        return NOTHING
    if is_admin(user):
        return EVERYTHING
    Region = apps.get_model("regions", "Region")
    Unit = apps.get_model("regions", "Unit")
    q = NOTHING
    for path in scope_paths(model, "scope_edit_path"):
        target, many = _target(model, path)
        if target is Region:
            part = writable_region_q(user, path)
        elif target is Unit:
            part = writable_region_q(user, f"{path}__region")
        else:
            part = Q(**{f"{path}__in": target._default_manager.editable_by(user).values("pk")})
        q |= _through(model, part, many)
    return q


_M = TypeVar("_M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[_M, _M]):
    """The manager of every scoped model: ``Model.objects.visible_to(user)`` / ``.editable_by(user)``.

    A model whose scope is its own (a task, an inspection, a region) overrides ``visible_q`` /
    ``editable_q``; the others declare ``scope_path`` and inherit both.
    """

    def visible_q(self, user: AnyUser, roles: set[str] | None = None) -> Q:
        return visible_q(self.model, user, roles)

    def editable_q(self, user: AnyUser) -> Q:
        return editable_q(self.model, user)

    def visible_to(self, user: AnyUser, roles: set[str] | None = None) -> Self:
        """The rows ``user`` may see (through ``roles`` only, when given)."""
        return self.filter(self.visible_q(user, roles))

    def editable_by(self, user: AnyUser) -> Self:
        """The rows ``user`` may change."""
        return self.filter(self.editable_q(user))

    def has_visible(self, user: AnyUser, obj: Any, roles: set[str] | None = None) -> bool:
        """Whether ``obj`` is among the rows ``user`` may see (one query, none for an administrator)."""
        if user and user.is_authenticated and is_admin(user):
            return True
        return bool(self.visible_to(user, roles).filter(pk=obj.pk).exists())
