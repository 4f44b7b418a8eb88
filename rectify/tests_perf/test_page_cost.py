"""The fixed cost of the pages met most: the same number of queries however many tasks there are, the
counts above the ledger and in 待我处理 equal to a fresh count, and no page larger than 200 KB of HTML.

``query_counts.json`` pins each page's count on the small records of the authorization matrix; here the
data grows (one ledger page, then more than two pages, with milestones, reports due, supervision notices)
and the counts must not move.
"""
from __future__ import annotations

import datetime
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import FIXED_NOW, PASSWORD
from rectify.accounts.models import RoleGrant, User
from rectify.accounts.roles import Role
from rectify.dispatch import services as dispatch
from rectify.notifications.todo import count_statement, run_count_statement, sources_for
from rectify.supervision import services as supervision
from rectify.tasks.models import Assignment, Milestone, Task
from rectify.tasks.services import transition_task
from rectify.tasks.states import TaskState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]

MAX_HTML = 200 * 1024
TODAY = FIXED_NOW.date()  # the clock of every test here (conftest.fixed_clock)


def queries(client: Client, url: str) -> tuple[int, int, int]:
    """(status, queries, bytes) of the second GET (the first warms per-process caches); redirects followed
    (the first page after login is a redirect to the ledger)."""
    client.get(url, follow=True)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, follow=True)
    return response.status_code, len(captured), len(response.content)


def grow(world: SimpleNamespace, make_task: Any, n: int, start: int) -> list[Task]:
    """``n`` tasks of 晋城 with two units each, a milestone, some overdue, some in progress, some to complete."""
    tasks = []
    past = TODAY - datetime.timedelta(days=10)
    for i in range(start, start + n):
        region = world.county if i % 2 else world.county2
        units = ({Assignment.Role.LEAD: [world.unit_city_env], Assignment.Role.RESPONSIBLE: [world.unit_county_env]} if i % 2
                 else {Assignment.Role.RESPONSIBLE: [world.unit_county2_gov]})
        task = make_task(seq=str(i), region=region, units=units, deadline=past if i % 3 == 0 else datetime.date(2030, 12, 31))
        Milestone.objects.create(task=task, date=TODAY - datetime.timedelta(days=1), text=f"完成第{i}处排查")
        if i % 4 == 0:
            transition_task(task, TaskState.IN_PROGRESS)
        if i % 5 == 0:
            Task.objects.filter(pk=task.pk).update(needs_completion=True)
        tasks.append(task)
    return tasks


def pages(world: SimpleNamespace, task: Task) -> dict[str, str]:
    return {"ledger": "/ledger/", "ledger page 2": "/ledger/?page=2", "ledger in progress": "/ledger/?state=in_progress",
            "ledger search": "/ledger/?q=排查", "first page after login": "/", "task detail": f"/ledger/{task.uuid}/",
            "supervision list": "/supervision/", "dispatch home": "/dispatch/", "to-do": "/notifications/todo/",
            "to-do panel": "/notifications/todo/panel/"}


ROLES = ("admin", "city_office", "leader", "reviewer", "lead_unit", "county_unit")


def test_fixed_cost_does_not_grow_with_the_tasks(world: SimpleNamespace, make_task: Any, login: Any, settings: Any, tmp_path: Any) -> None:
    settings.LEDGER_PAGE_SIZE = 10
    settings.MEDIA_ROOT = tmp_path / "media"
    dispatch.open_round(world.city_office, region=world.city, title="本月调度", period_start=TODAY - datetime.timedelta(days=5),
                        period_end=TODAY + datetime.timedelta(days=20), due_date=TODAY + datetime.timedelta(days=25))
    first = grow(world, make_task, 4, 1)  # one of each kind: in progress, overdue, to complete …
    supervision.issue_notice(first[0], world.city_office, units=[world.unit_county_env], reason="督办")
    clients = {role: login(getattr(world, role)) for role in ROLES}
    small = {(role, name): queries(clients[role], url)
             for role in ROLES for name, url in pages(world, first[0]).items()}

    more = grow(world, make_task, 30, 5)
    # Issued by the county's own office too: a county notice's 下达 column names its region with the city's
    # name before it (城区 → 晋城市城区), read from the region's parent.
    county_office = User.objects.create_user(username="county_office", password=PASSWORD)
    RoleGrant.objects.create(user=county_office, role=Role.OFFICE, region=world.county)
    for i, task in enumerate([t for t in more if t.region_id == world.county.pk][:6]):
        supervision.issue_notice(task, county_office if i % 2 else world.city_office, units=[world.unit_county_env], reason="督办")
    large = {(role, name): queries(clients[role], url)
             for role in ROLES for name, url in pages(world, first[0]).items()}

    assert all(status == 200 for status, _, _ in small.values()), {k: v[0] for k, v in small.items() if v[0] != 200}
    grew = {f"{role} {name}": f"{small[role, name][1]} → {large[role, name][1]}"
            for role, name in small if large[role, name][1] != small[role, name][1]}
    assert not grew, f"queries grew with the data: {grew}"
    # the ledger really did grow past one page, so the count above compares a page with several
    assert "第 1 / 4 页" in clients["admin"].get("/ledger/").content.decode()
    too_big = {f"{role} {name}": size for (role, name), (_, _, size) in large.items() if size > MAX_HTML}
    assert not too_big, f"pages over 200 KB: {too_big}"


