from django.db import migrations, models


def uninstall(apps, schema_editor):
    """The task counter's triggers off while its table changes (SQLite remakes the table, which triggers reading it
    refuse); the whole migration is one transaction, so no write goes uncounted."""
    from rectify.core import counters
    from rectify.tasks.counters import TASK_COUNTS

    counters.uninstall(TASK_COUNTS, schema_editor.connection.alias)


def install(apps, schema_editor):
    """The triggers again, writing each connection's shard; the rows already there are shard 0 (the counts stay)."""
    from rectify.core import counters
    from rectify.tasks.counters import TASK_COUNTS

    counters.install(TASK_COUNTS, schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ('tasks', '0016_counter_moves_without_joins'),
    ]

    operations = [
        migrations.RunPython(uninstall, install),
        migrations.RemoveConstraint(
            model_name='taskcount',
            name='taskcount_key',
        ),
        migrations.AddField(
            model_name='taskcount',
            name='shard',
            field=models.SmallIntegerField(db_default=0, default=0),
        ),
        migrations.AddConstraint(
            model_name='taskcount',
            constraint=models.UniqueConstraint(fields=('region_path', 'state', 'needs_completion', 'shard'), name='taskcount_key_shard'),
        ),
        migrations.RunPython(install, uninstall),
    ]
