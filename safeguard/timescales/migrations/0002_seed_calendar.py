"""Seed the English working-day calendar 2010-2035 from the `holidays` package (offline)."""

import datetime as dt

from django.db import migrations


def seed(apps, schema_editor):
    from safeguard.timescales.calendar import FIRST_YEAR, LAST_YEAR, england_bank_holidays
    from safeguard.timescales.services import calendar_rows

    CalendarDay = apps.get_model("timescales", "CalendarDay")
    hols = dict(england_bank_holidays())
    rows = calendar_rows(hols, dt.date(FIRST_YEAR, 1, 1), dt.date(LAST_YEAR, 12, 31))
    CalendarDay.objects.bulk_create([CalendarDay(**r) for r in rows], batch_size=2000)


def unseed(apps, schema_editor):
    apps.get_model("timescales", "CalendarDay").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("timescales", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
