"""Time nodes can be done: ticked in a unit's report, marked or moved by the office; automatic notices
fire once per task and cause, and not on day one for nodes already past when the task was entered.

The clock tests run the worker (``manage worker --once``) on consecutive simulated days.
"""
from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from conftest import travel_with_fresh_passwords
from rectify.core.models import ChangeRecord
from rectify.dispatch.models import ProgressReport, ReportingRound
from rectify.supervision import services
from rectify.supervision.models import AutoNoticeCause, LightCheck, SupervisionNotice
from rectify.supervision.schedule import GREEN, YELLOW, light_for
from rectify.tasks.models import Milestone, Task

pytestmark = pytest.mark.django_db
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
D = datetime.date


def at(day: datetime.date) -> Any:
    return travel_with_fresh_passwords(datetime.datetime(day.year, day.month, day.day, 9, tzinfo=SHANGHAI))


def run_worker(day: datetime.date) -> None:
    with at(day):
        call_command("worker", "--once", verbosity=0)


def automatic() -> list[SupervisionNotice]:
    return list(SupervisionNotice.objects.filter(automatic=True).order_by("id"))


def fresh(task: Task) -> Task:
    return Task.objects.get(pk=task.pk)


# ---------------------------------------------------------------- the unit ticks nodes in its report

def test_unit_ticks_completed_milestones_in_its_report(world: Any, make_task: Any, login: Any) -> None:
    with at(D(2026, 5, 1)):
        task = make_task(milestones=[(D(2026, 5, 31), "完成问题排查"), (D(2026, 8, 31), "完成整改")])
    first, second = task.milestones.order_by("date")
    with at(D(2026, 6, 10)):
        assert light_for(fresh(task), D(2026, 6, 10)).colour == YELLOW
        login(world.city_office).post(reverse("dispatch:round_create"), {
            "region": world.city.pk, "title": "2026年6月调度", "period_start": "2026-06-01", "period_end": "2026-06-30",
            "due_date": "2026-07-05"})
        round_ = ReportingRound.objects.get()
        assignment = task.assignments.get(unit=world.unit_county_env)
        unit = login(world.county_unit)
        form_url = reverse("dispatch:report_form", args=[round_.uuid, assignment.uuid])
        page = unit.get(form_url).content.decode()
        assert "本期完成的时间节点" in page and "完成问题排查" in page
        # A node of another task is refused.
        other = make_task(milestones=[(D(2026, 7, 1), "别的任务的节点")]).milestones.get()
        bad = unit.post(form_url, {"text": "排查完成", "schedule": "on_schedule", "version": 0, "milestones": [other.pk]})
        assert bad.status_code == 400 and "所选时间节点不属于该任务" in bad.content.decode()
        assert unit.post(form_url, {"text": "排查完成，建立问题清单", "schedule": "on_schedule", "version": 0,
                                    "milestones": [first.pk]}).status_code == 302
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.done and first.done_by == world.county_unit and not second.done
        row = ChangeRecord.objects.filter(task_uuid=task.uuid, reason__startswith="时间节点完成").get()
        assert "完成问题排查" in row.reason and "区生态环境分局" in row.reason
        assert light_for(fresh(task), D(2026, 6, 10)).colour == GREEN
        # A ticked node is shown done and is no longer offered.
        again = unit.get(form_url)
        assert [c[0] for c in again.context["form"].fields["milestones"].choices] == [second.pk]
        assert ProgressReport.objects.count() == 1


# ---------------------------------------------------------------- the office marks or moves a node

def test_office_marks_and_moves_a_milestone_with_a_reason(world: Any, make_task: Any, login: Any) -> None:
    with at(D(2026, 5, 1)):
        task = make_task(milestones=[(D(2026, 5, 31), "完成问题排查")])
    m = task.milestones.get()
    page_url = reverse("supervision:milestones", args=[task.uuid])
    post_url = reverse("supervision:milestone", args=[task.uuid, m.pk])
    with at(D(2026, 6, 10)):
        office = login(world.city_office)
        assert "完成问题排查" in office.get(page_url).content.decode()
        version = fresh(task).version
        no_reason = office.post(post_url, {f"m{m.pk}-done": "", f"m{m.pk}-date": "2026-07-31", f"m{m.pk}-reason": "",
                                           f"m{m.pk}-version": version}, follow=True)
        assert "标记或调整时间节点须写明理由" in no_reason.content.decode()
        moved = office.post(post_url, {f"m{m.pk}-date": "2026-07-31", f"m{m.pk}-reason": "汛期顺延，经市整改办研究同意",
                                       f"m{m.pk}-version": version}, follow=True)
        assert "时间节点已更新：2026年07月31日，未完成" in moved.content.decode()
        m.refresh_from_db()
        assert m.date == D(2026, 7, 31) and not m.done
        row = ChangeRecord.objects.filter(object_uuid=task.uuid).latest("id")
        assert row.reason == "时间节点2026年05月31日“完成问题排查”调整至2026年07月31日：汛期顺延，经市整改办研究同意"
        assert row.before == {"milestones": [{"date": "2026-05-31", "text": "完成问题排查", "done": False}]}
        assert row.user == world.city_office
        # The page opened before the move is stale: refused, nothing changed.
        stale = office.post(post_url, {f"m{m.pk}-done": "on", f"m{m.pk}-date": "2026-07-31", f"m{m.pk}-reason": "x",
                                       f"m{m.pk}-version": version}, follow=True)
        assert "已被他人修改" in stale.content.decode() and not Milestone.objects.get(pk=m.pk).done
        done = office.post(post_url, {f"m{m.pk}-done": "on", f"m{m.pk}-date": "2026-07-31", f"m{m.pk}-reason": "现场核实已完成",
                                      f"m{m.pk}-version": fresh(task).version}, follow=True)
        assert "时间节点已更新：2026年07月31日，已完成" in done.content.decode()
        assert Milestone.objects.get(pk=m.pk).done
        # Units and read-only roles may not.
        for user in (world.county_unit, world.leader, world.reviewer):
            response = login(user).post(post_url, {f"m{m.pk}-reason": "x", f"m{m.pk}-version": fresh(task).version})
            assert response.status_code == 403 and "只有本区域的整改办可以标记或调整时间节点" in response.content.decode()
        assert login(world.other_unit).get(page_url).status_code == 404


