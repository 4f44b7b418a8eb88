"""Working days on the Chinese official calendar (法定节假日 and 调休 make-up workdays).

``chinese_calendar`` knows each year's State Council holiday notice; outside the years it knows,
a working-day count cannot be trusted, so we refuse with a message people can act on.

Counting follows the civil-code rule for periods (民法典第二百零一条): the starting day is not
counted, so ``add_working_days(start, n)`` is the n-th working day *after* ``start``.
"""
from __future__ import annotations

import datetime

import chinese_calendar


class CalendarOutOfRange(ValueError):
    """The date lies outside the years whose official holiday arrangements are known."""


def _known_years() -> tuple[int, int]:
    days = chinese_calendar.holidays
    return min(days).year, max(days).year


def is_workday(day: datetime.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:
        first, last = _known_years()
        raise CalendarOutOfRange(
            f"{day:%Y年%m月%d日}超出节假日日历的已知范围（{first}年至{last}年），无法计算工作日；"
            "请升级 chinese-calendar 节假日数据后再试。"
        ) from exc


def add_working_days(start: datetime.date, n: int) -> datetime.date:
    """The n-th working day after ``start`` (n ≥ 0; n = 0 returns ``start``)."""
    if n < 0:
        raise ValueError("工作日天数不能为负数")
    day = start
    remaining = n
    while remaining:
        day += datetime.timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day


def working_days_between(a: datetime.date, b: datetime.date) -> int:
    """Working days in (a, b]; negative when b is before a. ``working_days_between(a, add_working_days(a, n)) == n``."""
    if b < a:
        return -working_days_between(b, a)
    count = 0
    day = a
    while day < b:
        day += datetime.timedelta(days=1)
        if is_workday(day):
            count += 1
    return count
