"""A round's reports in the order of the report's copies of its unit's name and its task's 序号 (``unit_name``,
``task_seq``; ``REPORT_UNIT_NAME``, ``REPORT_TASK_SEQ``): the API's pages and counts are those of the order it
documented, read through the joins, for every role — and the copies are right however a report is written or
its unit renamed or its task renumbered."""
from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from conftest import PASSWORD
from rectify.accounts.models import RoleGrant, User
from rectify.accounts.roles import Role
from rectify.core import copies
from rectify.dispatch import api, services, views
from rectify.dispatch.models import ProgressReport, ReportingRound
from rectify.regions.models import Unit
from rectify.tasks.models import Assignment, Task
from rectify.tasks.through import through_tasks

pytestmark = pytest.mark.django_db
BASE = "/api/v1/dispatch"
JOINED = ("unit__name", "assignment__task__seq", "id")  # the order as the joins gave it
OLD_PAGE = ("unit__name", "task__seq", "id")


def reporter(unit: Unit) -> User:
    person, made = User.objects.get_or_create(username=f"reporter{unit.pk}", defaults={"unit": unit})
    if made:
        person.set_password(PASSWORD)
        person.save()
        RoleGrant.objects.create(user=person, role=Role.RESPONSIBLE_UNIT, unit=unit)
    return person


def open_round(office: User, region: Any) -> ReportingRound:
    return services.open_round(office, region=region, title=f"{region.name}2026年6月调度", period_start=datetime.date(2026, 6, 1),
                               period_end=datetime.date(2026, 6, 30), due_date=datetime.date(2026, 7, 5))


@pytest.fixture
def rounds(world: Any, make_task: Any) -> dict[str, ReportingRound]:
    """A province's and a city's June rounds over tasks of several regions: units of the same name in two
    counties, names whose byte order is not their pinyin order, tasks sharing a 序号 and 序号 that sort as text."""
    same_a = Unit.objects.create(name="县生态环境局", region=world.county)
    same_b = Unit.objects.create(name="县生态环境局", region=world.county2)
    ascii_unit = Unit.objects.create(name="ABC水务公司", kind="enterprise", region=world.county)
    places = [
        (world.county, [world.unit_county_env, same_a, ascii_unit], "10"),
        (world.county2, [world.unit_county2_gov, same_b], "2"),
        (world.county, [same_a, world.unit_county_gov], "2"),
        (world.city, [world.unit_city_env], "1"),
        (world.other_city, [world.unit_other_env], "3"),
        (world.county2, [same_b, world.unit_county2_gov], "1"),
        (world.county, [world.unit_county_env], "10"),
    ]
    tasks = [make_task(region=region, seq=seq, units={Assignment.Role.RESPONSIBLE: units}) for region, units, seq in places]
    made = {"province": open_round(world.province_office, world.province), "city": open_round(world.city_office, world.city)}
    for n, task in enumerate(tasks):
        round_ = made["province"] if n % 3 else made["city"]
        if not round_.region.path or not task.region_path.startswith(round_.region.path):
            round_ = made["province"]
        for assignment in task.assignments.select_related("unit", "task"):
            services.submit_report(round_, assignment, reporter(assignment.unit), text=f"进展{n}", schedule="on_schedule", percent=50)
    # a task moved out of the city after its report: the city's round still holds the report, the city no longer sees it
    Task.objects.filter(pk=tasks[-1].pk).update(region=world.other_city, region_path=world.other_city.path)
    return made


def viewers(world: Any) -> list[Any]:
    return [world.admin, world.province_office, world.city_office, world.leader, world.reviewer, world.county_unit,
            world.lead_unit, world.other_unit]


def pages(client: Client, round_: ReportingRound) -> list[tuple[int, Any]]:
    """Status and body of the list's pages: the first, a middle one and the last, three reports a page, filtered too."""
    url = f"{BASE}/rounds/{round_.uuid}/reports"
    got = []
    for query in ({"page_size": 3}, {"page_size": 3, "page": 2}, {"page_size": 3, "page": 3}, {"page_size": 3, "page": 5},
                  {}, {"status": "submitted", "page_size": 2, "page": 2}):
        response = client.get(url, query)
        got.append((response.status_code, response.json()))
    return got


def every_page(world: Any, rounds: dict[str, ReportingRound]) -> dict[tuple[str, str], Any]:
    seen = {}
    for user in viewers(world):
        client = Client()
        assert client.login(username=user.username, password=PASSWORD)
        for name, round_ in rounds.items():
            seen[(user.username, name)] = pages(client, round_)
    return seen


def units_in_order(body: dict[str, Any]) -> list[str]:
    return [item["unit"] for item in body["items"]]


def test_the_pages_and_counts_are_those_of_the_joined_order_for_every_role(world: Any, rounds: dict[str, ReportingRound],
                                                                          monkeypatch: Any) -> None:
    now = every_page(world, rounds)
    # as it was: ordered through the joins, the scope asked of the assignment's task
    monkeypatch.setattr(api, "ROUND_ORDER", JOINED)
    monkeypatch.setattr(api, "through_tasks", lambda user, key: through_tasks(user, "assignment__task_id", gathered=True))
    assert now == every_page(world, rounds)
    whole = now[("admin", "province")][4][1]
    assert whole["count"] == 7 and now[("province_office", "province")][4][1] == whole
    assert now[("admin", "city")][4][1]["count"] == now[("province_office", "city")][4][1]["count"] == 5
    assert now[("city_office", "city")][4][1]["count"] == now[("leader", "city")][4][1]["count"] == 4  # the moved task's report
    assert now[("county_unit", "province")][0][0] == 403 and now[("other_unit", "city")][0][0] in (403, 404)