def test_the_admin_pages_stay_under_200_kb(world: SimpleNamespace, make_task: Any, login: Any, settings: Any) -> None:
    """A full ledger page (the default page size) of long tasks, as the administrator."""
    long_text = "河道两岸存在生活垃圾和建筑垃圾堆放，雨季冲刷入河，影响下游水质。" * 6
    tasks = [make_task(seq=str(i), problem=long_text, target=long_text) for i in range(settings.LEDGER_PAGE_SIZE + 1)]
    client = login(world.admin)
    for name, url in pages(world, tasks[0]).items():
        status, _, size = queries(client, url)
        assert status == 200, name
        assert size <= MAX_HTML, f"{name}: {size / 1024:.0f} KB"


def total_shown(html: str) -> int:
    match = re.search(r"共 <b>(\d+)</b> 项任务", html)
    assert match, "no total on the ledger"
    return int(match.group(1))


def test_the_ledger_total_is_the_sum_of_its_counts(world: SimpleNamespace, make_task: Any, login: Any) -> None:
    """The page total is taken from the per-state counts (no COUNT query of its own): it must equal a
    fresh count of the tasks listed, with and without state filters, and when a filter is invalid."""
    tasks = grow(world, make_task, 12, 1)
    client = login(world.city_office)
    scoped = Task.objects.visible_to(world.city_office)
    cases: list[tuple[dict[str, Any], Any]] = [
        ({}, scoped),
        ({"state": "in_progress"}, scoped.filter(state=TaskState.IN_PROGRESS)),
        ({"state": ["in_progress", "assigned"]}, scoped.filter(state__in=[TaskState.IN_PROGRESS, TaskState.ASSIGNED])),
        ({"state": "in_progress", "region": world.county.pk}, scoped.filter(state=TaskState.IN_PROGRESS, region=world.county)),
        ({"overdue": "on", "state": "assigned"}, scoped.filter(state=TaskState.ASSIGNED, deadline__lt=TODAY)),
        ({"q": "排查", "state": "closed"}, scoped.none()),
        ({"state": "no-such-state"}, scoped),  # an invalid filter lists every task in scope
        ({"deadline_from": "not-a-date"}, scoped),
    ]
    for params, expected in cases:
        html = client.get("/ledger/", params).content.decode()
        assert total_shown(html) == expected.count(), params
    page = client.get("/ledger/").content.decode()
    assert re.search(rf'id="count-all">{len(tasks)}<', page)
    overdue = scoped.filter(deadline__lt=TODAY, long_term=False, state__in=[TaskState.ASSIGNED, TaskState.IN_PROGRESS]).count()
    assert overdue and re.search(rf"<b>逾期</b><span class=\"num\">{overdue}</span>", page)
    incomplete = scoped.filter(needs_completion=True).count()
    assert incomplete and re.search(rf'<b>待完善</b><span class="num">{incomplete}</span>', page)


def counted(querysets: list[Any]) -> list[int]:
    """The counts the to-do panel reads: the lists' one statement, run as the panel runs it."""
    return run_count_statement(count_statement(querysets), len(querysets), "default")


def test_counting_together_equals_counting_one_by_one(world: SimpleNamespace, make_task: Any, tmp_path: Any, settings: Any) -> None:
    """The to-do counts asked in one query are each list's own count, for every role's lists."""
    settings.MEDIA_ROOT = tmp_path / "media"
    tasks = grow(world, make_task, 6, 1)
    for task in tasks[:3]:
        units = [world.unit_county_env] if task.region_id == world.county.pk else [world.unit_county2_gov]
        supervision.issue_notice(task, world.city_office, units=units, reason="督办")
    querysets = [Task.objects.all(), Task.objects.filter(state=TaskState.IN_PROGRESS), Task.objects.filter(pk__in=[]),
                 Task.objects.filter(assignments__unit__in=[world.unit_county_env, world.unit_city_env]).distinct()]
    assert counted(querysets) == [qs.count() for qs in querysets]
    assert counted([Task.objects.filter(pk__in=[])]) == [0]
    for role in ROLES:
        user = getattr(world, role)
        pending = [item for item in (source(user, 5) for source in sources_for(user.roles())) if hasattr(item, "rows")]
        assert counted([p.rows for p in pending]) == [p.rows.count() for p in pending], role


def test_the_ledger_shows_the_unread_badge_without_the_panel(world: SimpleNamespace, make_task: Any, login: Any) -> None:
    """The ledger's header shows the user's own unread notifications, and changes as they are read; the
    to-do panel is loaded after the page (/notifications/todo/panel/), so the ledger runs none of its queries."""
    from rectify.notifications.models import Notification
    from rectify.notifications.services import mark_read, notify

    make_task()
    notify([world.city_office], "请报送本月进展")
    notify([world.city_office], "督办单已下达")
    notify([world.county_unit], "别人的消息")
    client = login(world.city_office)

    def badge() -> str | None:
        match = re.search(r'class="notice-link">消息(?:<span class="badge">(\d+)</span>)?</a>', client.get("/ledger/").content.decode())
        assert match, "no notification link in the header"
        return match.group(1)

    assert badge() == "2"
    mark_read(Notification.objects.filter(recipient=world.city_office).earliest("id"))
    assert badge() == "1"
    mark_read(Notification.objects.filter(recipient=world.city_office, read_at__isnull=True).get())
    assert badge() is None
    with CaptureQueriesContext(connection) as captured:
        client.get("/ledger/")
    assert not any(q["sql"].startswith("SELECT (SELECT COUNT(*)") for q in captured.captured_queries)  # the to-do counts' statement
    with CaptureQueriesContext(connection) as captured:
        client.get("/notifications/todo/panel/")
    assert any(q["sql"].startswith("SELECT (SELECT COUNT(*)") for q in captured.captured_queries)
