from django.db import migrations


def reinstall(apps, schema_editor):
    """The latest flags' triggers again: an update's changed rows found without joining its old and new rows
    (the flags are unchanged)."""
    from rectify.acceptance.models import ANNOUNCEMENT_LATEST, ANNOUNCEMENT_LATEST_PUBLISHED
    from rectify.core import copies

    for flag in (ANNOUNCEMENT_LATEST, ANNOUNCEMENT_LATEST_PUBLISHED):
        copies.install(flag, schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ('acceptance', '0009_announcement_latest'),
    ]

    operations = [
        migrations.RunPython(reinstall, migrations.RunPython.noop),
    ]
