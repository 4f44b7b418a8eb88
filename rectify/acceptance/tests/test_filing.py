"""Filing a closure with the level above (备案) through HTTP: filed after closure only and only once,
acknowledged by the parent office, never by the filing county office itself, out of scope 404."""
from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from conftest import PASSWORD
from rectify.acceptance.models import Closure, Filing
from rectify.core.models import ChangeRecord
from rectify.tasks.models import Task
from rectify.tasks.states import TaskState

from .test_flow import accepted_task, fresh, messages_of
from .test_look_back import close

pytestmark = pytest.mark.django_db

try:
    from rectify.notifications.models import Notification
except ImportError:  # pragma: no cover - the notifications app is written in parallel
    Notification = None  # type: ignore[assignment,misc]


@pytest.fixture
def county_office(world: Any) -> Any:
    from rectify.accounts.models import RoleGrant, User
    from rectify.accounts.roles import Role
    from rectify.regions.models import Unit

    unit = Unit.objects.create(name="城区整改办", kind="office", region=world.county)
    user = User.objects.create_user(username="county_office", password=PASSWORD, unit=unit)
    RoleGrant.objects.create(user=user, role=Role.OFFICE, region=world.county)
    return user


@pytest.fixture
def other_office(world: Any) -> Any:
    from rectify.accounts.models import RoleGrant, User
    from rectify.accounts.roles import Role

    user = User.objects.create_user(username="other_office", password=PASSWORD, unit=None)
    RoleGrant.objects.create(user=user, role=Role.OFFICE, region=world.other_city)
    return user


def file_url(task: Task) -> str:
    return reverse("acceptance:file_closure", args=[task.uuid])


def ack_url(task: Task) -> str:
    return reverse("acceptance:acknowledge_filing", args=[task.uuid])


def closed_task(world: Any, make_task: Any, login: Any) -> Task:
    task = accepted_task(world, make_task, login)
    close(world, login, task)
    return fresh(task)


