"""The lights and unit names a page shows, computed the fast way (``attach_lights`` over a page of tasks:
milestones read as rows, the missing reports of every due round in one query; ``attach_unit_names``),
equal those computed the plain way kept here as the reference: per task, its nearest rule, its own
milestones and each latest due round over its region asked in turn through the ORM.

The data takes every branch: milestones done and not, past and ahead, one already past at entry, a long
text; long-term, overdue, near the deadline, done states; rounds of several levels (an older one, one not
yet due), a unit that did not report in the latest due round while the other did, tasks entered after a
round's period ended (on either side of midnight in the local time zone), a town under a county with its
own rule, a cooperating unit. Compared for several users' pages and a task's own page, on both engines."""
from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rectify.regions.models import Region, Unit
from rectify.regions.paths import path_prefixes
from rectify.supervision.models import LightRule
from rectify.supervision.schedule import Light, light_for, nearest_rule
from rectify.tasks.hooks import prepare_for_display
from rectify.tasks.models import Assignment, Milestone, Task
from rectify.tasks.states import DONE_STATES, TaskState
from rectify.tasks.views import attach_unit_names

dispatch = pytest.importorskip("rectify.dispatch.models")
pytestmark = pytest.mark.django_db

CST = datetime.timezone(datetime.timedelta(hours=8))
ENTERED = datetime.datetime(2026, 1, 5, 9, tzinfo=CST)


# --- the reference: one task at a time, the ORM asked plainly ------------------------------------------

def reference_missing(task: Task, today: datetime.date) -> bool:
    """A unit of the task did not report in the latest round already due over one of the regions above it
    (the task's own included), the task having been entered by the end of that round's period."""
    if task.state in DONE_STATES:
        return False
    entered = timezone.localtime(task.created_at).date()
    for prefix in path_prefixes(task.region.path):
        latest = (dispatch.ReportingRound.objects.filter(region__path=prefix, due_date__lt=today)
                  .order_by("-due_date", "-id").first())
        if latest is None or entered > latest.period_end:
            continue
        for assignment in Assignment.objects.filter(task=task):
            if not dispatch.ProgressReport.objects.filter(task=task, unit_id=assignment.unit_id,
                                                          period=latest.report_period).exists():
                return True
    return False


def reference_light(task: Task, today: datetime.date) -> Light:
    rules = {r.region.path: r for r in LightRule.objects.select_related("region")}
    rule = nearest_rule(task.region.path, rules)
    milestones = list(Milestone.objects.filter(task=task).order_by("date", "id"))
    return light_for(task, today, rule, milestones=milestones, report_missing=reference_missing(task, today))


def reference_unit_names(task: Task) -> list[str]:
    return [a.unit.name for a in Assignment.objects.filter(task=task).exclude(role=Assignment.Role.COOPERATING)
            .select_related("unit").order_by("role", "id")]


def as_tuple(light: Light) -> tuple[Any, ...]:
    return light.colour, light.reasons, light.causes, light.warnings


# --- the data ---------------------------------------------------------------------------------------------

def report(task: Task, unit: Unit, round_: Any) -> None:
    assignment = Assignment.objects.filter(task=task, unit=unit).first()
    assert assignment is not None
    if dispatch.ProgressReport.objects.filter(task=task, unit=unit, period=round_.report_period).exists():
        return  # one report a month, whichever round it came through
    dispatch.ProgressReport.objects.create(round=round_, task=task, period=round_.report_period, assignment=assignment,
                                           unit=unit, text="已按计划推进", schedule="on_schedule")


def make_round(region: Region, period_end: datetime.date, due: datetime.date) -> Any:
    return dispatch.ReportingRound.objects.create(region=region, title=f"{region.name}{period_end:%m}月调度",
                                                  period_start=period_end.replace(day=1), period_end=period_end, due_date=due)


