"""Working days on the Chinese official calendar (法定节假日 and 调休 make-up workdays).

The calendar lives in the database (``HolidayYear`` / ``CalendarDay``): the years the
chinese-calendar package knows are loaded by a migration (and by ``load_package_years``), an
administrator enters each new year from the State Council's annual notice. For a year nobody has
entered yet the working days are *estimated* from weekends and the statutory holidays of the
national rules (全国年节及纪念日放假办法, 2025 revision): the calculation never refuses, it says
which years were estimated so the office can be warned.

Counting follows the civil-code rule for periods (民法典第二百零一条): the starting day is not
counted, so ``add_working_days(start, n)`` is the n-th working day *after* ``start``.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import chinese_calendar

from .refusals import Refused

SATURDAY = 5


class CalendarOutOfRange(Refused, ValueError):
    """Kept for callers that catch it; the calendar no longer refuses a date (it estimates)."""


@dataclass(frozen=True)
class YearCalendar:
    year: int
    holidays: dict[datetime.date, str]
    workdays: dict[datetime.date, str]
    source: str  # "manual", "package" (in the database), "estimated"

    @property
    def estimated(self) -> bool:
        return self.source == "estimated"


# ---------------------------------------------------------------- statutory holidays (the estimate)

def _lunar(year: int, month: int, day: int) -> datetime.date | None:
    from lunardate import LunarDate

    try:
        return LunarDate(year, month, day).to_solar_date()  # type: ignore[no-any-return]
    except ValueError:  # outside the library's range (1900–2099)
        return None


def _qingming(year: int) -> datetime.date:
    terms = chinese_calendar.get_solar_terms(datetime.date(year, 4, 3), datetime.date(year, 4, 6))
    found = [d for d, name in terms if name == "清明"]
    return found[0] if found else datetime.date(year, 4, 5)


def statutory_holidays(year: int) -> dict[datetime.date, str]:
    """The statutory days off of ``year`` without the State Council's make-up arrangement:
    元旦 1.1; 春节 除夕 to 正月初三; 清明; 劳动节 5.1–5.2; 端午 五月初五; 中秋 八月十五; 国庆 10.1–10.3."""
    days: dict[datetime.date, str] = {datetime.date(year, 1, 1): "元旦"}
    new_year = _lunar(year, 1, 1)
    if new_year is not None:
        for offset in range(-1, 3):
            days[new_year + datetime.timedelta(days=offset)] = "春节"
    days[_qingming(year)] = "清明节"
    for d in (1, 2):
        days[datetime.date(year, 5, d)] = "劳动节"
    for month, day, name in ((5, 5, "端午节"), (8, 15, "中秋节")):
        found = _lunar(year, month, day)
        if found is not None:
            days[found] = name
    for d in (1, 2, 3):
        days[datetime.date(year, 10, d)] = "国庆节"
    return {d: n for d, n in days.items() if d.year == year}


def _estimated(year: int) -> YearCalendar:
    return YearCalendar(year, statutory_holidays(year), {}, "estimated")


# ---------------------------------------------------------------- the package's years

PACKAGE_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def package_years() -> range:
    days = chinese_calendar.holidays
    return range(min(days).year, max(days).year + 1)


def package_year(year: int) -> tuple[dict[datetime.date, str], dict[datetime.date, str]]:
    """Holidays and make-up workdays of ``year`` as the package knows them."""
    def label(value: object) -> str:
        return PACKAGE_NAMES.get(str(value or ""), str(value or ""))

    holidays = {d: label(v) for d, v in chinese_calendar.holidays.items() if d.year == year}
    workdays = {d: label(v) for d, v in chinese_calendar.workdays.items() if d.year == year and d.weekday() >= SATURDAY}
    return holidays, workdays


# ---------------------------------------------------------------- the calendar

@dataclass
class Calendar:
    """The calendar as stored now; each year read once per instance (one query per year)."""

    years: dict[int, YearCalendar] = field(default_factory=dict)

    def year(self, year: int) -> YearCalendar:
        if year not in self.years:
            self.years[year] = self._load(year)
        return self.years[year]

    @staticmethod
    def _load(year: int) -> YearCalendar:
        from .models import CalendarDay, HolidayYear

        stored = HolidayYear.objects.filter(year=year).first()
        if stored is None:
            if year in package_years():  # not loaded yet (a fresh or flushed database)
                return YearCalendar(year, *package_year(year), "package")
            return _estimated(year)
        holidays: dict[datetime.date, str] = {}
        workdays: dict[datetime.date, str] = {}
        for day, kind, name in CalendarDay.objects.filter(holiday_year=stored).values_list("day", "kind", "name"):
            (holidays if kind == CalendarDay.Kind.HOLIDAY else workdays)[day] = name
        return YearCalendar(year, holidays, workdays, stored.source)

    def _kind(self, day: datetime.date) -> tuple[dict[datetime.date, str], dict[datetime.date, str]]:
        # A notice may reach into the neighbouring year (元旦 from 30 December): look at both.
        here = self.year(day.year)
        other = self.year(day.year + 1) if day.month == 12 else self.year(day.year - 1) if day.month == 1 else here
        return {**other.holidays, **here.holidays}, {**other.workdays, **here.workdays}

    def is_workday(self, day: datetime.date) -> bool:
        holidays, workdays = self._kind(day)
        if day in workdays:
            return True
        return day.weekday() < SATURDAY and day not in holidays

    def estimated_years(self) -> list[int]:
        return sorted(y for y, c in self.years.items() if c.estimated)


def is_workday(day: datetime.date) -> bool:
    return Calendar().is_workday(day)


def add_working_days(start: datetime.date, n: int, calendar: Calendar | None = None) -> datetime.date:
    """The n-th working day after ``start`` (n ≥ 0; n = 0 returns ``start``)."""
    if n < 0:
        raise ValueError("工作日天数不能为负数")
    calendar = calendar or Calendar()
    day = start
    remaining = n
    while remaining:
        day += datetime.timedelta(days=1)
        if calendar.is_workday(day):
            remaining -= 1
    return day


def working_days_between(a: datetime.date, b: datetime.date, calendar: Calendar | None = None) -> int:
    """Working days in (a, b]; negative when b is before a. ``working_days_between(a, add_working_days(a, n)) == n``."""
    calendar = calendar or Calendar()
    if b < a:
        return -working_days_between(b, a, calendar)
    count = 0
    day = a
    while day < b:
        day += datetime.timedelta(days=1)
        if calendar.is_workday(day):
            count += 1
    return count


def add_working_days_noting(start: datetime.date, n: int) -> tuple[datetime.date, list[int]]:
    """``add_working_days`` and the years of the period whose holidays were estimated (not entered)."""
    calendar = Calendar()
    end = add_working_days(start, n, calendar)
    return end, [y for y in calendar.estimated_years() if start.year <= y <= end.year]


def estimate_warning(years: list[int]) -> str:
    if not years:
        return ""
    names = "、".join(f"{y}年" for y in years)
    return (f"{names}节假日安排尚未录入系统，本期限按周末和法定节假日推算（未计调休），"
            "国务院通知发布后请系统管理员录入并核对期限。")


def year_is_known(year: int) -> bool:
    """Whether ``year``'s arrangement is stored (or at least known to the package)."""
    from .models import HolidayYear

    return year in package_years() or HolidayYear.objects.filter(year=year).exists()
