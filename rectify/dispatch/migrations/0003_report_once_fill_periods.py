"""Report once (2/3): fill the new fields and merge duplicates.

Existing reports get their task from their assignment and their month from their round. Where a unit had
reported the same task in two rounds of the same month (the duplicate this change forbids), the latest
submission is kept, the evidence files of the others move to it, and the others are deleted; their text
stays in the history rows written when they were submitted.
"""
from django.db import migrations


def fill_periods(apps, schema_editor):
    Round = apps.get_model("dispatch", "ReportingRound")
    Report = apps.get_model("dispatch", "ProgressReport")
    Evidence = apps.get_model("dispatch", "EvidenceFile")
    for round_ in Round.objects.all().iterator():
        round_.report_period = round_.period_end.replace(day=1)
        round_.save(update_fields=["report_period"])
    kept = {}
    for report in Report.objects.select_related("round", "assignment").order_by("-submitted_at", "-id").iterator():
        period = report.round.period_end.replace(day=1)
        key = (report.assignment.task_id, report.unit_id, period)
        if key in kept:
            Evidence.objects.filter(report=report).update(report_id=kept[key])
            report.delete()
            continue
        kept[key] = report.pk
        report.task_id, report.period = key[0], period
        report.save(update_fields=["task", "period"])


class Migration(migrations.Migration):

    dependencies = [
        ("dispatch", "0002_report_once_per_unit_task_month"),
    ]

    operations = [
        migrations.RunPython(fill_periods, migrations.RunPython.noop),
    ]
