from django.db import migrations

from rectify.core.migration_helpers import follow_generations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_generations'),
    ]

    operations = [
        follow_generations(['core_savedfilter']),
    ]
