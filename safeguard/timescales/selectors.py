"""Reading the calendar and the desks' clocks. (The worker's and the team's clocks are read by the
trays above this layer, `assessment.selectors.to_do`, which start from the access policy;
drift is `assessment.selectors.drift`.)"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from .models import CalendarDay, Clock

#: A desk's list filters (the LADO's allegations, the complaints manager's complaints): which
#: (open, closed or all) and when the next running clock falls due (overdue, or within 7 or 28 days).
STATUSES = ("open", "closed", "all")
DUE = ("", "overdue", "7", "28")


@dataclass(frozen=True)
class DeskList:
    """A desk's filtered list (not yet paged), the filters as applied, and how many of the whole
    desk are open and overdue."""

    rows: QuerySet
    status: str
    due: str
    open_count: int
    overdue_count: int


def desk_list(qs: QuerySet, *, subject_type: str, codes, closed_field: str, status: str, due: str,
              as_at: dt.date) -> DeskList:
    """Each row with its earliest running clock (`next_due`, `next_code`), filtered by status and by
    when that clock falls due (overdue included in "within"). One query for the desk's figures; the
    rows are read by the caller, who pages them. A filter the desk does not offer reads as the default."""
    status = status if status in STATUSES else "open"
    due = due if due in DUE else ""
    running = (Clock.objects.filter(subject_type=subject_type, subject_id=OuterRef("pk"), code__in=codes,
                                    met_date__isnull=True, stopped_date__isnull=True)
               .order_by("due_date", "code"))
    qs = qs.annotate(next_due=Subquery(running.values("due_date")[:1]),
                     next_code=Subquery(running.values("code")[:1]))
    still_open = Q(**{f"{closed_field}__isnull": True})
    figures = qs.aggregate(open=Count("pk", filter=still_open),
                           overdue=Count("pk", filter=Q(next_due__lt=as_at)))
    if status != "all":
        qs = qs.filter(still_open if status == "open" else ~still_open)
    if due == "overdue":
        qs = qs.filter(next_due__lt=as_at)
    elif due:
        qs = qs.filter(next_due__lte=as_at + dt.timedelta(days=int(due)))
    return DeskList(qs, status, due, figures["open"] or 0, figures["overdue"] or 0)


def bank_holidays(*, since: dt.date, until: dt.date) -> tuple[list[CalendarDay], list[CalendarDay]]:
    """(the holidays added to the calendar by hand, those due between `since` and `until`): two
    queries. The calendar is the database's, shared by every council on it (England's)."""
    holidays = CalendarDay.objects.filter(is_working_day=False).exclude(holiday_name="")
    added = list(holidays.filter(source__startswith="added").order_by("-date")[:200])
    coming = list(holidays.filter(date__gte=since, date__lte=until).order_by("date"))
    return added, coming


