from django.db import migrations, models

COUNTED = ('reportcount', 'paircount', 'unitpaircount', 'unitreportcount')


def _counters():
    from rectify.dispatch.counters import PAIR_COUNTS, REPORT_COUNTS, UNIT_PAIR_COUNTS, UNIT_REPORT_COUNTS

    return (REPORT_COUNTS, PAIR_COUNTS, UNIT_PAIR_COUNTS, UNIT_REPORT_COUNTS)


def uninstall(apps, schema_editor):
    """Dispatch's counter triggers off while their tables change (SQLite remakes a table, which triggers reading it
    refuse); the whole migration is one transaction, so no write goes uncounted."""
    from rectify.core import counters

    for counter in _counters():
        counters.uninstall(counter, schema_editor.connection.alias)


def install(apps, schema_editor):
    """The triggers again, writing each connection's shard; the rows already there are shard 0 (the counts stay)."""
    from rectify.core import counters

    for counter in _counters():
        counters.install(counter, schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ('dispatch', '0011_counter_moves_without_joins'),
        ('regions', '0006_follow_units'),
        ('tasks', '0017_counter_shards'),
    ]

    operations = [
        migrations.RunPython(uninstall, install),
        migrations.RemoveConstraint(
            model_name='reportcount',
            name='reportcount_key',
        ),
        migrations.RemoveConstraint(
            model_name='unitpaircount',
            name='unitpaircount_key',
        ),
        migrations.RemoveConstraint(
            model_name='unitreportcount',
            name='unitreportcount_key',
        ),
        *[migrations.AddField(model_name=name, name='shard', field=models.SmallIntegerField(db_default=0, default=0))
          for name in COUNTED],
        migrations.AlterField(
            model_name='paircount',
            name='region_path',
            field=models.CharField(max_length=120),
        ),
        migrations.AddConstraint(
            model_name='paircount',
            constraint=models.UniqueConstraint(fields=('region_path', 'shard'), name='paircount_key_shard'),
        ),
        migrations.AddConstraint(
            model_name='reportcount',
            constraint=models.UniqueConstraint(fields=('region_path', 'period', 'schedule', 'shard'), name='reportcount_key_shard'),
        ),
        migrations.AddConstraint(
            model_name='unitpaircount',
            constraint=models.UniqueConstraint(fields=('region_path', 'unit', 'shard'), name='unitpaircount_key_shard'),
        ),
        migrations.AddConstraint(
            model_name='unitreportcount',
            constraint=models.UniqueConstraint(fields=('unit', 'period', 'region_path', 'shard'), name='unitreportcount_key_shard'),
        ),
        migrations.RunPython(install, uninstall),
    ]
