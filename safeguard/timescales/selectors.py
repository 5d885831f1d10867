"""Reading clocks for the people who act on them: worklists. (Drift, which reads the casework
above this layer, is the manager's: `assessment.selectors.drift`.)"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from safeguard.core.errors import today

from .models import Clock
from .rules import RULES


def _children_for(user, scope: str):
    """Children whose clocks belong on this user's list: their own allocations, their team's,
    or (IROs) the children they review."""
    from safeguard.workforce.models import Allocation

    open_allocations = Allocation.objects.filter(end_date__isnull=True)
    if scope == "mine":
        return open_allocations.filter(worker=user).values("child_id")
    if scope == "team":
        return open_allocations.filter(team_id=user.team_id, kind="social_worker").values("child_id")
    if scope == "iro":
        return open_allocations.filter(worker=user, kind="iro").values("child_id")
    raise ValueError(f"unknown worklist scope {scope!r}")


def worklist(user, *, scope: str = "mine", as_at: dt.date | None = None,
             horizon_days: int = 14) -> QuerySet[Clock]:
    """Open clocks that are overdue or fall due within `horizon_days`, most overdue first."""
    as_at = as_at or today()
    clocks = Clock.objects.filter(
        met_date__isnull=True, stopped_date__isnull=True,
        due_date__lte=as_at + dt.timedelta(days=horizon_days),
        child_id__in=_children_for(user, scope),
    )
    if scope == "iro":
        clocks = clocks.filter(code__in=[c for c, r in RULES.items() if r.iro])
    return clocks.select_related("child").order_by("due_date", "code", "child_id")


def overdue(clocks: QuerySet[Clock], as_at: dt.date) -> QuerySet[Clock]:
    return clocks.filter(due_date__lt=as_at)
