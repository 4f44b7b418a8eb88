"""Schedule status and warning lights: the edge cases an office argues about."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from rectify.core import generations
from rectify.regions.models import Region
from rectify.supervision.models import LightRule
from rectify.supervision.schedule import (
    GREEN,
    RED,
    YELLOW,
    ScheduleStatus,
    annotate_lights,
    light_for,
    rule_for_region,
    schedule_status,
)
from rectify.tasks.models import Milestone, Task
from rectify.tasks.states import TaskState

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 15)
# Tasks entered before their milestones fall due: a milestone already past at entry only warns (see below).
ENTERED = datetime.datetime(2026, 1, 1, 9, tzinfo=datetime.UTC)


def with_state(task: Task, state: str) -> Task:
    Task.objects.filter(pk=task.pk).update(state=state)
    return Task.objects.get(pk=task.pk)


def test_on_schedule_far_deadline_is_green(make_task: Any) -> None:
    task = make_task(deadline=datetime.date(2026, 12, 31))
    assert schedule_status(task, TODAY) == ScheduleStatus.ON_SCHEDULE
    light = light_for(task, TODAY)
    assert light.colour == GREEN and light.reasons == ["按序时推进"]


def test_deadline_tomorrow_is_yellow_and_today_still_not_overdue(make_task: Any) -> None:
    task = make_task(deadline=TODAY + datetime.timedelta(days=1))
    assert schedule_status(task, TODAY) == ScheduleStatus.ON_SCHEDULE
    light = light_for(task, TODAY)
    assert light.colour == YELLOW and light.reasons == ["距整改时限仅剩1天"]
    due_today = make_task(deadline=TODAY)
    assert schedule_status(due_today, TODAY) == ScheduleStatus.ON_SCHEDULE
    assert light_for(due_today, TODAY).reasons == ["今天到期"]


def test_yellow_window_boundary(make_task: Any) -> None:
    assert light_for(make_task(deadline=TODAY + datetime.timedelta(days=15)), TODAY).colour == YELLOW
    assert light_for(make_task(deadline=TODAY + datetime.timedelta(days=16)), TODAY).colour == GREEN


def test_overdue_is_red_or_yellow_by_rule(make_task: Any, world: Any) -> None:
    task = make_task(deadline=TODAY - datetime.timedelta(days=3))
    assert schedule_status(task, TODAY) == ScheduleStatus.OVERDUE
    light = light_for(task, TODAY)
    assert light.colour == RED and "3天" in light.reasons[0]
    assert light_for(task, TODAY, LightRule(region=world.county, red_when_overdue=False)).colour == YELLOW


def test_milestone_passed_unmet_is_behind_and_yellow(make_task: Any) -> None:
    with time_machine.travel(ENTERED, tick=False):
        task = make_task(milestones=[(datetime.date(2026, 3, 31), "完成排查"), (datetime.date(2026, 9, 30), "完成清理")])
    assert schedule_status(task, TODAY) == ScheduleStatus.BEHIND
    light = light_for(task, TODAY)
    assert light.colour == YELLOW
    assert light.reasons == ["时间节点2026年03月31日“完成排查”已过未完成"]
    Milestone.objects.filter(task=task, text="完成排查").update(done=True)
    task = Task.objects.get(pk=task.pk)
    assert schedule_status(task, TODAY) == ScheduleStatus.ON_SCHEDULE
    assert light_for(task, TODAY).colour == GREEN


def test_long_term_never_overdue(make_task: Any) -> None:
    task = make_task(long_term=True, deadline=datetime.date(2025, 1, 1), deadline_text="长期坚持")
    assert schedule_status(task, TODAY) == ScheduleStatus.LONG_TERM
    light = light_for(task, TODAY)
    assert light.colour == GREEN and light.reasons == ["长期坚持，按序时推进"]
    with time_machine.travel(ENTERED - datetime.timedelta(days=30), tick=False):
        behind = make_task(long_term=True, deadline=None, milestones=[(datetime.date(2026, 1, 1), "年度评估")])
    assert schedule_status(behind, TODAY) == ScheduleStatus.BEHIND


@pytest.mark.parametrize("state", [TaskState.ACCEPTED, TaskState.ANNOUNCED, TaskState.CLOSED])
def test_done_tasks_are_green_even_past_deadline(make_task: Any, state: str) -> None:
    task = with_state(make_task(deadline=TODAY - datetime.timedelta(days=100), milestones=[(datetime.date(2026, 1, 1), "x")]), state)
    assert schedule_status(task, TODAY) == ScheduleStatus.DONE
    assert light_for(task, TODAY).colour == GREEN


def test_applied_task_past_deadline_still_overdue(make_task: Any) -> None:
    task = with_state(make_task(deadline=TODAY - datetime.timedelta(days=1)), TaskState.APPLIED)
    assert schedule_status(task, TODAY) == ScheduleStatus.OVERDUE


def test_report_missing_counts_only_when_rule_says_so(make_task: Any, world: Any) -> None:
    task = make_task()
    assert light_for(task, TODAY, report_missing=True).colour == YELLOW
    rule = LightRule(region=world.county, yellow_when_report_missing=False)
    assert light_for(task, TODAY, rule, report_missing=True).colour == GREEN


def test_nearest_rule_up_the_path_wins(world: Any, make_task: Any) -> None:
    LightRule.objects.create(region=world.province, yellow_days_before_deadline=60)
    LightRule.objects.create(region=world.city, yellow_days_before_deadline=30)
    LightRule.objects.create(region=world.county2, yellow_days_before_deadline=5)
    assert rule_for_region(world.county).yellow_days_before_deadline == 30  # inherits the city's
    assert rule_for_region(world.county2).yellow_days_before_deadline == 5  # its own
    assert rule_for_region(world.other_city).yellow_days_before_deadline == 60  # the province's
    town = Region.objects.create(code="140502001", name="某街道", level="town", parent=world.county, path=f"{world.county.path}140502001/")
    assert rule_for_region(town).yellow_days_before_deadline == 30
    in_county = make_task(deadline=TODAY + datetime.timedelta(days=20))
    in_county2 = make_task(deadline=TODAY + datetime.timedelta(days=20), region=world.county2)
    lights = annotate_lights([in_county, in_county2], TODAY)
    assert lights[in_county.pk].colour == YELLOW  # 20 ≤ 30
    assert lights[in_county2.pk].colour == GREEN  # 20 > 5


def test_default_rule_without_any_configured(world: Any) -> None:
    rule = rule_for_region(world.county)
    assert (rule.yellow_days_before_deadline, rule.yellow_when_report_missing, rule.red_when_overdue, rule.escalate_after_yellows) == (15, True, True, 2)


def test_annotate_lights_fixed_queries(make_task: Any, django_assert_max_num_queries: Any) -> None:
    with time_machine.travel(ENTERED, tick=False):
        for i in range(12):
            make_task(deadline=TODAY + datetime.timedelta(days=i * 3), milestones=[(datetime.date(2026, 5, 1), f"节点{i}")])
    tasks = list(Task.objects.all())
    generations.forget()
    with django_assert_max_num_queries(5):  # the tokens, the rules, the milestones, the rounds, the missing reports
        lights = annotate_lights(tasks, TODAY)
    assert len(lights) == 12 and all(light.colour == YELLOW for light in lights.values())
    with django_assert_max_num_queries(3):  # the rules and the rounds kept: the tokens, the milestones, the reports
        assert annotate_lights(tasks, TODAY) == lights
    prefetched = list(Task.objects.prefetch_related("milestones"))
    with django_assert_max_num_queries(2):
        annotate_lights(prefetched, TODAY)
    assert annotate_lights([], TODAY) == {}


def test_attach_lights_for_templates(make_task: Any) -> None:
    from rectify.supervision.schedule import attach_lights

    task = make_task(deadline=TODAY - datetime.timedelta(days=1))
    (same,) = attach_lights([Task.objects.get(pk=task.pk)], TODAY)
    assert same.light.colour == RED and same.light.label == "红灯"  # type: ignore[attr-defined]


def test_missing_progress_report_from_dispatch(world: Any, make_task: Any) -> None:
    dispatch = pytest.importorskip("rectify.dispatch.models")
    with time_machine.travel(ENTERED, tick=False):  # before the round is due (made later, it owes no report)
        task = make_task()
    assert annotate_lights([task], TODAY)[task.pk].colour == GREEN
    dispatch.ReportingRound.objects.create(region=world.city, title="2026年5月调度", period_start=datetime.date(2026, 5, 1),
                                           period_end=datetime.date(2026, 12, 31), due_date=datetime.date(2026, 6, 5))
    light = annotate_lights([task], TODAY)[task.pk]
    assert light.colour == YELLOW and "未按期报送进展" in light.reasons
    LightRule.objects.create(region=world.county, yellow_when_report_missing=False)
    assert annotate_lights([task], TODAY)[task.pk].colour == GREEN


def test_the_ledger_pages_show_the_light_supervision_registers(make_task: Any, world: Any, login: Any) -> None:
    """The ledger does not import supervision: supervision registers ``attach_lights`` (``tasks.hooks.on_show``)."""
    from django.urls import reverse

    from rectify.tasks.hooks import prepare_for_display

    task = make_task(deadline=datetime.date(2020, 1, 1))  # long overdue: red
    prepare_for_display([task])
    assert task.light.colour == "red"  # type: ignore[attr-defined]
    client = login(world.city_office)
    assert 'class="light light-red"' in client.get(reverse("tasks:ledger")).content.decode()
    assert 'class="light light-red"' in client.get(reverse("tasks:detail", args=[task.uuid])).content.decode()
