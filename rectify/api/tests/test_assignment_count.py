"""The API's list of task assignments counts an unfiltered request from the maintained counts
(``tasks_assignmentcount``, ``tasks.counts.assignments_in_scope``): the count equals the assignments the caller
sees for every role, after tasks are created, deleted, moved to another region one by one and in bulk, and
assignments move between tasks; a filtered request, or a unit's (its scope is not whole subtrees), counts rows.
Run on both engines (``DATABASE_URL`` set to PostgreSQL for the second)."""
from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import PASSWORD
from rectify.accounts.models import RoleGrant, User
from rectify.accounts.roles import Role
from rectify.core import counters
from rectify.tasks.models import Assignment, AssignmentCount, Task

ASSIGNMENTS = "/api/v1/assignments"


def _counts_assignments(sql: str) -> bool:
    return "COUNT(" in sql.upper() and '"tasks_assignment"' in sql


def _visible(user: Any) -> int:
    return Assignment.objects.filter(task__in=Task.objects.visible_to(user)).count()


@pytest.fixture
def county_office(world: Any) -> User:
    user = User.objects.create_user(username="county_office", password=PASSWORD, unit=world.unit_county_gov)
    RoleGrant.objects.create(user=user, role=Role.OFFICE, region=world.county)
    return user


def check(api_as: Any, world: Any, county_office: User) -> None:
    assert counters.check_all() == {name: [] for name in counters.COUNTERS}
    units = (world.county_unit, world.lead_unit, world.other_unit)
    for user in (world.admin, world.province_office, world.city_office, county_office, world.leader, *units, world.nobody):
        client = api_as(user)
        with CaptureQueriesContext(connection) as queries:
            body = client.get(ASSIGNMENTS, {"page_size": 2}).json()
        assert body["count"] == _visible(user), user
        counted = [q["sql"] for q in queries.captured_queries if _counts_assignments(q["sql"])]
        assert bool(counted) == (user in units), (user, counted)  # a unit's scope is counted from its rows
        pages = [client.get(ASSIGNMENTS, {"page_size": 2, "page": page}).json()["items"] for page in range(1, body["count"] // 2 + 2)]
        assert sum(len(items) for items in pages) == body["count"]
        assert len({item["uuid"] for items in pages for item in items}) == body["count"]
        # Any filter counts the rows it matches.
        assert client.get(ASSIGNMENTS, {"role": "lead"}).json()["count"] == Assignment.objects.filter(
            task__in=Task.objects.visible_to(user), role="lead").count()


@pytest.mark.django_db
def test_the_unfiltered_count_equals_the_visible_assignments_through_every_write(api_as: Any, world: Any, make_task: Any,
                                                                                county_office: User) -> None:
    county = make_task(region=world.county)
    county2 = make_task(region=world.county2, units={"lead": [world.unit_city_env], "responsible": [world.unit_county2_gov]})
    other = make_task(plan=world.other_plan, region=world.other_city, units={"responsible": [world.unit_other_env]})
    make_task(region=world.city, units={"lead": [world.unit_city_env]})
    check(api_as, world, county_office)

    # created and deleted
    extra = make_task(region=world.county, units={"lead": [world.unit_city_env], "cooperating": [world.unit_county_gov],
                                                  "responsible": [world.unit_county_env]})
    check(api_as, world, county_office)
    extra.delete()
    Assignment.objects.filter(task=county2, role="lead").delete()
    check(api_as, world, county_office)

    # one task moved to another region (its assignments follow), then in bulk
    Task.objects.filter(pk=county.pk).update(region=world.county2, region_path=world.county2.path)
    check(api_as, world, county_office)
    Task.objects.filter(pk__in=[county.pk, county2.pk]).update(region=world.other_city, region_path=world.other_city.path)
    check(api_as, world, county_office)
    Task.objects.filter(region_path=world.other_city.path).update(region=world.county, region_path=world.county.path)
    check(api_as, world, county_office)

    # an assignment moved to another task (QuerySet.update of task_id)
    Assignment.objects.filter(task=other).update(task=county)
    check(api_as, world, county_office)
    assert AssignmentCount.objects.filter(region_path=world.other_city.path).exclude(n=0).count() == 0
