"""Reading the IRO's desk: the IRO's caseload, the practice alerts list, one child's alerts, and
the figures a Safeguarding Unit's annual report gives councillors (IRO Handbook 2010 ch. 7: the
IRO service's annual report to the corporate parenting board).

Every read of a child's data starts from `access.policy.children_visible_to`; each read is a fixed
number of queries whatever the length of the record or the caseload. The annual figures are
aggregates only (no child is named): a page shows them to those `policy.can_see_aggregates` lets in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from safeguard.access import policy
from safeguard.child_protection.models import ChildParticipation, ChildProtectionPlan, Conference
from safeguard.core.codes import ReviewParticipation
from safeguard.core.errors import today
from safeguard.looked_after.models import LookedAfterReview, PeriodOfCare
from safeguard.timescales.models import Clock
from safeguard.workforce.models import Allocation

from .models import AlertCategory, AlertStage, IROMonitoring, MonitoringKind, PracticeAlert, PracticeAlertStep

#: The clocks of the reviews an IRO chairs: child protection review conferences (Working Together
#: 2023) and looked-after reviews (Care Planning, Placement and Case Review (England) Regulations
#: 2010 reg 33), as `timescales.rules` states them.
CP_REVIEW, LA_REVIEW = "T08", "T10"
#: REVIEW_CODE (SSDA903): the child took part in the review in one of these ways; PN0 is a child
#: under 4, left out of the share who took part; PN7: no part and views not conveyed.
TOOK_PART = frozenset({"PN1", "PN2", "PN3", "PN4", "PN5", "PN6"})
UNDER_FOUR = "PN0"

OPEN, RESOLVED = "open", "resolved"


# --- the IRO's caseload ----------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseloadRow:
    """One child on the IRO's caseload, with what the IRO needs to see at a glance."""

    child_id: int
    la_child_id: str
    first_name: str
    last_name: str
    date_of_birth: dt.date | None
    looked_after: bool
    on_cp_plan: bool
    last_review_on: dt.date | None  # the latest looked-after review or CP conference
    last_review_kind: str  # "looked_after_review", "cp_conference" or ""
    last_participation: str  # REVIEW_CODE (PN0-PN7), or the conference's ChildParticipation code
    next_review_due: dt.date | None  # the earliest open T08/T10 clock
    next_review_code: str  # "T08", "T10" or ""
    open_alerts: int
    last_monitored_on: dt.date | None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class Caseload:
    rows: list[CaseloadRow]
    counts: dict[str, int]  # looked_after, child_protection, both, total


def _latest(qs: QuerySet, order: tuple[str, ...], value: str) -> Subquery:
    return Subquery(qs.order_by(*order).values(value)[:1])


def iro_caseload(user, *, as_at: dt.date | None = None) -> Caseload:
    """The children allocated to this IRO (an open IRO allocation) that the policy opens to them,
    each with whether they are looked after or on a CP plan, their last review and how they took
    part, when the next review is due (T08/T10), their open practice alerts and the IRO's last
    monitoring; with the counts of looked-after and CP children. One query."""
    as_at = as_at or today()
    allocated = Allocation.objects.filter(worker=user, kind=Allocation.Kind.IRO, end_date__isnull=True)
    la_reviews = LookedAfterReview.objects.filter(period_of_care__child=OuterRef("pk"),
                                                  review_date__lte=as_at)
    conferences = Conference.objects.filter(referral__child=OuterRef("pk"), held_on__lte=as_at)
    open_clocks = Clock.objects.filter(child=OuterRef("pk"), code__in=(CP_REVIEW, LA_REVIEW),
                                       met_date__isnull=True, stopped_date__isnull=True)
    open_alerts = (PracticeAlert.objects.filter(child=OuterRef("pk"), resolved_on__isnull=True)
                   .order_by().values("child").annotate(n=Count("pk")).values("n"))
    children = (
        policy.children_visible_to(user)
        .filter(pk__in=allocated.values("child_id"))
        .annotate(
            looked_after=Exists(PeriodOfCare.objects.filter(child=OuterRef("pk"), end_date__isnull=True)),
            on_cp_plan=Exists(ChildProtectionPlan.objects.filter(referral__child=OuterRef("pk"),
                                                                 end_date__isnull=True)),
            la_review_on=_latest(la_reviews, ("-review_date", "-pk"), "review_date"),
            la_review_code=_latest(la_reviews, ("-review_date", "-pk"), "participation"),
            conference_on=_latest(conferences, ("-held_on", "-pk"), "held_on"),
            conference_code=_latest(conferences, ("-held_on", "-pk"), "minutes__child_participation"),
            next_due=_latest(open_clocks, ("due_date", "code"), "due_date"),
            next_code=_latest(open_clocks, ("due_date", "code"), "code"),
            alerts=Coalesce(Subquery(open_alerts, output_field=IntegerField()), Value(0)),
            monitored_on=_latest(IROMonitoring.objects.filter(child=OuterRef("pk")),
                                 ("-held_on", "-pk"), "held_on"),
        )
        .order_by("next_due", "last_name", "first_name", "pk")
        .values("pk", "la_child_id", "first_name", "last_name", "date_of_birth", "looked_after", "on_cp_plan",
                "la_review_on", "la_review_code", "conference_on", "conference_code", "next_due",
                "next_code", "alerts", "monitored_on")
    )
    rows = []
    for c in children:
        la_on, cp_on = c["la_review_on"], c["conference_on"]
        if la_on is not None and (cp_on is None or la_on >= cp_on):
            last = (la_on, "looked_after_review", c["la_review_code"] or "")
        elif cp_on is not None:
            last = (cp_on, "cp_conference", c["conference_code"] or "")
        else:
            last = (None, "", "")
        rows.append(CaseloadRow(
            child_id=c["pk"], la_child_id=c["la_child_id"], first_name=c["first_name"],
            last_name=c["last_name"], date_of_birth=c["date_of_birth"], looked_after=c["looked_after"],
            on_cp_plan=c["on_cp_plan"], last_review_on=last[0], last_review_kind=last[1],
            last_participation=last[2], next_review_due=c["next_due"], next_review_code=c["next_code"] or "",
            open_alerts=c["alerts"], last_monitored_on=c["monitored_on"]))
    counts = dict(
        looked_after=sum(r.looked_after for r in rows),
        child_protection=sum(r.on_cp_plan for r in rows),
        both=sum(r.looked_after and r.on_cp_plan for r in rows),
        total=len(rows),
    )
    return Caseload(rows=rows, counts=counts)


