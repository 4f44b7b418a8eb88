from django.db import migrations

from rectify.core.migration_helpers import follow_generations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_generations'),
        ('dispatch', '0007_hi_ordered_counter_locks'),
    ]

    operations = [
        follow_generations(['dispatch_reportinground']),
    ]
