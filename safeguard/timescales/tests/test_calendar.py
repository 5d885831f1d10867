"""Working-day arithmetic (INDICATORS.md §0.4): the start date is day 0, weekends and England and
Wales bank holidays (Banking and Financial Dealings Act 1971, incl. one-off days) are not working days."""

import datetime as dt

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from safeguard.timescales import calendar
from safeguard.timescales.models import CalendarDay

D = dt.date

# INDICATORS.md §0.5: non-weekend bank holidays in England, 2019-2026, as councils publish them.
PUBLISHED = {
    2019: "01-01 04-19 04-22 05-06 05-27 08-26 12-25 12-26",
    2020: "01-01 04-10 04-13 05-08 05-25 08-31 12-25 12-28",
    2021: "01-01 04-02 04-05 05-03 05-31 08-30 12-27 12-28",
    2022: "01-03 04-15 04-18 05-02 06-02 06-03 08-29 09-19 12-26 12-27",
    2023: "01-02 04-07 04-10 05-01 05-08 05-29 08-28 12-25 12-26",
    2024: "01-01 03-29 04-01 05-06 05-27 08-26 12-25 12-26",
    2025: "01-01 04-18 04-21 05-05 05-26 08-25 12-25 12-26",
    2026: "01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-28",
}


def published_holidays():
    return {D(y, int(md[:2]), int(md[3:])) for y, days in PUBLISHED.items() for md in days.split()}


def naive_add(start, n, holidays):
    """Independent reference: walk forward day by day."""
    d, counted = start, 0
    while counted < n:
        d += dt.timedelta(days=1)
        if d.weekday() < 5 and d not in holidays:
            counted += 1
    return d


CAL = calendar.WorkingCalendar(published_holidays(), D(2019, 1, 1), D(2026, 12, 31))
dates = st.dates(min_value=D(2019, 1, 1), max_value=D(2026, 6, 30))


def test_package_calendar_matches_published_bank_holidays():
    """§0.5: the holidays package (ENG) gives exactly the published non-weekend bank holidays."""
    package = {d for d in calendar.england_bank_holidays(2019, 2026) if d.weekday() < 5}
    assert package == published_holidays()


def test_state_funeral_2022_is_not_a_working_day():
    """One-off bank holiday by proclamation: State Funeral of Queen Elizabeth II, 19 September 2022."""
    assert not CAL.is_working_day(D(2022, 9, 19))
    assert CAL.add_working_days(D(2022, 9, 16), 1) == D(2022, 9, 20)


def test_start_date_is_day_zero():
    """§0.4: same day = 0 working days; the next working day is day 1."""
    assert CAL.working_days_between(D(2025, 6, 2), D(2025, 6, 2)) == 0
    assert CAL.add_working_days(D(2025, 6, 2), 0) == D(2025, 6, 2)
    assert CAL.add_working_days(D(2025, 6, 2), 1) == D(2025, 6, 3)


def test_weekend_start_counts_from_next_working_day():
    """§0.4: a Saturday clock start needs no special case; Monday is day 1."""
    assert CAL.add_working_days(D(2025, 3, 1), 1) == D(2025, 3, 3)
    assert CAL.add_working_days(D(2025, 3, 1), 15) == D(2025, 3, 21)


def test_easter_and_christmas():
    assert CAL.add_working_days(D(2026, 4, 2), 1) == D(2026, 4, 7)  # Good Friday, Easter Monday
    assert CAL.add_working_days(D(2025, 12, 24), 1) == D(2025, 12, 29)


def test_outside_calendar_refuses_to_guess():
    with pytest.raises(ValueError, match="outside the working-day calendar"):
        CAL.add_working_days(D(2030, 1, 1), 1)


@settings(max_examples=300, deadline=None)
@given(dates, st.integers(min_value=0, max_value=120))
def test_add_matches_day_by_day_reference(start, n):
    assert CAL.add_working_days(start, n) == naive_add(start, n, published_holidays())


@settings(max_examples=300, deadline=None)
@given(dates, st.integers(min_value=1, max_value=120))
def test_add_then_count_round_trips(start, n):
    due = CAL.add_working_days(start, n)
    assert CAL.is_working_day(due)
    assert CAL.working_days_between(start, due) == n
    assert CAL.working_days_between(start, due - dt.timedelta(days=1)) == n - 1


@settings(max_examples=300, deadline=None)
@given(dates, dates, st.integers(min_value=0, max_value=60))
def test_within_is_the_same_as_counting(start, end, n):
    """§0.4: within_working_days(s, e, n) ⇔ working_days_between(s, e) <= n, for an end on a
    working day (for a weekend end, see the next test)."""
    assume(CAL.is_working_day(end))
    assert CAL.within_working_days(start, end, n) == (CAL.working_days_between(start, end) <= n)


def test_within_means_by_the_due_date_even_at_a_weekend():
    """§0.4 defines within as e <= add_working_days(s, n): a Saturday after a Friday due date is late,
    although no working day has been counted since the Friday. (Its "equivalent" count agrees only
    for ends on working days.)"""
    start, due = D(2025, 4, 1), CAL.add_working_days(D(2025, 4, 1), 35)
    saturday = due + dt.timedelta(days=1)
    assert due.weekday() == 4 and saturday.weekday() == 5
    assert CAL.working_days_between(start, saturday) == 35
    assert CAL.within_working_days(start, due, 35) and not CAL.within_working_days(start, saturday, 35)


@settings(max_examples=200, deadline=None)
@given(dates, dates)
def test_counting_is_antisymmetric_and_additive(a, b):
    assert CAL.working_days_between(a, b) == -CAL.working_days_between(b, a)
    mid = min(a, b) + (max(a, b) - min(a, b)) / 2
    assert (CAL.working_days_between(min(a, b), mid) + CAL.working_days_between(mid, max(a, b))
            == CAL.working_days_between(min(a, b), max(a, b)))


@pytest.mark.django_db
def test_seeded_table_matches_package_and_indexes_working_days():
    """The CalendarDay table is seeded 2010-2035 and its index counts working days."""
    assert CalendarDay.objects.filter(date=D(2010, 1, 1)).exists()
    assert CalendarDay.objects.filter(date=D(2035, 12, 31)).exists()
    assert not CalendarDay.objects.get(date=D(2023, 5, 8)).is_working_day  # Coronation
    a = CalendarDay.objects.get(date=D(2022, 9, 16))
    b = CalendarDay.objects.get(date=D(2022, 9, 20))
    assert b.working_day_index - a.working_day_index == 1
    calendar.invalidate()
    db_cal = calendar.current()
    assert db_cal.add_working_days(D(2022, 9, 8), 15) == D(2022, 9, 30)


def test_months_clamp_at_month_end():
    """§0.4: calendar months clamp: 31 January + 3 months = 30 April; 31 August + 6 = 28 February."""
    assert calendar.add_months(D(2025, 1, 31), 3) == D(2025, 4, 30)
    assert calendar.add_months(D(2025, 8, 31), 6) == D(2026, 2, 28)
    assert calendar.add_months(D(2023, 8, 31), 6) == D(2024, 2, 29)