def rounds_and_reports(w: Any, tasks: list[Task]) -> None:
    """Rounds: the city's May (the latest due over the city), an older one, the county's June round (latest
    over the county), the province's not yet due, and the other city's; reports in some of them."""
    day = datetime.timedelta(days=1)
    old_city = make_round(w.city, datetime.date(2026, 4, 30), datetime.date(2026, 5, 5))
    may = make_round(w.city, datetime.date(2026, 5, 31), datetime.date(2026, 6, 5))
    june = make_round(w.county, datetime.date(2026, 6, 10), datetime.date(2026, 6, 12))
    make_round(w.province, datetime.date(2026, 6, 30), datetime.date(2026, 7, 5))
    other = make_round(w.other_city, datetime.date(2026, 5, 20), datetime.date(2026, 6, 1))
    for i, t in enumerate(tasks):
        units = [a.unit for a in Assignment.objects.filter(task=t).select_related("unit").order_by("id")]
        if timezone.localtime(t.created_at).date() in (may.period_end, may.period_end + day):
            continue  # entered around midnight after May's last day: owes May's report or not, has none
        if i % 3 == 0:  # every unit reported in May (one also in April)
            for unit in units:
                report(t, unit, may)
                report(t, unit, old_city)
        elif i % 3 == 1:  # the first unit only: the other did not
            report(t, units[0], may)
        if i % 4 == 0 and t.region.path.startswith(w.county.path):
            for unit in units:
                report(t, unit, june)
        if t.region == w.other_city and i % 2 == 0:
            for unit in units:
                report(t, unit, other)


@pytest.fixture
def varied(world: Any, make_task: Any) -> SimpleNamespace:
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    w = world
    town = Region.objects.create(code="140502001", name="北街街道", level="town", parent=w.county, path=f"{w.county.path}140502001/")
    town_unit = Unit.objects.create(name="北街街道办事处", region=town)
    LightRule.objects.create(region=w.province, yellow_days_before_deadline=40)
    LightRule.objects.create(region=w.county2, yellow_days_before_deadline=5)
    LightRule.objects.create(region=w.other_city, yellow_when_report_missing=False)
    LightRule.objects.create(region=town, red_when_overdue=False, yellow_days_before_deadline=90)
    both = {Assignment.Role.LEAD: [w.unit_city_env], Assignment.Role.RESPONSIBLE: [w.unit_county_env]}
    with_cooperating = {**both, Assignment.Role.COOPERATING: [w.unit_county_gov]}
    long_text = "完成全部涉及河道的排污口排查、监测、溯源与分类整治，并形成书面报告报送市整改办备案"
    tasks: list[Task] = []

    def task(when: datetime.datetime, **kw: Any) -> Task:
        with time_machine.travel(when, tick=False):
            made = make_task(**kw)
        tasks.append(made)
        return made

    for region, units in ((w.county, both), (w.county2, {Assignment.Role.LEAD: [w.unit_county2_gov]}),
                          (town, {Assignment.Role.LEAD: [town_unit], Assignment.Role.RESPONSIBLE: [w.unit_county_env]}),
                          (w.other_city, {Assignment.Role.LEAD: [w.unit_other_env]})):
        plan = w.other_plan if region == w.other_city else w.plan
        common = {"region": region, "units": units, "plan": plan}
        task(ENTERED, deadline=today + 200 * day, **common)  # far ahead
        task(ENTERED, deadline=today + 20 * day, **common)  # near under one rule, not another
        task(ENTERED, deadline=today + 3 * day, **common)  # near under every rule
        task(ENTERED, deadline=today, **common)  # due today
        task(ENTERED, deadline=today - 9 * day, **common)  # overdue (red, or yellow in the town)
        task(ENTERED, long_term=True, deadline=None, **common)
        task(ENTERED, long_term=True, deadline=today - 30 * day, **common)  # long-term: never overdue
        task(ENTERED, deadline=today + 60 * day, milestones=[(today - 20 * day, "完成排查"), (today + 10 * day, "完成整治")], **common)
        task(ENTERED, deadline=today + 60 * day, milestones=[(today - 40 * day, long_text), (today - 5 * day, "第二步"),
                                                               (None, "无日期的节点")], **common)
        task(ENTERED, deadline=None, milestones=[(datetime.date(2025, 12, 1), "录入前已过的节点")], **common)  # a warning only
        task(ENTERED, deadline=today - 2 * day, milestones=[(today - 3 * day, "逾期前的节点")], **common)
        task(datetime.datetime(2026, 5, 31, 23, 30, tzinfo=CST), **common)  # the last evening of May, local time
        task(datetime.datetime(2026, 6, 1, 0, 10, tzinfo=CST), **common)  # June the 1st, still May 31st in UTC
        task(datetime.datetime(2026, 6, 11, 9, tzinfo=CST), deadline=today + 8 * day, **common)  # after every period end
        task(ENTERED, deadline=today + 100 * day, units=with_cooperating, region=region, plan=plan)
    # Some milestones done: one of the past ones, the one already past at entry of another task.
    Milestone.objects.filter(text="完成排查", task__region=w.county).update(done=True)
    Milestone.objects.filter(text="录入前已过的节点", task__region=w.county2).update(done=True)
    done = [t for t in tasks if t.deadline == today - 9 * day][:3] + [t for t in tasks if t.long_term][:1]
    for t, state in zip(done, (TaskState.ACCEPTED, TaskState.ANNOUNCED, TaskState.CLOSED, TaskState.CLOSED), strict=True):
        Task.objects.filter(pk=t.pk).update(state=state)
    Task.objects.filter(pk=tasks[1].pk).update(state=TaskState.APPLIED)

    rounds_and_reports(w, tasks)
    return SimpleNamespace(today=today, tasks=tasks, town=town)


