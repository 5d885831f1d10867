"""The council's table of expected supervision frequencies starts from the defaults [L]."""

from django.db import migrations

from safeguard.assurance.supervision.rules import DEFAULT_FREQUENCIES


def seed(apps, schema_editor):
    frequency = apps.get_model("supervision", "SupervisionFrequency")
    for key, description, role, start, until, unit, amount, source in DEFAULT_FREQUENCIES:
        frequency.objects.get_or_create(key=key, defaults=dict(
            description=description, role=role, asye_from_weeks=start, asye_until_weeks=until,
            unit=unit, amount=amount, source=source))


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_supervision")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
