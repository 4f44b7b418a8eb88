from django.db import migrations

from rectify.core.migration_helpers import follow_generations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_generations'),
        ('inspections', '0002_updated_at_index'),
    ]

    operations = [
        follow_generations(['inspections_inspection', 'inspections_plan']),
    ]
