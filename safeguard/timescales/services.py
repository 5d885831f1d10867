"""Keeping the stored clocks in step with the record and the calendar."""

from __future__ import annotations


def refresh_clocks(child) -> None:
    """Re-derive every clock of this child from the record (called by each service after it saves)."""
    from .derive import sync_child_clocks

    sync_child_clocks(child)


def calendar_rows(holidays: dict, first, last) -> list[dict]:
    """CalendarDay rows for [first, last]: weekends and the given bank holidays are not working days."""
    import datetime as dt

    rows, index, d = [], 0, first
    while d <= last:
        name = holidays.get(d, "")
        working = d.weekday() < 5 and d not in holidays
        index += working
        rows.append(dict(date=d, is_working_day=working, working_day_index=index,
                         holiday_name=name if d.weekday() < 5 else (name or ""),
                         source="holidays package" if name else ""))
        d += dt.timedelta(days=1)
    return rows
