"""Each notice's copy of its task's region path (``SupervisionNotice.region_path``, ``NOTICE_REGION_PATH``): the
scope read from it answers what the scope through the task answered — the same rows, order, pages, counts and
refusals for every role — and the copy is right however a notice is written or its task moved."""
from __future__ import annotations

import datetime
import re
import threading
import time
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.test import Client
from django.urls import reverse

from rectify.accounts.roles import Role
from rectify.accounts.scope import visible_q
from rectify.core import copies
from rectify.regions.lookup import LIMIT as LOOKUP_LIMIT
from rectify.regions.lookup import name_q
from rectify.regions.models import Region, Unit
from rectify.regions.services import move_region
from rectify.supervision import services, views
from rectify.supervision.filters import NoticeFilter
from rectify.supervision.models import NoticeQuerySet, SupervisionNotice
from rectify.tasks.models import Task
from rectify.tasks.services import task_data_from, update_task

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 1, 5)
ORDER = ("-issued_at", "-id")


def by_task(model: Any, user: Any, roles: set[str] | None = None) -> Any:
    """The scope as it was: the declared paths, the task's region read through the task."""
    return model.objects.filter(visible_q(model, user, roles))


@pytest.fixture
def notices(world: Any, make_task: Any) -> list[SupervisionNotice]:
    """Notices over the city's counties, the city itself and another city, some issued in the same instant."""
    county_units = {"lead": [world.unit_city_env], "responsible": [world.unit_county_env]}
    places = [
        (world.county, county_units, world.city_office),
        (world.county2, {"lead": [world.unit_county2_gov]}, world.city_office),
        (world.city, {"lead": [world.unit_city_env]}, world.city_office),
        (world.other_city, {"lead": [world.unit_other_env]}, world.province_office),
    ]
    made = []
    for n in range(14):
        region, units, issuer = places[n % len(places)]
        task = make_task(region=region, units=units, deadline=datetime.date(2020, 1, 1))
        made.append(services.issue_notice(task, issuer, units=[u for group in units.values() for u in group],
                                          reason=f"整改滞后{n}", today=TODAY))
    same = made[0].issued_at
    SupervisionNotice.objects.filter(pk__in=[n.pk for n in made[3:7]]).update(issued_at=same)  # ties ordered by id
    SupervisionNotice.objects.filter(pk__in=[n.pk for n in made[::3]]).update(status=SupervisionNotice.Status.ARRANGED)
    return made


def users(world: Any) -> list[Any]:
    return [world.admin, world.province_office, world.city_office, world.leader, world.reviewer,
            world.lead_unit, world.county_unit, world.other_unit, world.nobody]


def page_of(client: Client, url: str) -> tuple[int, list[str], list[str]]:
    """The status, the notices' links in the page's order and the page's count line."""
    response = client.get(url)
    if response.status_code != 200:
        return response.status_code, [], []
    html = response.content.decode()
    return 200, re.findall(r'href="/supervision/([0-9a-f-]{36})/"', html), re.findall(r"第 \d+ / \d+ 页，共 \d+ 条", html)


def test_the_copy_scope_is_the_task_scope_for_every_role(world: Any, notices: list[SupervisionNotice]) -> None:
    for user in users(world):
        for roles in (None, {Role.OFFICE}, {Role.LEADER}, {Role.REVIEWER}, {Role.LEAD_UNIT}, {Role.RESPONSIBLE_UNIT}, set()):
            mine = list(SupervisionNotice.objects.visible_to(user, roles=roles).order_by(*ORDER).values_list("pk", flat=True))
            old = list(by_task(SupervisionNotice, user, roles).order_by(*ORDER).values_list("pk", flat=True))
            assert mine == old, (user.username, roles)
    assert SupervisionNotice.objects.visible_to(world.city_office).count() == 11
    assert SupervisionNotice.objects.visible_to(world.county_unit).count() == 4  # addressed to its unit only


def test_the_scope_no_longer_reads_the_tasks(world: Any, notices: list[SupervisionNotice]) -> None:
    for user in (world.province_office, world.city_office, world.leader):
        sql = str(SupervisionNotice.objects.visible_to(user).order_by(*ORDER).query)
        assert "tasks_task" not in sql and '"supervision_supervisionnotice"."region_path"' in sql