def test_the_order_is_unit_name_then_seq_as_text_then_id(world: Any, rounds: dict[str, ReportingRound]) -> None:
    client = Client()
    assert client.login(username="admin", password=PASSWORD)
    listed = {}
    for name, round_ in rounds.items():
        body = client.get(f"{BASE}/rounds/{round_.uuid}/reports", {"page_size": 100}).json()
        rows = ProgressReport.objects.filter(round=round_).values_list("uuid", "unit__name", "task__seq", "id")
        expected = [str(row[0]) for row in sorted(rows, key=lambda row: (row[1].encode(), row[2].encode(), row[3]))]
        assert [item["uuid"] for item in body["items"]] == expected
        listed[name] = units_in_order(body)
    assert listed["city"][0] == "ABC水务公司" and listed["province"].count("县生态环境局") == 3


def test_a_renamed_unit_resorts_its_reports(world: Any, rounds: dict[str, ReportingRound], monkeypatch: Any) -> None:
    admin = Client()
    assert admin.login(username="admin", password=PASSWORD)
    url = f"{BASE}/rounds/{rounds['province'].uuid}/reports"
    response = admin.patch(f"/api/v1/units/{world.unit_other_env.uuid}", data={"name": "AAA太原市生态环境局", "reason": "更名"},
                           content_type="application/json")
    assert response.status_code == 200, response.content.decode()
    first = admin.get(url, {"page_size": 1}).json()["items"]
    assert [item["unit"] for item in first] == ["AAA太原市生态环境局"]
    Unit.objects.filter(pk=world.unit_other_env.pk).update(name="龙城生态环境局")  # a bare update too
    after = admin.get(url, {"page_size": 100}).json()["items"]
    assert after[-1]["unit"] == "龙城生态环境局"
    monkeypatch.setattr(api, "ROUND_ORDER", JOINED)
    assert admin.get(url, {"page_size": 100}).json()["items"] == after
    assert copies.check_all()["report_unit_name"] == []


def test_a_renumbered_task_resorts_its_reports(world: Any, rounds: dict[str, ReportingRound]) -> None:
    report = ProgressReport.objects.filter(unit=world.unit_county2_gov, task__seq="2").get()
    Task.objects.filter(pk=report.task_id).update(seq="0")
    assert ProgressReport.objects.values_list("task_seq", flat=True).get(pk=report.pk) == "0"
    assert copies.check_all()["report_task_seq"] == []


def copies_of(report: ProgressReport) -> tuple[str, str]:
    return ProgressReport.objects.values_list("unit_name", "task_seq").get(pk=report.pk)


def test_a_report_written_around_the_service_gets_its_copies_from_the_database(world: Any, rounds: dict[str, ReportingRound],
                                                                               capsys: Any) -> None:
    round_ = rounds["province"]
    task = Task.objects.get(seq="3")
    assignment = task.assignments.get()
    fields = {"round": round_, "task": task, "assignment": assignment, "unit": assignment.unit, "text": "补录", "schedule": "on_schedule"}
    ProgressReport.objects.filter(task=task).delete()
    created = ProgressReport.objects.create(period=datetime.date(2026, 5, 1), **fields)
    bulk = ProgressReport.objects.bulk_create([ProgressReport(period=datetime.date(2026, 4, 1), unit_name="", **fields),
                                               ProgressReport(period=datetime.date(2026, 3, 1), unit_name="错", task_seq="9", **fields)])
    assert (created.unit_name, created.task_seq) == copies_of(created) == ("太原市生态环境局", "3")
    assert [copies_of(report) for report in bulk] == [("太原市生态环境局", "3")] * 2
    call_command("check_counters")
    assert "report_unit_name" in capsys.readouterr().out


def test_check_counters_finds_a_wrong_copy_and_repairs_it(world: Any, rounds: dict[str, ReportingRound], capsys: Any) -> None:
    report = ProgressReport.objects.filter(unit=world.unit_city_env).get()
    ProgressReport.objects.filter(pk=report.pk).update(unit_name="错", task_seq="99")
    assert copies.check_all()["report_unit_name"] == [(report.pk, "错", "市生态环境局")]
    assert copies.check_all()["report_task_seq"] == [(report.pk, "99", "1")]
    with pytest.raises(Exception, match="副本不一致"):
        call_command("check_counters")
    call_command("check_counters", "--repair")
    assert copies_of(report) == ("市生态环境局", "1")


def test_the_round_page_lists_in_the_same_order(world: Any, rounds: dict[str, ReportingRound], monkeypatch: Any) -> None:
    """The web page of a round's reports (the round's month, the tasks it expects): the same rows in the same order."""
    def listed(user: User) -> list[str]:
        client = Client()
        assert client.login(username=user.username, password=PASSWORD)
        found = []
        for page in (1, 2, 3):
            html = client.get(f"/dispatch/rounds/{rounds['province'].uuid}/reports/", {"page": page}).content.decode()
            found.append(re.findall(r"/dispatch/reports/([0-9a-f-]{36})/", html))
        return [uuid for page in found for uuid in page]

    monkeypatch.setattr(views.RoundReports, "paginate_by", 4)
    now = {user.username: listed(user) for user in (world.admin, world.province_office, world.city_office, world.leader)}
    monkeypatch.setattr(views, "ROUND_ORDER", OLD_PAGE)
    assert now == {user.username: listed(user) for user in (world.admin, world.province_office, world.city_office, world.leader)}
    assert len(now["admin"]) == 12
