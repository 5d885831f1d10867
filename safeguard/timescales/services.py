"""Keeping the stored clocks in step with the record and the calendar."""

from __future__ import annotations

import copy
import datetime as dt

from django.db import transaction

from safeguard.audit.services import audit_detail, audit_record
from safeguard.core.errors import Checks

from . import calendar
from .models import CalendarDay, Clock
from .rules import due_date


def calendar_rows(holidays: dict, first: dt.date, last: dt.date, start_index: int = 0) -> list[dict]:
    """CalendarDay rows for [first, last]: weekends and the given bank holidays are not working days."""
    rows, index, d = [], start_index, first
    while d <= last:
        name = holidays.get(d, "")
        working = d.weekday() < 5 and d not in holidays
        index += working
        rows.append(dict(date=d, is_working_day=working, working_day_index=index,
                         holiday_name=name, source="holidays package" if name else ""))
        d += dt.timedelta(days=1)
    return rows


def _reindex_from(first: dt.date) -> None:
    """Recount working_day_index from `first` onwards after a day changed."""
    before = CalendarDay.objects.filter(date__lt=first).order_by("-date").first()
    index = before.working_day_index if before else 0
    days = list(CalendarDay.objects.filter(date__gte=first).order_by("date"))
    for day in days:
        index += day.is_working_day
        day.working_day_index = index
    CalendarDay.objects.bulk_update(days, ["working_day_index"], batch_size=2000)


@transaction.atomic
def calendar_add_holiday(*, by, date: dt.date, name: str) -> CalendarDay:
    """Record a newly announced bank holiday (e.g. a state funeral) and move every due date it
    affects. The change and the recalculation happen together or not at all."""
    checks = Checks()
    checks.require(bool(name.strip()), "name", "local", "give the holiday's name")
    day = CalendarDay.objects.filter(date=date).first()
    checks.require(day is not None, "date", "local",
                   f"{date} is outside the calendar; run `safeguard calendar seed` first")
    if day is not None:
        checks.require(date.weekday() < 5, "date", "local", f"{date} is a weekend day already")
        checks.require(day.is_working_day, "date", "local",
                       f"{date} is already a bank holiday ({day.holiday_name})")
    checks.raise_if_any()
    before = copy.copy(day)
    day.is_working_day = False
    day.holiday_name = name.strip()
    day.source = f"added by {by}" if by else "added"
    day.save()
    _reindex_from(date)
    calendar.invalidate()
    moved = recalculate_due_dates()
    audit_record(actor=by, action="calendar", obj=day, object_id=str(date), reason=f"{moved} due dates moved",
                 detail=audit_detail("calendar_add_holiday", before, day))
    return day


@transaction.atomic
def calendar_seed(*, first_year: int, last_year: int) -> int:
    """Add any missing years to the calendar from the `holidays` package; existing days stay."""
    hols = dict(calendar.england_bank_holidays(first_year, last_year))
    have = set(CalendarDay.objects.filter(
        date__gte=dt.date(first_year, 1, 1), date__lte=dt.date(last_year, 12, 31)
    ).values_list("date", flat=True))
    rows = [r for r in calendar_rows(hols, dt.date(first_year, 1, 1), dt.date(last_year, 12, 31))
            if r["date"] not in have]
    CalendarDay.objects.bulk_create([CalendarDay(**r) for r in rows], batch_size=2000)
    if rows:
        _reindex_from(min(r["date"] for r in rows))
        calendar.invalidate()
    return len(rows)


def recalculate_due_dates(batch_size: int = 5000) -> int:
    """Recompute every working-day due date from the calendar now in force; returns how many moved."""
    cal = calendar.current()
    moved = 0
    pending: list[Clock] = []
    for clock in Clock.objects.filter(unit="WD").only("pk", "start_date", "unit", "amount",
                                                      "due_date").iterator(chunk_size=batch_size):
        due = due_date(clock.start_date, (clock.unit, clock.amount), cal)
        if due != clock.due_date:
            clock.due_date = due
            pending.append(clock)
        if len(pending) >= batch_size:
            Clock.objects.bulk_update(pending, ["due_date"])
            moved += len(pending)
            pending = []
    if pending:
        Clock.objects.bulk_update(pending, ["due_date"])
        moved += len(pending)
    return moved