def test_file_after_closure_and_parent_acknowledges(world: Any, make_task: Any, login: Any, county_office: Any) -> None:
    task = closed_task(world, make_task, login)
    county = login(county_office)
    page = county.get(reverse("acceptance:file", args=[task.uuid])).content.decode()
    assert "报送备案" in page and "晋城市" in page

    response = county.post(file_url(task), {"note": "请予备案。"}, follow=True)
    assert "已报送备案" in "".join(messages_of(response))
    filing = Filing.objects.get()
    assert filing.closure == Closure.objects.get(task=task) and filing.filed_by == county_office
    assert filing.filed_to_region == world.city and filing.note == "请予备案。" and filing.acknowledged_at is None
    assert "待备案机关确认" in response.content.decode()
    assert ChangeRecord.objects.filter(object_type="acceptance.filing", task_uuid=task.uuid, action="create").count() == 1
    if Notification is not None:
        assert Notification.objects.filter(recipient=world.city_office, title__contains="销号备案待确认").count() == 1

    # Filing twice is refused.
    again = county.post(file_url(task), {"note": ""}, follow=True)
    assert "不能重复报送" in "".join(messages_of(again)) and Filing.objects.count() == 1

    # The county office cannot acknowledge its own filing.
    assert county.post(ack_url(task)).status_code == 403
    assert county.get(reverse("acceptance:filings")).content.decode().count("确认备案") == 0

    # The city office (filed to) sees it in its list and acknowledges.
    city = login(world.city_office)
    listing = city.get(reverse("acceptance:filings"))
    assert listing.status_code == 200 and filing.closure.number in listing.content.decode() and "确认备案" in listing.content.decode()
    response = city.post(ack_url(task), {"next": "filings"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("acceptance:filings")
    assert "已确认备案" in "".join(messages_of(response))
    filing.refresh_from_db()
    assert filing.acknowledged_by == world.city_office and filing.acknowledged_at is not None
    assert ChangeRecord.objects.filter(object_type="acceptance.filing", task_uuid=task.uuid, action="update").count() == 1
    if Notification is not None:
        assert Notification.objects.filter(recipient=county_office, title__contains="已确认").count() == 1
    # Twice: refused with a message.
    again = city.post(ack_url(task), follow=True)
    assert "不能重复确认" in "".join(messages_of(again))
    # The province office is above the city: it may acknowledge too (nothing left here), and sees the filing.
    assert filing.closure.number in login(world.province_office).get(reverse("acceptance:filings")).content.decode()


def test_refused_before_closure(world: Any, make_task: Any, login: Any, county_office: Any) -> None:
    task = accepted_task(world, make_task, login)
    county = login(county_office)
    assert "报送备案" not in county.get(reverse("acceptance:file", args=[task.uuid])).content.decode().replace("销号后报送上级整改办备案", "")
    response = county.post(file_url(task), {"note": ""}, follow=True)
    assert "销号后才能报送备案" in "".join(messages_of(response)) and not Filing.objects.exists()
    assert fresh(task).state == TaskState.ACCEPTED


def test_roles_and_scope(world: Any, make_task: Any, login: Any, county_office: Any, other_office: Any) -> None:
    task = closed_task(world, make_task, login)
    # Units doing the task and leaders may not file: 403; another city's office: 404.
    assert login(world.county_unit).post(file_url(task), {"note": ""}).status_code == 403
    assert login(world.leader).post(file_url(task), {"note": ""}).status_code == 403
    assert login(other_office).post(file_url(task), {"note": ""}).status_code == 404
    assert not Filing.objects.exists()
    assert login(county_office).post(file_url(task), {"note": ""}).status_code == 302
    assert login(other_office).post(ack_url(task)).status_code == 404
    assert login(world.reviewer).post(ack_url(task)).status_code == 403
    # Another city's office does not see the filing in its list; non-offices may not open the list.
    other_list = login(other_office).get(reverse("acceptance:filings"))
    assert other_list.status_code == 200 and "暂无报送本级的销号备案" in other_list.content.decode()
    assert login(world.county_unit).get(reverse("acceptance:filings")).status_code == 403
    assert Filing.objects.get().acknowledged_at is None


def test_list_unacknowledged_first_paginated_bounded_queries(world: Any, make_task: Any, login: Any,
                                                             django_assert_max_num_queries: Any) -> None:
    from django.utils import timezone

    from rectify.acceptance.models import Announcement

    tasks = [make_task(problem=f"问题{i}") for i in range(23)]
    for i, task in enumerate(tasks):
        announcement = Announcement.objects.create(task=task, starts_on=timezone.localdate(), ends_on=timezone.localdate(), working_days=5)
        closure = Closure.objects.create(task=task, announcement=announcement, region=world.county, year=2025, seq=i + 1,
                                         closed_on=timezone.localdate())
        Filing.objects.create(closure=closure, filed_by=world.city_office, filed_at=timezone.now(), filed_to_region=world.city,
                              acknowledged_by=world.city_office if i < 20 else None,
                              acknowledged_at=timezone.now() if i < 20 else None)
    city = login(world.city_office)
    with django_assert_max_num_queries(20):
        response = city.get(reverse("acceptance:filings"))
    body = response.content.decode()
    assert "第 1 / 2 页" in body and body.count("确认备案</button>") == 3
    assert body.index("待确认") < body.index("已确认")
    assert "销号〔2025〕23号</td>" in body and "销号〔2025〕1号</td>" not in body
    second = city.get(reverse("acceptance:filings") + "?page=2").content.decode()
    assert "确认备案</button>" not in second and "销号〔2025〕1号</td>" in second


def test_empty_list(world: Any, login: Any) -> None:
    body = login(world.city_office).get(reverse("acceptance:filings")).content.decode()
    assert "暂无报送本级的销号备案" in body