# ---------------------------------------------------------------- the worker on consecutive days

def test_milestone_past_at_entry_is_a_warning_not_a_notice(world: Any, make_task: Any) -> None:
    """A plan imported on 6/1 with a node dated 5/15: nothing fires on day one, two, or ever for that node."""
    with at(D(2026, 6, 1)):
        task = make_task(milestones=[(D(2026, 5, 15), "完成排查"), (D(2026, 9, 30), "完成整改")])
    for day in range(1, 8):
        run_worker(D(2026, 6, day))
    assert automatic() == []
    checks = list(LightCheck.objects.filter(task=task).order_by("day"))
    assert len(checks) == 7 and {c.colour for c in checks} == {GREEN}
    assert any("早于任务录入日期" in r and "请核实" in r for r in checks[0].reasons)
    with at(D(2026, 6, 7)):
        light = light_for(fresh(task), D(2026, 6, 7))
    assert light.colour == GREEN and light.causes == {} and light.warnings


def test_automatic_notice_once_per_cause_until_it_clears(world: Any, make_task: Any) -> None:
    with at(D(2026, 6, 1)):
        task = make_task(milestones=[(D(2026, 6, 10), "完成排查")])
    m = task.milestones.get()
    for day in range(1, 12):  # 6/11: the node is missed → first yellow
        run_worker(D(2026, 6, day))
    assert automatic() == []
    run_worker(D(2026, 6, 12))  # second yellow in a row → one notice
    (first,) = automatic()
    assert "时间节点2026年06月10日“完成排查”已过未完成" in first.reason
    cause = AutoNoticeCause.objects.get()
    assert cause.notice == first and cause.cleared_on is None and cause.cause.startswith("milestone:2026-06-10:")
    # The unit does the steps and the office closes the notice; the node is still not done.
    with at(D(2026, 6, 13)):
        for step in ("arrange", "report", "done"):
            services.complete_step(first, world.county_unit, step, "已办理")
        services.close_notice(first, world.city_office, "pass")
    for day in (13, 14, 15, 16):
        run_worker(D(2026, 6, day))
    assert automatic() == [first]  # the same cause does not fire again
    # The office marks it done: the cause clears.
    with at(D(2026, 6, 17)):
        from rectify.supervision.milestones import set_milestone

        set_milestone(m, world.city_office, done=True, date=m.date, reason="现场核实已完成", expected_version=fresh(task).version)
    run_worker(D(2026, 6, 17))
    assert AutoNoticeCause.objects.get().cleared_on == D(2026, 6, 17)
    # It was not done after all: unmarked, the cause is back and may fire once more.
    with at(D(2026, 6, 18)):
        set_milestone(Milestone.objects.get(pk=m.pk), world.city_office, done=False, date=m.date, reason="复查发现未完成",
                      expected_version=fresh(task).version)
    run_worker(D(2026, 6, 18))
    assert automatic() == [first]
    run_worker(D(2026, 6, 19))
    assert len(automatic()) == 2
    assert AutoNoticeCause.objects.filter(cleared_on__isnull=True).count() == 1
    run_worker(D(2026, 6, 20))
    assert len(automatic()) == 2


def test_two_runs_the_same_day_issue_nothing_more(world: Any, make_task: Any) -> None:
    from rectify.supervision.jobs import issue_for_repeated_yellows

    with at(D(2026, 6, 1)):
        make_task(milestones=[(D(2026, 6, 10), "完成排查")])
    for day in (11, 12):
        issue_for_repeated_yellows(today=D(2026, 6, day))
    assert len(automatic()) == 1
    assert issue_for_repeated_yellows(today=D(2026, 6, 12)) == 0
    assert len(automatic()) == 1


SEEDS = (Path(__file__).resolve().parents[3] / "../shared/seeds").resolve()


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the shared seed documents (../shared/seeds) are not present")
def test_seed_plans_draw_no_notice_on_their_first_days(db: Any) -> None:
    """Plans imported today with nodes dated years ago: two days of the worker issue no automatic notice."""
    import io

    from django.core.management import CommandError

    day = D(2025, 1, 10)
    with at(day):
        call_command("load_regions", stdout=io.StringIO())
        try:
            call_command("import_documents", *sorted(str(p) for p in SEEDS.glob("*.txt")), "--yes", "--skip-invalid",
                         stdout=io.StringIO(), stderr=io.StringIO())
        except CommandError:
            pass  # documents that are not plans (or not importable) are reported and skipped
    past = Milestone.objects.filter(date__lt=day, done=False)
    if not past.exists():
        pytest.skip("the seed plans imported here have no milestone dated before the simulated day")
    run_worker(day)
    run_worker(day + datetime.timedelta(days=1))
    assert LightCheck.objects.filter(day=day + datetime.timedelta(days=1)).exists()
    assert automatic() == []
