from django.db import migrations

from rectify.core.migration_helpers import follow_generations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_generations'),
        ('accounts', '0006_session_epoch'),
    ]

    operations = [
        follow_generations(['accounts_rolegrant']),
    ]
