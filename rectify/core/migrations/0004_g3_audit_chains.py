"""Per-task audit chains and root digests (issue 12, item 8).

The rows already written stay as they are: they keep ``chain_key = ""`` and the digest they were
hashed with, and form the legacy chain, verified as before. Its head (the old single
``AuditChainHead``) becomes the ``AuditChain`` row with the empty key; no digest is recomputed.
New rows join per-task (or per-type) chains.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def keep_legacy_head(apps, schema_editor):  # type: ignore[no-untyped-def]
    """The old global chain's head becomes the head of the legacy chain (key "")."""
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    AuditChain = apps.get_model("core", "AuditChain")
    ChangeRecord = apps.get_model("core", "ChangeRecord")
    length = ChangeRecord.objects.count()  # every row so far is in the legacy chain
    old = AuditChainHead.objects.filter(pk=1).values_list("digest", flat=True).first()
    if length or old:
        AuditChain.objects.create(key="", seq=length, digest=old or "")


def restore_legacy_head(apps, schema_editor):  # type: ignore[no-untyped-def]
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    AuditChain = apps.get_model("core", "AuditChain")
    ChangeRecord = apps.get_model("core", "ChangeRecord")
    if ChangeRecord.objects.exclude(chain_key="").exists():
        raise RuntimeError("已有按任务分链的变更记录，不能退回单一审计链")
    digest = AuditChain.objects.filter(key="").values_list("digest", flat=True).first()
    if digest is not None:
        AuditChainHead.objects.update_or_create(pk=1, defaults={"digest": digest})


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_load_package_holiday_years'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditChain',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=100, unique=True)),
                ('seq', models.PositiveBigIntegerField(default=0)),
                ('digest', models.CharField(blank=True, max_length=64)),
            ],
            options={
                'verbose_name': '审计链头',
            },
        ),
        migrations.CreateModel(
            name='RootDigest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('time', models.DateTimeField(default=django.utils.timezone.now)),
                ('previous', models.CharField(blank=True, max_length=64, unique=True)),
                ('chains', models.PositiveIntegerField(default=0)),
                ('records', models.PositiveBigIntegerField(default=0)),
                ('digest', models.CharField(blank=True, max_length=64)),
            ],
            options={
                'verbose_name': '审计根摘要',
                'ordering': ['id'],
            },
        ),
        migrations.CreateModel(
            name='RootDigestEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('chain_key', models.CharField(max_length=100)),
                ('seq', models.PositiveBigIntegerField()),
                ('digest', models.CharField(max_length=64)),
            ],
            options={
                'verbose_name': '审计根摘要条目',
            },
        ),
        migrations.AddField(
            model_name='changerecord',
            name='chain_key',
            field=models.CharField(blank=True, default='', max_length=100, verbose_name='审计链'),
        ),
        migrations.AddField(
            model_name='changerecord',
            name='seq',
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name='链内序号'),
        ),
        migrations.AddConstraint(
            model_name='changerecord',
            constraint=models.UniqueConstraint(fields=('chain_key', 'seq'), name='change_record_chain_position'),
        ),
        migrations.AddField(
            model_name='rootdigestentry',
            name='root',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='entries', to='core.rootdigest'),
        ),
        migrations.AddIndex(
            model_name='rootdigestentry',
            index=models.Index(fields=['chain_key', 'id'], name='root_entry_chain'),
        ),
        migrations.RunPython(keep_legacy_head, restore_legacy_head),
        migrations.DeleteModel(
            name='AuditChainHead',
        ),
    ]
