"""The supervision loop through HTTP, by the users who do it."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from rectify.core.models import ChangeRecord
from rectify.supervision.models import ExtensionRequest, SupervisionNotice
from rectify.tasks.states import TaskState

from .conftest import needs_notifications

pytestmark = pytest.mark.django_db
Status = SupervisionNotice.Status


def url(name: str, obj: Any) -> str:
    return reverse(f"supervision:{name}", args=[obj.uuid])


def fresh(n: SupervisionNotice) -> SupervisionNotice:
    return SupervisionNotice.objects.get(pk=n.pk)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def issue(client: Any, task: Any, units: list[Any], **extra: Any) -> Any:
    return client.post(url("issue", task), {"units": [u.pk for u in units], "kind": "ordinary", "reason": "整改进度滞后，请加快推进", **extra})


def issued(world: Any, make_task: Any, login: Any, **task_kw: Any) -> SupervisionNotice:
    task = make_task(**task_kw)
    response = issue(login(world.city_office), task, [world.unit_county_env])
    assert response.status_code == 302, response.content.decode()
    return SupervisionNotice.objects.get(task=task)


def step(client: Any, notice: SupervisionNotice, name: str, text: str = "已召开专题会议部署") -> Any:
    return client.post(url(name, notice), {"text": text, "version": fresh(notice).version}, follow=True)


def test_issue_form_and_notice(world: Any, make_task: Any, login: Any) -> None:
    task = make_task()
    office = login(world.city_office)
    page = office.get(url("issue", task))
    assert page.status_code == 200 and "下达督办单" in page.content.decode() and "区生态环境分局" in page.content.decode()
    response = issue(office, task, [world.unit_county_env])
    notice = SupervisionNotice.objects.get(task=task)
    assert response.status_code == 302 and response["Location"] == url("detail", notice)
    today = timezone.localdate()
    assert notice.status == Status.ISSUED and notice.issued_by == world.city_office and notice.region == world.city
    assert notice.number == f"晋城督办〔{today.year}〕1号"
    assert (notice.arranged_by, notice.first_report_by, notice.done_by) == (
        today + datetime.timedelta(days=1), today + datetime.timedelta(days=3), today + datetime.timedelta(days=7))
    assert list(notice.units.all()) == [world.unit_county_env]
    assert ChangeRecord.objects.filter(object_uuid=notice.uuid, action="create", task_uuid=task.uuid).exists()
    detail = office.get(url("detail", notice)).content.decode()
    assert notice.number in detail and "办理进程" in detail and "部署" in detail


def test_issue_form_validation(world: Any, make_task: Any, login: Any) -> None:
    task = make_task()
    office = login(world.city_office)
    empty = issue(office, task, [], reason="  ")
    assert empty.status_code == 400
    body = empty.content.decode()
    assert "请至少选择一个督办单位" in body and "请填写督办事由" in body
    stranger = issue(office, task, [world.unit_other_env])
    assert stranger.status_code == 400 and "督办单位" in stranger.content.decode()
    done_task = make_task()
    type(done_task).objects.filter(pk=done_task.pk).update(state=TaskState.CLOSED)
    refused = issue(office, done_task, [world.unit_county_env])
    assert refused.status_code == 400 and "无需督办" in refused.content.decode()
    assert not SupervisionNotice.objects.exists()


@needs_notifications
def test_issue_notifies_unit_users(world: Any, make_task: Any, login: Any) -> None:
    from rectify.notifications.models import Notification  # type: ignore[import-not-found,unused-ignore]

    issued(world, make_task, login)
    assert Notification.objects.filter(recipient=world.county_unit).exists()
    assert not Notification.objects.filter(recipient=world.other_unit).exists()


def test_every_step_and_refusals(world: Any, make_task: Any, login: Any) -> None:
    notice = issued(world, make_task, login)
    unit = login(world.county_unit)
    # Out of order: report before arranging.
    r = step(unit, notice, "report", "已回复")
    assert "当前应办理的环节是“部署”" in "".join(messages_of(r)) and fresh(notice).reported_at is None
    # Empty text.
    r = step(unit, notice, "arrange", "")
    assert "请填写办理情况" in "".join(messages_of(r))
    r = step(unit, notice, "arrange")
    assert fresh(notice).status == Status.ARRANGED and fresh(notice).arrangement == "已召开专题会议部署"
    # Stale version refused.
    r = unit.post(url("report", notice), {"text": "x", "version": 1}, follow=True)
    assert "已被他人修改" in "".join(messages_of(r)) and fresh(notice).status == Status.ARRANGED
    step(unit, notice, "report", "已完成排查，正在清理")
    assert fresh(notice).status == Status.REPORTED
    r = step(unit, notice, "arrange")
    assert "当前应办理的环节是“办结”" in "".join(messages_of(r))
    step(unit, notice, "done", "垃圾已全部清理")
    n = fresh(notice)
    assert n.status == Status.DONE and n.current_step == "" and n.done_report == "垃圾已全部清理"
    r = step(unit, notice, "done", "再报一次")
    assert "等待整改办审核" in "".join(messages_of(r))
    transitions = ChangeRecord.objects.filter(object_uuid=notice.uuid, action="transition")
    assert transitions.count() == 3
    # The office cannot do the unit's steps; the unit cannot grade.
    assert login(world.city_office).post(url("arrange", notice), {"text": "x", "version": n.version}).status_code == 403
    assert unit.post(url("close", notice), {"grade": "good", "version": n.version}).status_code == 403


def test_grading_and_send_back(world: Any, make_task: Any, login: Any) -> None:
    notice = issued(world, make_task, login)
    unit, office = login(world.county_unit), login(world.city_office)
    r = office.post(url("close", notice), {"grade": "good", "version": fresh(notice).version}, follow=True)
    assert "报办结后才能评定" in "".join(messages_of(r))
    for name in ("arrange", "report", "done"):
        step(unit, notice, name, f"{name}情况")
    r = office.post(url("send_back", notice), {"reason": "", "version": fresh(notice).version}, follow=True)
    assert "退回须写明原因" in "".join(messages_of(r))
    r = office.post(url("close", notice), {"grade": "fail", "version": fresh(notice).version}, follow=True)
    assert fresh(notice).status == Status.DONE and messages_of(r)
    office.post(url("send_back", notice), {"reason": "现场仍有垃圾", "version": fresh(notice).version})
    n = fresh(notice)
    assert (n.status, n.grade, n.review_note, n.send_backs) == (Status.ISSUED, "fail", "现场仍有垃圾", 1)
    assert n.arranged_at is None and n.done_at is None and n.arranged_by == timezone.localdate() + datetime.timedelta(days=1)
    assert ChangeRecord.objects.filter(object_uuid=n.uuid, reason__contains="现场仍有垃圾").exists()
    for name in ("arrange", "report", "done"):
        step(unit, notice, name, f"{name}情况（重办）")
    office.post(url("close", notice), {"grade": "excellent", "note": "整改彻底", "version": fresh(notice).version})
    n = fresh(notice)
    assert (n.status, n.grade, n.closed_by) == (Status.CLOSED, "excellent", world.city_office)
    r = step(unit, notice, "arrange")
    assert "已销号" in "".join(messages_of(r))
    assert "优秀" in office.get(url("detail", notice)).content.decode()


def test_extension_approve_and_refuse(world: Any, make_task: Any, login: Any) -> None:
    notice = issued(world, make_task, login)
    unit, office = login(world.county_unit), login(world.city_office)
    old = notice.arranged_by
    new = old + datetime.timedelta(days=5)
    r = unit.post(url("extension", notice), {"new_date": old.isoformat(), "reason": "汛期"}, follow=True)
    assert "须晚于原时限" in "".join(messages_of(r))
    r = unit.post(url("extension", notice), {"new_date": "", "reason": ""}, follow=True)
    assert "请填写申请延至的日期" in "".join(messages_of(r))
    unit.post(url("extension", notice), {"new_date": new.isoformat(), "reason": "汛期无法施工"})
    item = ExtensionRequest.objects.get(notice=notice)
    assert (item.step, item.old_date, item.new_date, item.decision) == ("arrange", old, new, "")
    r = unit.post(url("extension", notice), {"new_date": new.isoformat(), "reason": "再申请"}, follow=True)
    assert "已有待审批的延期申请" in "".join(messages_of(r))
    assert unit.post(url("decide", item), {"decision": "approved"}).status_code == 403
    office.post(url("decide", item), {"decision": "approved", "note": "同意"})
    item.refresh_from_db()
    assert item.decision == "approved" and item.decided_by == world.city_office
    assert fresh(notice).arranged_by == new
    history = ChangeRecord.objects.filter(object_uuid=notice.uuid, action="update").first()
    assert history is not None and history.before == {"arranged_by": old.isoformat()} and history.after == {"arranged_by": new.isoformat()}
    r = office.post(url("decide", item), {"decision": "refused", "note": "x"}, follow=True)
    assert "已审批" in "".join(messages_of(r))
    # A second request, refused: the date stays.
    unit.post(url("extension", notice), {"new_date": (new + datetime.timedelta(days=9)).isoformat(), "reason": "还需时间"})
    second = ExtensionRequest.objects.filter(notice=notice).order_by("-id").first()
    assert second is not None
    r = office.post(url("decide", second), {"decision": "refused", "note": ""}, follow=True)
    assert "不同意延期须写明理由" in "".join(messages_of(r))
    office.post(url("decide", second), {"decision": "refused", "note": "理由不充分"})
    second.refresh_from_db()
    assert second.decision == "refused" and fresh(notice).arranged_by == new
    page = office.get(url("detail", notice)).content.decode()
    assert "同意延期" in page and "不同意延期" in page


def test_scope_other_unit_404_leader_403(world: Any, make_task: Any, login: Any) -> None:
    notice = issued(world, make_task, login)
    other = login(world.other_unit)
    assert other.get(url("detail", notice)).status_code == 404
    assert other.post(url("arrange", notice), {"text": "x", "version": 1}).status_code == 404
    assert other.get(url("issue", notice.task)).status_code == 404
    assert notice.number not in other.get(reverse("supervision:list")).content.decode()
    leader = login(world.leader)
    assert leader.get(url("detail", notice)).status_code == 200
    assert leader.get(url("issue", notice.task)).status_code == 403
    assert issue(leader, notice.task, [world.unit_county_env]).status_code == 403
    assert leader.post(url("arrange", notice), {"text": "x", "version": 1}).status_code == 403
    assert leader.post(url("close", notice), {"grade": "good", "version": 1}).status_code == 403
    assert leader.post(url("send_back", notice), {"reason": "x", "version": 1}).status_code == 403
    # A unit sees only the notices addressed to it: the lead unit of the task was not.
    lead = login(world.lead_unit)
    assert lead.get(url("detail", notice)).status_code == 404
    assert lead.post(url("arrange", notice), {"text": "x", "version": 1}).status_code == 404
    # Another city's office cannot see it; the province office can and may issue.
    other_task = make_task(region=world.other_city, plan=world.other_plan, units={"responsible": [world.unit_other_env]})
    assert login(world.city_office).get(url("issue", other_task)).status_code == 404
    assert login(world.province_office).get(url("detail", notice)).status_code == 200
    assert login(world.nobody).get(url("detail", notice)).status_code == 404
    assert login(world.nobody).get(reverse("supervision:list")).status_code == 200
    from django.test import Client

    anonymous = Client().get(reverse("supervision:list"))
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]


def test_list_filters_pagination_and_queries(world: Any, make_task: Any, login: Any, django_assert_max_num_queries: Any) -> None:
    from rectify.supervision import services

    tasks = [make_task() for _ in range(23)]
    notices = [services.issue_notice(t, world.city_office, units=[world.unit_county_env, world.unit_city_env], reason="督办",
                                     today=datetime.date(2026, 1, 5)) for t in tasks]
    county2_task = make_task(region=world.county2, units={"responsible": [world.unit_county2_gov]})
    late = services.issue_notice(county2_task, world.city_office, units=[world.unit_county2_gov], reason="督办", today=timezone.localdate())
    office = login(world.city_office)
    with django_assert_max_num_queries(16):
        page1 = office.get(reverse("supervision:list"))
    assert page1.status_code == 200 and "第 1 / 2 页，共 24 条" in page1.content.decode()
    page2 = office.get(reverse("supervision:list") + "?page=2")
    assert "第 2 / 2 页" in page2.content.decode()
    by_region = office.get(reverse("supervision:list"), {"region": world.county2.pk}).content.decode()
    assert late.number in by_region and notices[0].number not in by_region
    by_late = office.get(reverse("supervision:list"), {"late": "arrange"}).content.decode()
    assert "共 23 条" in by_late or notices[0].number in by_late
    assert late.number not in by_late
    assert "没有符合条件的督办单" in office.get(reverse("supervision:list"), {"status": "closed"}).content.decode()
    assert office.get(reverse("supervision:list"), {"status": "bogus"}).status_code == 200
    unit = login(world.county_unit)
    with django_assert_max_num_queries(16):
        mine = unit.get(reverse("supervision:mine"))
    assert "共 23 条" in mine.content.decode()
    assert "本单位暂无督办单" in login(world.other_unit).get(reverse("supervision:mine")).content.decode()


def test_rules_page(world: Any, login: Any) -> None:
    from rectify.supervision.models import LightRule, SupervisionRule

    office = login(world.city_office)
    page = office.get(reverse("supervision:rules"))
    assert page.status_code == 200 and "预警灯" in page.content.decode()
    r = office.post(reverse("supervision:rules"), {"which": "light", "region": world.city.pk, "light-yellow_days_before_deadline": 20,
                                                    "light-escalate_after_yellows": 3, "light-red_when_overdue": "on"})
    assert r.status_code == 302
    assert LightRule.objects.get(region=world.city).yellow_days_before_deadline == 20
    bad = office.post(reverse("supervision:rules"), {"which": "sup", "region": world.county.pk, "sup-level": "", "sup-arrange_days": 5,
                                                     "sup-report_days": 3, "sup-ordinary_done_days": 7, "sup-major_done_days": 30})
    assert bad.status_code == 400 and "部署时限不能晚于首次回复时限" in bad.content.decode()
    office.post(reverse("supervision:rules"), {"which": "sup", "region": world.county.pk, "sup-level": "", "sup-arrange_days": 1,
                                               "sup-report_days": 2, "sup-ordinary_done_days": 5, "sup-major_done_days": 20, "sup-working_days": "on"})
    rule = SupervisionRule.objects.get(region=world.county)
    assert rule.working_days and rule.ordinary_done_days == 5
    assert office.get(reverse("supervision:rules"), {"region": world.other_city.pk}).status_code == 403
    assert login(world.leader).get(reverse("supervision:rules")).status_code == 403
    assert login(world.county_unit).get(reverse("supervision:rules")).status_code == 403


def test_list_filtered_by_task(world: Any, make_task: Any, login: Any) -> None:
    a = issued(world, make_task, login)
    b = issued(world, make_task, login)
    body = login(world.city_office).get(reverse("supervision:list"), {"task": str(a.task.uuid)}).content.decode()
    assert a.number in body and b.number not in body
    assert login(world.city_office).get(reverse("supervision:list"), {"task": "not-a-uuid"}).status_code == 200


def test_mine_lists_open_notices_first(world: Any, make_task: Any, login: Any) -> None:
    from rectify.supervision import services

    first = issued(world, make_task, login)
    for name in ("arrange", "report", "done"):
        services.complete_step(first, world.county_unit, name, "x")
    services.close_notice(first, world.city_office, "good")
    second = issued(world, make_task, login)
    body = login(world.county_unit).get(reverse("supervision:mine")).content.decode()
    assert body.index(second.number) < body.index(first.number)
    assert "light light-" in body
