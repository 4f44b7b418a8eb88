"""The sign-in and personal-data logs page newest first from an (at, id) index (``ScopedListView.countless``); the
index on ``at`` alone goes in 0009, once these are built. Built online (``AddIndexOnline``): a year of sign-ins is
tens of millions of rows, which a plain build would hold against every sign-in for minutes."""

from django.db import migrations, models

from rectify.core.migration_helpers import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('accounts', '0007_follow_generations'),
    ]

    operations = [
        AddIndexOnline(
            model_name='loginevent',
            index=models.Index(fields=['at', 'id'], name='loginevent_at_order'),
        ),
        AddIndexOnline(
            model_name='personaldataaccess',
            index=models.Index(fields=['at', 'id'], name='dataaccess_at_order'),
        ),
    ]