# --- practice alerts ------------------------------------------------------------------------------

def practice_alerts(user, *, status: str | None = None, overdue: bool | None = None,
                    as_at: dt.date | None = None) -> QuerySet[PracticeAlert]:
    """The practice alerts on the children the policy opens to this user (for an IRO: their
    caseload and the conferences they chaired): open ones first, soonest due, then the most
    recently resolved. `status`: "open" or "resolved"; `overdue`: open alerts whose current stage's
    response is past due (True) or not (False). One query, with the child, who raised it and who
    it is raised with."""
    as_at = as_at or today()
    alerts = PracticeAlert.objects.filter(child__in=policy.children_visible_to(user))
    if status == OPEN:
        alerts = alerts.filter(resolved_on__isnull=True)
    elif status == RESOLVED:
        alerts = alerts.filter(resolved_on__isnull=False)
    elif status is not None:
        raise ValueError(f"unknown practice alert status {status!r}")
    late = Q(resolved_on__isnull=True, due_on__lt=as_at)
    if overdue is True:
        alerts = alerts.filter(late)
    elif overdue is False:
        alerts = alerts.exclude(late)
    return (alerts.select_related("child", "raised_by", "raised_with")
            .order_by(F("resolved_on").desc(nulls_first=True), F("due_on").asc(nulls_last=True),
                      "raised_on", "pk"))


def open_alerts_for_child(user, child_id: int) -> list[PracticeAlert]:
    """The child's practice alerts not yet resolved, soonest due first (for the child's page): one
    query, none if the policy does not open the child to this user."""
    return list(PracticeAlert.objects.filter(child_id=child_id, resolved_on__isnull=True,
                                             child__in=policy.children_visible_to(user))
                .order_by(F("due_on").asc(nulls_last=True), "pk"))


def alerts_for_child(user, child_id: int) -> list[PracticeAlert]:
    """One child's practice alerts, newest first, each with its stages in order (`alert.all_steps`),
    or none if the policy does not open the child to this user. Two queries."""
    alerts = (PracticeAlert.objects
              .filter(child_id=child_id, child__in=policy.children_visible_to(user))
              .select_related("raised_by", "raised_with")
              .prefetch_related(Prefetch("steps", PracticeAlertStep.objects.select_related("raised_with")
                                         .order_by("started_on", "pk"), to_attr="all_steps"))
              .order_by("-raised_on", "-pk"))
    return list(alerts)


# --- the annual report ------------------------------------------------------------------------------

def _percent(n: int, d: int) -> float | None:
    return None if not d else round(100 * n / d, 1)


@dataclass(frozen=True)
class IROAnnualFigures:
    """What a Safeguarding Unit's annual report counts, for alerts raised, reviews held and
    monitoring done between `start` and `end` (inclusive). Aggregates only."""

    start: dt.date
    end: dt.date
    alerts_raised: int
    alerts_by_category: dict[str, int]
    alerts_by_stage_reached: dict[str, int]
    alerts_resolved: int
    alerts_open: int
    resolved_within_timescale: int
    resolved_with_a_timescale: int  # those resolved at a stage with a limit (not at Cafcass)
    resolved_within_timescale_percent: float | None
    resolved_informally: int
    resolved_informally_percent: float | None
    looked_after_reviews_held: int
    looked_after_reviews_on_time: int
    looked_after_reviews_on_time_percent: float | None
    cp_reviews_held: int
    cp_reviews_on_time: int
    cp_reviews_on_time_percent: float | None
    participation: dict[str, int]  # REVIEW_CODE PN0-PN7 -> looked-after reviews
    took_part: int
    aged_four_or_over: int
    took_part_percent: float | None
    conference_participation: dict[str, int]  # ChildParticipation code -> CP conferences with minutes
    monitoring_by_kind: dict[str, int]
    monitoring_concerns_found: int


