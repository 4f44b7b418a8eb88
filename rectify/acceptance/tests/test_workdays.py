from __future__ import annotations

import datetime
from typing import Any

import pytest

from rectify.acceptance.models import AnnouncementRule
from rectify.acceptance.services import announcement_days
from rectify.acceptance.workdays import add_working_days, is_workday, working_days_between

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Spring Festival 2025: holiday 1/28–2/4; make-up workdays Sun 1/26 and Sat 2/8.
        (D(2025, 1, 24), 1, D(2025, 1, 26)),  # Friday → the make-up Sunday
        (D(2025, 1, 26), 1, D(2025, 1, 27)),
        (D(2025, 1, 27), 1, D(2025, 2, 5)),  # over the whole holiday
        (D(2025, 1, 24), 5, D(2025, 2, 7)),  # 1/26, 1/27, 2/5, 2/6, 2/7
        (D(2025, 1, 27), 5, D(2025, 2, 10)),  # 2/5, 2/6, 2/7, 2/8 (make-up Saturday), 2/10
        # National Day 2025: holiday 10/1–10/8; make-up workdays Sun 9/28 and Sat 10/11.
        (D(2025, 9, 26), 1, D(2025, 9, 28)),
        (D(2025, 9, 30), 1, D(2025, 10, 9)),
        (D(2025, 9, 30), 3, D(2025, 10, 11)),  # 10/9, 10/10, 10/11 (make-up Saturday)
        (D(2025, 9, 26), 5, D(2025, 10, 10)),  # 9/28, 9/29, 9/30, 10/9, 10/10
        (D(2025, 9, 30), 5, D(2025, 10, 14)),
        (D(2025, 3, 3), 0, D(2025, 3, 3)),
    ],
)
def test_add_working_days(start: datetime.date, n: int, expected: datetime.date) -> None:
    assert add_working_days(start, n) == expected
    assert working_days_between(start, expected) == n


def test_calendar_facts() -> None:
    assert is_workday(D(2025, 1, 26)) and is_workday(D(2025, 2, 8))
    assert is_workday(D(2025, 9, 28)) and is_workday(D(2025, 10, 11))
    assert not any(is_workday(D(2025, 1, 28) + datetime.timedelta(days=i)) for i in range(8))
    assert not any(is_workday(D(2025, 10, 1) + datetime.timedelta(days=i)) for i in range(8))


def test_between_is_signed_and_counts_holidays_out() -> None:
    assert working_days_between(D(2025, 2, 10), D(2025, 1, 27)) == -5
    assert working_days_between(D(2025, 1, 27), D(2025, 2, 4)) == 0


def test_rule_nearest_region_wins(world: Any) -> None:
    assert announcement_days(world.county) == 5
    AnnouncementRule.objects.create(region=world.province, working_days=7)
    assert announcement_days(world.county) == 7
    AnnouncementRule.objects.create(region=world.city, working_days=10)
    assert announcement_days(world.county) == 10
    assert announcement_days(world.other_city) == 7
    AnnouncementRule.objects.create(region=world.county, working_days=3)
    assert announcement_days(world.county) == 3
    assert announcement_days(world.county2) == 10