def test_the_extensions_follow_the_same_notices(world: Any, notices: list[SupervisionNotice]) -> None:
    from rectify.supervision.models import ExtensionRequest

    for user in users(world):
        assert (list(ExtensionRequest.objects.visible_to(user).values_list("pk", flat=True))
                == list(by_task(ExtensionRequest, user).values_list("pk", flat=True)))


def old_by_region(self: NoticeFilter, queryset: Any, name: str, value: Any) -> Any:
    """The region filters as they were: on the task's region."""
    region = get_object_or_404(self.regions, pk=value)
    return queryset.filter(task__region__path__startswith=region.path)


def old_by_region_name(self: NoticeFilter, queryset: Any, name: str, value: str) -> Any:
    if self.form.cleaned_data.get("region"):
        return queryset
    by_name = Q(pk__in=[])
    for path in self.regions.filter(name_q(value)).values_list("path", flat=True)[:LOOKUP_LIMIT]:
        by_name |= Q(task__region__path__startswith=path)
    return queryset.filter(by_name)


def test_the_list_pages_counts_and_refusals_are_those_of_the_task_scope(world: Any, notices: list[SupervisionNotice],
                                                                       monkeypatch: Any) -> None:
    monkeypatch.setattr(views.NoticeList, "paginate_by", 3)
    outside = notices[3]  # another city's notice
    urls = ["/supervision/", "/supervision/?page=2", "/supervision/?page=4", "/supervision/?status=arranged",
            f"/supervision/?region={world.county.pk}", f"/supervision/?region={world.city.pk}&page=2",
            "/supervision/?region_name=泽州", f"/supervision/?region={world.other_city.pk}", "/supervision/mine/",
            reverse("supervision:detail", args=[outside.uuid]), reverse("supervision:detail", args=[notices[0].uuid])]
    clients = {user.username: Client() for user in users(world)}
    for user in users(world):
        clients[user.username].force_login(user)
    clients["anonymous"] = Client()

    def every_page() -> dict[tuple[str, str], Any]:
        return {(name, url): page_of(client, url) for name, client in clients.items() for url in urls}

    now = every_page()
    # as it was: the scope and the region filters through the task, the page's rows read whole
    monkeypatch.setattr(NoticeQuerySet, "visible_q", lambda self, user, roles=None: visible_q(self.model, user, roles))
    monkeypatch.setattr(NoticeFilter, "by_region", old_by_region)
    monkeypatch.setattr(NoticeFilter, "by_region_name", old_by_region_name)
    monkeypatch.setattr(views.NoticeList, "deferred", False)
    assert now == every_page()
    assert now[("city_office", "/supervision/")][2] == ["第 1 / 4 页，共 11 条"]
    assert now[("city_office", reverse("supervision:detail", args=[outside.uuid]))][0] == 404
    assert now[("anonymous", "/supervision/")][0] == 302
    assert len(now[("leader", "/supervision/?page=4")][1]) == 2


# ---------------------------------------------------------------- the copy is right however it is written

def path_of(notice: SupervisionNotice) -> str:
    return SupervisionNotice.objects.values_list("region_path", flat=True).get(pk=notice.pk)


def test_a_notice_issued_through_the_service_carries_its_task_path(world: Any, make_task: Any) -> None:
    task = make_task(region=world.county)
    notice = services.issue_notice(task, world.city_office, units=[world.unit_county_env], reason="请加快整改", today=TODAY)
    assert notice.region_path == path_of(notice) == world.county.path == "140000/140500/140502/"


def test_a_notice_written_around_the_service_gets_the_path_from_the_database(world: Any, make_task: Any) -> None:
    task = make_task(region=world.county2)
    fields = {"region": world.city, "year": 2026, "reason": "请加快整改", "issued_at": datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC),
              "issued_on": TODAY, "arranged_by": TODAY, "first_report_by": TODAY, "done_by": TODAY}
    created = SupervisionNotice.objects.create(task=task, seq=1, **fields)
    bulk = SupervisionNotice.objects.bulk_create([SupervisionNotice(task=task, seq=2, region_path="", **fields),
                                                  SupervisionNotice(task=task, seq=3, region_path="14/", **fields)])
    assert created.region_path == path_of(created) == world.county2.path
    assert [path_of(n) for n in bulk] == [world.county2.path] * 2


