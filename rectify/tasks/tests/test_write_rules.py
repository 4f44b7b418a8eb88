"""The ledger's write rules: write scope (not read scope) for every choice and every write, no
parent cycles, no history row for a change that changes nothing, updated_at on every save."""
from __future__ import annotations

import datetime
import json
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD
from rectify.accounts.models import RoleGrant, User
from rectify.accounts.roles import Role
from rectify.accounts.scope import WriteScopeRefused
from rectify.core.context import acting_as
from rectify.core.models import ChangeRecord
from rectify.tasks.models import Assignment, Task
from rectify.tasks.services import ParentCycle, create_task, roll_up, task_data_from, transition_task, update_task
from rectify.tasks.states import TaskState

# ---- write scope ---------------------------------------------------------------------------------


@pytest.fixture
def mixed(world: SimpleNamespace) -> User:
    """整改办 of 晋城市 (A, writes), 领导 of 太原市 (B, reads only)."""
    user = User.objects.create_user(username="mixed", password=PASSWORD)
    RoleGrant.objects.create(user=user, role=Role.OFFICE, region=world.city)
    RoleGrant.objects.create(user=user, role=Role.LEADER, region=world.other_city)
    return user


def client_for(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def option_values(html: str, name: str) -> set[str]:
    from bs4 import BeautifulSoup

    select = BeautifulSoup(html, "html.parser").find("select", attrs={"name": name})
    assert select is not None, f"no select {name}"
    return {o.get("value") for o in select.find_all("option") if o.get("value")}


def form_post(world: SimpleNamespace, **kw: Any) -> dict[str, Any]:
    data = {
        "plan": world.plan.pk, "region": world.county.pk, "seq": "20", "problem": "工地扬尘", "target": "达标",
        "measures": "排查", "lead_units": "市生态环境局", "responsible_units": "区生态环境分局", "deadline": "2027-06-30",
    }
    data.update(kw)
    return data


def test_form_offers_only_the_write_scope(world: SimpleNamespace, mixed: User, make_task: Any) -> None:
    client = client_for(mixed)
    readable = client.get(reverse("regions:lookup_regions"), {"q": world.other_city.name}).json()["results"]
    assert [r["label"] for r in readable] == [world.other_city.name]  # the leader grant does let the user read 太原市
    for url in (reverse("tasks:create"), reverse("tasks:edit", args=[make_task().uuid])):
        html = client.get(url).content.decode()
        regions = option_values(html, "region")
        assert str(world.county.pk) in regions and str(world.city.pk) in regions
        assert str(world.other_city.pk) not in regions and str(world.province.pk) not in regions
        assert str(world.other_plan.pk) not in option_values(html, "plan")


def test_forged_form_posts_for_the_read_only_region_are_refused(world: SimpleNamespace, mixed: User, make_task: Any) -> None:
    client = client_for(mixed)
    count = Task.objects.count()
    response = client.post(reverse("tasks:create"), form_post(world, plan=world.other_plan.pk, region=world.other_city.pk))
    assert response.status_code == 200 and Task.objects.count() == count
    task = make_task()
    data = {**form_post(world, region=world.other_city.pk, responsible_units="太原市生态环境局"), "version": task.version}
    response = client.post(reverse("tasks:edit", args=[task.uuid]), data)
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.region == world.county and task.version == 1


def test_the_service_refuses_writes_outside_the_write_scope(world: SimpleNamespace, mixed: User, make_task: Any) -> None:
    task = make_task()
    other_units = {Assignment.Role.RESPONSIBLE: [world.unit_other_env]}
    with acting_as(mixed):
        with pytest.raises(WriteScopeRefused, match="太原市"):
            create_task(task_data_from(task, plan=world.other_plan, region=world.other_city, units=other_units, seq="x"))
        with pytest.raises(WriteScopeRefused, match="太原市"):  # moving the task into the read-only region
            update_task(task, task_data_from(task, region=world.other_city), expected_version=task.version)
        with pytest.raises(WriteScopeRefused, match="太原市生态环境局"):  # assigning a unit of the read-only region
            units = {**task_data_from(task).units, Assignment.Role.COOPERATING: [world.unit_other_env]}
            update_task(task, task_data_from(task, units=units), expected_version=task.version)
        # Inside the write scope all is well, and the refused attempts left nothing behind.
        assert update_task(task, task_data_from(task, region=world.county2, units={Assignment.Role.RESPONSIBLE: [world.unit_county2_gov]}),
                           expected_version=task.version)
    task.refresh_from_db()
    assert task.region == world.county2 and task.version == 2
    assert not Task.objects.filter(region=world.other_city).exists()


def test_a_forged_web_edit_is_refused_by_the_service(world: SimpleNamespace, mixed: User, make_task: Any, monkeypatch: Any) -> None:
    """Even when a form offered a read-only region (a future form's bug), the service refuses it with 403."""
    from rectify.regions.models import Region
    from rectify.tasks import views

    monkeypatch.setattr(views, "writable_regions", lambda user: Region.objects.all())
    task = make_task()
    data = {**form_post(world, region=world.other_city.pk, lead_units="", responsible_units="太原市生态环境局"), "version": task.version}
    response = client_for(mixed).post(reverse("tasks:edit", args=[task.uuid]), data)
    assert response.status_code == 403
    assert "太原市" in response.content.decode() and "管辖范围" in response.content.decode()
    task.refresh_from_db()
    assert task.region == world.county and task.version == 1


def test_the_api_refuses_the_read_only_region(world: SimpleNamespace, mixed: User, make_task: Any) -> None:
    client = client_for(mixed)
    body = {"plan": str(world.other_plan.uuid), "region": world.other_city.code, "seq": "1", "problem": "问题", "deadline": "2027-06-30",
            "responsible_units": ["太原市生态环境局"]}
    response = client.post("/api/v1/tasks", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    task = make_task()
    response = client.patch(f"/api/v1/tasks/{task.uuid}", json.dumps({"region": world.other_city.code, "version": 1}),
                            content_type="application/json")
    assert response.status_code == 422
    task.refresh_from_db()
    assert task.region == world.county


# ---- parent cycles -----------------------------------------------------------------------------------


@pytest.fixture
def chain(world: SimpleNamespace, make_task: Any) -> list[Task]:
    """t0 ← t1 ← t2 (t1's parent is t0, t2's parent is t1)."""
    t0 = make_task(seq="1")
    t1 = make_task(seq="1-1", parent=t0)
    t2 = make_task(seq="1-1-1", parent=t1)
    return [Task.objects.get(pk=t.pk) for t in (t0, t1, t2)]


@pytest.mark.parametrize("new_parent", [0, 1, 2])
def test_the_service_refuses_a_parent_cycle(chain: list[Task], new_parent: int) -> None:
    t0 = chain[0]
    history = ChangeRecord.objects.count()
    with pytest.raises(ParentCycle, match="上级任务"):
        update_task(t0, task_data_from(t0, parent=chain[new_parent]), expected_version=t0.version)
    t0.refresh_from_db()
    assert t0.parent_id is None and ChangeRecord.objects.count() == history


def test_the_api_refuses_a_parent_cycle(world: SimpleNamespace, chain: list[Task]) -> None:
    client = client_for(world.city_office)
    t0, _, t2 = chain
    response = client.patch(f"/api/v1/tasks/{t0.uuid}", json.dumps({"parent": str(t2.uuid), "version": t0.version}),
                            content_type="application/json")
    assert response.status_code == 400, response.content
    assert "循环" in response.json()["detail"]
    t0.refresh_from_db()
    assert t0.parent_id is None
    # Two tasks being each other's parent (the reported case) through PUT-like patches, one after the other.
    a = create_task(task_data_from(t0, seq="a", parent=None))
    b = create_task(task_data_from(t0, seq="b", parent=a))
    response = client.patch(f"/api/v1/tasks/{a.uuid}", json.dumps({"parent": str(b.uuid), "version": a.version}),
                            content_type="application/json")
    assert response.status_code == 400


def test_a_legal_re_parenting_is_accepted_and_rolls_up(world: SimpleNamespace, chain: list[Task], make_task: Any) -> None:
    other = make_task(seq="2")
    t2 = chain[2]
    assert update_task(t2, task_data_from(t2, parent=other), expected_version=t2.version)
    t2.refresh_from_db()
    assert t2.parent == other


def test_roll_up_ends_even_on_a_cycle_already_in_the_data(chain: list[Task]) -> None:
    t0, t1, t2 = chain
    Task.objects.filter(pk=t0.pk).update(parent=t2)  # a cycle written around the service
    transition_task(t2, TaskState.IN_PROGRESS, expected_version=Task.objects.get(pk=t2.pk).version)
    roll_up(t0.pk)  # returns instead of recursing without end
    assert Task.objects.get(pk=t1.pk).state == TaskState.IN_PROGRESS


# ---- a change that changes nothing -------------------------------------------------------------------


def test_an_unchanged_edit_writes_no_history_and_keeps_the_version(make_task: Any) -> None:
    task = make_task(long_term=True)
    stamp = Task.objects.get(pk=task.pk).updated_at
    history = ChangeRecord.objects.count()
    assert update_task(task, task_data_from(task), expected_version=task.version, reason="没改") is False
    task.refresh_from_db()
    assert task.version == 1 and task.updated_at == stamp and ChangeRecord.objects.count() == history


# ---- updated_at ---------------------------------------------------------------------------------------

T0 = datetime.datetime(2026, 5, 1, 8, 0, tzinfo=datetime.UTC)


def at(minutes: int) -> Any:
    return time_machine.travel(T0 + datetime.timedelta(minutes=minutes), tick=False)


def test_updated_at_moves_on_every_save_path(world: SimpleNamespace, make_task: Any) -> None:
    with at(0):
        parent = make_task(seq="1")
        child = make_task(seq="1-1", parent=parent)
    with at(10):  # an edit (save_versioned)
        update_task(child, task_data_from(child, title="新名称"), expected_version=1)
    assert Task.objects.get(pk=child.pk).updated_at == T0 + datetime.timedelta(minutes=10)
    with at(20):  # a state change, and the parent's roll-up
        transition_task(child, TaskState.IN_PROGRESS, expected_version=2)
    assert Task.objects.get(pk=child.pk).updated_at == T0 + datetime.timedelta(minutes=20)
    assert Task.objects.get(pk=parent.pk).updated_at == T0 + datetime.timedelta(minutes=20)
    with at(30):  # a partial save of any public record
        unit = world.unit_county_env
        unit.is_active = False
        unit.save(update_fields=["is_active"])
    unit.refresh_from_db()
    assert unit.updated_at == T0 + datetime.timedelta(minutes=30)


def test_the_ledger_sorts_by_the_latest_change(world: SimpleNamespace, make_task: Any) -> None:
    with at(0):
        first, second = make_task(seq="1"), make_task(seq="2")
    with at(5):
        update_task(first, task_data_from(first, title="刚改过"), expected_version=1)
    html = client_for(world.city_office).get(reverse("tasks:ledger"), {"ordering": "-updated_at"}).content.decode()
    assert html.index("刚改过") < html.index(second.problem[:8])


# ---- the API's updated_since -------------------------------------------------------------------------


def test_updated_since_lists_what_changed(world: SimpleNamespace, make_task: Any) -> None:
    with at(0):
        old, new = make_task(seq="1"), make_task(seq="2")
    with at(10):
        update_task(new, task_data_from(new, title="改过"), expected_version=1)
    client = client_for(world.city_office)

    def listed(since: str) -> set[str]:
        response = client.get("/api/v1/tasks", {"updated_since": since})
        assert response.status_code == 200, response.content
        return {t["uuid"] for t in response.json()["items"]}

    assert listed("2026-05-01T08:05:00Z") == {str(new.uuid)}
    assert listed("2026-05-01T16:05:00+08:00") == {str(new.uuid)}
    assert listed("2026-05-01 16:05") == {str(new.uuid)}  # no zone: Beijing time
    assert listed("2026-05-01T07:59:00Z") == {str(old.uuid), str(new.uuid)}
    assert listed("2026-05-01T08:10:00Z") == {str(new.uuid)}  # inclusive, so a sync never misses a row


LIST_ENDPOINTS = ["/api/v1/tasks", "/api/v1/units", "/api/v1/plans", "/api/v1/inspections", "/api/v1/assignments",
                  "/api/v1/dispatch/rounds", "/api/v1/supervision/notices", "/api/v1/acceptance/look-backs", "/api/v1/acceptance/filings"]
# Lists of records without updated_at, with the reason.
WITHOUT_UPDATED_AT = {
    "/api/v1/regions": "reference data",
    "/api/v1/notifications": "a person's own inbox: created_at and read_at, fetched whole with unread=true",
}


def test_every_list_endpoint_of_records_with_updated_at_has_updated_since(world: SimpleNamespace) -> None:
    schema = client_for(world.city_office).get("/api/openapi.json").json()
    lists = [path for path, item in schema["paths"].items()
             if "get" in item and "{" not in path and any(p["name"] == "page" for p in item["get"].get("parameters", []))]
    with_param = sorted(p for p in lists if any(q["name"] == "updated_since" for q in schema["paths"][p]["get"]["parameters"]))
    assert with_param == sorted(LIST_ENDPOINTS)
    assert sorted(set(lists) - set(with_param)) == sorted(WITHOUT_UPDATED_AT)


@pytest.mark.parametrize("path", LIST_ENDPOINTS)
@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01T00:00:00", "1714550400", "2026/05/01"])
def test_a_malformed_updated_since_is_refused_in_chinese(world: SimpleNamespace, path: str, bad: str) -> None:
    response = client_for(world.city_office).get(path, {"updated_since": bad})
    assert response.status_code == 422
    assert "时间格式不正确" in response.json()["detail"]


# Look-backs and filings need a whole closed loop; their lists use the same filter_updated_since.
FILTERED_WITH_RECORDS = [p for p in LIST_ENDPOINTS if "/acceptance/" not in p]


@pytest.mark.parametrize("path", FILTERED_WITH_RECORDS)
def test_updated_since_filters_every_list(world: SimpleNamespace, make_task: Any, path: str) -> None:
    from rectify.dispatch.services import open_round
    from rectify.supervision.services import issue_notice

    task = make_task()
    today = datetime.date.today()
    open_round(world.city_office, region=world.city, title="本月调度", period_start=today.replace(day=1),
               period_end=today + datetime.timedelta(days=20), due_date=today + datetime.timedelta(days=10))
    issue_notice(task, world.city_office, units=[world.unit_county_env], reason="进度滞后")
    client = client_for(world.city_office)
    assert client.get(path).json()["count"] > 0
    assert client.get(path, {"updated_since": "2999-01-01T00:00:00Z"}).json()["count"] == 0
