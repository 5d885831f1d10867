"""Reading clocks for the people who act on them: worklists and drift."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db.models import Q, QuerySet

from .models import Clock
from .rules import CIN_EPISODE_DRIFT_MONTHS, CP_PLAN_DRIFT_MONTHS, RULES

VISIT_CLOCKS = ("T09", "T11", "T15")


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
    as_at = as_at or dt.date.today()
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


@dataclass(frozen=True)
class Drift:
    child_id: int
    kind: str  # "cp_plan_9m", "cp_plan_15m", "cp_plan_18m", "cin_6m", "visit_overdue"
    since: dt.date
    detail: str


def drift(child_ids, as_at: dt.date | None = None) -> list[Drift]:
    """Drift flags for these children (INDICATORS.md T19d/T19e and visit intervals): CP plans open
    over 9, 15 and 18 months, episodes of need open over 6 months, visits out of interval."""
    from safeguard.child_protection.models import ChildProtectionPlan
    from safeguard.front_door.models import Referral

    as_at = as_at or dt.date.today()
    flags: list[Drift] = []
    plans = ChildProtectionPlan.objects.filter(
        referral__child_id__in=child_ids, start_date__lte=as_at
    ).filter(Q(end_date__isnull=True) | Q(end_date__gt=as_at)).values_list(
        "referral__child_id", "start_date")
    for child_id, start in plans:
        for months in sorted(CP_PLAN_DRIFT_MONTHS, reverse=True):
            if as_at > start + relativedelta(months=months):
                flags.append(Drift(child_id, f"cp_plan_{months}m", start,
                                   f"CP plan open over {months} months (since {start:%d/%m/%Y})"))
                break
    episodes = Referral.objects.filter(child_id__in=child_ids, referral_date__lte=as_at).filter(
        Q(closure_date__isnull=True) | Q(closure_date__gt=as_at)
    ).values_list("child_id", "referral_date")
    for child_id, start in episodes:
        if as_at > start + relativedelta(months=CIN_EPISODE_DRIFT_MONTHS):
            flags.append(Drift(child_id, f"cin_{CIN_EPISODE_DRIFT_MONTHS}m", start,
                               f"episode of need open over {CIN_EPISODE_DRIFT_MONTHS} months"))
    late_visits = Clock.objects.filter(
        child_id__in=child_ids, code__in=VISIT_CLOCKS, met_date__isnull=True,
        stopped_date__isnull=True, due_date__lt=as_at,
    ).values_list("child_id", "due_date", "code")
    for child_id, due, code in late_visits:
        flags.append(Drift(child_id, "visit_overdue", due,
                           f"no qualifying visit since it fell due on {due:%d/%m/%Y} ({code})"))
    return flags
