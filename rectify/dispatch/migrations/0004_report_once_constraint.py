"""Report once (3/3): the new fields become required; one report per task, unit and month."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("dispatch", "0003_report_once_fill_periods"),
    ]

    operations = [
        migrations.AlterField(
            model_name='progressreport',
            name='period',
            field=models.DateField(verbose_name='报送月份'),
        ),
        migrations.AlterField(
            model_name='progressreport',
            name='task',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='progress_reports', to='tasks.task', verbose_name='整改任务'),
        ),
        migrations.AlterField(
            model_name='reportinground',
            name='report_period',
            field=models.DateField(db_index=True, help_text='调度期止所在月份的第一天；同一月份各级调度共用单位的同一份报送', verbose_name='报送月份'),
        ),
        migrations.AlterField(
            model_name='progressreport',
            name='round',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reports', to='dispatch.reportinground', verbose_name='首次报送的调度'),
        ),
        migrations.AddIndex(
            model_name='progressreport',
            index=models.Index(fields=['period', 'unit'], name='progress_report_period_unit'),
        ),
        migrations.AddConstraint(
            model_name='progressreport',
            constraint=models.UniqueConstraint(fields=('task', 'unit', 'period'), name='progress_report_once_per_month'),
        ),
    ]
