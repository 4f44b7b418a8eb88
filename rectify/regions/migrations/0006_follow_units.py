from django.db import migrations

from rectify.core.migration_helpers import follow_generations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_generations'),
        ('regions', '0005_follow_generations'),
    ]

    operations = [
        follow_generations(['regions_unit']),
    ]
