from django.db import migrations


def reinstall(apps, schema_editor):
    """Dispatch's counter triggers again: one upsert in key order per statement (the counts are unchanged)."""
    from rectify.core import counters
    from rectify.dispatch.counters import PAIR_COUNTS, REPORT_COUNTS, UNIT_PAIR_COUNTS, UNIT_REPORT_COUNTS

    for counter in (REPORT_COUNTS, PAIR_COUNTS, UNIT_PAIR_COUNTS, UNIT_REPORT_COUNTS):
        counters.install(counter, schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ('dispatch', '0006_hg_unit_counts'),
        ('tasks', '0014_hi_ordered_counter_locks'),
    ]

    operations = [
        migrations.RunPython(reinstall, migrations.RunPython.noop),
    ]
