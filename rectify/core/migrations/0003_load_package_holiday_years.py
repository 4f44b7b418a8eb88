"""Load the holiday arrangements the chinese-calendar package knows into the calendar tables."""
from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from rectify.core.workdays import package_year, package_years

    HolidayYear = apps.get_model("core", "HolidayYear")
    CalendarDay = apps.get_model("core", "CalendarDay")
    for year in package_years():
        if HolidayYear.objects.filter(year=year).exists():
            continue
        holidays, workdays = package_year(year)
        if not holidays:
            continue
        item = HolidayYear.objects.create(year=year, source="package", notice="chinese-calendar 数据包")
        CalendarDay.objects.bulk_create(
            [CalendarDay(holiday_year=item, day=d, kind="holiday", name=n or "节假日") for d, n in sorted(holidays.items())]
            + [CalendarDay(holiday_year=item, day=d, kind="workday", name=n) for d, n in sorted(workdays.items())]
        )


def unload(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("core", "HolidayYear").objects.filter(source="package").delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_holiday_calendar_and_document_counters")]
    operations = [migrations.RunPython(load, unload)]