def test_a_task_moved_to_another_region_takes_its_notices_along(world: Any, make_task: Any) -> None:
    task = make_task(region=world.county)
    notice = services.issue_notice(task, world.city_office, units=[world.unit_county_env], reason="请加快整改", today=TODAY)
    other = make_task(region=world.county)
    untouched = services.issue_notice(other, world.city_office, units=[world.unit_county_env], reason="请加快整改", today=TODAY)
    task.refresh_from_db()
    assert update_task(task, task_data_from(task, region=world.other_city), expected_version=task.version, reason="调整区划")
    assert path_of(notice) == world.other_city.path and path_of(untouched) == world.county.path
    assert not SupervisionNotice.objects.visible_to(world.city_office).filter(pk=notice.pk).exists()
    assert SupervisionNotice.objects.visible_to(world.province_office).filter(pk=notice.pk).exists()
    Task.objects.filter(pk=other.pk).update(region=world.county2, region_path=world.county2.path)  # a bare update too
    assert path_of(untouched) == world.county2.path
    assert copies.check_all()["notice_region_path"] == []


def test_a_region_moved_under_another_parent_takes_its_notices_along(world: Any, make_task: Any) -> None:
    task = make_task(region=world.county)
    notice = services.issue_notice(task, world.city_office, units=[world.unit_county_env], reason="请加快整改", today=TODAY)
    county = Region.objects.get(pk=world.county.pk)
    move_region(county, world.other_city, reason="区划调整")
    assert path_of(notice) == county.path == Task.objects.get(pk=task.pk).region_path
    assert SupervisionNotice.objects.visible_to(world.city_office).filter(pk=notice.pk).exists() is False


def test_check_counters_finds_a_wrong_copy_and_repairs_it(world: Any, make_task: Any, capsys: Any) -> None:
    task = make_task(region=world.county)
    notice = services.issue_notice(task, world.city_office, units=[world.unit_county_env], reason="请加快整改", today=TODAY)
    call_command("check_counters")
    assert "notice_region_path" in capsys.readouterr().out
    SupervisionNotice.objects.filter(pk=notice.pk).update(region_path=world.other_city.path)
    assert copies.check_all()["notice_region_path"] == [(notice.pk, world.other_city.path, world.county.path)]
    with pytest.raises(CommandError, match="副本不一致"):
        call_command("check_counters")
    assert f"记录“{world.other_city.path}”，应为“{world.county.path}”" in capsys.readouterr().err
    with pytest.raises(CommandError, match="副本校验失败"):
        call_command("audit_verify", "--no-seal")
    call_command("check_counters", "--repair")
    assert path_of(notice) == world.county.path and copies.check_all()["notice_region_path"] == []


def test_units_of_other_regions_still_see_what_is_addressed_to_them(world: Any, make_task: Any) -> None:
    """A unit's notices come through the units, not the copy: a province unit on a county's task."""
    unit = Unit.objects.create(name="省水利厅", region=world.province)
    task = make_task(region=world.county, units={"lead": [unit]})
    notice = services.issue_notice(task, world.city_office, units=[unit], reason="请加快整改", today=TODAY)
    from rectify.accounts.models import RoleGrant, User

    person = User.objects.create_user(username="shuili", password="x", unit=unit)
    RoleGrant.objects.create(user=person, role=Role.LEAD_UNIT, unit=unit)
    assert list(SupervisionNotice.objects.visible_to(person)) == [notice] == list(by_task(SupervisionNotice, person))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks of concurrent writers: PostgreSQL")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["notice", "move"])
def test_a_notice_written_while_its_task_moves_ends_with_the_new_path(world: Any, make_task: Any, first: str) -> None:
    """Written around the services (which lock the task): whichever writer goes first, the other waits for it."""
    task = make_task(region=world.county)
    started = threading.Event()
    errors: list[BaseException] = []
    fields = {"region": world.city, "year": 2026, "reason": "请加快整改", "issued_at": datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC),
              "issued_on": TODAY, "arranged_by": TODAY, "first_report_by": TODAY, "done_by": TODAY}

    def write(what: str) -> None:
        try:
            if what != first:
                started.wait(5)
            with transaction.atomic():
                if what == "notice":
                    SupervisionNotice.objects.create(task=Task.objects.get(pk=task.pk), seq=1, **fields)
                else:
                    Task.objects.filter(pk=task.pk).update(region=world.county2, region_path=world.county2.path)
                if what == first:
                    started.set()
                    time.sleep(0.5)  # the other writer starts while this one is open
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(what,)) for what in ("notice", "move")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert list(SupervisionNotice.objects.values_list("region_path", flat=True)) == [world.county2.path]
    assert copies.check_all()["notice_region_path"] == []