def iro_annual_figures(local_authority, start: dt.date, end: dt.date) -> IROAnnualFigures:
    """The year's figures for the council's IRO service. Practice alerts are the cohort raised in
    the period (how far each went, and how those resolved were resolved); reviews held and on time
    are the T10 (looked-after) and T08 (CP review conference) clocks met in the period; how the
    child took part is counted by REVIEW_CODE over the looked-after reviews held in it. Five queries."""
    la_id = getattr(local_authority, "pk", local_authority)
    in_period = dict(child__local_authority_id=la_id)

    by_category = {code: 0 for code in AlertCategory.values}
    by_stage = {code: 0 for code in AlertStage.values}
    raised = resolved = within = with_limit = informal = 0
    done = Q(resolved_on__isnull=False)
    for r in (PracticeAlert.objects.filter(raised_on__gte=start, raised_on__lte=end, **in_period)
              .values("category", "stage").order_by("category", "stage")
              .annotate(n=Count("pk"), resolved=Count("pk", filter=done),
                        with_limit=Count("pk", filter=done & Q(resolved_within_timescale__isnull=False)),
                        within=Count("pk", filter=done & Q(resolved_within_timescale=True)))):
        raised += r["n"]
        by_category[r["category"]] = by_category.get(r["category"], 0) + r["n"]
        by_stage[r["stage"]] = by_stage.get(r["stage"], 0) + r["n"]
        resolved += r["resolved"]
        with_limit += r["with_limit"]
        within += r["within"]
        if r["stage"] == AlertStage.INFORMAL:
            informal += r["resolved"]

    held: dict[str, tuple[int, int]] = {}
    for r in (Clock.objects.filter(code__in=(CP_REVIEW, LA_REVIEW), met_date__gte=start, met_date__lte=end,
                                   **in_period)
              .values("code").order_by("code")
              .annotate(held=Count("pk"), on_time=Count("pk", filter=Q(met_date__lte=F("due_date"))))):
        held[r["code"]] = (r["held"], r["on_time"])
    la_held, la_on_time = held.get(LA_REVIEW, (0, 0))
    cp_held, cp_on_time = held.get(CP_REVIEW, (0, 0))

    participation = {code: 0 for code in ReviewParticipation.values}
    for r in (LookedAfterReview.objects
              .filter(review_date__gte=start, review_date__lte=end,
                      period_of_care__child__local_authority_id=la_id)
              .values("participation").order_by("participation").annotate(n=Count("pk"))):
        participation[r["participation"]] = participation.get(r["participation"], 0) + r["n"]
    took_part = sum(n for code, n in participation.items() if code in TOOK_PART)
    aged_four = sum(n for code, n in participation.items() if code != UNDER_FOUR)

    conference_participation = {code: 0 for code in ChildParticipation.values}
    for r in (Conference.objects
              .filter(held_on__gte=start, held_on__lte=end, referral__child__local_authority_id=la_id)
              .exclude(minutes__child_participation__isnull=True)
              .exclude(minutes__child_participation="")
              .values("minutes__child_participation").order_by("minutes__child_participation")
              .annotate(n=Count("pk"))):
        code = r["minutes__child_participation"]
        conference_participation[code] = conference_participation.get(code, 0) + r["n"]

    monitoring = {code: 0 for code in MonitoringKind.values}
    concerns = 0
    for r in (IROMonitoring.objects.filter(held_on__gte=start, held_on__lte=end, **in_period)
              .values("kind").order_by("kind")
              .annotate(n=Count("pk"), concerns=Count("pk", filter=Q(concern_found=True)))):
        monitoring[r["kind"]] = monitoring.get(r["kind"], 0) + r["n"]
        concerns += r["concerns"]

    return IROAnnualFigures(
        start=start, end=end, alerts_raised=raised, alerts_by_category=by_category,
        alerts_by_stage_reached=by_stage, alerts_resolved=resolved, alerts_open=raised - resolved,
        resolved_within_timescale=within, resolved_with_a_timescale=with_limit,
        resolved_within_timescale_percent=_percent(within, with_limit),
        resolved_informally=informal, resolved_informally_percent=_percent(informal, resolved),
        looked_after_reviews_held=la_held, looked_after_reviews_on_time=la_on_time,
        looked_after_reviews_on_time_percent=_percent(la_on_time, la_held),
        cp_reviews_held=cp_held, cp_reviews_on_time=cp_on_time,
        cp_reviews_on_time_percent=_percent(cp_on_time, cp_held),
        participation=participation, took_part=took_part, aged_four_or_over=aged_four,
        took_part_percent=_percent(took_part, aged_four),
        conference_participation=conference_participation,
        monitoring_by_kind=monitoring, monitoring_concerns_found=concerns,
    )
