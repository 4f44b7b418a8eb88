"""The worker's periodic jobs on a fixed clock: who is told what, on which day — and who is not.

One scenario, entered before the first day (tasks, rules, a December round, an announcement, a closed
task with a look-back); then ``manage worker --once`` runs at 09:00 Beijing time on each chosen day,
in order. Each parametrised case replays the days before it and compares the notifications the
worker created on its day with the expected set exactly, so a notice sent too early, twice or not at
all fails the day it happens.
"""
from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from rectify.acceptance import services as acceptance
from rectify.acceptance.models import AcceptanceReview
from rectify.dispatch import services as dispatch
from rectify.notifications.models import Notification
from rectify.supervision import services as supervision
from rectify.supervision.models import LightRule, SupervisionRule
from rectify.tasks.services import transition_task
from rectify.tasks.states import TaskState

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
D = datetime.date


def at(day: datetime.date, hour: int = 9) -> Any:
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=BEIJING), tick=False)


def evidence() -> SimpleUploadedFile:
    return SimpleUploadedFile("现场照片.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


def accepted(world: SimpleNamespace, task: Any) -> Any:
    task = transition_task(task, TaskState.IN_PROGRESS, reason="开始整改")
    application = acceptance.apply_for_acceptance(task, world.county_unit, completion_report="已整改到位", files=[evidence()])
    acceptance.review_application(application, world.reviewer, decision=AcceptanceReview.Decision.ACCEPT,
                                  site_check="现场核查，已整改到位", implemented=True)
    return task


def scenario(world: SimpleNamespace, make_task: Any) -> SimpleNamespace:
    s = SimpleNamespace()
    with at(D(2026, 11, 20)):
        # Lights from missed time nodes only (no report-missing yellows); two yellows in a row draw a notice.
        LightRule.objects.create(region=world.city, yellow_days_before_deadline=20, yellow_when_report_missing=False,
                                 red_when_overdue=True, escalate_after_yellows=2)
        SupervisionRule.objects.create(region=world.city, level="", arrange_days=2, report_days=4, ordinary_done_days=9,
                                       major_done_days=40, working_days=True)
        s.node = make_task(title="节点任务", deadline=D(2027, 6, 30), milestones=[(D(2026, 12, 15), "完成问题排查")])
        s.supervised = make_task(title="督办任务", deadline=D(2027, 6, 30))
        s.announced = accepted(world, make_task(title="公示任务", deadline=D(2027, 6, 30)))
        s.closed = accepted(world, make_task(title="销号任务", deadline=D(2027, 6, 30)))
        acceptance.start_announcement(s.closed, world.city_office)  # 20 November; 5 working days: ends 27 November
    with at(D(2026, 11, 30)):
        acceptance.close_task(s.closed, world.city_office)
        acceptance.schedule_look_backs([s.closed], world.city_office, scheduled_for=D(2027, 3, 1))
    with at(D(2026, 12, 1)):
        s.round = dispatch.open_round(world.city_office, region=world.city, title="2026年12月调度", period_start=D(2026, 12, 1),
                                      period_end=D(2026, 12, 31), due_date=D(2026, 12, 19))
    return s


def before_the_worker(day: datetime.date, world: SimpleNamespace, s: SimpleNamespace) -> None:
    """What people do on ``day`` before the worker's run."""
    if day == D(2026, 12, 10):
        with at(day, 8):
            # Arranging is due in 2 working days: 14 December.
            s.notice = supervision.issue_notice(s.supervised, world.city_office, units=[world.unit_county_env], reason="进度滞后")
            # 5 working days from 11 December: ends 17 December.
            acceptance.start_announcement(s.announced, world.city_office)


def run_day(day: datetime.date, world: SimpleNamespace, s: SimpleNamespace) -> set[tuple[str, str]]:
    """The (recipient, title) of every notification the worker created on ``day``."""
    before_the_worker(day, world, s)
    last = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with at(day):
        call_command("worker", "--once", verbosity=0)
    return {(n.recipient.username, n.title) for n in Notification.objects.filter(pk__gt=last).select_related("recipient")}


def expected(day: datetime.date, s: SimpleNamespace) -> set[tuple[str, str]]:
    from rectify.supervision.models import SupervisionNotice

    auto = SupervisionNotice.objects.filter(task=s.node, automatic=True).first()
    return {
        # 10 December: next year's holidays are not entered — the administrators are told once a month from November.
        D(2026, 12, 10): {("admin", "请录入2027年节假日安排")},
        # 16 December: the round is due in 3 days: the units that have not reported (lead and responsible) are reminded;
        # the notice's arranging step (due 14 December) is late: escalated to both offices.
        # The node of 15 December is missed: a first yellow, no notice yet. The announcement runs until 17 December.
        D(2026, 12, 16): {
            ("county_unit", "调度报送提醒：2026年12月调度"),
            ("lead_unit", "调度报送提醒：2026年12月调度"),
            ("city_office", f"督办单{s.notice.number}部署逾期，已升级督办"),
            ("province_office", f"督办单{s.notice.number}部署逾期，已升级督办"),
        },
        # 17 December: a second yellow in a row: one automatic notice to the units of the node task. No second
        # reminder, no second escalation; the announcement's last day is not yet its end.
        D(2026, 12, 17): {
            (user, f"督办单{auto.number}：请于{auto.arranged_by:%Y年%m月%d日}前部署") for user in ("county_unit", "lead_unit")
        } if auto else {("county_unit", "an automatic notice for the missed node")},
        # 28 December: the announcement ended on 17 December with no objection: the office may close. The automatic
        # notice was not arranged in time: escalated. The node is still missed but draws no second notice; the round is
        # past due (no reminder); the holiday reminder went out this month already.
        D(2026, 12, 28): {
            ("city_office", f"公示期满，可以销号：任务 {s.announced.seq}"),
        } | ({("city_office", f"督办单{auto.number}部署逾期，已升级督办")} if auto else set()),
        # 1 March 2027: the look-back scheduled at closure is due. No holiday reminder before November.
        D(2027, 3, 1): {
            ("city_office", f"回头看到期：任务 {s.closed.seq}"),
        },
        # 2 November 2027: 2028 is not entered — reminded again, once.
        D(2027, 11, 2): {("admin", "请录入2028年节假日安排")},
    }[day]


DAYS = [D(2026, 12, 10), D(2026, 12, 16), D(2026, 12, 17), D(2026, 12, 28), D(2027, 3, 1), D(2027, 11, 2)]


@pytest.mark.parametrize("day", DAYS, ids=[d.isoformat() for d in DAYS])
def test_the_worker_on_a_fixed_clock(day: datetime.date, world: SimpleNamespace, make_task: Any, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    s = scenario(world, make_task)
    for earlier in DAYS[: DAYS.index(day)]:
        run_day(earlier, world, s)
    issued = run_day(day, world, s)
    assert issued == expected(day, s)
    # The same day again, every periodic job due again: nobody is told anything twice.
    count = Notification.objects.count()
    with at(day, 23):
        from rectify.jobs.models import PeriodicRun

        PeriodicRun.objects.update(last_run_at=None)
        call_command("worker", "--once", verbosity=0)
    assert Notification.objects.count() == count
