"""Reporting periods (INDICATORS.md §0.3 rules 1-2): the reporting year runs 1 April - 31 March
and is named by its ending; quarter 2 is July-September."""

import datetime as dt

from safeguard.performance import periods as p

D = dt.date


def test_year_2026_is_april_2025_to_march_2026():
    y = p.reporting_year(2026)
    assert (y.start, y.end, y.label) == (D(2025, 4, 1), D(2026, 3, 31), "2025-26")


def test_quarters_of_2026():
    assert [(q.start, q.end) for q in (p.quarter(2026, n) for n in (1, 2, 3, 4))] == [
        (D(2025, 4, 1), D(2025, 6, 30)),
        (D(2025, 7, 1), D(2025, 9, 30)),
        (D(2025, 10, 1), D(2025, 12, 31)),
        (D(2026, 1, 1), D(2026, 3, 31)),
    ]


def test_window_for_each_period_type_in_quarter_2():
    q2 = p.quarter(2026, 2)
    assert p.window_for(p.IN_PERIOD, q2) == q2
    ytd = p.window_for(p.YTD, q2)
    assert (ytd.start, ytd.end) == (D(2025, 4, 1), D(2025, 9, 30))
    rolling = p.window_for(p.ROLLING_12M, q2)
    assert (rolling.start, rolling.end) == (D(2024, 10, 1), D(2025, 9, 30))
    assert p.window_for(p.SNAPSHOT, q2).as_at == D(2025, 9, 30)


def test_annual_only_measures_are_indicative_before_31_march():
    assert p.is_indicative(p.ANNUAL_ONLY, p.quarter(2026, 2))
    assert not p.is_indicative(p.ANNUAL_ONLY, p.quarter(2026, 4))
    assert not p.is_indicative(p.SNAPSHOT, p.quarter(2026, 2))


def test_month_and_year_to_date_and_snapshot():
    assert (p.month(2024, 2).start, p.month(2024, 2).end) == (D(2024, 2, 1), D(2024, 2, 29))
    assert p.year_to_date(D(2026, 1, 15)).start == D(2025, 4, 1)
    assert p.year_to_date(D(2025, 4, 1)).start == D(2025, 4, 1)
    assert p.snapshot(D(2026, 3, 31)).start == D(2026, 3, 31)
    assert p.reporting_year_of(D(2026, 3, 31)) == 2026 and p.reporting_year_of(D(2026, 4, 1)) == 2027
