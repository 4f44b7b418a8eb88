"""The 13710 limits: calendar and working days, across National Day 2025, nearest rule per level."""
from __future__ import annotations

import datetime
from typing import Any

import pytest

from rectify.supervision import services
from rectify.supervision.models import SupervisionNotice, SupervisionRule

pytestmark = pytest.mark.django_db
D = datetime.date


def issue(world: Any, task: Any, day: datetime.date, kind: str = "ordinary") -> SupervisionNotice:
    return services.issue_notice(task, world.city_office, units=[world.unit_county_env], reason="进度滞后", kind=kind, today=day)


def dates(n: SupervisionNotice) -> tuple[datetime.date, datetime.date, datetime.date]:
    return n.arranged_by, n.first_report_by, n.done_by


def test_default_calendar_days_across_national_day(world: Any, make_task: Any) -> None:
    task = make_task()
    assert dates(issue(world, task, D(2025, 9, 30))) == (D(2025, 10, 1), D(2025, 10, 3), D(2025, 10, 7))
    assert issue(world, task, D(2025, 9, 30), kind="major").done_by == D(2025, 10, 30)


def test_working_days_across_national_day(world: Any, make_task: Any) -> None:
    SupervisionRule.objects.create(region=world.city, working_days=True)
    task = make_task()
    notice = issue(world, task, D(2025, 9, 30))
    # 10月1日至8日放假；10月11日（星期六）调休上班。
    assert dates(notice) == (D(2025, 10, 9), D(2025, 10, 11), D(2025, 10, 16))
    assert notice.working_days is True
    assert issue(world, task, D(2025, 9, 30), kind="major").done_by == D(2025, 11, 18)
    # 9月28日（星期日）调休上班 counts; 9月27日（星期六） does not.
    assert dates(issue(world, task, D(2025, 9, 26))) == (D(2025, 9, 28), D(2025, 9, 30), D(2025, 10, 13))


def test_nearest_rule_and_level(world: Any, make_task: Any) -> None:
    SupervisionRule.objects.create(region=world.province, arrange_days=2, report_days=5, ordinary_done_days=10)
    SupervisionRule.objects.create(region=world.city, level="city", arrange_days=1, report_days=2, ordinary_done_days=3)
    county_task = make_task()  # a county task: the city's rule is for city-level tasks only
    assert dates(issue(world, county_task, D(2026, 3, 2))) == (D(2026, 3, 4), D(2026, 3, 7), D(2026, 3, 12))
    city_task = make_task(region=world.city)
    assert dates(issue(world, city_task, D(2026, 3, 2))) == (D(2026, 3, 3), D(2026, 3, 4), D(2026, 3, 5))
    SupervisionRule.objects.create(region=world.county, arrange_days=1, report_days=3, ordinary_done_days=5)
    assert issue(world, county_task, D(2026, 3, 2)).done_by == D(2026, 3, 7)


def test_numbers_sequential_per_region_and_year(world: Any, make_task: Any) -> None:
    task = make_task()
    a = issue(world, task, D(2026, 1, 5))
    b = issue(world, task, D(2026, 2, 5))
    c = services.issue_notice(task, world.province_office, units=[world.unit_county_env], reason="省级督办", today=D(2026, 2, 6))
    d = issue(world, task, D(2027, 1, 4))
    assert [a.number, b.number] == ["晋城督办〔2026〕1号", "晋城督办〔2026〕2号"]
    assert (c.number, c.region) == ("山西督办〔2026〕1号", world.province)
    assert a.region == world.city and d.number == "晋城督办〔2027〕1号"
