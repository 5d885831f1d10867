"""Database expressions shared by the indicator definitions, portable between SQLite and
PostgreSQL: working-day durations from the calendar table, and calendar-month comparisons done
on integer date keys (yyyymmdd) so the same answer comes from both databases."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Cast, ExtractDay, ExtractMonth, ExtractYear, Least, Mod
from django.db.models.lookups import Exact, In

from safeguard.timescales.models import CalendarDay


def working_day_index(field: str):
    """How many working days fall on or before the date in `field` (CalendarDay table), so
    `index(end) - index(start)` is the working days after start up to and including end: the
    start date is day 0 (INDICATORS.md §0.4)."""
    return Subquery(
        CalendarDay.objects.filter(date=OuterRef(field)).values("working_day_index")[:1],
        output_field=IntegerField(),
    )


def working_day_index_of(day: dt.date) -> int:
    row = CalendarDay.objects.filter(date=day).values_list("working_day_index", flat=True).first()
    if row is None:
        raise ValueError(
            f"{day} is outside the working-day calendar; extend it with `safeguard calendar seed`"
        )
    return row


def _part(extract, field: str):
    """A date part as an integer: PostgreSQL's EXTRACT gives a numeric, and numeric arithmetic in a
    look-back run once per candidate row (FD-05) cost several times integer arithmetic."""
    return Cast(extract(field), output_field=IntegerField())


def date_key(field: str):
    """yyyymmdd as an integer: date order is integer order on every database."""
    return (
        _part(ExtractYear, field) * Value(10000)
        + _part(ExtractMonth, field) * Value(100)
        + _part(ExtractDay, field)
    )


def key_of(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def add_months_key(field: str, months: int):
    """The yyyymmdd key of `field` + `months` calendar months, clamping the day to the month's
    end like dateutil's relativedelta (31 January + 1 month = 28/29 February; §0.4)."""
    total = _part(ExtractYear, field) * Value(12) + _part(ExtractMonth, field) - Value(1) + Value(months)
    year = _int_div(total, 12)
    month_number = total - year * Value(12) + Value(1)
    last = _last_day(year, month_number)
    return year * Value(10000) + month_number * Value(100) + Least(_part(ExtractDay, field), last)


def _int_div(expr, n: int):
    """Integer division that both databases do the same way for non-negative numbers."""
    return (expr - Mod(expr, Value(n))) / Value(n)


def _last_day(year, month_number):
    is_400 = Mod(year, Value(400))
    is_100 = Mod(year, Value(100))
    is_4 = Mod(year, Value(4))
    feb = Case(
        When(_eq(is_400, 0), then=Value(29)),
        When(_eq(is_100, 0), then=Value(28)),
        When(_eq(is_4, 0), then=Value(29)),
        default=Value(28),
        output_field=IntegerField(),
    )
    return Case(
        When(_eq(month_number, 2), then=feb),
        When(_in(month_number, (4, 6, 9, 11)), then=Value(30)),
        default=Value(31),
        output_field=IntegerField(),
    )


def _eq(expr, n: int):
    return Exact(expr, Value(n))


def _in(expr, values):
    return In(expr, [Value(v) for v in values])
