"""The inbox's order (unread first, newest first) as an index: a page is its entries, not a sort of every
notification of its reader (``services.inbox_order``). Built online (``AddIndexOnline``): every hand-off writes a
notification, and a plain build would hold them all while it reads the table."""

from django.db import migrations, models

from rectify.core.migration_helpers import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('notifications', '0002_counts_and_inbox_order'),
    ]

    operations = [
        AddIndexOnline(
            model_name='notification',
            index=models.Index(models.F('recipient'), models.OrderBy(models.ExpressionWrapper(models.Q(('read_at__isnull', True)), output_field=models.BooleanField()), descending=True), models.OrderBy(models.F('created_at'), descending=True), models.OrderBy(models.F('id'), descending=True), include=('read_at',), name='notification_inbox_order'),
        ),
    ]
