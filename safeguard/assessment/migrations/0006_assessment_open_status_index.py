"""Trays (issue 20): the worker's *Incoming* tray and the manager's decisions ask for assessments
returned or submitted on every tray page; without an index PostgreSQL scans every assessment of the
council. A partial index holds only those few rows. Plain SQL (both SQLite and PostgreSQL accept it),
so the model's state is unchanged."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("assessment", "0005_assessment_status_from_authorisation")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS assessment_open_status ON assessment_assessment (status) "
            "WHERE status IN ('submitted', 'returned')",
            reverse_sql="DROP INDEX IF EXISTS assessment_open_status",
        ),
    ]
