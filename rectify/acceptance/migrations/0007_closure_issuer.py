from django.db import migrations, models


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    from rectify.core.migration_helpers import fill_issuers

    fill_issuers(apps, "acceptance", "Closure", "销号")


class Migration(migrations.Migration):
    dependencies = [
        ("acceptance", "0006_announcement_calendar_note"),
        ("core", "0003_load_package_holiday_years"),
        ("regions", "0003_region_short_name"),
    ]

    operations = [
        migrations.AddField(model_name="closure", name="issuer",
                            field=models.CharField(default="", max_length=40, verbose_name="发文机关简称")),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddConstraint(model_name="closure",
                                 constraint=models.UniqueConstraint(fields=("issuer", "year", "seq"), name="closure_number_unique_per_issuer")),
    ]
