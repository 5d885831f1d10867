"""Assessments already on file: those with an authorisation date are authorised, the rest are
drafts (the default the new field was added with)."""

from django.db import migrations


def forwards(apps, schema_editor):
    Assessment = apps.get_model("assessment", "Assessment")  # noqa: N806
    Assessment.objects.filter(authorisation_date__isnull=False).update(status="authorised")


def backwards(apps, schema_editor):
    Assessment = apps.get_model("assessment", "Assessment")  # noqa: N806
    Assessment.objects.update(status="draft")


class Migration(migrations.Migration):

    dependencies = [
        ("assessment", "0004_assessment_status_and_content"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
