"""Working days and calendar arithmetic, one implementation for the whole system (INDICATORS.md §0.4).

The start date is day 0: `add_working_days(s, n)` is the n-th working day strictly after s, and
`working_days_between(s, e)` counts working days d with s < d <= e.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

from dateutil.relativedelta import relativedelta

FIRST_YEAR, LAST_YEAR = 2010, 2035


class WorkingCalendar:
    """Working-day arithmetic over a set of bank holidays. Dates outside the calendar's range
    raise rather than guess, because a wrong due date is worse than none."""

    def __init__(self, holidays: Iterable[dt.date], first: dt.date, last: dt.date):
        self.first, self.last = first, last
        self.holidays = frozenset(holidays)
        self._working: list[dt.date] = [
            d for d in _days(first, last) if d.weekday() < 5 and d not in self.holidays
        ]
        self._ordinal = {d: i for i, d in enumerate(self._working)}

    def _check(self, d: dt.date) -> None:
        if not (self.first <= d <= self.last):
            raise ValueError(
                f"{d} is outside the working-day calendar ({self.first} to {self.last}); "
                "extend it with `safeguard calendar seed`"
            )

    def is_working_day(self, d: dt.date) -> bool:
        self._check(d)
        return d in self._ordinal

    def index(self, d: dt.date) -> int:
        """How many working days fall on or before d (within the calendar)."""
        self._check(d)
        return bisect.bisect_right(self._working, d)

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day strictly after `start` (n >= 0; n == 0 gives `start` itself)."""
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0:
            return start
        position = self.index(start) + n - 1
        if position >= len(self._working):
            raise ValueError(f"{start} + {n} working days runs past the calendar's end {self.last}")
        return self._working[position]

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days d with start < d <= end; negative if end is before start."""
        return self.index(end) - self.index(start)

    def within_working_days(self, start: dt.date, end: dt.date, n: int) -> bool:
        return end <= self.add_working_days(start, n)


def _days(first: dt.date, last: dt.date):
    d = first
    while d <= last:
        yield d
        d += dt.timedelta(days=1)


def england_bank_holidays(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR):
    """England and Wales bank holidays from the `holidays` package, substitute and one-off days
    included (e.g. 19 September 2022). Scottish and Northern Irish days are not used."""
    import holidays  # lazy: a large package, needed only to seed the calendar or with no table seeded

    return holidays.UK(subdiv="ENG", years=range(first_year, last_year + 1))


def add_months(start: dt.date, months: int) -> dt.date:
    """Calendar months, clamped at month end: 31 January + 1 month is 28/29 February."""
    return start + relativedelta(months=months)


def add_years(start: dt.date, years: int) -> dt.date:
    return start + relativedelta(years=years)


@lru_cache(maxsize=1)
def _package_calendar() -> WorkingCalendar:
    hols = england_bank_holidays()
    return WorkingCalendar(hols.keys(), dt.date(FIRST_YEAR, 1, 1), dt.date(LAST_YEAR, 12, 31))


_current: WorkingCalendar | None = None


def current() -> WorkingCalendar:
    """The calendar in force: the CalendarDay table if seeded, else the package's holidays."""
    global _current
    if _current is None:
        _current = _load_from_database() or _package_calendar()
    return _current


def invalidate() -> None:
    """Forget the cached calendar; call after the CalendarDay table changes."""
    global _current
    _current = None


def _load_from_database() -> WorkingCalendar | None:
    # Lazy: this module also serves `python -m safeguard.forecast` (forecast.report's add_months),
    # which runs without Django, where a model cannot be imported.
    from django.db import connection

    from .models import CalendarDay

    if CalendarDay._meta.db_table not in connection.introspection.table_names():
        return None
    days = CalendarDay.objects.order_by("date").values_list("date", "is_working_day")
    first = last = None
    holidays = []
    for d, working in days.iterator(chunk_size=5000):
        first = first or d
        last = d
        if not working and d.weekday() < 5:
            holidays.append(d)
    if first is None:
        return None
    return WorkingCalendar(holidays, first, last)
