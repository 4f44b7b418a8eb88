"""The holiday calendar in the database: package years, a year entered by an administrator from the
State Council's notice, and a year nobody entered yet (estimated, with a warning — never refused)."""
from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from conftest import travel_with_fresh_passwords
from rectify.acceptance import jobs
from rectify.acceptance.models import Announcement
from rectify.core.holidays import load_package_years
from rectify.core.models import CalendarDay, ChangeRecord, HolidayYear
from rectify.core.workdays import add_working_days, add_working_days_noting, is_workday, statutory_holidays
from rectify.notifications.models import Notification
from rectify.tasks.states import TaskState

from .test_flow import accepted_task, fresh, messages_of, url

pytestmark = pytest.mark.django_db
D = datetime.date
BEIJING = ZoneInfo("Asia/Shanghai")


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=BEIJING)


CALENDAR = reverse("acceptance:holiday_calendar")
# A notice for 2027 as an administrator would type it (dates chosen for the test, not official).
HOLIDAYS_2027 = "2027-01-01 至 2027-01-03 元旦\n2027年2月5日至2027年2月11日 春节\n2027-10-01 至 2027-10-07 国庆节"
WORKDAYS_2027 = "2027-02-14 春节\n2027-10-09 国庆节"


def test_the_package_years_are_stored() -> None:
    assert HolidayYear.objects.filter(year=2025, source=HolidayYear.Source.PACKAGE).exists()
    assert CalendarDay.objects.filter(day=D(2025, 1, 26), kind=CalendarDay.Kind.WORKDAY).exists()
    assert load_package_years() == []  # nothing twice


def test_statutory_holidays_of_years_nobody_entered() -> None:
    h2027, h2030 = statutory_holidays(2027), statutory_holidays(2030)
    assert h2027[D(2027, 1, 1)] == "元旦"
    # 春节: 除夕 to 正月初三 from the lunar calendar (2027: 正月初一 = 6 February; 2030: 3 February).
    assert [d for d, n in sorted(h2027.items()) if n == "春节"] == [D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)]
    assert [d for d, n in sorted(h2030.items()) if n == "春节"] == [D(2030, 2, 2), D(2030, 2, 3), D(2030, 2, 4), D(2030, 2, 5)]
    assert h2027[D(2027, 4, 5)] == "清明节" and h2027[D(2027, 6, 9)] == "端午节" and h2027[D(2027, 9, 15)] == "中秋节"
    assert h2030[D(2030, 6, 5)] == "端午节" and h2030[D(2030, 9, 12)] == "中秋节"
    for year, holidays in ((2027, h2027), (2030, h2030)):
        assert {D(year, 5, 1), D(year, 5, 2), D(year, 10, 1), D(year, 10, 2), D(year, 10, 3)} <= set(holidays)
    # The estimate counts around them; never a refusal.
    assert add_working_days(D(2030, 2, 1), 1) == D(2030, 2, 6)
    assert not is_workday(D(2030, 10, 2)) and is_workday(D(2030, 10, 8))
    end, estimated = add_working_days_noting(D(2030, 9, 30), 2)
    assert end == D(2030, 10, 7) and estimated == [2030]  # 4 and 7 October


@pytest.mark.parametrize(("today", "ends_on", "warned"), [
    (D(2026, 12, 3), D(2026, 12, 10), False),
    (D(2026, 12, 4), D(2026, 12, 11), False),
    # 29, 30, 31 December; 1 January (元旦) and the weekend off; 4 and 5 January — 2027 is not entered yet.
    (D(2026, 12, 28), D(2027, 1, 5), True),
])
def test_announcements_published_in_december_2026(today: datetime.date, ends_on: datetime.date, warned: bool,
                                                 world: Any, make_task: Any, login: Any) -> None:
    with travel_with_fresh_passwords(at(today)):
        office = login(world.city_office)
        task = accepted_task(world, make_task, login)
        response = office.post(url("announce", task), {"version": fresh(task).version}, follow=True)
        assert fresh(task).state == TaskState.ANNOUNCED, messages_of(response)
        item = Announcement.objects.get(task=task)
        assert (item.starts_on, item.ends_on) == (today, ends_on)
        warning = "2027年节假日安排尚未录入"
        assert (warning in item.calendar_note) == warned
        assert any(warning in m for m in messages_of(response)) == warned
        assert (warning in office.get(url("file", task)).content.decode()) == warned


def _enter(client: Any, **extra: Any) -> Any:
    data = {"year": 2027, "notice": "国办发明电〔2026〕X号", "holidays": HOLIDAYS_2027, "workdays": WORKDAYS_2027, "version": ""}
    return client.post(CALENDAR, {**data, **extra})


