"""The index on the logs' ``at`` alone, replaced by the (at, id) indexes of 0008."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0008_log_order_indexes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='loginevent',
            name='at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='时间'),
        ),
        migrations.AlterField(
            model_name='personaldataaccess',
            name='at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='时间'),
        ),
    ]
