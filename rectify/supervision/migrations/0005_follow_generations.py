from django.db import migrations

from rectify.core.migration_helpers import follow_generations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_generations'),
        ('supervision', '0004_notice_issued_order'),
    ]

    operations = [
        follow_generations(['supervision_lightrule']),
    ]
