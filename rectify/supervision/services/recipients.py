"""Who is told, and where: the people behind units and offices, a notice's page, the issuing office."""
from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from rectify.accounts.roles import UNIT_ROLES, Role
from rectify.core.types import AuthedUser
from rectify.regions.models import Region, Unit
from rectify.tasks.models import Assignment, Task

from ..models import SupervisionNotice

# ---------------------------------------------------------------- who is told (notifications/handoffs.py tells them)

def unit_users(units: Iterable[Unit]) -> list[AuthedUser]:
    from rectify.accounts.models import User

    ids = [u.pk for u in units]
    return list(User.objects.filter(is_active=True, role_grants__unit_id__in=ids, role_grants__role__in=list(UNIT_ROLES)).distinct())


def office_users(regions: Iterable[Region | None]) -> list[AuthedUser]:
    from rectify.accounts.models import User

    ids = [r.pk for r in regions if r is not None]
    return list(User.objects.filter(is_active=True, role_grants__role=Role.OFFICE, role_grants__region_id__in=ids).distinct())


def notice_url(notice: SupervisionNotice) -> str:
    return reverse("supervision:detail", args=[notice.uuid])


# ---------------------------------------------------------------- issue

def issuing_region(user: AuthedUser, task: Task) -> Region:
    """The deepest office region of the user that holds the task; the task's own region for admins and the system."""
    regions: list[Region] = [g.region for g in user.grants if g.role == Role.OFFICE and g.region is not None
               and task.region.path.startswith(g.region.path)]
    if regions:
        return max(regions, key=lambda r: len(r.path))
    return task.region




def default_units(task: Task) -> list[Unit]:
    return [a.unit for a in task.assignments.select_related("unit") if a.role in (Assignment.Role.LEAD, Assignment.Role.RESPONSIBLE)]

