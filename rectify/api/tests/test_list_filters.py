"""API lists filter with their pages' FilterSets: the same query answers the same rows on the page and
through the API (notices, round reports, inspections), and the API's own names keep working."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from rectify.inspections.models import Inspection
from rectify.supervision.models import SupervisionNotice
from rectify.tasks.models import Assignment

from .test_dispatch import round_body, submit


def page_uuids(user: Any, url: str, query: dict[str, str]) -> set[str]:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    response = client.get(url, query)
    assert response.status_code == 200
    return {str(row.uuid) for row in response.context["page_obj"].object_list}


def api_uuids(api: Any, url: str, query: dict[str, str]) -> set[str]:
    response = api.get(url, query)
    assert response.status_code == 200, response.content.decode()
    return {item["uuid"] for item in response.json()["items"]}


@pytest.fixture
def notices(world: Any, make_task: Any, api_as: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two notices on two tasks; the first one's arrangement is overdue."""
    office = api_as(world.city_office)
    made = []
    for _ in range(2):
        task = make_task()
        response = office.post(f"/api/v1/supervision/tasks/{task.uuid}/notices", {"units": [str(world.unit_county_env.uuid)], "reason": "请加快整改"})
        assert response.status_code == 201, response.content.decode()
        made.append(response.json())
    SupervisionNotice.objects.filter(uuid=made[0]["uuid"]).update(arranged_by=timezone.localdate() - datetime.timedelta(days=3))
    return made[0], made[1]


def test_notice_filters_are_the_pages(world: Any, api_as: Any, notices: Any) -> None:
    late, on_time = notices
    api, page = api_as(world.city_office), reverse("supervision:list")
    url = "/api/v1/supervision/notices"
    assert api_uuids(api, url, {"late": "true"}) == page_uuids(world.city_office, page, {"late": "any"}) == {late["uuid"]}
    assert api_uuids(api, url, {"late": "false"}) == api_uuids(api, url, {}) == {late["uuid"], on_time["uuid"]}
    assert api_uuids(api, url, {"task": on_time["task"]}) == page_uuids(world.city_office, page, {"task": on_time["task"]}) == {on_time["uuid"]}
    assert api_uuids(api, url, {"status": "issued"}) == page_uuids(world.city_office, page, {"status": "issued"}) == {late["uuid"], on_time["uuid"]}
    assert api_uuids(api, url, {"status": "closed"}) == page_uuids(world.city_office, page, {"status": "closed"}) == set()
    assert api_uuids(api_as(world.county_unit), url, {"mine": "true", "late": "true"}) == {late["uuid"]}
    refused = api.get(url, {"late": "any"})  # the page's value is not the API's: a bool
    assert refused.status_code == 422 and refused.json()["errors"][0]["label"] == "只看逾期"


def test_round_report_filters_are_the_pages(world: Any, make_task: Any, api_as: Any) -> None:
    task = make_task()
    round_ = api_as(world.city_office).post("/api/v1/dispatch/rounds", round_body()).json()
    submit(api_as(world.county_unit), round_["uuid"], task.assignments.get(role=Assignment.Role.RESPONSIBLE), 0)
    submit(api_as(world.lead_unit), round_["uuid"], task.assignments.get(role=Assignment.Role.LEAD), 0, schedule="behind_schedule")
    api, page = api_as(world.leader), reverse("dispatch:round_reports", args=[round_["uuid"]])
    url = f"/api/v1/dispatch/rounds/{round_['uuid']}/reports"
    everything = api_uuids(api, url, {})
    assert len(everything) == 2
    for query in ({"schedule": "on_schedule"}, {"schedule": "behind_schedule"}, {"status": "submitted"}, {"status": "accepted"},
                  {"schedule": "behind_schedule", "status": "submitted"}):
        assert api_uuids(api, url, query) == page_uuids(world.leader, page, query), query
    assert len(api_uuids(api, url, {"schedule": "behind_schedule"})) == 1


def test_inspection_filters_are_the_pages_and_the_api_adds_the_keyword(world: Any, api_as: Any) -> None:
    Inspection.objects.create(team="省第一督察组", level=Inspection.Level.PROVINCIAL, target_region=world.city)
    Inspection.objects.create(team="市第二督察组", level=Inspection.Level.MUNICIPAL, batch="第三批", target_region=world.county)
    api, page, url = api_as(world.city_office), reverse("inspections:list"), "/api/v1/inspections"
    for query in ({"level": "provincial"}, {"level": "municipal"}, {"q": "第二"}, {"q": "第三批"}, {"q": "督察组"},
                  {"q": "第二", "level": "provincial"}):
        assert api_uuids(api, url, query) == page_uuids(world.city_office, page, query), query
    assert len(api_uuids(api, url, {"q": "第三批"})) == 1 and len(api_uuids(api, url, {"q": "督察组"})) == 3
    assert len(api_uuids(api, url, {"q": "督察组", "region": world.county.code})) == 1
