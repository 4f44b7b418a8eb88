"""Type-ahead look-ups for filters: the units and regions the caller may see, by name, at most 20.

Filters that name a unit or a region never render a menu of every one (a national list has tens of
thousands); the page has a text field, and ``static/rectify/js/typeahead.js`` asks here as one types.
"""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from rectify.core.params import BadParam, SearchTooLong, int_param, search_q
from rectify.core.types import AnyUser, AuthedRequest

from .models import Region, Unit

LIMIT = 20


def visible_units(user: AnyUser) -> QuerySet[Unit]:
    """The units the caller may see (``Unit.objects.visible_to``), without unit groups."""
    return Unit.objects.visible_to(user).exclude(kind=Unit.Kind.GROUP)


def visible_regions(user: AnyUser) -> QuerySet[Region]:
    """The regions the caller may see (``Region.objects.visible_to``) down to counties."""
    return Region.objects.visible_to(user).exclude(level=Region.Level.TOWN)


def name_q(text: str, field: str = "name") -> Q:
    """Every word of ``text`` in ``field``; raises ``BadParam`` for an over-long search."""
    try:
        return search_q(text, field)
    except SearchTooLong as exc:
        raise BadParam(str(exc)) from None


def _limit(request: AuthedRequest) -> int:
    return int_param(request.GET, "limit", minimum=1, maximum=LIMIT, label="条数") or LIMIT


@login_required
@require_GET
def units(request: AuthedRequest) -> JsonResponse:
    limit = _limit(request)
    qs = visible_units(request.user).filter(name_q(request.GET.get("q", ""))).select_related("region")
    rows = qs.order_by("region__path", "name")[:limit]
    return JsonResponse({"results": [{"id": u.pk, "label": u.name, "region": u.region.full_name} for u in rows]})


@login_required
@require_GET
def regions(request: AuthedRequest) -> JsonResponse:
    limit = _limit(request)
    qs = visible_regions(request.user).filter(name_q(request.GET.get("q", ""))).select_related("parent")
    rows = qs.order_by("path")[:limit]
    return JsonResponse({"results": [
        {"id": r.pk, "label": r.full_name, "region": r.parent.full_name if r.parent else ""} for r in rows
    ]})
