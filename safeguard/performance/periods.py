"""Reporting periods (INDICATORS.md §0.3): reporting years 1 April - 31 March, quarters, months,
year to date, rolling 12 months and snapshots. A `Period` is a closed date range; its end is the
as-at date for snapshot measures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from dateutil.relativedelta import relativedelta

IN_PERIOD, SNAPSHOT, YTD, ROLLING_12M, ANNUAL_ONLY = (
    "IN_PERIOD",
    "SNAPSHOT",
    "YTD",
    "ROLLING_12M",
    "ANNUAL_ONLY",
)
PERIOD_TYPES = (IN_PERIOD, SNAPSHOT, YTD, ROLLING_12M, ANNUAL_ONLY)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    label: str
    kind: str = "custom"

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError(f"period {self.label}: end {self.end} is before start {self.start}")

    @property
    def as_at(self) -> dt.date:
        return self.end

    @property
    def reporting_year(self) -> int:
        """The reporting year (by its ending) that contains the period's end."""
        return reporting_year_of(self.end)


def reporting_year_of(day: dt.date) -> int:
    """'2026' is the year 1 April 2025 - 31 March 2026 (DfE convention)."""
    return day.year + 1 if day.month >= 4 else day.year


@lru_cache(maxsize=1024)  # pure, and asked for hundreds of times per scorecard
def reporting_year(year: int) -> Period:
    return Period(dt.date(year - 1, 4, 1), dt.date(year, 3, 31), f"{year - 1}-{str(year)[2:]}", "year")


@lru_cache(maxsize=1024)  # pure, and asked for hundreds of times per scorecard
def quarter(year: int, q: int) -> Period:
    """Quarter 1 is April-June of the reporting year; quarter 4 is January-March."""
    if q not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1-4, not {q}")
    start = dt.date(year - 1, 4, 1) + relativedelta(months=3 * (q - 1))
    return Period(
        start, start + relativedelta(months=3, days=-1), f"{year - 1}-{str(year)[2:]} Q{q}", "quarter"
    )


def month(year: int, month_number: int) -> Period:
    start = dt.date(year, month_number, 1)
    return Period(start, start + relativedelta(months=1, days=-1), f"{start:%b %Y}", "month")


def year_to_date(as_at: dt.date) -> Period:
    start = dt.date(reporting_year_of(as_at) - 1, 4, 1)
    return Period(start, as_at, f"year to {as_at:%d %b %Y}", "ytd")


def rolling_12_months(as_at: dt.date) -> Period:
    return Period(
        as_at - relativedelta(months=12) + dt.timedelta(days=1),
        as_at,
        f"12 months to {as_at:%d %b %Y}",
        "rolling",
    )


def snapshot(as_at: dt.date) -> Period:
    return Period(as_at, as_at, f"at {as_at:%d %b %Y}", "snapshot")


@lru_cache(maxsize=1024)  # pure, and asked for hundreds of times per scorecard
def window_for(period_type: str, column: Period) -> Period:
    """The dates an indicator of `period_type` counts when shown in the column `column`:
    in-period measures count the column; YTD from 1 April; rolling 12 months to the column's end;
    snapshots (and annual-only measures) at its end."""
    if period_type == IN_PERIOD:
        return column
    if period_type == YTD:
        return year_to_date(column.end)
    if period_type == ROLLING_12M:
        return rolling_12_months(column.end)
    if period_type in (SNAPSHOT, ANNUAL_ONLY):
        return Period(column.start, column.end, column.label, column.kind)
    raise ValueError(f"unknown period type {period_type!r}")


def is_indicative(period_type: str, column: Period) -> bool:
    """Annual-only measures (placement stability, OC2) are indicative before 31 March."""
    return period_type == ANNUAL_ONLY and not (column.end.month == 3 and column.end.day == 31)
