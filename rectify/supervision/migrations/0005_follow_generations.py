from django.db import migrations

TABLES = ['supervision_lightrule']


def follow(apps, schema_editor):
    """A token per table, renewed by a trigger on every write: pages keep what they read from it until it
    changes (rectify.core.generations)."""
    from rectify.core import generations

    generations.follow(TABLES, schema_editor.connection.alias)


def unfollow(apps, schema_editor):
    from rectify.core import generations

    generations.unfollow(TABLES, schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_generations'),
        ('supervision', '0004_notice_issued_order'),
    ]

    operations = [
        migrations.RunPython(follow, unfollow),
    ]
