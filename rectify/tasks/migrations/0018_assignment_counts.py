from django.db import migrations, models


def install_and_fill(apps, schema_editor):
    """The triggers that keep the counts, then the counts of the assignments already there (one INSERT … SELECT …
    GROUP BY). Creating the triggers locks both tables against writes until the migration commits: no write goes
    uncounted between the two."""
    from rectify.core import counters
    from rectify.tasks.counters import ASSIGNMENT_COUNTS

    counters.install(ASSIGNMENT_COUNTS, schema_editor.connection.alias)
    counters.rebuild(ASSIGNMENT_COUNTS, schema_editor.connection.alias)


def uninstall(apps, schema_editor):
    from rectify.core import counters
    from rectify.tasks.counters import ASSIGNMENT_COUNTS

    counters.uninstall(ASSIGNMENT_COUNTS, schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ('tasks', '0017_counter_shards'),
    ]

    operations = [
        migrations.CreateModel(
            name='AssignmentCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('region_path', models.CharField(max_length=120)),
                ('n', models.BigIntegerField(default=0)),
                ('shard', models.SmallIntegerField(db_default=0, default=0)),
            ],
            options={
                'verbose_name': '任务分工计数',
                'verbose_name_plural': '任务分工计数',
                'indexes': [models.Index(fields=['region_path'], name='assignmentcount_path', opclasses=['varchar_pattern_ops'])],
                'constraints': [models.UniqueConstraint(fields=('region_path', 'shard'), name='assignmentcount_key_shard')],
            },
        ),
        migrations.RunPython(install_and_fill, uninstall),
    ]