def page_tasks(user: Any) -> list[Task]:
    return list(Task.objects.visible_to(user).select_related("region__parent").order_by("plan_id", "id"))


def check(tasks: list[Task], today: datetime.date) -> None:
    for task in tasks:
        assert as_tuple(task.light) == as_tuple(reference_light(task, today)), task.seq  # type: ignore[attr-defined]
        assert task.unit_names == reference_unit_names(task), task.seq  # type: ignore[attr-defined]


def test_the_data_takes_every_branch(varied: SimpleNamespace) -> None:
    lights = [reference_light(t, varied.today) for t in Task.objects.select_related("region")]
    reasons = [r for light in lights for r in light.reasons]
    assert {light.colour for light in lights} == {"green", "yellow", "red"}
    for expected in ("未按期报送进展", "已完成整改", "长期坚持，按序时推进", "今天到期", "按序时推进"):
        assert expected in reasons
    assert any("已过未完成" in r for r in reasons) and any("早于任务录入日期" in r for r in reasons)
    assert any("已超过整改时限" in r for r in reasons) and any("…" in r for r in reasons)
    missing = [reference_missing(t, varied.today) for t in Task.objects.select_related("region")]
    assert 0 < sum(missing) < len(missing) - 10


def test_missing_reports_of_every_round_in_one_query(varied: SimpleNamespace, django_assert_num_queries: Any) -> None:
    from rectify.dispatch.services.queries import missing_report_task_ids

    tasks = [t for t in Task.objects.select_related("region") if t.state not in DONE_STATES]
    expected = {t.pk for t in tasks if reference_missing(t, varied.today)}
    paths = {t.pk: t.region.path for t in tasks}
    assert missing_report_task_ids(paths, varied.today) == expected
    with django_assert_num_queries(2):  # the rounds kept (``core.generations``, its tokens read): the reports of them all
        assert missing_report_task_ids(paths, varied.today) == expected


@pytest.mark.parametrize("who", ["admin", "province_office", "city_office", "county_unit", "other_unit"])
def test_pages_show_the_reference_lights_and_units(varied: SimpleNamespace, world: Any, who: str) -> None:
    tasks = page_tasks(getattr(world, who))
    assert tasks
    for start in range(0, len(tasks), 25):  # the ledger's pages
        page = tasks[start:start + 25]
        prepare_for_display(page)
        attach_unit_names(page)
        check(page, varied.today)


def test_a_task_page_and_single_tasks_show_the_reference_light(varied: SimpleNamespace) -> None:
    for task in varied.tasks:
        shown = Task.objects.select_related("region__parent").prefetch_related("milestones").get(pk=task.pk)
        prepare_for_display([shown])  # as the task's own page: milestones prefetched
        alone = Task.objects.get(pk=task.pk)  # no region loaded, milestones read by the lights
        prepare_for_display([alone])
        attach_unit_names([shown])
        check([shown], varied.today)
        assert as_tuple(alone.light) == as_tuple(shown.light)  # type: ignore[attr-defined]


