"""Reading the calendar. (The worker's and the team's clocks are read by the trays above this layer,
`assessment.selectors.to_do`, which start from the access policy; drift is `assessment.selectors.drift`.)"""

from __future__ import annotations

import datetime as dt

from .models import CalendarDay


def bank_holidays(*, since: dt.date, until: dt.date) -> tuple[list[CalendarDay], list[CalendarDay]]:
    """(the holidays added to the calendar by hand, those due between `since` and `until`): two
    queries. The calendar is the database's, shared by every council on it (England's)."""
    holidays = CalendarDay.objects.filter(is_working_day=False).exclude(holiday_name="")
    added = list(holidays.filter(source__startswith="added").order_by("-date")[:200])
    coming = list(holidays.filter(date__gte=since, date__lte=until).order_by("date"))
    return added, coming


