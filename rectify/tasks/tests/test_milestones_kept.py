"""Editing a task's milestones keeps the rows that did not change, with their done marks."""
from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

from django.urls import reverse
from django.utils import timezone

from rectify.tasks.models import Milestone
from rectify.tests_forms.browser_form import as_post_data, find_form, submitted


def _edit(client: Any, task: Any, **changes: str) -> Any:
    url = reverse("tasks:edit", args=[task.uuid])
    pairs = submitted(find_form(client.get(url).content.decode(), selector="form.task-form"))
    data = as_post_data(pairs)
    data.update(changes)
    return client.post(url, data)


def test_adding_a_milestone_keeps_the_done_one(world: SimpleNamespace, make_task: Any, login: Any) -> None:
    task = make_task(milestones=[(datetime.date(2026, 3, 31), "完成排查"), (datetime.date(2026, 6, 30), "完成整治")])
    done = task.milestones.get(text="完成排查")
    Milestone.objects.filter(pk=done.pk).update(done=True, done_at=timezone.now(), done_by=world.county_unit)
    other = task.milestones.get(text="完成整治")
    client = login(world.city_office)

    response = _edit(client, task, milestones="2026-03-31 完成排查\n2026-09-30 开展复查\n", reason="增加节点")
    assert response.status_code == 302, response.context["form"].errors

    kept = Milestone.objects.get(pk=done.pk)
    assert (kept.task_id, kept.date, kept.text) == (task.pk, datetime.date(2026, 3, 31), "完成排查")
    assert kept.done and kept.done_at is not None and kept.done_by_id == world.county_unit.pk
    assert not Milestone.objects.filter(pk=other.pk).exists()  # removed from the list: gone
    assert sorted((m.date, m.text, m.done) for m in task.milestones.all()) == [
        (datetime.date(2026, 3, 31), "完成排查", True), (datetime.date(2026, 9, 30), "开展复查", False),
    ]


def test_repeated_milestones_are_kept_one_for_one(world: SimpleNamespace, make_task: Any, login: Any) -> None:
    same = (None, "每月开展一次复查")
    task = make_task(milestones=[same, same])
    first, second = task.milestones.order_by("pk")
    Milestone.objects.filter(pk=second.pk).update(done=True)

    response = _edit(login(world.city_office), task, milestones="— 每月开展一次复查\n— 每月开展一次复查\n— 年底总结\n", reason="增加节点")
    assert response.status_code == 302, response.context["form"].errors

    rows = list(task.milestones.order_by("pk"))
    assert [m.pk for m in rows[:2]] == [first.pk, second.pk]
    assert [m.done for m in rows] == [False, True, False]
    assert rows[2].text == "年底总结"


def test_a_unit_with_reports_cannot_be_removed_from_the_task(world: SimpleNamespace, make_task: Any, login: Any) -> None:
    """Assignments are kept by (unit, role); one that holds progress reports is refused, not a 500."""
    from rectify.dispatch import services
    from rectify.dispatch.models import ProgressReport
    from rectify.tasks.models import Assignment

    task = make_task(units={Assignment.Role.LEAD: [world.unit_city_env],
                            Assignment.Role.RESPONSIBLE: [world.unit_county_env, world.unit_county_gov]})
    assignment = task.assignments.get(unit=world.unit_county_env, role=Assignment.Role.RESPONSIBLE)
    today = timezone.localdate()
    round_ = services.open_round(world.city_office, region=world.city, title="本月调度", period_start=today.replace(day=1),
                                 period_end=today + datetime.timedelta(days=20), due_date=today + datetime.timedelta(days=10))
    report = services.submit_report(round_, assignment, world.county_unit, text="已完成排查", schedule="on_schedule", percent=40)
    task.refresh_from_db()
    version = task.version

    response = _edit(login(world.city_office), task, responsible_units=world.unit_county_gov.name, reason="调整分工")
    assert response.status_code == 400
    assert "已有进展报送" in response.content.decode()
    assert ProgressReport.objects.filter(pk=report.pk, assignment=assignment).exists()
    task.refresh_from_db()
    assert task.version == version


def test_milestones_typed_out_of_date_order_are_no_change_the_second_time(world: SimpleNamespace, make_task: Any, login: Any) -> None:
    from rectify.core.models import ChangeRecord

    task = make_task()
    client = login(world.city_office)
    typed = "2026-09-30 开展复查\n2026-03-31 完成排查\n"
    assert _edit(client, task, milestones=typed, reason="增加节点").status_code == 302
    rows = ChangeRecord.objects.filter(task_uuid=task.uuid).count()
    task.refresh_from_db()
    version = task.version
    assert _edit(client, task, milestones=typed).status_code == 302
    task.refresh_from_db()
    assert task.version == version and ChangeRecord.objects.filter(task_uuid=task.uuid).count() == rows
    assert [m.text for m in task.milestones.all()] == ["完成排查", "开展复查"]
