"""The periodic checks: escalation of late steps and automatic notices after repeated yellow lights."""
from __future__ import annotations

import datetime
from typing import Any

import pytest

from rectify.core.models import ChangeRecord
from rectify.supervision import jobs, services
from rectify.supervision.models import LightCheck, LightRule, SupervisionNotice
from rectify.tasks.models import Task
from rectify.tasks.states import TaskState

from .conftest import needs_notifications

pytestmark = pytest.mark.django_db
D = datetime.date
Status = SupervisionNotice.Status


def notice_on(world: Any, task: Any, day: datetime.date) -> SupervisionNotice:
    return services.issue_notice(task, world.city_office, units=[world.unit_county_env], reason="督办", today=day)


def test_escalation_marks_late_steps_once(world: Any, make_task: Any) -> None:
    a = notice_on(world, make_task(), D(2026, 3, 2))  # arrange by 3/3, report by 3/5, done by 3/9
    b = notice_on(world, make_task(), D(2026, 3, 2))
    services.complete_step(b, world.county_unit, "arrange", "已部署")
    assert jobs.escalate_overdue_steps(today=D(2026, 3, 3)) == 0  # the limit day itself is not late
    assert jobs.escalate_overdue_steps(today=D(2026, 3, 4)) == 1
    a.refresh_from_db()
    assert (a.status, a.escalated_step) == (Status.ESCALATED, "arrange")
    assert jobs.escalate_overdue_steps(today=D(2026, 3, 4)) == 0  # idempotent
    assert jobs.escalate_overdue_steps(today=D(2026, 3, 6)) == 1  # b's report step now late
    assert jobs.escalate_overdue_steps(today=D(2026, 3, 6)) == 0
    b.refresh_from_db()
    assert (b.status, b.escalated_step) == (Status.ESCALATED, "report")
    assert ChangeRecord.objects.filter(object_uuid=a.uuid, reason__contains="部署逾期").count() == 1
    # The unit still acts on an escalated notice; the next step can escalate again.
    services.complete_step(a, world.county_unit, "arrange", "补部署")
    a.refresh_from_db()
    assert (a.status, a.escalated_step) == (Status.ARRANGED, "")
    assert jobs.escalate_overdue_steps(today=D(2026, 3, 6)) == 1
    a.refresh_from_db()
    assert a.escalated_step == "report"


def test_escalation_notifies_office_of_region_and_parent(world: Any, make_task: Any) -> None:
    from rectify.notifications.models import Notification

    notice_on(world, make_task(), D(2026, 3, 2))
    jobs.escalate_overdue_steps(today=D(2026, 3, 10))
    notes = Notification.objects.filter(title__contains="逾期")
    assert {n.recipient for n in notes} == {world.city_office, world.province_office}


@needs_notifications
def test_escalation_real_notifications(world: Any, make_task: Any) -> None:
    from rectify.notifications.models import Notification  # type: ignore[import-not-found,unused-ignore]

    notice_on(world, make_task(), D(2026, 3, 2))
    jobs.escalate_overdue_steps(today=D(2026, 3, 10))
    assert Notification.objects.filter(recipient=world.province_office, title__contains="升级督办").count() == 1
    jobs.escalate_overdue_steps(today=D(2026, 3, 10))
    assert Notification.objects.filter(recipient=world.province_office, title__contains="升级督办").count() == 1


def test_extension_after_escalation_restores_step(world: Any, make_task: Any) -> None:
    notice = notice_on(world, make_task(), D(2026, 3, 2))
    jobs.escalate_overdue_steps(today=D(2026, 3, 4))
    item = services.request_extension(notice, world.county_unit, new_date=D(2026, 3, 20), reason="汛期")
    services.decide_extension(item, world.city_office, approve=True, today=D(2026, 3, 5))
    notice.refresh_from_db()
    assert (notice.status, notice.arranged_by) == (Status.ISSUED, D(2026, 3, 20))
    assert jobs.escalate_overdue_steps(today=D(2026, 3, 5)) == 0


def test_closed_and_done_notices_never_escalate(world: Any, make_task: Any) -> None:
    notice = notice_on(world, make_task(), D(2026, 3, 2))
    for step in ("arrange", "report", "done"):
        services.complete_step(notice, world.county_unit, step, "x")
    assert jobs.escalate_overdue_steps(today=D(2026, 12, 1)) == 0


