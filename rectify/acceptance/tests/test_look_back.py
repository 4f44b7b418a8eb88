"""Look-back (回头看) through HTTP: scheduling one or many, consolidated, relapse reopens and
keeps the earlier closure on file, the periodic checks, scope and roles."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import png_bytes
from rectify.acceptance import jobs, services
from rectify.acceptance.models import AcceptanceApplication, Closure, LookBack, Objection
from rectify.core.models import ChangeRecord
from rectify.tasks.models import Task
from rectify.tasks.states import TaskState

from .conftest import exe_bytes
from .test_flow import accepted_task, announce, apply, elapse, fresh, messages_of, review, url

pytestmark = pytest.mark.django_db

try:
    from rectify.notifications.models import Notification
except ImportError:  # pragma: no cover - the notifications app is written in parallel
    Notification = None  # type: ignore[assignment,misc]

needs_notifications = pytest.mark.skipif(Notification is None, reason="notifications app not yet present")


def close(world: Any, login: Any, task: Task) -> Closure:
    office = login(world.city_office)
    assert announce(office, task).status_code == 302
    elapse(task)
    response = office.post(url("close", task), {"version": fresh(task).version}, follow=True)
    assert fresh(task).state == TaskState.CLOSED, messages_of(response)
    return Closure.objects.filter(task=task).order_by("-id")[0]


def closed_task(world: Any, make_task: Any, login: Any) -> Task:
    task = accepted_task(world, make_task, login)
    close(world, login, task)
    return fresh(task)


def schedule_one(client: Any, task: Task, day: datetime.date | None = None) -> Any:
    day = day or timezone.localdate()
    return client.post(reverse("acceptance:look_back_schedule_one", args=[task.uuid]), {"scheduled_for": day.isoformat()}, follow=True)


def record(client: Any, look_back: LookBack, result: str, finding: str = "现场复查，河道两岸保持整洁。", files: Any = ()) -> Any:
    return client.post(reverse("acceptance:look_back", args=[look_back.uuid]),
                       {"result": result, "finding": finding, "version": fresh(look_back.task).version, "evidence": list(files)})


def test_schedule_one_and_record_consolidated(world: Any, make_task: Any, login: Any) -> None:
    task = closed_task(world, make_task, login)
    office = login(world.city_office)
    response = schedule_one(office, task)
    assert "已安排回头看" in "".join(messages_of(response))
    look_back = LookBack.objects.get(task=task)
    assert look_back.closure == Closure.objects.get(task=task) and look_back.scheduled_by == world.city_office
    assert look_back.result == "" and "待回头看" in response.content.decode()
    # Scheduling again while one is pending adds nothing.
    again = schedule_one(office, task)
    assert "已安排回头看，尚未记录结论" in "".join(messages_of(again)) and LookBack.objects.count() == 1

    reviewer = login(world.reviewer)
    page = reviewer.get(reverse("acceptance:look_back", args=[look_back.uuid]))
    assert page.status_code == 200 and "记录回头看结论" in page.content.decode()
    photo = SimpleUploadedFile("复查照片.png", png_bytes(), "image/png")
    response = record(reviewer, look_back, "consolidated", files=[photo])
    assert response.status_code == 302
    look_back.refresh_from_db()
    assert look_back.result == "consolidated" and look_back.checker == world.reviewer and look_back.done_at is not None
    evidence = list(look_back.evidence.all())
    assert [e.kind for e in evidence] == ["png"] and evidence[0].file.name.startswith("evidence/")
    assert fresh(task).state == TaskState.CLOSED
    download = reviewer.get(reverse("acceptance:look_back_evidence", args=[evidence[0].uuid]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == png_bytes()
    file_page = office.get(url("file", task)).content.decode()
    assert "巩固" in file_page and Closure.objects.get(task=task).number in file_page
    assert ChangeRecord.objects.filter(object_type="acceptance.lookback", task_uuid=task.uuid).count() == 2
    # A second finding on the same look-back is refused.
    assert record(reviewer, look_back, "relapse").status_code == 400


def test_relapse_reopens_and_keeps_the_earlier_closure(world: Any, make_task: Any, login: Any) -> None:
    task = closed_task(world, make_task, login)
    first = Closure.objects.get(task=task)
    office = login(world.city_office)
    schedule_one(office, task)
    look_back = LookBack.objects.get(task=task)
    response = record(office, look_back, "relapse", finding="河道两岸再次出现垃圾堆放")
    assert response.status_code == 302
    task = fresh(task)
    assert task.state == TaskState.REOPENED
    reason = ChangeRecord.objects.filter(task_uuid=task.uuid, action="transition").order_by("-id").values_list("reason", flat=True)[0]
    assert reason.startswith("回头看发现反弹：河道两岸再次出现垃圾堆放") and first.number in reason

    # The loop runs again: apply, review, announce, close — a new closure number.
    assert apply(login(world.county_unit), task).status_code == 302
    application = AcceptanceApplication.objects.filter(task=task).order_by("-id")[0]
    assert review(login(world.reviewer), application).status_code == 302
    second = close(world, login, fresh(task))
    assert second.pk != first.pk and second.seq == first.seq + 1
    look_back.refresh_from_db()
    assert look_back.closure == first and look_back.result == "relapse"

    page = office.get(url("file", task)).content.decode()
    page = page[page.index("<h2>销号</h2>"):]
    order = [page.index(first.number), page.index("反弹"), page.index("重新整改", page.index("反弹")), page.index(second.number)]
    assert order == sorted(order), "closed → relapse → reopened → closed again"
    # The second closure can be looked back at in turn.
    assert "安排回头看" in page


def test_bulk_schedule_by_inspection_and_age(world: Any, make_task: Any, login: Any) -> None:
    tasks = [closed_task(world, make_task, login) for _ in range(3)]
    old = timezone.localdate() - datetime.timedelta(days=220)
    Closure.objects.filter(task__in=tasks[:2]).update(closed_on=old)
    office = login(world.city_office)
    form = office.get(reverse("acceptance:look_back_schedule"))
    assert form.status_code == 200 and str(world.inspection) in form.content.decode()
    day = timezone.localdate() + datetime.timedelta(days=7)
    data = {"inspection": world.inspection.pk, "closed_months": 6, "scheduled_for": day.isoformat()}
    response = office.post(reverse("acceptance:look_back_schedule"), data, follow=True)
    assert "已安排 2 项回头看" in "".join(messages_of(response))
    assert set(LookBack.objects.values_list("task_id", flat=True)) == {tasks[0].pk, tasks[1].pk}
    # Running the same selection again schedules nothing more.
    again = office.post(reverse("acceptance:look_back_schedule"), data)
    assert again.status_code == 400 and "没有符合条件" in again.content.decode() and LookBack.objects.count() == 2
    # All closed tasks (0 months): only the third is left.
    office.post(reverse("acceptance:look_back_schedule"), {**data, "closed_months": 0, "inspection": ""})
    assert LookBack.objects.count() == 3
    bad = office.post(reverse("acceptance:look_back_schedule"), {**data, "scheduled_for": "明天"})
    assert bad.status_code == 400 and "计划回头看日期" in bad.content.decode()


def test_roles_and_scope(world: Any, make_task: Any, login: Any) -> None:
    task = closed_task(world, make_task, login)
    unit = login(world.county_unit)
    assert unit.get(reverse("acceptance:look_back_schedule")).status_code == 403
    assert login(world.leader).post(reverse("acceptance:look_back_schedule"), {}).status_code == 403
    assert schedule_one(unit, task).status_code == 403
    assert schedule_one(login(world.other_unit), task).status_code == 404
    schedule_one(login(world.city_office), task)
    look_back = LookBack.objects.get(task=task)
    assert login(world.other_unit).get(reverse("acceptance:look_back", args=[look_back.uuid])).status_code == 404
    assert record(login(world.leader), look_back, "consolidated").status_code == 403
    assert record(unit, look_back, "consolidated").status_code == 403
    # The unit sees the look-back (read only).
    page = unit.get(reverse("acceptance:look_back", args=[look_back.uuid]))
    assert page.status_code == 200 and "记录回头看结论" not in page.content.decode()
    assert LookBack.objects.get(pk=look_back.pk).result == ""
    assert login(world.other_unit).get(reverse("acceptance:look_backs")).content.decode().count(look_back.closure.number) == 0


def test_only_closed_tasks_and_real_findings(world: Any, make_task: Any, login: Any) -> None:
    open_task = make_task()
    office = login(world.city_office)
    response = schedule_one(office, open_task)
    assert "销号后才能安排回头看" in "".join(messages_of(response)) and not LookBack.objects.exists()
    task = closed_task(world, make_task, login)
    schedule_one(office, task)
    look_back = LookBack.objects.get(task=task)
    empty = record(office, look_back, "consolidated", finding="  ")
    assert empty.status_code == 400 and "核查情况" in empty.content.decode()
    exe = SimpleUploadedFile("复查.pdf", exe_bytes(), "application/pdf")
    refused = record(office, look_back, "consolidated", files=[exe])
    assert refused.status_code == 400 and "不是允许的类型" in refused.content.decode()
    assert LookBack.objects.get(pk=look_back.pk).result == "" and fresh(task).state == TaskState.CLOSED


def test_list_paginates_filters_and_keeps_queries_flat(world: Any, make_task: Any, login: Any, django_assert_max_num_queries: Any) -> None:
    office = login(world.city_office)
    empty = office.get(reverse("acceptance:look_backs"))
    assert empty.status_code == 200 and "暂无回头看记录" in empty.content.decode()
    tasks = [closed_task(world, make_task, login) for _ in range(4)]
    services.schedule_look_backs(tasks, world.city_office, scheduled_for=timezone.localdate())
    with django_assert_max_num_queries(12):
        response = office.get(reverse("acceptance:look_backs"))
    assert response.status_code == 200 and response.content.decode().count("待回头看") >= 4
    record(office, LookBack.objects.get(task=tasks[0]), "consolidated")
    consolidated = office.get(reverse("acceptance:look_backs"), {"status": "consolidated"}).content.decode()
    assert tasks[0].display_title[:10] in consolidated and tasks[1].display_title[:10] not in consolidated
    from rectify.acceptance import views
    views.LookBackList.paginate_by, old = 2, views.LookBackList.paginate_by
    try:
        page2 = office.get(reverse("acceptance:look_backs"), {"page": 2}).content.decode()
    finally:
        views.LookBackList.paginate_by = old
    assert "第 2 / 2 页" in page2


def test_months_before_clamps_the_day() -> None:
    assert services.months_before(datetime.date(2026, 8, 31), 6) == datetime.date(2026, 2, 28)
    assert services.months_before(datetime.date(2026, 3, 15), 6) == datetime.date(2025, 9, 15)


@needs_notifications
def test_lookbacks_due_notifies_once(world: Any, make_task: Any, login: Any) -> None:
    task = closed_task(world, make_task, login)
    day = datetime.date(2031, 5, 10)
    services.schedule_look_backs([task], world.city_office, scheduled_for=day)
    assert jobs.lookbacks_due(today=day - datetime.timedelta(days=1)) == 0
    assert jobs.lookbacks_due(today=day) == 1
    notes = Notification.objects.filter(title__startswith="回头看到期")
    assert list(notes.values_list("recipient__username", flat=True)) == ["city_office"]
    assert jobs.lookbacks_due(today=day) == 0 and jobs.lookbacks_due(today=day + datetime.timedelta(days=3)) == 0
    assert Notification.objects.filter(title__startswith="回头看到期").count() == 1
    look_back = LookBack.objects.get(task=task)
    assert notes.get().url == reverse("acceptance:look_back", args=[look_back.uuid])


@needs_notifications
def test_announcement_periods_ended_notifies_once(world: Any, make_task: Any, login: Any) -> None:
    office = login(world.city_office)
    quiet, objected = accepted_task(world, make_task, login), accepted_task(world, make_task, login)
    start = timezone.localdate()
    for task in (quiet, objected):
        assert announce(office, task, starts_on=start.isoformat()).status_code == 302
    announcement = objected.announcements.get()
    services.record_objection(announcement, world.city_office, content="垃圾仍有堆放", today=start)
    ends_on = quiet.announcements.get().ends_on
    assert jobs.announcement_periods_ended(today=ends_on) == 0
    after = ends_on + datetime.timedelta(days=1)
    assert jobs.announcement_periods_ended(today=after) == 1
    notes = Notification.objects.filter(title__contains="可以销号")
    assert [n.recipient.username for n in notes] == ["city_office"] and str(quiet.seq) in notes.get().title
    assert jobs.announcement_periods_ended(today=after) == 0
    # Once the objection is rejected, the second task may be closed too — told once.
    services.resolve_objection(Objection.objects.get(), world.city_office, resolution="rejected", note="经核实不属实")
    assert jobs.announcement_periods_ended(today=after) == 1
    assert jobs.announcement_periods_ended(today=after) == 0
    assert Notification.objects.filter(title__contains="可以销号").count() == 2