def test_the_ledger_page_shows_the_reference_lights(varied: SimpleNamespace, world: Any, login: Any) -> None:
    response = login(world.city_office).get(reverse("tasks:ledger"))
    assert response.status_code == 200
    shown = list(response.context["page"].object_list)
    assert len(shown) == 25
    check(shown, varied.today)



def test_a_page_reads_in_one_statement_what_each_read_alone_does(varied: SimpleNamespace, world: Any, make_task: Any,
                                                                   django_assert_num_queries: Any) -> None:
    """The milestones, the missing reports and the unit names of a page asked together (``core.reads``, as the
    ledger asks them) are the rows each read gives alone, in the same order, for tasks with none, one and several
    of each (a milestone without a date among them: NULL sorts where the engine sorts it alone)."""
    from rectify.core.reads import Reads
    from rectify.dispatch.services.queries import missing_report_task_ids
    from rectify.supervision.schedule import milestone_rows, milestones_by_task, milestones_read, missing_report_reads
    from rectify.tasks.views import unit_names_read

    bare = make_task(region=world.county, units={}, measures=[])  # no unit, no milestone
    tasks = [*Task.objects.select_related("region").order_by("id")]
    assert bare.pk in {t.pk for t in tasks}
    ids = [t.pk for t in tasks]
    open_paths = {t.pk: t.region.path for t in tasks if t.state not in DONE_STATES}
    reads = Reads()
    milestones = reads.add(milestones_read(ids))
    missing = [reads.add(read) for read in missing_report_reads(open_paths, varied.today)]
    names = reads.add(unit_names_read(ids))
    with django_assert_num_queries(1):
        reads.run()
    assert len(missing) == 1
    assert milestones.rows == milestones_read(ids).run()
    assert milestones_by_task(milestones.rows) == milestone_rows(ids)
    assert sorted(missing[0].rows) == sorted(missing_report_reads(open_paths, varied.today)[0].run())  # no order asked
    assert {task_id for (task_id,) in missing[0].rows} == missing_report_task_ids(open_paths, varied.today)
    assert names.rows == unit_names_read(ids).run()
    by_task = {t.pk: [name for task_id, name in names.rows if task_id == t.pk] for t in tasks}
    assert by_task == {t.pk: reference_unit_names(t) for t in tasks}

    def spread(counts: list[int]) -> set[int]:
        return {min(n, 2) for n in counts}

    assert spread([len(milestone_rows(ids).get(pk, [])) for pk in ids]) == {0, 1, 2}
    assert any(date is None for _, date, _, _ in milestones.rows)
    assert spread([len(by_task[pk]) for pk in ids]) == {0, 1, 2}
    missing_units = [sum(1 for (task_id,) in missing[0].rows if task_id == pk) for pk in open_paths]
    assert spread(missing_units) == {0, 1, 2}


def test_a_task_page_reads_its_rows_and_light_in_one_statement(varied: SimpleNamespace) -> None:
    """A task's page: its milestones, measures, assignments and light (its missing reports) in one statement,
    the light as the reference's."""
    from rectify.tasks.views import task_page_rows

    tables = ("tasks_milestone", "tasks_measure", "tasks_assignment", "dispatch_progressreport")
    for task in varied.tasks:
        shown = Task.objects.get(pk=task.pk)
        with CaptureQueriesContext(connection) as queries:
            rows = task_page_rows(shown)
        assert len([q for q in queries.captured_queries if any(table in q["sql"] for table in tables)]) == 1
        assert [(m.date, m.text, m.done) for m in rows.milestones] == [
            (m.date, m.text, m.done) for m in Milestone.objects.filter(task=task).order_by("date", "id")]
        assert rows.measures == [m.text for m in task.measures.order_by("order", "id")]
        assert [a.unit_name for a in rows.assignments] == [
            a.unit.name for a in Assignment.objects.filter(task=task).order_by("role", "id")]
        assert as_tuple(shown.light) == as_tuple(reference_light(shown, varied.today))  # type: ignore[attr-defined]
