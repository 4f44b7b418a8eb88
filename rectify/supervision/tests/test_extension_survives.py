"""An approved extension stays until a person changes it: every later step of the notice keeps it.

Driven over HTTP on a fixed clock; the escalation job runs through the worker.
"""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from conftest import travel_with_fresh_passwords
from rectify.supervision.models import ExtensionRequest, SupervisionNotice
from rectify.supervision.services import DUE_FIELD

pytestmark = pytest.mark.django_db
Status = SupervisionNotice.Status
APPROVED = datetime.date(2026, 4, 30)
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(month: int, day: int) -> Any:
    return travel_with_fresh_passwords(datetime.datetime(2026, month, day, 9, tzinfo=SHANGHAI))


def url(name: str, obj: Any) -> str:
    return reverse(f"supervision:{name}", args=[obj.uuid])


def fresh(notice: SupervisionNotice) -> SupervisionNotice:
    return SupervisionNotice.objects.get(pk=notice.pk)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def unit_step(client: Any, notice: SupervisionNotice, name: str) -> None:
    response = client.post(url(name, notice), {"text": f"{name}情况", "version": fresh(notice).version}, follow=True)
    assert f"已提交{SupervisionNotice.Step(name).label}情况" in messages_of(response), messages_of(response)


@pytest.mark.parametrize("extended", ["arrange", "report", "done"])
def test_approved_extension_survives_every_later_step(world: Any, make_task: Any, login: Any, extended: str) -> None:
    steps = ["arrange", "report", "done"]
    with at(3, 2):  # limits: arrange by 3/3, report by 3/5, done by 3/9
        office, unit = login(world.city_office), login(world.county_unit)  # sessions end when idle: log in each day
        task = make_task()
        assert office.post(url("issue", task), {"units": [world.unit_county_env.pk], "kind": "ordinary",
                                                "reason": "整改进度滞后"}).status_code == 302
        notice = SupervisionNotice.objects.get(task=task)
        for name in steps[: steps.index(extended)]:
            unit_step(unit, notice, name)
        assert "已提交延期申请" in messages_of(unit.post(url("extension", notice), {"new_date": APPROVED.isoformat(), "reason": "汛期无法施工，附时间表"}, follow=True))
        item = ExtensionRequest.objects.get(notice=notice)
        response = office.post(url("decide", item), {"decision": "approved", "note": "同意"}, follow=True)
        # The message says what was decided, not the state of the request before the decision.
        assert messages_of(response)[-1] == f"已同意延期：{item.get_step_display()}时限延至2026年04月30日"
        assert "待审批" not in "".join(messages_of(response))
    field = DUE_FIELD[extended]

    def survives(after: str) -> None:
        assert getattr(fresh(notice), field) == APPROVED, f"{after}后延期被改动"

    survives("审批延期")
    with at(3, 3):
        office, unit = login(world.city_office), login(world.county_unit)
        for name in steps[steps.index(extended):]:
            unit_step(unit, notice, name)
            survives(f"办理{name}")
        response = office.post(url("send_back", notice), {"reason": "现场仍有垃圾", "version": fresh(notice).version}, follow=True)
        assert "已退回重办" in "".join(messages_of(response))
        assert fresh(notice).status == Status.ISSUED and fresh(notice).send_backs == 1
        survives("退回重办")
        # The limits without an extension run again from the send-back day.
        for name, due in (("arranged_by", datetime.date(2026, 3, 4)), ("first_report_by", datetime.date(2026, 3, 6)),
                          ("done_by", datetime.date(2026, 3, 10))):
            if name != field:
                assert getattr(fresh(notice), name) == due
    with at(3, 12):
        office, unit = login(world.city_office), login(world.county_unit)
        call_command("worker", "--once", verbosity=0)  # the escalation job
        if extended != "arrange":
            assert fresh(notice).status == Status.ESCALATED  # the job did run and act on this notice
        survives("逾期升级")
        for name in steps:
            unit_step(unit, notice, name)
            survives(f"重办{name}")
        response = office.post(url("close", notice), {"grade": "good", "note": "", "version": fresh(notice).version}, follow=True)
        assert "督办单已评定销号" in messages_of(response)
        survives("评定销号")


def test_send_back_never_shortens_but_may_lengthen(world: Any, make_task: Any, login: Any) -> None:
    """An extension approved to a date before the restarted limit does not cut the restarted limit short."""
    from rectify.supervision import services

    with at(3, 2):
        notice = services.issue_notice(make_task(), world.city_office, units=[world.unit_county_env], reason="督办")
        item = services.request_extension(notice, world.county_unit, new_date=datetime.date(2026, 3, 4), reason="需时间")
        services.decide_extension(item, world.city_office, approve=True)
        for name in ("arrange", "report", "done"):
            services.complete_step(notice, world.county_unit, name, "x")
    with at(3, 20):
        services.send_back(notice, world.city_office, "重办")
    assert fresh(notice).arranged_by == datetime.date(2026, 3, 21)
