"""Writes to the holiday calendar: the package's years, and a year entered from the State
Council's notice (one transaction, a version check, one history row)."""
from __future__ import annotations

import datetime
import re
from collections.abc import Iterable

from django.db import transaction

from rectify.core.types import AuthedUser

from .history import record_change, snapshot
from .models import CalendarDay, ChangeRecord, HolidayYear
from .refusals import Refused
from .versioning import StaleEdit
from .workdays import SATURDAY, package_year, package_years

FIRST_YEAR, LAST_YEAR = 2000, 2100
DATE = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
LINE = re.compile(rf"^\s*{DATE}(?:\s*(?:至|到|~|～|—|--)\s*{DATE})?\s*(.*?)\s*$")


class CalendarRefused(Refused, ValueError):
    """An entry the rules refuse; the message says why, in Chinese."""


def parse_days(text: str, label: str) -> dict[datetime.date, str]:
    """Lines such as ``2027-02-06 至 2027-02-13 春节`` or ``2027年1月1日 元旦`` → {day: name}."""
    days: dict[datetime.date, str] = {}
    for n, raw in enumerate((text or "").splitlines(), 1):
        if not raw.strip():
            continue
        match = LINE.match(raw)
        if match is None:
            raise CalendarRefused(f"{label}第{n}行“{raw.strip()}”看不懂：请写成“2027-01-01 元旦”或“2027-02-06 至 2027-02-13 春节”")
        g = match.groups()
        try:
            first = datetime.date(int(g[0]), int(g[1]), int(g[2]))
            last = datetime.date(int(g[3]), int(g[4]), int(g[5])) if g[3] else first
        except ValueError as exc:
            raise CalendarRefused(f"{label}第{n}行“{raw.strip()}”的日期不存在") from exc
        if last < first:
            raise CalendarRefused(f"{label}第{n}行的结束日期早于开始日期")
        if (last - first).days > 15:
            raise CalendarRefused(f"{label}第{n}行的时段超过 16 天，请核对")
        day = first
        while day <= last:
            if day in days:
                raise CalendarRefused(f"{label}中{day:%Y年%m月%d日}重复出现")
            days[day] = g[6][:20]
            day += datetime.timedelta(days=1)
    return days


def _check(year: int, holidays: dict[datetime.date, str], workdays: dict[datetime.date, str]) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise CalendarRefused(f"年度须在{FIRST_YEAR}年至{LAST_YEAR}年之间")
    if not holidays:
        raise CalendarRefused("请至少填写一个放假日期")
    earliest = datetime.date(year - 1, 12, 25)
    for day in [*holidays, *workdays]:
        if not earliest <= day <= datetime.date(year, 12, 31):
            raise CalendarRefused(f"{day:%Y年%m月%d日}不属于{year}年的节假日安排（只能是{year}年内的日期，元旦可自上年12月下旬起）")
    both = sorted(set(holidays) & set(workdays))
    if both:
        raise CalendarRefused(f"{both[0]:%Y年%m月%d日}不能既是放假日又是调休上班日")
    weekdays = sorted(d for d in workdays if d.weekday() < SATURDAY)
    if weekdays:
        raise CalendarRefused(f"调休上班日{weekdays[0]:%Y年%m月%d日}是工作日（周一至周五），调休上班日应为周六或周日")
    taken = CalendarDay.objects.filter(day__in=[*holidays, *workdays]).exclude(holiday_year__year=year).first()
    if taken is not None:
        raise CalendarRefused(f"{taken.day:%Y年%m月%d日}已在{taken.holiday_year.year}年的节假日安排中，不能重复录入")


def _write_days(item: HolidayYear, holidays: dict[datetime.date, str], workdays: dict[datetime.date, str]) -> None:
    CalendarDay.objects.filter(holiday_year=item).delete()
    CalendarDay.objects.bulk_create(
        [CalendarDay(holiday_year=item, day=d, kind=CalendarDay.Kind.HOLIDAY, name=n or "节假日") for d, n in sorted(holidays.items())]
        + [CalendarDay(holiday_year=item, day=d, kind=CalendarDay.Kind.WORKDAY, name=n) for d, n in sorted(workdays.items())]
    )


def _listing(days: dict[datetime.date, str]) -> list[str]:
    return [f"{d.isoformat()} {n}".strip() for d, n in sorted(days.items())]


@transaction.atomic
def save_year(year: int, user: AuthedUser | None, *, holidays: dict[datetime.date, str], workdays: dict[datetime.date, str],
              notice: str = "", expected_version: int | None = None) -> HolidayYear:
    """Enter (or correct) one year's arrangement; a year already stored needs its current version."""
    _check(year, holidays, workdays)
    item = HolidayYear.objects.select_for_update().filter(year=year).first()
    after = {"year": year, "notice": notice.strip(), "holidays": _listing(holidays), "workdays": _listing(workdays)}
    if item is None:
        if expected_version:
            raise StaleEdit(0)
        item = HolidayYear.objects.create(year=year, source=HolidayYear.Source.MANUAL, notice=notice.strip()[:200], entered_by=user)
        _write_days(item, holidays, workdays)
        record_change(item, ChangeRecord.Action.CREATE, after=after, reason=f"录入{year}年节假日安排", user=user)
        return item
    if expected_version != item.version:
        raise StaleEdit(item.version)
    stored = list(item.days.values_list("day", "kind", "name"))
    before = {
        "source": item.source, "notice": item.notice,
        "holidays": [f"{d.isoformat()} {n}".strip() for d, k, n in stored if k == CalendarDay.Kind.HOLIDAY],
        "workdays": [f"{d.isoformat()} {n}".strip() for d, k, n in stored if k == CalendarDay.Kind.WORKDAY],
    }
    item.source = HolidayYear.Source.MANUAL
    item.notice = notice.strip()[:200]
    item.entered_by = user
    item.version += 1
    item.save()
    _write_days(item, holidays, workdays)
    record_change(item, ChangeRecord.Action.UPDATE, before=before, after=after, reason=f"修改{year}年节假日安排", user=user)
    return item


def load_package_years(years: Iterable[int] | None = None) -> list[int]:
    """Store the years the chinese-calendar package knows and the database does not (an entered year is never overwritten)."""
    loaded: list[int] = []
    for year in years if years is not None else package_years():
        with transaction.atomic():
            if HolidayYear.objects.filter(year=year).exists():
                continue
            holidays, workdays = package_year(year)
            if not holidays:
                continue
            item = HolidayYear.objects.create(year=year, source=HolidayYear.Source.PACKAGE, notice="chinese-calendar 数据包")
            _write_days(item, holidays, workdays)
            record_change(item, ChangeRecord.Action.IMPORT, after={**snapshot(item), "days": len(holidays) + len(workdays)},
                          reason=f"载入{year}年节假日安排（chinese-calendar）")
            loaded.append(year)
    return loaded
