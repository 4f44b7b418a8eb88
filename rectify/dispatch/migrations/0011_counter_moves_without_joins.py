from django.db import migrations


def reinstall(apps, schema_editor):
    """Dispatch's counter triggers again: no join of a statement's old and new rows, and the statements that join
    other tables planned on each call (the counts are unchanged)."""
    from rectify.core import counters
    from rectify.dispatch.counters import PAIR_COUNTS, REPORT_COUNTS, UNIT_PAIR_COUNTS, UNIT_REPORT_COUNTS

    for counter in (REPORT_COUNTS, PAIR_COUNTS, UNIT_PAIR_COUNTS, UNIT_REPORT_COUNTS):
        counters.install(counter, schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ('dispatch', '0010_report_task_agrees'),
        ('tasks', '0016_counter_moves_without_joins'),
    ]

    operations = [
        migrations.RunPython(reinstall, migrations.RunPython.noop),
    ]
