"""Separation of duties in supervision: nobody grades, sends back or decides on their own submission."""
from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.urls import reverse

from rectify.accounts.models import RoleGrant, User
from rectify.accounts.roles import Role
from rectify.core.models import ChangeRecord
from rectify.supervision import services
from rectify.supervision.models import ExtensionRequest, SupervisionNotice

pytestmark = pytest.mark.django_db
PASSWORD = "Rectify-test-2026"
Status = SupervisionNotice.Status


def url(name: str, obj: Any) -> str:
    return reverse(f"supervision:{name}", args=[obj.uuid])


def fresh(n: SupervisionNotice) -> SupervisionNotice:
    return SupervisionNotice.objects.get(pk=n.pk)


def review_actions(notice: SupervisionNotice, extension: ExtensionRequest) -> list[tuple[str, str, dict[str, Any]]]:
    """Every review or approval of a unit's submission on a notice: (label, url, data)."""
    version = fresh(notice).version
    return [
        ("评定销号", url("close", notice), {"grade": "good", "note": "", "version": version}),
        ("退回重办", url("send_back", notice), {"reason": "现场仍有问题", "version": version}),
        ("同意延期", url("decide", extension), {"decision": "approved", "note": ""}),
        ("不同意延期", url("decide", extension), {"decision": "refused", "note": "理由不足"}),
    ]


def done_with_pending_extension(notice: SupervisionNotice, actor: Any) -> ExtensionRequest:
    for step in ("arrange", "report"):
        services.complete_step(notice, actor, step, "已办理")
    extension = services.request_extension(notice, actor, new_date=datetime.date.today() + datetime.timedelta(days=60), reason="需时间")
    services.complete_step(notice, actor, "done", "已办结")
    return extension


def test_office_cannot_review_its_own_units_notice(world: Any, make_task: Any, login: Any) -> None:
    """The city office's own organisation (市整改办) is the supervised unit: the city office may not judge it."""
    task = make_task(units={"lead": [world.unit_city_office]})
    clerk = User.objects.create_user(username="office_clerk", password=PASSWORD, unit=world.unit_city_office)
    RoleGrant.objects.create(user=clerk, role=Role.LEAD_UNIT, unit=world.unit_city_office)
    notice = services.issue_notice(task, world.province_office, units=[world.unit_city_office], reason="督办")
    extension = done_with_pending_extension(notice, clerk)
    office = login(world.city_office)
    page = office.get(url("detail", notice))
    assert not page.context["can_review"] and not page.context["can_decide"]
    history = ChangeRecord.objects.count()
    for label, address, data in review_actions(notice, extension):
        response = office.post(address, data)
        assert response.status_code == 403, label
        assert "不能审核本单位（市整改办）办理的督办单" in response.content.decode(), label
    assert ChangeRecord.objects.count() == history and fresh(notice).status == Status.DONE
    # The office above may.
    province = login(world.province_office)
    assert province.post(url("decide", extension), {"decision": "approved", "note": ""}).status_code == 302
    assert province.post(url("close", notice), {"grade": "good", "note": "", "version": fresh(notice).version}).status_code == 302
    assert fresh(notice).status == Status.CLOSED


def test_nobody_reviews_what_they_submitted(world: Any, make_task: Any, login: Any) -> None:
    """An administrator may act for a unit, but then may not judge what they submitted."""
    world.admin.is_superuser = True
    world.admin.save()
    notice = services.issue_notice(make_task(), world.city_office, units=[world.unit_county_env], reason="督办")
    extension = done_with_pending_extension(notice, world.admin)
    admin = login(world.admin)
    for label, address, data in review_actions(notice, extension):
        response = admin.post(address, data)
        assert response.status_code == 403, label
        assert "不能审核本人提交的督办办理事项" in response.content.decode(), label
    assert fresh(notice).status == Status.DONE and ExtensionRequest.objects.get().decision == ""
    office = login(world.city_office)
    assert office.post(url("send_back", notice), {"reason": "重办", "version": fresh(notice).version}).status_code == 302
    assert fresh(notice).status == Status.ISSUED


def test_supervised_unit_and_read_only_roles_cannot_review(world: Any, make_task: Any, login: Any) -> None:
    notice = services.issue_notice(make_task(), world.city_office, units=[world.unit_county_env], reason="督办")
    extension = done_with_pending_extension(notice, world.county_unit)
    history = ChangeRecord.objects.count()
    for user in (world.county_unit, world.leader, world.reviewer):
        client = login(user)
        for label, address, data in review_actions(notice, extension):
            response = client.post(address, data)
            assert response.status_code == 403, (user, label)
            assert re.search("只有本区域的整改办可以(审核督办单|退回督办单|审批延期)", response.content.decode()), label
    assert ChangeRecord.objects.count() == history


def test_read_only_roles_never_write_in_supervision(world: Any, make_task: Any, login: Any) -> None:
    from rectify.supervision import urls

    task = make_task(milestones=[(datetime.date(2026, 6, 30), "完成排查")])
    notice = services.issue_notice(task, world.city_office, units=[world.unit_county_env], reason="督办")
    extension = services.request_extension(notice, world.county_unit, new_date=datetime.date.today() + datetime.timedelta(days=9),
                                            reason="需时间")
    addresses = {
        "list": reverse("supervision:list"), "mine": reverse("supervision:mine"), "rules": reverse("supervision:rules"),
        "issue": url("issue", task), "milestones": url("milestones", task),
        "milestone": reverse("supervision:milestone", args=[task.uuid, task.milestones.get().pk]),
        "decide": url("decide", extension),
        **{name: url(name, notice) for name in ("detail", "arrange", "report", "done", "close", "send_back", "extension")},
    }
    assert {p.name for p in urls.urlpatterns} == set(addresses), "a new supervision route: say who may POST to it"
    reads = {"list", "mine", "detail", "milestones"}
    before = ChangeRecord.objects.count()
    data = {"text": "x", "version": fresh(notice).version, "grade": "good", "reason": "x", "units": [world.unit_county_env.pk],
            "kind": "ordinary", "decision": "approved", "new_date": "2030-01-01", "done": "on", "m1-reason": "x",
            "which": "light", "region": world.city.pk}
    for user in (world.leader, world.reviewer):
        client = login(user)
        for name, address in addresses.items():
            response = client.post(address, data)
            assert response.status_code < 500, (user, name)
            if name not in reads:
                assert response.status_code in (403, 404, 405), (user, name, response.status_code)
    assert ChangeRecord.objects.count() == before
    assert fresh(notice).status == Status.ISSUED and not task.milestones.get().done
