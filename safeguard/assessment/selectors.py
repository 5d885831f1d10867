"""What a team manager oversees (Working Together 2023: management oversight of every referral,
assessment and closure, and of drift): the decisions they owe, read for the manager's queue, and
the drift flags on a child's page and the queue. Only children the access policy opens to the
manager, of their own teams or held by no social worker, are listed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db.models import Q, QuerySet

from safeguard.access import policy
from safeguard.child_protection.models import ChildProtectionPlan
from safeguard.core.errors import today
from safeguard.front_door.models import Referral
from safeguard.timescales.models import Clock
from safeguard.timescales.rules import CIN_EPISODE_DRIFT_MONTHS, CP_PLAN_DRIFT_MONTHS
from safeguard.workforce.models import Allocation

from .models import Assessment

#: Visits whose clock running late is drift: CIN, looked-after and private fostering visits.
VISIT_CLOCKS = ("T09", "T11", "T15")
#: Responses to a referral that end the council's involvement at the front door.
NO_FURTHER_ACTION = ("nfa", "advice", "early_help")


@dataclass(frozen=True)
class DecisionsAwaiting:
    responses: QuerySet  # referrals with no response yet (the next step is the manager's)
    signoffs: QuerySet  # assessments awaiting authorisation
    closures: QuerySet  # open referrals that may now close, with a rationale


def managers_children(user) -> QuerySet:
    """The children whose decisions fall to this manager: held by their teams' social workers, or by
    no social worker at all (the front door's), among those the policy opens to them."""
    held = Allocation.objects.filter(end_date__isnull=True, kind=Allocation.Kind.SOCIAL_WORKER)
    return policy.children_visible_to(user).filter(
        Q(pk__in=held.filter(team_id__in=policy.team_ids(user)).values("child_id"))
        | ~Q(pk__in=held.values("child_id"))
    )


def decisions_awaiting(user) -> DecisionsAwaiting:
    """A closure is proposed when the response was no further action, advice or early help, or an
    authorised assessment found no need of support; never while a child protection or child in need
    plan in that episode is still open (it must end first: CIN census 4001, 4004)."""
    children = managers_children(user)
    open_referrals = Referral.objects.filter(child__in=children, closure_date__isnull=True)
    running_plan = Q(cp_plans__isnull=False, cp_plans__end_date__isnull=True) | Q(
        cin_plans__isnull=False, cin_plans__end_date__isnull=True
    )
    return DecisionsAwaiting(
        responses=open_referrals.filter(response="").select_related("child").order_by("referral_date"),
        signoffs=Assessment.objects.filter(referral__child__in=children, authorisation_date__isnull=True)
        .select_related("referral__child")
        .order_by("start_date"),
        closures=open_referrals.filter(
            Q(response__in=NO_FURTHER_ACTION)
            | Q(assessments__requires_support=False, assessments__authorisation_date__isnull=False)
        )
        .exclude(pk__in=Referral.objects.filter(running_plan).values("pk"))
        .distinct()
        .select_related("child")
        .order_by("referral_date"),
    )


@dataclass(frozen=True)
class Drift:
    child_id: int
    kind: str  # "cp_plan_9m", "cp_plan_15m", "cp_plan_18m", "cin_6m", "visit_overdue"
    since: dt.date
    detail: str


def drift(child_ids, as_at: dt.date | None = None) -> list[Drift]:
    """Drift flags for these children (INDICATORS.md T19d/T19e and visit intervals): CP plans open
    over 9, 15 and 18 months, episodes of need open over 6 months, visits out of interval."""
    as_at = as_at or today()
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
