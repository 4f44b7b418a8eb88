from django.db import migrations, models


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    from rectify.core.migration_helpers import fill_issuers

    fill_issuers(apps, "supervision", "SupervisionNotice", "督办")


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0002_notice_done_reporter_and_auto_causes"),
        ("core", "0003_load_package_holiday_years"),
        ("regions", "0003_region_short_name"),
    ]

    operations = [
        migrations.AddField(model_name="supervisionnotice", name="issuer",
                            field=models.CharField(default="", max_length=40, verbose_name="发文机关简称")),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddConstraint(model_name="supervisionnotice",
                                 constraint=models.UniqueConstraint(fields=("issuer", "year", "seq"), name="supervision_number_unique_per_issuer")),
    ]
