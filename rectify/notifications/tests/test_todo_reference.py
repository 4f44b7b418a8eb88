"""待我处理 pinned against a straightforward computation: for every role, the panel (``todo_for``, which counts
all lists in one query and shares one scoped task query set per role between the lists of a request) shows
the same lists, counts, entries and order as asking each list on its own (``.count()`` and its first rows),
for several users in turn, so nothing built for one user's scope reaches another's lists."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from conftest import FIXED_NOW
from rectify.acceptance import services as acceptance
from rectify.dispatch import services as dispatch
from rectify.notifications.tests.test_todo import accepted, applied, other_city_task
from rectify.notifications.todo import PAGE_LIMIT, PANEL_LIMIT, Pending, TodoList, sources_for, todo_for
from rectify.supervision import services as supervision
from rectify.tasks.models import Assignment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]
TODAY = FIXED_NOW.date()  # the clock of every test here (conftest.fixed_clock)
USERS = ["admin", "province_office", "city_office", "leader", "reviewer", "lead_unit", "county_unit", "other_unit", "nobody"]


def fresh(user: Any) -> Any:
    return get_user_model().objects.get(pk=user.pk)


def reference(user: Any, limit: int) -> list[TodoList]:
    """Each list asked on its own: its rows counted, then its first ``limit`` rows read."""
    lists = []
    for source in sources_for(user.roles()):
        item = source(fresh(user), limit)
        if isinstance(item, Pending):
            item = TodoList(item.key, item.label, item.rows.count(), [item.entry(row) for row in item.rows[:limit]])
        lists.append(item)
    return lists


def shown(lists: list[TodoList]) -> list[tuple[Any, ...]]:
    return [(t.key, t.label, t.count, [(e.text, e.url, e.note) for e in t.entries]) for t in lists]


@pytest.fixture
def work(world: Any, make_task: Any) -> None:
    """Something in (nearly) every list, in two cities, more than a panel's worth in some."""
    round_ = dispatch.open_round(world.city_office, region=world.city, title="2026年11月调度", period_start=TODAY,
                                 period_end=TODAY + datetime.timedelta(days=30), due_date=TODAY + datetime.timedelta(days=10))
    for n in range(7):
        task = make_task(deadline=TODAY - datetime.timedelta(days=n + 1))
        report = dispatch.submit_report(round_, task.assignments.get(unit=world.unit_county_env), world.county_unit,
                                        text="进展", schedule="on_schedule")
        if n % 2:
            dispatch.review_report(report, world.lead_unit, accept=False, note="退回", expected_version=report.version)
    for _ in range(6):
        accepted(world, make_task(), world.county_unit)
    applied(world, make_task(), world.county_unit)
    notice = supervision.issue_notice(make_task(), world.city_office, units=[world.unit_county_env], reason="督办")
    supervision.request_extension(notice, world.county_unit, new_date=TODAY + datetime.timedelta(days=30), reason="汛期")
    done = supervision.issue_notice(make_task(), world.city_office, units=[world.unit_county_env], reason="督办")
    for name in ("arrange", "report", "done"):
        done = supervision.complete_step(done, world.county_unit, name, "已办")
    objected = accepted(world, make_task(), world.county_unit)
    announcement = acceptance.start_announcement(objected, world.city_office, starts_on=TODAY)
    acceptance.record_objection(announcement, world.province_office, content="仍有垃圾", today=TODAY)
    for _ in range(2):
        accepted(world, other_city_task(world, make_task), world.other_unit)
    applied(world, other_city_task(world, make_task), world.other_unit)


@pytest.mark.parametrize("limit", [PANEL_LIMIT, PAGE_LIMIT])
def test_panel_matches_each_list_asked_on_its_own(limit: int, world: Any, work: None) -> None:
    seen = {}
    for name in USERS:
        user = fresh(getattr(world, name))
        got = shown(todo_for(user, limit))
        assert got == shown(reference(user, limit)), name
        assert shown(todo_for(user, limit)) == got, name  # asked again on the same user object: the same
        seen[name] = got
    # The figures are the work's, per scope: the lists are not empty and differ where the scopes do.
    counts = {name: {t[0]: t[2] for t in lists} for name, lists in seen.items()}
    assert counts["city_office"]["tasks_to_announce"] == 6 and counts["province_office"]["tasks_to_announce"] == 8
    assert counts["admin"]["tasks_to_announce"] == 8
    assert len(seen["city_office"][0][3]) == min(limit, 6)  # tasks_to_announce, its first rows
    assert counts["county_unit"]["returned_reports"] == 3 and counts["other_unit"]["returned_reports"] == 0
    assert counts["leader"]["overdue_tasks"] >= 7 and counts["reviewer"]["applications_to_review"] == 1
    assert seen["nobody"] == []


def test_one_user_object_per_scope_keeps_its_own_lists(world: Any, work: None) -> None:
    """Two offices of different scopes asked alternately, each on its own user object: each gets its own lists."""
    city, province = fresh(world.city_office), fresh(world.province_office)
    city_first = shown(todo_for(city))
    province_first = shown(todo_for(province))
    assert city_first != province_first
    assert shown(todo_for(city)) == city_first == shown(reference(world.city_office, PANEL_LIMIT))
    assert shown(todo_for(province)) == province_first == shown(reference(world.province_office, PANEL_LIMIT))