@travel_with_fresh_passwords(at(D(2026, 12, 3)))
def test_an_administrator_enters_2027_from_the_notice(world: Any, login: Any) -> None:
    admin = login(world.admin)
    page = admin.get(CALENDAR)
    assert page.status_code == 200 and "2027年节假日安排尚未录入" in page.content.decode()
    # Refusals, each with its reason, and nothing stored.
    refusals = {
        "调休上班日应为周六或周日": {"workdays": "2027-02-15 春节"},
        "不属于2027年": {"holidays": "2028-01-01 元旦"},
        "看不懂": {"holidays": "春节放七天"},
        "日期不存在": {"holidays": "2027-02-30 春节"},
        "不能既是放假日又是调休上班日": {"workdays": "2027-02-06 春节"},
    }
    for reason, change in refusals.items():
        response = _enter(admin, **change)
        assert response.status_code == 400 and reason in response.content.decode(), reason
    assert not HolidayYear.objects.filter(year=2027).exists()

    assert _enter(admin).status_code == 302
    stored = HolidayYear.objects.get(year=2027)
    assert stored.source == HolidayYear.Source.MANUAL and stored.entered_by == world.admin
    assert CalendarDay.objects.filter(holiday_year=stored, kind=CalendarDay.Kind.HOLIDAY).count() == 3 + 7 + 7
    assert is_workday(D(2027, 2, 14)) and not is_workday(D(2027, 2, 11)) and not is_workday(D(2027, 10, 7))
    assert add_working_days(D(2027, 2, 4), 1) == D(2027, 2, 12)
    end, estimated = add_working_days_noting(D(2026, 12, 28), 5)
    assert end == D(2027, 1, 5) and estimated == []  # no longer an estimate

    # A correction needs the version read; a stale one is refused. Both kept in the history.
    assert "已被他人修改" in _enter(admin, holidays=HOLIDAYS_2027 + "\n2027-04-05 清明节", version=0).content.decode()
    assert _enter(admin, holidays=HOLIDAYS_2027 + "\n2027-04-05 清明节", version=stored.version).status_code == 302
    assert not is_workday(D(2027, 4, 5))
    history = ChangeRecord.objects.filter(object_type="core.holidayyear", object_uuid=stored.uuid).order_by("id")
    assert [h.action for h in history] == ["create", "update"]
    assert "2027-04-05 清明节" in history[1].after["holidays"] and "2027-04-05 清明节" not in history[1].before["holidays"]
    assert "修改2027年节假日安排" in admin.get(CALENDAR + "?year=2027").content.decode()


def test_only_administrators_keep_the_calendar(world: Any, login: Any) -> None:
    for user in (world.city_office, world.province_office, world.reviewer, world.leader, world.county_unit):
        client = login(user)
        assert client.get(CALENDAR).status_code == 403
        assert _enter(client).status_code == 403
    assert not HolidayYear.objects.filter(year=2027).exists()


def test_administrators_are_reminded_from_november(world: Any) -> None:
    assert jobs.holiday_calendar_next_year(today=D(2026, 10, 30)) == 0
    assert jobs.holiday_calendar_next_year(today=D(2026, 11, 2)) == 1
    assert jobs.holiday_calendar_next_year(today=D(2026, 11, 20)) == 0  # once a month
    notes = Notification.objects.filter(title__contains="2027年节假日安排")
    assert list(notes.values_list("recipient", flat=True)) == [world.admin.pk]
    assert jobs.holiday_calendar_next_year(today=D(2026, 12, 1)) == 1
    HolidayYear.objects.create(year=2027, source=HolidayYear.Source.MANUAL)
    assert jobs.holiday_calendar_next_year(today=D(2026, 12, 20)) == 0
    assert notes.count() == 2


@travel_with_fresh_passwords(at(D(2030, 9, 27)))
def test_2030_before_anyone_entered_it_then_after(world: Any, make_task: Any, login: Any) -> None:
    office = login(world.city_office)
    task = accepted_task(world, make_task, login)
    response = office.post(url("announce", task), {"version": fresh(task).version}, follow=True)
    assert fresh(task).state == TaskState.ANNOUNCED
    item = Announcement.objects.get(task=task)
    # Friday 27 September 2030: 30 September, 4, 7, 8, 9 October (National Day 1–3 October and the weekends off).
    assert (item.starts_on, item.ends_on) == (D(2030, 9, 27), D(2030, 10, 9))
    assert "2030年节假日安排尚未录入" in item.calendar_note
    assert any("2030年节假日安排尚未录入" in m for m in messages_of(response))
    # The administrator enters 2030 (National Day 1–7 October, make-up Sunday 29 September): the file says what changed.
    save = login(world.admin).post(CALENDAR, {"year": 2030, "holidays": "2030-01-01 元旦\n2030-10-01 至 2030-10-07 国庆节",
                                              "workdays": "2030-09-29 国庆节", "version": ""})
    assert save.status_code == 302
    page = office.get(url("file", task)).content.decode()
    assert "按录入的日历公示期应至2030年10月10日" in page  # 29, 30 September, 8, 9, 10 October


@travel_with_fresh_passwords(at(D(2026, 12, 28)))
def test_the_api_says_the_period_was_estimated(world: Any, make_task: Any, login: Any) -> None:
    task = accepted_task(world, make_task, login)
    response = login(world.city_office).post(f"/api/v1/acceptance/tasks/{task.uuid}/announce", {"version": fresh(task).version},
                                             content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert body["ends_on"] == "2027-01-05" and "2027年节假日安排尚未录入" in body["calendar_note"]
