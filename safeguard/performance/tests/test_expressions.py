"""Calendar-month and working-day arithmetic in the database agrees with dateutil and the
working calendar (INDICATORS.md §0.4), on SQLite and PostgreSQL alike."""

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta

from safeguard.performance.expressions import add_months_key, key_of, working_day_index
from safeguard.timescales import calendar
from safeguard.timescales.models import CalendarDay

DAYS = [
    dt.date(2024, 1, 31),
    dt.date(2024, 2, 29),
    dt.date(2023, 12, 31),
    dt.date(2025, 8, 31),
    dt.date(2026, 3, 31),
    dt.date(2025, 12, 24),
]


@pytest.mark.django_db
@pytest.mark.parametrize("months", [-24, -12, -6, -1, 1, 6, 14, 24])
def test_add_months_matches_relativedelta(months):
    """§0.4: calendar months clamp to the month's end (31 Jan + 1 month = 29 Feb in 2024)."""
    rows = CalendarDay.objects.filter(date__in=DAYS).annotate(k=add_months_key("date", months))
    got = dict(rows.values_list("date", "k"))
    assert got == {d: key_of(d + relativedelta(months=months)) for d in DAYS}


@pytest.mark.django_db
def test_working_day_index_difference_is_the_calendar_count():
    """§0.4: start day 0; Christmas, Boxing Day and New Year's Day are not working days, so from
    24 December 2025 only 29, 30, 31 December and 2 January count."""
    cal = calendar.current()
    start = dt.date(2025, 12, 24)
    row = CalendarDay.objects.filter(date=dt.date(2026, 1, 2)).annotate(s=working_day_index("date")).get()
    start_index = CalendarDay.objects.get(date=start).working_day_index
    assert row.s - start_index == cal.working_days_between(start, dt.date(2026, 1, 2)) == 4
