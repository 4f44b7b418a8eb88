"""待我处理 on the first page after login (the ledger loads it after itself from /notifications/todo/panel/)
and at /notifications/todo/: every role's lists,
scoped (another city's work is not counted), linked, and at a query count that does not grow with the data."""
from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import FIXED_NOW
from rectify.acceptance import services as acceptance
from rectify.acceptance.models import Announcement
from rectify.dispatch import services as dispatch
from rectify.notifications.todo import TODO_BY_ROLE, registered_sources
from rectify.supervision import services as supervision
from rectify.tasks.models import Assignment, Task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]
TODAY = FIXED_NOW.date()  # the clock of every test here (conftest.fixed_clock)


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def counts(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-todo="(\w+)">(\d+)<', html)}


def page(client: Any, name: str = "notifications:todo_panel") -> str:
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


def test_the_ledger_loads_the_panel_after_itself(world: Any, login: Any) -> None:
    """The ledger draws a placeholder linking to the full lists (all a page without JavaScript shows) and the
    script that replaces it with the panel; the panel is the ledger's former section, lists and counts."""
    client = login(world.city_office)
    ledger = page(client, "tasks:ledger")
    placeholder = re.search(r'<section class="card todo-panel"[^>]*data-deferred-src="([^"]+)">(.*?)</section>', ledger, re.S)
    assert placeholder and placeholder.group(1) == reverse("notifications:todo_panel")
    assert f'href="{reverse("notifications:todo")}"' in placeholder.group(2)
    assert "rectify/js/deferred.js" in ledger and "data-todo=" not in ledger
    panel = page(client)
    assert panel.count('<section class="card todo-panel"') == 1 and 'id="todo"' in panel
    assert set(counts(panel)) == set(TODO_BY_ROLE["office"])
    client.logout()
    assert client.get(reverse("notifications:todo_panel")).status_code == 302


def other_city_task(world: Any, make_task: Any) -> Task:
    return make_task(plan=world.other_plan, region=world.other_city, units={Assignment.Role.RESPONSIBLE: [world.unit_other_env]})


def applied(world: Any, task: Task, user: Any) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from conftest import png_bytes

    photo = SimpleUploadedFile("现场照片.png", png_bytes(), "image/png")
    return acceptance.apply_for_acceptance(task, user, completion_report="已全部整改完成", files=[photo])


def accepted(world: Any, task: Task, user: Any) -> Task:
    application = applied(world, task, user)
    acceptance.review_application(application, world.admin, decision="accept", site_check="现场核查", implemented=True, signed_by="")
    return Task.objects.get(pk=task.pk)


# ---------------------------------------------------------------- each role

def test_reviewer_sees_applications_of_its_region(world: Any, make_task: Any, login: Any) -> None:
    task = make_task()
    application = applied(world, task, world.county_unit)
    applied(world, other_city_task(world, make_task), world.other_unit)
    html = page(login(world.reviewer))
    assert counts(html) == {"applications_to_review": 1}
    assert reverse("acceptance:review", args=[application.uuid]) in html
    assert counts(page(login(world.leader))) == {"overdue_tasks": 0}


def test_units_see_reports_to_review_returned_due_notices_and_redo(world: Any, make_task: Any, login: Any) -> None:
    task, second = make_task(), make_task()
    round_ = dispatch.open_round(world.city_office, region=world.city, title="2026年11月调度", period_start=TODAY,
                                 period_end=TODAY + datetime.timedelta(days=30), due_date=TODAY + datetime.timedelta(days=10))
    county = task.assignments.get(unit=world.unit_county_env)
    report = dispatch.submit_report(round_, county, world.county_unit, text="已清理", schedule="on_schedule")
    supervision.issue_notice(second, world.city_office, units=[world.unit_county_env], reason="督办")

    lead = page(login(world.lead_unit))
    assert counts(lead)["reports_to_review"] == 1 and reverse("dispatch:report", args=[report.uuid]) in lead
    assert counts(lead)["reports_due"] == 2  # its lead assignments on both tasks
    assert counts(lead)["notices_to_handle"] == 0
    unit = counts(page(login(world.county_unit)))
    assert unit == {"reports_to_review": 0, "returned_reports": 0, "reports_due": 1, "notices_to_handle": 1, "tasks_to_redo": 0}

    dispatch.review_report(report, world.lead_unit, accept=False, note="请补充照片", expected_version=report.version)
    application = applied(world, second, world.county_unit)
    acceptance.review_application(application, world.reviewer, decision="send_back", site_check="现场核查", implemented=False,
                                  signed_by="", reasons="未完成")
    html = page(login(world.county_unit), "notifications:todo")
    assert counts(html)["returned_reports"] == 1 and counts(html)["tasks_to_redo"] == 1
    assert reverse("tasks:detail", args=[second.uuid]) in html
    assert counts(page(login(world.lead_unit)))["reports_to_review"] == 0
    # Another city's unit sees none of it.
    assert set(counts(page(login(world.other_unit))).values()) == {0}


def test_office_sees_what_waits_for_it(world: Any, make_task: Any, login: Any) -> None:
    to_announce = accepted(world, make_task(), world.county_unit)
    ended = accepted(world, make_task(), world.county_unit)
    acceptance.start_announcement(ended, world.city_office, starts_on=TODAY)
    from rectify.acceptance.tests.test_flow import elapse

    elapse(ended, 30)  # its period has passed
    objected = accepted(world, make_task(), world.county_unit)
    announcement = acceptance.start_announcement(objected, world.city_office, starts_on=TODAY)
    acceptance.record_objection(announcement, world.province_office, content="仍有垃圾", today=TODAY)
    notice = supervision.issue_notice(make_task(), world.city_office, units=[world.unit_county_env], reason="督办")
    supervision.request_extension(notice, world.county_unit, new_date=TODAY + datetime.timedelta(days=30), reason="汛期")
    done = supervision.issue_notice(make_task(), world.city_office, units=[world.unit_county_env], reason="督办")
    for name in ("arrange", "report", "done"):
        done = supervision.complete_step(done, world.county_unit, name, "已办")
    accepted(world, other_city_task(world, make_task), world.other_unit)  # another city's: not counted

    html = page(login(world.city_office))
    assert counts(html) == {"tasks_to_announce": 1, "announcements_ended": 1, "objections_open": 1, "extensions_to_decide": 1,
                            "notices_to_review": 1, "filings_to_acknowledge": 0}
    assert reverse("acceptance:file", args=[to_announce.uuid]) in html
    assert reverse("acceptance:file", args=[ended.uuid]) in html
    assert reverse("supervision:detail", args=[done.uuid]) in html
    assert counts(page(login(world.province_office)))["tasks_to_announce"] == 2  # its whole subtree
    assert Announcement.objects.count() == 2


def test_leader_sees_overdue_tasks_in_scope(world: Any, make_task: Any, login: Any) -> None:
    late = make_task(deadline=TODAY - datetime.timedelta(days=3))
    make_task()
    make_task(plan=world.other_plan, region=world.other_city, deadline=TODAY - datetime.timedelta(days=3),
              units={Assignment.Role.RESPONSIBLE: [world.unit_other_env]})
    html = page(login(world.leader))
    assert counts(html) == {"overdue_tasks": 1} and reverse("tasks:detail", args=[late.uuid]) in html


def test_user_without_role_sees_an_empty_panel_and_anonymous_is_sent_to_login(world: Any, login: Any, client: Any) -> None:
    assert "您的角色没有待办事项清单" in page(login(world.nobody))
    response = client.get(reverse("notifications:todo"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_every_role_has_its_lists() -> None:
    from rectify.accounts.roles import Role

    assert set(TODO_BY_ROLE) == set(Role.values)


def test_every_list_in_the_table_is_registered_by_its_app() -> None:
    """The steps above the ledger register their lists (notifications imports none of them): every key of the
    table has a source, every source is in the table, and each lives in the app whose records it lists."""
    registered = registered_sources()
    listed_keys = {key for keys in TODO_BY_ROLE.values() for key in keys}
    assert listed_keys == set(registered)
    homes = {key: source.__module__ for key, source in registered.items()}
    assert homes["reports_due"] == "rectify.dispatch.todo"
    assert homes["extensions_to_decide"] == "rectify.supervision.todo"
    assert homes["filings_to_acknowledge"] == "rectify.acceptance.todo"
    assert homes["overdue_tasks"] == "rectify.notifications.todo"
    assert {m.rsplit(".", 1)[0] for m in homes.values()} == {
        "rectify.acceptance", "rectify.dispatch", "rectify.supervision", "rectify.notifications"}


# ---------------------------------------------------------------- cost

def queries(client: Any, name: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse(name)).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["city_office", "county_unit", "lead_unit", "reviewer", "leader"])
def test_query_count_does_not_grow_with_the_work(role: str, world: Any, make_task: Any, login: Any,
                                                 django_assert_max_num_queries: Any) -> None:
    round_ = dispatch.open_round(world.city_office, region=world.city, title="调度", period_start=TODAY,
                                 period_end=TODAY + datetime.timedelta(days=30), due_date=TODAY + datetime.timedelta(days=10))

    def add_work() -> None:
        """One more item in every list (a list that is empty skips its row query: the bound is two per list)."""
        for returned in (True, False):
            task = make_task(deadline=TODAY - datetime.timedelta(days=1))
            report = dispatch.submit_report(round_, task.assignments.get(unit=world.unit_county_env), world.county_unit,
                                            text="进展", schedule="on_schedule")
            if returned:
                dispatch.review_report(report, world.lead_unit, accept=False, note="退回", expected_version=report.version)
        supervision.issue_notice(task, world.city_office, units=[world.unit_county_env], reason="督办")
        accepted(world, make_task(), world.county_unit)
        applied(world, make_task(), world.county_unit)

    client = login(getattr(world, role))
    add_work()
    names = ("tasks:ledger", "notifications:todo_panel", "notifications:todo")
    for name in names:
        queries(client, name)  # warm the session
    small = {name: queries(client, name) for name in names}
    for _ in range(4):
        add_work()
    for name, n in small.items():
        with django_assert_max_num_queries(n):
            assert client.get(reverse(name)).status_code == 200
