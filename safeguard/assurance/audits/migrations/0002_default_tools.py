"""The audit tools Safeguard ships with (`safeguard.assurance.audits.defaults`)."""

from django.db import migrations


def load_tools(apps, schema_editor):
    from safeguard.assurance.audits.defaults import load

    load(apps.get_model("audits", "AuditTool"), apps.get_model("audits", "AuditDomain"))


class Migration(migrations.Migration):
    dependencies = [("audits", "0001_case_audits")]

    operations = [migrations.RunPython(load_tools, migrations.RunPython.noop)]
