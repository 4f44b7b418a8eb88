"""The ledger's chosen orders (整改时限 and 状态, either way; 更新时间), each with its ties broken by the id: the
administrator's page of a search in one of them walks a window of its index (``tasks.paging.window_order``) instead
of sorting every match (生态环境 by state: 1.4 s at 300,000 tasks). ``task_updated_at`` (the update time alone)
becomes ``task_updated_order``. Built online (``AddIndexOnline``; a plain build of the five held every write to
the tasks ~5 s at 300,000 tasks), the index they replace dropped last."""

from django.db import migrations, models

from rectify.core.migration_helpers import AddIndexOnline, RemoveIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('inspections', '0003_follow_generations'),
        ('regions', '0006_follow_units'),
        ('tasks', '0022_search_grams_statistics'),
    ]

    operations = [
        AddIndexOnline(
            model_name='task',
            index=models.Index(fields=['updated_at', 'id'], name='task_updated_order'),
        ),
        AddIndexOnline(
            model_name='task',
            index=models.Index(fields=['deadline', 'id'], name='task_deadline_order'),
        ),
        AddIndexOnline(
            model_name='task',
            index=models.Index(fields=['-deadline', 'id'], name='task_deadline_desc_order'),
        ),
        AddIndexOnline(
            model_name='task',
            index=models.Index(fields=['state', 'id'], name='task_state_order'),
        ),
        AddIndexOnline(
            model_name='task',
            index=models.Index(fields=['-state', 'id'], name='task_state_desc_order'),
        ),
        RemoveIndexOnline(
            model_name='task',
            name='task_updated_at',
        ),
    ]
