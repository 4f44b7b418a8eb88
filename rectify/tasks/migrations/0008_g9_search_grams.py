"""The keyword search's index on PostgreSQL (see ``rectify.tasks.search``); nothing on SQLite."""
from django.db import migrations

from rectify.tasks.search import CREATE_SQL, DROP_SQL


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ('tasks', '0007_g6_task_region_path'),
    ]

    operations = [
        migrations.RunPython(_run(CREATE_SQL), _run(DROP_SQL)),
    ]
