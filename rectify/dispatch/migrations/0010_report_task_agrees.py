from django.db import migrations


def install(apps, schema_editor):
    """The triggers that refuse a report whose task is not its assignment's task (``REPORT_TASK``): no row is
    read or rewritten (the rows already there are listed by ``check_counters``)."""
    from rectify.core import copies
    from rectify.dispatch.models import REPORT_TASK

    copies.install(REPORT_TASK, schema_editor.connection.alias)


def uninstall(apps, schema_editor):
    from rectify.core import copies
    from rectify.dispatch.models import REPORT_TASK

    copies.uninstall(REPORT_TASK, schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ('dispatch', '0009_report_round_order'),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