def test_the_administrators_lists_read_no_list_of_every_task(world: Any, work: None) -> None:
    """Every task of the work lies in the province: the administrator's lists are the province office's, with
    every kind of row (announcements, objections, extension requests, notices) in them, and counting them joins
    no list of every task (``tasks.through.through_tasks``: ``task_id IN (SELECT id FROM tasks_task)`` hashed them all)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin, office = fresh(world.admin), fresh(world.province_office)
    with CaptureQueriesContext(connection) as captured:
        admin_lists = shown(todo_for(admin, PAGE_LIMIT))
    assert admin_lists == shown(todo_for(office, PAGE_LIMIT))
    counts = {key: count for key, _, count, _ in admin_lists}
    assert counts["tasks_to_announce"] and counts["objections_open"] and counts["extensions_to_decide"]
    assert counts["notices_to_review"]
    assert not [q["sql"] for q in captured.captured_queries if 'FROM "tasks_task" U0' in q["sql"]]


def reports_due_with_objects(user: Any, limit: int) -> TodoList:
    """待报送的调度任务 as it was computed before it read plain rows (kept verbatim): whole objects."""
    from django.db.models import Q
    from django.urls import reverse

    from rectify.accounts.scope import unit_ids
    from rectify.dispatch.models import ProgressReport, ReportingRound
    from rectify.notifications.todo import TodoEntry, task_text
    from rectify.regions.paths import path_prefixes
    from rectify.tasks.models import Assignment
    from rectify.tasks.states import OPEN_STATES

    ids = unit_ids(user)
    if not ids:
        return TodoList("reports_due", "待报送的调度任务", 0)
    assignments = list(Assignment.objects.filter(unit_id__in=ids)
                       .filter(Q(task__state__in=list(OPEN_STATES)) | Q(task__long_term=True))
                       .select_related("task__region", "unit").order_by("task__seq", "id"))
    above = {p for a in assignments for p in path_prefixes(a.task.region.path)}
    rounds = list(ReportingRound.objects.filter(status=ReportingRound.Status.OPEN, region__path__in=above)
                  .select_related("region").order_by("due_date", "id"))
    if not rounds:
        return TodoList("reports_due", "待报送的调度任务", 0)
    done = set(ProgressReport.objects.filter(round__in=[r.pk for r in rounds], assignment__in=[a.pk for a in assignments])
               .values_list("round_id", "assignment_id"))
    pairs = [(r, a) for r in rounds for a in assignments
             if a.task.region.path.startswith(r.region.path) and (r.pk, a.pk) not in done]
    entries = [TodoEntry(f"{a.unit.name}·{task_text(a.task)}", reverse("dispatch:report_form", args=[r.uuid, a.uuid]),
                         f"{r.title}，{r.due_date:%Y-%m-%d}截止") for r, a in pairs[:limit]]
    return TodoList("reports_due", "待报送的调度任务", len(pairs), entries)


def test_reports_due_reads_rows_as_the_objects_read(world: Any, make_task: Any) -> None:
    """Titles of 59, 60, 61 and 200 characters, none (the problem shows, or the target when it is empty too),
    in two rounds (city and county) with some reports in: the same entries, count and order as with objects."""
    long = ("河道两岸存在生活垃圾堆放问题" * 15)[:150]
    for n, fields in enumerate([{"title": long[:59]}, {"title": long[:60]}, {"title": long[:61]}, {"title": long},
                                {"title": "", "problem": long}, {"title": "", "problem": "", "target": "垃圾全部清理"},
                                {"title": "", "problem": "短问题"}, {"region": world.county2, "title": "泽州县的任务"}]):
        make_task(seq=str(20 - n), **fields)
    for region in (world.city, world.county):
        round_ = dispatch.open_round(world.city_office, region=region, title=f"{region.name}调度", period_start=TODAY,
                                     period_end=TODAY + datetime.timedelta(days=30), due_date=TODAY + datetime.timedelta(days=10))
    first = Assignment.objects.filter(unit=world.unit_county_env, task__region=world.county).order_by("task__seq").first()
    assert first is not None
    dispatch.submit_report(round_, first, world.county_unit, text="进展", schedule="on_schedule")
    from rectify.dispatch.todo import reports_due

    for name in ("lead_unit", "county_unit", "other_unit", "city_office"):
        for limit in (PANEL_LIMIT, PAGE_LIMIT):
            user = fresh(getattr(world, name))
            assert shown([reports_due(user, limit)]) == shown([reports_due_with_objects(user, limit)]), (name, limit)
    lead = reports_due(fresh(world.lead_unit), PAGE_LIMIT)
    assert lead.count == 15 and any(e.text.endswith("…") for e in lead.entries)  # 7 county tasks × 2 rounds + 1 in 泽州县
    assert any(e.text.endswith(" 垃圾全部清理") for e in lead.entries)