def test_repeated_yellows_issue_a_notice_once(world: Any, make_task: Any) -> None:
    yellow = make_task(deadline=D(2026, 6, 20))  # within 15 days from 6/10
    green = make_task(deadline=D(2026, 12, 31))
    done = make_task(deadline=D(2026, 6, 20))
    Task.objects.filter(pk=done.pk).update(state=TaskState.CLOSED)
    assert jobs.issue_for_repeated_yellows(today=D(2026, 6, 10)) == 2  # two checks, no notice yet
    assert jobs.issue_for_repeated_yellows(today=D(2026, 6, 10)) == 0  # idempotent
    assert not SupervisionNotice.objects.exists()
    assert jobs.issue_for_repeated_yellows(today=D(2026, 6, 11)) == 3  # two checks + one notice
    notice = SupervisionNotice.objects.get()
    assert notice.task_id == yellow.pk and notice.automatic and notice.issued_by is None
    row = ChangeRecord.objects.get(object_uuid=notice.uuid)
    assert (row.user, row.user_name, row.reason) == (None, "系统", "系统自动督办")  # no person issued it
    assert set(notice.units.all()) == {world.unit_city_env, world.unit_county_env}
    assert "连续2次预警黄灯" in notice.reason
    assert LightCheck.objects.get(task=yellow, day=D(2026, 6, 11)).yellow_streak == 2
    assert LightCheck.objects.get(task=green, day=D(2026, 6, 11)).yellow_streak == 0
    assert not LightCheck.objects.filter(task=done).exists()
    assert jobs.issue_for_repeated_yellows(today=D(2026, 6, 11)) == 0
    # An open notice stops a second one on the following days.
    assert jobs.issue_for_repeated_yellows(today=D(2026, 6, 12)) == 2
    assert SupervisionNotice.objects.count() == 1


def test_green_breaks_the_streak_and_rule_threshold(world: Any, make_task: Any) -> None:
    LightRule.objects.create(region=world.city, escalate_after_yellows=3)
    task = make_task(deadline=D(2026, 6, 20))
    jobs.issue_for_repeated_yellows(today=D(2026, 6, 10))
    jobs.issue_for_repeated_yellows(today=D(2026, 6, 11))
    assert not SupervisionNotice.objects.exists()  # needs 3 under the city's rule
    Task.objects.filter(pk=task.pk).update(deadline=D(2026, 12, 31))
    jobs.issue_for_repeated_yellows(today=D(2026, 6, 12))  # green
    Task.objects.filter(pk=task.pk).update(deadline=D(2026, 6, 20))
    jobs.issue_for_repeated_yellows(today=D(2026, 6, 13))
    jobs.issue_for_repeated_yellows(today=D(2026, 6, 14))
    assert not SupervisionNotice.objects.exists()
    jobs.issue_for_repeated_yellows(today=D(2026, 6, 15))
    assert SupervisionNotice.objects.filter(task=task, automatic=True).count() == 1


def test_red_is_not_yellow(world: Any, make_task: Any) -> None:
    make_task(deadline=D(2026, 6, 1))
    for day in (10, 11, 12):
        jobs.issue_for_repeated_yellows(today=D(2026, 6, day))
    assert not SupervisionNotice.objects.exists()
    assert set(LightCheck.objects.values_list("colour", flat=True)) == {"red"}


def test_jobs_registered_with_the_jobs_app() -> None:
    registry = pytest.importorskip("rectify.jobs.registry")
    names = set(getattr(registry, "_periodic", {}))
    assert {"supervision.escalate_overdue_steps", "supervision.issue_for_repeated_yellows"} <= names


def test_escalation_is_recorded_as_the_system(world: Any, make_task: Any) -> None:
    notice = notice_on(world, make_task(), D(2026, 3, 2))
    assert jobs.escalate_overdue_steps(today=D(2026, 3, 4)) == 1
    row = ChangeRecord.objects.filter(object_uuid=notice.uuid).latest("id")
    assert (row.user, row.user_name, row.after["status"]) == (None, "系统", Status.ESCALATED)


def test_only_the_automatic_check_issues_without_a_person(world: Any, make_task: Any) -> None:
    """A notice with no issuer is the automatic one; asked for by nobody otherwise, it is refused."""
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied, match="只有本区域的整改办可以下达督办单"):
        services.issue_notice(make_task(), None, units=[world.unit_county_env], reason="督办", today=D(2026, 3, 2))
    assert not SupervisionNotice.objects.exists()
