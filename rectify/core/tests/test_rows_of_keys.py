"""``core.paginator.rows_of_keys``: a page's rows loaded by their keys without repeating the list's filters give the
rows, the related rows, the deferred fields, the prefetches and the order that the list itself gives."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, Prefetch
from django.test.utils import CaptureQueriesContext

from rectify.core.paginator import rows_of_keys
from rectify.tasks.models import Assignment, Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks(world: Any, make_task: Any) -> list[Task]:
    made = []
    for i in range(9):
        units = {Assignment.Role.RESPONSIBLE: [world.unit_county_env, world.unit_county_gov] if i % 2 else [world.unit_county_env]}
        made.append(make_task(seq=str(i), region=world.county if i % 3 else world.county2, units=units,
                              deadline=datetime.date(2026, 7 + i % 4, 1), title=f"污水处理第{i}项"))
    return made


def lists(world: Any) -> list[Any]:
    """Query sets as the lists build them: scoped, filtered across a multi-valued relation (a unit's tasks: one
    join, no task twice), searched, ordered by a related column, with deferred fields and a prefetch."""
    base = Task.objects.select_related("region__parent")
    return [
        base.filter(assignments__unit=world.unit_county_env).order_by("-deadline", "id"),
        base.filter(assignments__unit=world.unit_county_gov, assignments__role=Assignment.Role.RESPONSIBLE).order_by("region__name", "id"),
        base.visible_to(world.county_unit).filter(title__icontains="污水").order_by("plan_id", "id"),
        base.visible_to(world.city_office).defer("problem", "search_text").order_by("seq_key", "id"),
        Task.objects.filter(region=world.county).prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related("unit"))),
        Task.objects.annotate(n=Count("assignments")).filter(n__gt=1).order_by("id"),  # annotated: filters kept
        Task.objects.filter(assignments__unit=world.unit_county_env).distinct().order_by("id"),  # DISTINCT: kept
    ]


def shown(task: Task) -> tuple[Any, ...]:
    loaded = set(task.__dict__) - {"_state", "_prefetched_objects_cache"}
    prefetched = getattr(task, "_prefetched_objects_cache", {})
    region = task.region if Task.region.is_cached(task) else None  # type: ignore[attr-defined]
    return (task.pk, tuple(sorted(loaded)), region and region.name, region and region.parent and region.parent.name,
            tuple(sorted(a.unit.name for a in prefetched["assignments"])) if "assignments" in prefetched else None,
            getattr(task, "n", None))


def test_rows_of_keys_are_the_list_s_rows(world: Any, tasks: list[Task]) -> None:
    for queryset in lists(world):
        plain = list(queryset)
        assert plain, queryset.query
        for bottom in (0, 2, 5):
            keys = queryset.values("pk")[bottom:bottom + 3]
            expected = [shown(t) for t in plain[bottom:bottom + 3]]
            with CaptureQueriesContext(connection):
                got = [shown(t) for t in rows_of_keys(queryset, keys)]
            assert got == expected, queryset.query


def test_the_filters_are_not_repeated(world: Any, tasks: list[Task]) -> None:
    searched = Task.objects.filter(title__icontains="污水第").filter(region=world.county).order_by("id")
    with CaptureQueriesContext(connection) as queries:
        list(rows_of_keys(searched, searched.values("pk")[:3]))
    (sql,) = [q["sql"] for q in queries.captured_queries]
    assert sql.count("LIKE") == 1 and sql.count('"region_id" =') == 1, sql  # in the keys' subquery only
