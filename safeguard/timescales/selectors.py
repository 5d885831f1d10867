"""Reading clocks for the people who act on them: worklists. (Drift, which reads the casework
above this layer, is the manager's: `assessment.selectors.drift`.)"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from safeguard.core.errors import today

from .models import Clock
from .rules import RULES


def _children_for(user, scope: str) -> QuerySet:
    """Children whose clocks belong on this user's list: their own allocations, their team's,
    or (IROs) the children they review. Allocations (workforce) sit a layer above, so they are
    reached through the ORM path from the clock's child (`Child.allocations`), not imported; the
    conditions go in one `filter` so that they hold of one and the same open allocation."""
    if scope == "mine":
        same_allocation = {"child__allocations__worker": user}
    elif scope == "team":
        same_allocation = {"child__allocations__team_id": user.team_id,
                           "child__allocations__kind": "social_worker"}
    elif scope == "iro":
        same_allocation = {"child__allocations__worker": user, "child__allocations__kind": "iro"}
    else:
        raise ValueError(f"unknown worklist scope {scope!r}")
    return Clock.objects.filter(child__allocations__end_date__isnull=True,
                                **same_allocation).values("child_id")


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
