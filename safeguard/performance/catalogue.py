"""The indicator catalogue (INDICATORS.md Part B, sections B1-B10 and B12): one declarative
definition per measure.

Each definition names its cohort, numerator, denominator, period type, polarity and unit, and
gives `units(ctx)`: a queryset of the things counted (events or children), already limited to the
denominator's cohort, annotated with

- `k_child`  the child the row is about (drill-down lists children);
- `k_num`    1 if the row is also in the numerator, else 0 (absent: every row counts);
- `k_val`    a measured value where the figure is a mean or a weighted share (days, FTE).

`evaluate` (in `compute.py`) aggregates that queryset in the database to give the figure; the
drill-down reads the same queryset row by row, so the figure and the children behind it cannot
disagree. Measures the record cannot hold have status "not held" (with the reason) or "hand
entered" (values typed per period; `ManualValue`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from dateutil.relativedelta import relativedelta
from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual, In
from django.utils import timezone

from safeguard.assessment.models import Assessment
from safeguard.child_protection.models import ChildProtectionPlan, Conference, Section47Enquiry
from safeguard.front_door.models import Contact, EarlyHelpEpisode, PrivateFosteringArrangement, Referral
from safeguard.looked_after.models import (
    AdoptionJourney,
    AnnualHealthOutcomes,
    CareLeaverContact,
    CareLeaverStatus,
    Episode,
    LookedAfterReview,
    MissingEpisode,
    care_leaver_status_versions,
)
from safeguard.people.models import Child
from safeguard.timescales.derive import SHORT_BREAKS, TEMPORARY_PLACEMENTS
from safeguard.timescales.models import Clock
from safeguard.workforce.models import Allocation, User

from .expressions import add_months_key, date_key, working_day_index, working_day_index_of
from .periods import ANNUAL_ONLY, IN_PERIOD, ROLLING_12M, SNAPSHOT, YTD, Period

HIGH_GOOD, LOW_GOOD, RANGE, NONE = "HIGH_GOOD", "LOW_GOOD", "RANGE", "NONE"
COUNT, PERCENT, RATE, DAYS, RATIO, MEAN = "count", "percent", "rate per 10,000", "days", "ratio", "mean"
EVENTS, CHILDREN = "events", "children"
HELD, NOT_HELD, HAND_ENTERED = "held", "not held", "hand entered"

ADOPTED = ("E11", "E12")
SGO = ("E43", "E44", "E45", "E46", "E47", "E48")
NEET = ("G4", "G5", "G6")
FOSTER = ("U1", "U2", "U3", "U4", "U5", "U6")
KINSHIP = ("U1", "U2", "U3")
PLACED_FOR_ADOPTION = ("A3", "A4", "A5", "A6")
NEW_CARER = ("S", "P", "B")  # RNE: a new carer (F3; S12 metric 850: T, U and L are not moves)
PARTICIPATED = ("PN1", "PN2", "PN3", "PN4", "PN5", "PN6")
CP_LONG_PLAN_MONTHS = 18  # CP-11 threshold [L] (T19e: 9/15/18 months; configurable here)
CIN_LONG_EPISODE_MONTHS = 6  # CIN-03 [L] (T19d)


@dataclass(frozen=True)
class Context:
    """What a definition needs: the council and the window of dates the measure counts."""

    la: object
    window: Period

    @property
    def start(self) -> dt.date:
        return self.window.start

    @property
    def end(self) -> dt.date:
        return self.window.end


@dataclass(frozen=True)
class Windowed:
    """A definition in parts, so that one query can count several columns (compute.evaluate_many):
    the council's rows whatever the window (`base`), which of them a window counts (`member`) and,
    where the numerator depends on the window, which of those it takes (`numerator`). The units of
    one window, which the drill-down lists, are built from the same parts (`units`), so the figure
    and the children behind it cannot disagree.

    `cover`, given a context whose window spans all the columns' windows (for a snapshot: its
    first to its last as-at date), selects a superset of the rows any of them counts in one cheap
    condition; without it the members of every window are OR-ed."""

    base: Callable[[Context], QuerySet]
    member: Callable[[Context], Q]
    numerator: Callable[[Context], Q] | None = None
    fields: Callable[[Context], dict] | None = None  # the window's own drill-down values
    cover: Callable[[Context], Q] | None = None

    def units(self, c: Context) -> QuerySet:
        qs = self.base(c).filter(self.member(c))
        if self.fields is not None:
            qs = qs.annotate(**self.fields(c))
        if self.numerator is not None:
            qs = qs.annotate(k_num=flag(self.numerator(c)))
        return qs


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    section: str
    definition: str
    source: str
    cohort: str
    numerator: str
    denominator: str
    period_type: str
    polarity: str
    unit: str
    counts: str
    units: Callable[[Context], QuerySet] | None = None
    why: str = ""  # format string over the drill-down row's fields
    fields: tuple[str, ...] = ()  # extra row fields shown in the drill-down
    status: str = HELD
    status_reason: str = ""
    breakdown: str | None = None  # a field to split the count by (context tables)
    weighted: bool = False  # a share of k_val (e.g. FTE) rather than of rows
    date_field: str | None = None  # the window acts only through this date: columns share one query
    windowed: Windowed | None = None  # the definition in parts: columns share one query
    extra: dict = field(default_factory=dict)

    @property
    def is_held(self) -> bool:
        return self.status == HELD


CATALOGUE: dict[str, Indicator] = {}


def define(**kwargs) -> Indicator:
    if kwargs.get("windowed") is not None:
        if kwargs.get("units") is not None:
            raise ValueError(f"indicator {kwargs['id']}: units come from its windowed parts")
        kwargs["units"] = kwargs["windowed"].units
    ind = Indicator(**kwargs)
    if ind.id in CATALOGUE:
        raise ValueError(f"indicator {ind.id} defined twice")
    if ind.status == HELD and ind.units is None:
        raise ValueError(f"indicator {ind.id} is held but has no definition of its units")
    CATALOGUE[ind.id] = ind
    return ind


def get(indicator_id: str) -> Indicator:
    try:
        return CATALOGUE[indicator_id.upper()]
    except KeyError:
        raise KeyError(f"no indicator {indicator_id!r} in the catalogue") from None


# --- shared pieces --------------------------------------------------------------------------------


def flag(condition: Q | Exists) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _in(field_name: str, ctx: Context) -> Q:
    return Q(**{f"{field_name}__gte": ctx.start, f"{field_name}__lte": ctx.end})


def _open_at(start: str, end: str, day: dt.date) -> Q:
    return Q(**{f"{start}__lte": day}) & (Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gt": day}))


def _open_between(start: str, end: str, c: Context) -> Q:
    """Open at some date from c.start to c.end: every row `_open_at` any of those dates (a cover)."""
    return Q(**{f"{start}__lte": c.end}) & (Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gt": c.start}))


def _wd(end_field: str, start_field: str):
    return ExpressionWrapper(
        working_day_index(end_field) - working_day_index(start_field), output_field=IntegerField()
    )


def _days(end_field: str, start_field: str):
    return ExpressionWrapper(F(end_field) - F(start_field), output_field=DurationField())


def referrals(ctx: Context) -> QuerySet:
    return Referral.objects.filter(child__local_authority=ctx.la).annotate(k_child=F("child_id"))


def children(ctx: Context) -> QuerySet:
    return Child.objects.filter(local_authority=ctx.la).annotate(k_child=F("pk"))


def looked_after_at(day: dt.date, child_ref: str = "pk") -> Exists:
    """Looked after at the end of `day`: an episode open then, not a series of short breaks
    (LS V3/V4 are outside the DfE looked-after figures, S11)."""
    return Exists(
        Episode.objects.filter(
            _open_at("decom", "dec", day), period_of_care__child=OuterRef(child_ref)
        ).exclude(legal_status__in=SHORT_BREAKS)
    )


def looked_after_during(ctx: Context, child_ref: str = "pk") -> Exists:
    return Exists(
        Episode.objects.filter(
            Q(dec__isnull=True) | Q(dec__gte=ctx.start),
            decom__lte=ctx.end,
            period_of_care__child=OuterRef(child_ref),
        ).exclude(legal_status__in=SHORT_BREAKS)
    )


def on_cp_plan_at(day: dt.date, child_ref: str = "pk") -> Exists:
    return Exists(
        ChildProtectionPlan.objects.filter(
            _open_at("start_date", "end_date", day), referral__child=OuterRef(child_ref)
        )
    )


def _plan_children(day: dt.date) -> QuerySet:
    """Ids for an OR of cohorts: PostgreSQL hashes an IN list but cannot semi-join an OR of EXISTS."""
    return ChildProtectionPlan.objects.filter(_open_at("start_date", "end_date", day)).values(
        "referral__child_id"
    )


def _looked_after_children(day: dt.date) -> QuerySet:
    return (
        Episode.objects.filter(_open_at("decom", "dec", day))
        .exclude(legal_status__in=SHORT_BREAKS)
        .values("period_of_care__child_id")
    )


def in_need_at(day: dt.date, child_ref: str = "pk") -> Exists:
    return Exists(
        Referral.objects.filter(_open_at("referral_date", "closure_date", day), child=OuterRef(child_ref))
    )


def allocated_at(day: dt.date, kind: str = Allocation.Kind.SOCIAL_WORKER, child_ref: str = "pk") -> Exists:
    return Exists(
        Allocation.objects.filter(
            _open_at("start_date", "end_date", day), kind=kind, child=OuterRef(child_ref)
        )
    )


def population_rate(ind_id: str) -> bool:
    return CATALOGUE[ind_id].unit == RATE


# --- clocks (Part A chains, kept in step with the record by the timescales service) -------------


def clocks_due(code: str, ctx: Context) -> QuerySet:
    """Review-level timeliness (CP-12, LAC-03 variant A; HL-04): links of the chain whose due
    date falls in the window. Held on or before the due date = on time; a link still unmet at the
    window's end, or met late, is late. A chain stopped (plan or care ended) on or before the due
    date expected nothing and is left out (F1)."""
    return (
        Clock.objects.filter(
            child__local_authority=ctx.la, code=code, due_date__gte=ctx.start, due_date__lte=ctx.end
        )
        .exclude(stopped_date__lte=F("due_date"))
        .annotate(k_child=F("child_id"), k_num=flag(Q(met_date__lte=F("due_date"))))
    )


def clocks_started(code: str, first_only: bool = True) -> Windowed:
    """Single-clock timeliness (HL-01, HL-02, PF-02, MS-03): clocks started in the window and due
    by its end; those stopped before the due date (child left care before day 20, say) are left
    out, as are those not yet due (HL-02 pitfall: 'had not been in care for 20 days')."""

    def base(c: Context) -> QuerySet:
        qs = Clock.objects.filter(child__local_authority=c.la, code=code)
        if first_only:
            qs = qs.filter(sequence=1)
        return qs.exclude(stopped_date__lte=F("due_date")).annotate(
            k_child=F("child_id"), k_num=flag(Q(met_date__lte=F("due_date")))
        )

    def member(c: Context) -> Q:
        return Q(start_date__gte=c.start, start_date__lte=c.end, due_date__lte=c.end)

    return Windowed(base=base, member=member, cover=member)


def late_link(code: str, ctx: Context) -> Exists:
    """A late interval of a visit chain that intersects the window (F2: a child is compliant in a
    period iff all intervals intersecting it are compliant), so one overdue when the window
    begins (due in June, met in July) counts against July-September, not only deadlines falling
    inside it.

    A link's interval runs from its start (the anchor or the visit before) to the day of the
    visit that meets it, or the day its plan, placement or arrangement ended (stopped), both
    days included: a late visit made on the window's first day still reaches into it (otherwise
    a visit due on the last day of one quarter and made on the first of the next would be late in
    neither). A met or stopped interval is late when its deadline passed before it closed; one
    still open at the window's end, or met only after it, is judged at that date (F2: open
    interval compliant iff as_at <= due), so a deadline on the last day is not yet missed."""
    return Exists(
        Clock.objects.filter(
            Q(met_date__isnull=True, stopped_date__isnull=True)
            | (Q(met_date__gt=F("due_date")) & Q(met_date__gte=ctx.start))
            | (Q(stopped_date__gt=F("due_date")) & Q(stopped_date__gte=ctx.start)),
            code=code,
            child=OuterRef("pk"),
            due_date__lt=ctx.end,  # also keeps to intervals starting by the end (start <= due)
        )
    )


# --- placements (F3) ------------------------------------------------------------------------------


def new_carer_episodes() -> QuerySet:
    """Episodes that start a placement with a new carer: RNE S, P or B; not a temporary placement
    (T0-T4) and not the return to the carer the child had before one (F3; [U] INDICATORS.md G9)."""
    before = Episode.objects.filter(
        period_of_care=OuterRef("period_of_care"), decom__lt=OuterRef("decom")
    ).order_by("-decom")
    return (
        Episode.objects.filter(rne__in=NEW_CARER)
        .exclude(placement__in=TEMPORARY_PLACEMENTS)
        .annotate(
            prev_place=Subquery(before.values("placement")[:1]),
            prev2_place=Subquery(before.values("placement")[1:2]),
        )
        .annotate(is_return=flag(Q(prev_place__in=TEMPORARY_PLACEMENTS, prev2_place=F("placement"))))
        .filter(is_return=0)
    )


def placements_between(start: dt.date, end: dt.date):
    """Placements a child had in [start, end]: the one in force on `start` (if looked after then)
    plus each new carer from then to `end`."""
    moves = (
        new_carer_episodes()
        .filter(period_of_care__child=OuterRef("pk"), decom__gte=start, decom__lte=end)
        .order_by()
        .values("period_of_care__child")
        .annotate(n=Count("pk"))
        .values("n")
    )
    in_force = Exists(
        Episode.objects.filter(
            Q(dec__isnull=True) | Q(dec__gte=start), decom__lt=start, period_of_care__child=OuterRef("pk")
        ).exclude(legal_status__in=SHORT_BREAKS)
    )
    return Coalesce(Subquery(moves, output_field=IntegerField()), Value(0)) + flag(in_force)


# ==================================================================================================
# B1. Front door
# ==================================================================================================

S_LOCAL = "[council report] local measure; not collected nationally"


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _contacts(c: Context) -> QuerySet:
    """Contacts received on the period's days in the council's time zone (a datetime range, so
    the database can use its index rather than convert every row)."""
    return Contact.objects.filter(
        child__local_authority=c.la,
        received_at__gte=_local_midnight(c.start),
        received_at__lt=_local_midnight(c.end + dt.timedelta(days=1)),
    ).annotate(k_child=F("child_id"))


define(
    id="FD-01",
    name="Number of contacts",
    section="Front door",
    definition="Contacts received in the period (one per contact record).",
    source=S_LOCAL,
    cohort="contacts received in the period",
    numerator="contacts",
    denominator="-",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=COUNT,
    counts=EVENTS,
    units=lambda c: _contacts(c),
    fields=("received_at", "decision"),
    why="contact received {received_at:%d/%m/%Y}",
)

define(
    id="FD-02",
    name="Contacts progressing to a referral",
    section="Front door",
    definition="Share of contacts received in the period whose decision was a referral to "
    "children's social care; the referral is attributed to the contact's period.",
    source=S_LOCAL,
    cohort="contacts received in the period",
    numerator="decided: referral",
    denominator="contacts received",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: (
        CATALOGUE["FD-01"]
        .units(c)
        .annotate(k_num=flag(Q(decision=Contact.Decision.REFERRAL) | Q(referral__isnull=False)))
    ),
    fields=("received_at", "decision"),
    why="contact {received_at:%d/%m/%Y}, decision {decision}",
)


def _referrals_in(c: Context) -> QuerySet:
    return referrals(c).filter(_in("referral_date", c))


define(
    id="FD-03",
    name="Number of referrals",
    section="Front door",
    definition="Referrals (CINreferralDate) in the period, counted as events: a request for "
    "services where no case is already open.",
    source="DfE Children in need methodology [G: S10]",
    cohort="referrals in the period",
    numerator="referrals",
    denominator="-",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=COUNT,
    counts=EVENTS,
    units=_referrals_in,
    fields=("referral_date", "source"),
    why="referred {referral_date:%d/%m/%Y} (source {source})",
)

define(
    id="FD-04",
    name="Referral rate per 10,000 children",
    section="Front door",
    definition="Referrals in the 12 months to the date, per 10,000 children aged 0-17 (ONS "
    "mid-year estimate for mid-(t-1)).",
    source="DfE rate convention [G: S10]; INDICATORS.md F6",
    cohort="referrals in the rolling 12 months",
    numerator="referrals",
    denominator="population aged 0-17",
    period_type=ROLLING_12M,
    polarity=NONE,
    unit=RATE,
    counts=EVENTS,
    units=_referrals_in,
    fields=("referral_date",),
    why="referred {referral_date:%d/%m/%Y}",
)


def _re_referrals(c: Context) -> QuerySet:
    earlier = (
        Referral.objects.filter(child=OuterRef("child_id"), referral_date__lt=OuterRef("referral_date"))
        .annotate(k=date_key("referral_date"))
        .filter(k__gte=OuterRef("lookback"))
    )
    return (
        _referrals_in(c)
        .annotate(lookback=add_months_key("referral_date", -12))
        .annotate(
            k_num=flag(Exists(earlier)),
            previous=Subquery(earlier.order_by("-referral_date").values("referral_date")[:1]),
        )
    )


define(
    id="FD-05",
    name="Re-referrals within 12 months",
    section="Front door",
    definition="Referrals in the period where the same child had a previous referral (any "
    "outcome, any reporting year) in the 12 calendar months before it.",
    source="DfE re-referrals methodology [G: S10]; INDICATORS.md F4",
    cohort="referrals in the period",
    numerator="referrals with a previous referral in the 12 months before",
    denominator="referrals in the period",
    period_type=YTD,
    polarity=LOW_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    units=_re_referrals,
    fields=("referral_date", "previous"),
    why="referred {referral_date:%d/%m/%Y}; previous referral {previous}",
)

define(
    id="FD-06A",
    name="Referrals with no further action",
    section="Front door",
    definition="Referrals in the period recorded as ReferralNFA.",
    source="DfE CIN census ReferralNFA [G: S10 C1]",
    cohort="referrals in the period",
    numerator="ReferralNFA",
    denominator="referrals in the period",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: _referrals_in(c).annotate(k_num=flag(Q(referral_nfa=True))),
    fields=("referral_date", "referral_nfa"),
    why="referred {referral_date:%d/%m/%Y}; NFA {referral_nfa}",
)

define(
    id="FD-06B",
    name="Referrals assessed as not in need",
    section="Front door",
    definition="Referrals in the period whose episode closed RC8 (NFA after assessment) or RC9 "
    "(to early help after assessment).",
    source="DfE CIN census ReasonForClosure [G: S10 C1, S17]",
    cohort="referrals in the period",
    numerator="closed RC8/RC9",
    denominator="referrals in the period",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: _referrals_in(c).annotate(k_num=flag(Q(reason_for_closure__in=("RC8", "RC9")))),
    fields=("referral_date", "reason_for_closure"),
    why="referred {referral_date:%d/%m/%Y}; closed {reason_for_closure}",
)

define(
    id="FD-07",
    name="Referrals leading to an assessment",
    section="Front door",
    definition="Referrals in the period with an assessment started on or after the referral "
    "date in the same episode.",
    source="[council report]; liia-tools journey analysis [G: S17]",
    cohort="referrals in the period",
    numerator="with an assessment",
    denominator="referrals in the period",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: _referrals_in(c).annotate(
        k_num=flag(
            Exists(
                Assessment.objects.filter(referral=OuterRef("pk"), start_date__gte=OuterRef("referral_date"))
            )
        )
    ),
    fields=("referral_date",),
    why="referred {referral_date:%d/%m/%Y}",
)


def _early_help(c: Context) -> QuerySet:
    return EarlyHelpEpisode.objects.filter(
        child__local_authority=c.la,
        **{
            "assessment_completed_date__gte": c.start,
            "assessment_completed_date__lte": c.end,
        },
    ).annotate(k_child=F("child_id"))


define(
    id="FD-08A",
    name="Early help assessments completed",
    section="Front door",
    definition="Early help assessments completed in the period.",
    source=S_LOCAL + "; Annex A List 2",
    cohort="early help assessments completed",
    numerator="assessments",
    denominator="-",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=COUNT,
    counts=EVENTS,
    units=_early_help,
    fields=("assessment_completed_date",),
    why="completed {assessment_completed_date:%d/%m/%Y}",
)

define(
    id="FD-08B",
    name="Early help assessment rate per 10,000 (rolling)",
    section="Front door",
    definition="Early help assessments completed in the 12 months to the date per 10,000 children aged 0-17.",
    source=S_LOCAL,
    cohort="early help assessments, rolling 12 months",
    numerator="assessments",
    denominator="population aged 0-17",
    period_type=ROLLING_12M,
    polarity=NONE,
    unit=RATE,
    counts=EVENTS,
    units=_early_help,
    fields=("assessment_completed_date",),
    why="completed {assessment_completed_date:%d/%m/%Y}",
)

for _id, _name, _why in [
    ("FD-08C", "Cases through early help brokerage", "brokerage is not recorded in Safeguard"),
    (
        "FD-08D",
        "Open early help cases led by the council's prevention service",
        "the lead organisation's type is not recorded",
    ),
    (
        "FD-08E",
        "Early help decisions within 3 working days (T19a)",
        "early help decision dates are not recorded",
    ),
]:
    define(
        id=_id,
        name=_name,
        section="Front door",
        definition=f"Entered by hand: {_why}.",
        source=S_LOCAL,
        cohort="-",
        numerator="-",
        denominator="-",
        period_type=SNAPSHOT if _id == "FD-08D" else IN_PERIOD,
        polarity=NONE if _id != "FD-08E" else HIGH_GOOD,
        unit=COUNT if _id == "FD-08C" else PERCENT,
        counts=EVENTS,
        status=HAND_ENTERED,
        status_reason=_why,
    )

define(
    id="FD-09",
    name="Referrals by source",
    section="Front door",
    definition="Referrals in the period by ReferralSource (context table).",
    source="CIN census ReferralSource [G: S17]",
    cohort="referrals in the period",
    numerator="referrals",
    denominator="-",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=COUNT,
    counts=EVENTS,
    units=_referrals_in,
    fields=("referral_date", "source"),
    breakdown="source",
    why="referred {referral_date:%d/%m/%Y} by source {source}",
)

# ==================================================================================================
# B2. Assessment
# ==================================================================================================


def _assessments_completed(c: Context, kind: str = Assessment.Kind.SINGLE) -> QuerySet:
    return (
        Assessment.objects.filter(referral__child__local_authority=c.la, kind=kind)
        .filter(_in("authorisation_date", c))
        .annotate(k_child=F("referral__child_id"), wd=_wd("authorisation_date", "start_date"))
    )


define(
    id="AS-01",
    name="Assessments completed",
    section="Assessment",
    definition="Child and family assessments authorised (AssessmentAuthorisationDate) in the period.",
    source="[council report]; DfE C2 [G: S10]",
    cohort="assessments authorised in the period",
    numerator="assessments",
    denominator="-",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=COUNT,
    counts=EVENTS,
    units=_assessments_completed,
    fields=("start_date", "authorisation_date"),
    why="started {start_date:%d/%m/%Y}, authorised {authorisation_date:%d/%m/%Y}",
)

define(
    id="AS-02",
    name="Assessments completed within 45 working days",
    section="Assessment",
    definition="Assessments authorised in the period with at most 45 working days from "
    "AssessmentActualStartDate (day 0) to authorisation.",
    source="Working Together 2023 [G: S3]; DfE C2 bands [G: S10]",
    cohort="assessments authorised in the period",
    numerator="within 45 working days",
    denominator="assessments authorised",
    period_type=YTD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: _assessments_completed(c).annotate(k_num=flag(Q(wd__lte=45))),
    fields=("start_date", "authorisation_date", "wd"),
    why="started {start_date:%d/%m/%Y}, authorised {authorisation_date:%d/%m/%Y}: {wd} working days",
)


def _initial_assessments(c: Context) -> QuerySet:
    qs = _assessments_completed(c, Assessment.Kind.INITIAL).annotate(
        wd_ref=_wd("authorisation_date", "referral__referral_date"),
        referral_date=F("referral__referral_date"),
        limit=Case(
            When(referral__referral_date__lt=dt.date(2010, 4, 1), then=Value(7)),
            default=Value(10),
            output_field=IntegerField(),
        ),
    )
    return qs.annotate(k_num=flag(Q(wd_ref__lte=F("limit"))))


define(
    id="AS-03A",
    name="(Legacy) Initial assessments within 7/10 working days (NI 59)",
    section="Assessment",
    definition="Initial assessments authorised in the period within 10 working days of the "
    "referral (7 before April 2010).",
    source="NI 59 [G: Community Care 2010]; T03",
    cohort="initial assessments authorised",
    numerator="within limit",
    denominator="initial assessments",
    period_type=IN_PERIOD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    units=_initial_assessments,
    fields=("referral_date", "authorisation_date", "wd_ref", "limit"),
    why="referred {referral_date:%d/%m/%Y}, authorised {authorisation_date:%d/%m/%Y}: {wd_ref} of {limit}",
)

define(
    id="AS-03B",
    name="(Legacy) Core assessments within 35 working days (NI 60)",
    section="Assessment",
    definition="Core assessments authorised in the period within 35 working days of their start.",
    source="NI 60 [G: Community Care 2010]; T03",
    cohort="core assessments authorised",
    numerator="within 35 working days",
    denominator="core assessments",
    period_type=IN_PERIOD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: _assessments_completed(c, Assessment.Kind.CORE).annotate(k_num=flag(Q(wd__lte=35))),
    fields=("start_date", "authorisation_date", "wd"),
    why="started {start_date:%d/%m/%Y}, authorised {authorisation_date:%d/%m/%Y}: {wd} working days",
)

_BANDS = [
    (0, "same day"),
    (10, "1-10"),
    (20, "11-20"),
    (30, "21-30"),
    (40, "31-40"),
    (45, "41-45"),
    (50, "46-50"),
    (60, "51-60"),
]


def duration_band(working_days) -> str:
    """DfE C2 duration band of a number of working days (grouped in the database by the number,
    so each row's working days are looked up once)."""
    return next((label for limit, label in _BANDS if int(working_days) <= limit), "61+")


define(
    id="AS-04",
    name="Assessment duration (DfE bands)",
    section="Assessment",
    definition="Assessments authorised in the period by working days from start to authorisation, "
    "in the DfE C2 bands.",
    source="DfE C2 [G: S10]",
    cohort="assessments authorised",
    numerator="assessments",
    denominator="-",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=COUNT,
    counts=EVENTS,
    breakdown="wd",
    units=_assessments_completed,
    fields=("start_date", "authorisation_date", "wd"),
    why="{wd} working days",
    extra={"label": duration_band},
)


_OPEN_ASSESSMENTS = Windowed(
    base=lambda c: Assessment.objects.filter(
        referral__child__local_authority=c.la, kind=Assessment.Kind.SINGLE
    ).annotate(k_child=F("referral__child_id"), start_index=working_day_index("start_date")),
    member=lambda c: (
        Q(start_date__lte=c.end)
        & (Q(authorisation_date__isnull=True) | Q(authorisation_date__gt=c.end))
        & (Q(referral__closure_date__isnull=True) | Q(referral__closure_date__gt=c.end))
    ),
    # Open more than 45 working days at the date: index(date) - index(start) > 45.
    numerator=lambda c: Q(start_index__lt=working_day_index_of(c.end) - 45),
    fields=lambda c: {
        "wd": ExpressionWrapper(
            Value(working_day_index_of(c.end)) - F("start_index"), output_field=IntegerField()
        )
    },
    cover=lambda c: (
        Q(start_date__lte=c.end)
        & (Q(authorisation_date__isnull=True) | Q(authorisation_date__gt=c.start))
        & (Q(referral__closure_date__isnull=True) | Q(referral__closure_date__gt=c.start))
    ),
)


define(
    id="AS-05",
    name="Open assessments beyond 45 working days",
    section="Assessment",
    definition="Assessments open at the date that have run more than 45 working days.",
    source="[L]; cf. DfE validation 8670Q [G: S17]",
    cohort="assessments open at the date",
    numerator="open more than 45 working days",
    denominator="open assessments",
    period_type=SNAPSHOT,
    polarity=LOW_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    windowed=_OPEN_ASSESSMENTS,
    fields=("start_date", "wd"),
    why="open since {start_date:%d/%m/%Y}: {wd} working days",
)

# ==================================================================================================
# B3. Child protection
# ==================================================================================================


def _s47_started(c: Context) -> QuerySet:
    return (
        Section47Enquiry.objects.filter(referral__child__local_authority=c.la)
        .filter(_in("start_date", c))
        .annotate(k_child=F("referral__child_id"))
    )


define(
    id="CP-01",
    name="Section 47 enquiries",
    section="Child protection",
    definition="Section 47 enquiries started (S47ActualStartDate) in the period, as events.",
    source="DfE C4 [G: S10]",
    cohort="S47 enquiries started",
    numerator="enquiries",
    denominator="-",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=COUNT,
    counts=EVENTS,
    units=_s47_started,
    fields=("start_date",),
    why="S47 started {start_date:%d/%m/%Y}",
)

define(
    id="CP-01R",
    name="Section 47 enquiries per 10,000 children",
    section="Child protection",
    definition="Section 47 enquiries started in the 12 months to the date per 10,000 children 0-17.",
    source="DfE C4 [G: S10]; F6",
    cohort="S47 enquiries, rolling 12 months",
    numerator="enquiries",
    denominator="population aged 0-17",
    period_type=ROLLING_12M,
    polarity=NONE,
    unit=RATE,
    counts=EVENTS,
    units=_s47_started,
    fields=("start_date",),
    why="S47 started {start_date:%d/%m/%Y}",
)

_ICPC_FOR_S47 = Conference.objects.filter(kind=Conference.Kind.INITIAL, section47=OuterRef("pk"))

define(
    id="CP-02",
    name="Section 47 enquiries leading to an initial conference",
    section="Child protection",
    definition="S47 enquiries started in the period that led to an initial child protection "
    "conference (transfer-in conferences excluded; ICPCnotRequired excluded from the "
    "numerator). Recent enquiries may not yet have reached conference.",
    source="[council report]; T05 edge (b)",
    cohort="S47 enquiries started",
    numerator="led to an ICPC",
    denominator="S47 enquiries started",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: _s47_started(c).annotate(k_num=flag(Exists(_ICPC_FOR_S47) & Q(icpc_not_required=False))),
    fields=("start_date", "icpc_not_required"),
    why="S47 started {start_date:%d/%m/%Y}",
)


def _conferences(c: Context, kind: str = Conference.Kind.INITIAL) -> QuerySet:
    return (
        Conference.objects.filter(referral__child__local_authority=c.la, kind=kind)
        .filter(_in("held_on", c))
        .annotate(k_child=F("referral__child_id"))
    )


define(
    id="CP-03",
    name="Initial child protection conferences",
    section="Child protection",
    definition="Initial child protection conferences (one per child) held in the period; "
    "transfer-in conferences are counted separately (CP-03T).",
    source="DfE C4 [G: S10]",
    cohort="ICPCs held",
    numerator="ICPCs",
    denominator="-",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=COUNT,
    counts=EVENTS,
    units=_conferences,
    fields=("held_on",),
    why="ICPC held {held_on:%d/%m/%Y}",
)

define(
    id="CP-03T",
    name="Transfer-in child protection conferences",
    section="Child protection",
    definition="Transfer-in conferences (one per child) held in the period.",
    source="DfE COLLECT 'Transfer-in ICPC' [G: S10]; T06",
    cohort="transfer-in conferences held",
    numerator="conferences",
    denominator="-",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=COUNT,
    counts=EVENTS,
    units=lambda c: _conferences(c, Conference.Kind.TRANSFER_IN),
    fields=("held_on",),
    why="transfer-in conference {held_on:%d/%m/%Y}",
)


def _icpc_timeliness(c: Context) -> QuerySet:
    return (
        _conferences(c)
        .filter(section47__isnull=False, held_on__gte=F("section47__start_date"))
        .annotate(s47_start=F("section47__start_date"), wd=_wd("held_on", "section47__start_date"))
        .annotate(k_num=flag(Q(wd__lte=15)))
    )


define(
    id="CP-04",
    name="Initial conferences within 15 working days",
    section="Child protection",
    definition="ICPCs held in the period (transfer-in excluded) with at most 15 working days from "
    "S47ActualStartDate (day 0, the DfE benchmark clock) to the conference; conferences "
    "dated before the enquiry, or with no enquiry, are left out of both counts.",
    source="Working Together 2023 [G: S3]; DfE C4 and metric 3217 [G: S10, S12]",
    cohort="ICPCs held in the period",
    numerator="within 15 working days",
    denominator="ICPCs with an S47",
    period_type=YTD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    units=_icpc_timeliness,
    fields=("s47_start", "held_on", "wd"),
    why="S47 {s47_start:%d/%m/%Y}, ICPC {held_on:%d/%m/%Y}: {wd} working days",
)

define(
    id="CP-05",
    name="Initial conferences resulting in a plan",
    section="Child protection",
    definition="ICPCs held in the period that decided the child needs a child protection plan.",
    source="Annex A List 5 [G: S15]",
    cohort="ICPCs held",
    numerator="resulted in a CP plan",
    denominator="ICPCs held",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: _conferences(c).annotate(k_num=flag(Q(plan_required=True) | Q(cp_plan__isnull=False))),
    fields=("held_on", "plan_required"),
    why="ICPC {held_on:%d/%m/%Y}: plan {plan_required}",
)


def _plans(c: Context) -> QuerySet:
    return ChildProtectionPlan.objects.filter(referral__child__local_authority=c.la).annotate(
        k_child=F("referral__child_id")
    )


_PLANS_OPEN = Windowed(
    base=_plans,
    member=lambda c: _open_at("start_date", "end_date", c.end),
    cover=lambda c: _open_between("start_date", "end_date", c),
)


define(
    id="CP-06",
    name="Children subject to a child protection plan",
    section="Child protection",
    definition="Children with a CP plan open at the date (CPPstartDate on or before it, no "
    "CPPendDate or one after it); unborn children included.",
    source="DfE D1 [G: S10]",
    cohort="children on a plan at the date",
    numerator="children",
    denominator="-",
    period_type=SNAPSHOT,
    polarity=NONE,
    unit=COUNT,
    counts=CHILDREN,
    windowed=_PLANS_OPEN,
    fields=("start_date",),
    why="on a plan since {start_date:%d/%m/%Y}",
)

define(
    id="CP-07",
    name="Children subject to a CP plan per 10,000",
    section="Child protection",
    definition="CP-06 per 10,000 children aged 0-17.",
    source="DfE D1 [G: S10]; F6",
    cohort="children on a plan at the date",
    numerator="children",
    denominator="population aged 0-17",
    period_type=SNAPSHOT,
    polarity=NONE,
    unit=RATE,
    counts=CHILDREN,
    windowed=_PLANS_OPEN,
    fields=("start_date",),
    why="on a plan since {start_date:%d/%m/%Y}",
)

define(
    id="CP-08",
    name="Children becoming subject to a CP plan per 10,000 (rolling)",
    section="Child protection",
    definition="Distinct children starting a CP plan in the 12 months to the date per 10,000 "
    "children aged 0-17.",
    source="[council report]; DfE D1 [G: S10]",
    cohort="children starting a plan, rolling 12 months",
    numerator="children",
    denominator="population aged 0-17",
    period_type=ROLLING_12M,
    polarity=NONE,
    unit=RATE,
    counts=CHILDREN,
    units=lambda c: _plans(c).filter(_in("start_date", c)),
    fields=("start_date",),
    why="plan started {start_date:%d/%m/%Y}",
)


def _second_plans(c: Context) -> QuerySet:
    earlier = ChildProtectionPlan.objects.filter(
        referral__child=OuterRef("k_child"), start_date__lt=OuterRef("start_date")
    )
    return (
        _plans(c)
        .filter(_in("start_date", c))
        .annotate(
            k_num=flag(Q(number_of_previous_cpp__gt=0) | Exists(earlier)),
            previous=Subquery(earlier.order_by("-start_date").values("start_date")[:1]),
        )
    )


define(
    id="CP-09",
    name="Children becoming subject of a plan for a second or subsequent time",
    section="Child protection",
    definition="Children starting a CP plan in the period who had been the subject of a plan of "
    "this council before, however long ago (NumberOfPreviousCPP > 0 or an earlier plan "
    "on the record).",
    source="Former NI 65; DfE D3; LG Inform metric 100 [G: S12]; INDICATORS.md F5",
    cohort="children starting a plan",
    numerator="with a previous plan",
    denominator="children starting a plan",
    period_type=YTD,
    polarity=RANGE,
    unit=PERCENT,
    counts=CHILDREN,
    units=_second_plans,
    fields=("start_date", "number_of_previous_cpp", "previous"),
    why="plan started {start_date:%d/%m/%Y}; previous plan from {previous}; NumberOfPreviousCPP "
    "{number_of_previous_cpp}",
)

define(
    id="CP-10",
    name="Plans ending that had lasted two years or more",
    section="Child protection",
    definition="CP plans ending in the period with CPPendDate on or after CPPstartDate + 2 years "
    "(calendar arithmetic, §0.4).",
    source="Former NI 64; DfE D7 [G: S10]",
    cohort="plans ended in the period",
    numerator="lasted 2 years or more",
    denominator="plans ended",
    period_type=YTD,
    polarity=LOW_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: (
        _plans(c)
        .filter(_in("end_date", c))
        .annotate(end_key=date_key("end_date"), two_years=add_months_key("start_date", 24))
        .annotate(k_num=flag(Q(end_key__gte=F("two_years"))))
    ),
    fields=("start_date", "end_date"),
    why="plan {start_date:%d/%m/%Y} to {end_date:%d/%m/%Y}",
)

define(
    id="CP-11",
    name=f"Open plans lasting {CP_LONG_PLAN_MONTHS} months or more",
    section="Child protection",
    definition=f"Children on a CP plan at the date whose plan started at least {CP_LONG_PLAN_MONTHS} "
    "calendar months before it.",
    source="[council report] T19e",
    cohort="children on a plan at the date",
    numerator=f"plan {CP_LONG_PLAN_MONTHS}+ months",
    denominator="children on a plan",
    period_type=SNAPSHOT,
    polarity=LOW_GOOD,
    unit=PERCENT,
    counts=CHILDREN,
    windowed=replace(
        _PLANS_OPEN, numerator=lambda c: Q(start_date__lte=c.end - relativedelta(months=CP_LONG_PLAN_MONTHS))
    ),
    fields=("start_date",),
    why="on a plan since {start_date:%d/%m/%Y}",
)

_CLOCK_FIELDS = ("start_date", "due_date", "met_date", "stopped_date")
_CLOCK_WHY = "due {due_date:%d/%m/%Y}; held {met_date}"

define(
    id="CP-12",
    name="Child protection reviews held within timescale",
    section="Child protection",
    definition="Review conferences falling due in the period (3 months after the ICPC, then 6 "
    "months after the previous review, the chain restarting from each actual date) "
    "held on or before the due date; one not held by the end of the period is late.",
    source="Working Together 2023 via local procedures [G: S4]; INDICATORS.md T08, F1 (variant A)",
    cohort="reviews falling due",
    numerator="held on time",
    denominator="reviews falling due",
    period_type=IN_PERIOD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: clocks_due("T08", c),
    fields=_CLOCK_FIELDS,
    why=_CLOCK_WHY,
)

define(
    id="CP-13",
    name="Children on a plan visited within timescale",
    section="Child protection",
    definition="Children (born) on a CP plan at the date every visit interval of whom reaching "
    "into the period was in time, one overdue when the period began included (every "
    "10 working days by default, or the plan's own interval; each visit where the "
    "child is seen restarts the clock).",
    source="[council report] local procedures [G: S4]; T09, F2",
    cohort="children on a plan at the date",
    numerator="all visits in time",
    denominator="children on a plan",
    period_type=IN_PERIOD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=CHILDREN,
    windowed=Windowed(
        base=children,
        member=lambda c: Q(on_cp_plan_at(c.end), date_of_birth__lte=c.end),
        numerator=lambda c: ~Q(late_link("T09", c)),
        cover=lambda c: Q(
            pk__in=ChildProtectionPlan.objects.filter(_open_between("start_date", "end_date", c)).values(
                "referral__child_id"
            )
        ),
    ),
    fields=("la_child_id",),
    why="on a plan at {window_end}",
)

define(
    id="CP-14",
    name="Children on a child sexual exploitation plan",
    section="Child protection",
    definition="Not held: Safeguard records no CSE plans (local, not CP plans).",
    source="[council report]",
    cohort="-",
    numerator="-",
    denominator="-",
    period_type=SNAPSHOT,
    polarity=NONE,
    unit=COUNT,
    counts=CHILDREN,
    status=HAND_ENTERED,
    status_reason="CSE plans are not part of the record",
)

define(
    id="CP-15",
    name="Plans started by initial category of abuse",
    section="Child protection",
    definition="CP plans started in the period by InitialCategoryOfAbuse (context table).",
    source="DfE D1 [G: S10]",
    cohort="plans started",
    numerator="plans",
    denominator="-",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=COUNT,
    counts=EVENTS,
    breakdown="initial_category",
    units=lambda c: _plans(c).filter(_in("start_date", c)),
    fields=("start_date", "initial_category"),
    why="plan {start_date:%d/%m/%Y}, category {initial_category}",
)

# ==================================================================================================
# B4. Children in need
# ==================================================================================================


_EPISODES_OPEN = Windowed(
    base=referrals,
    member=lambda c: _open_at("referral_date", "closure_date", c.end),
    cover=lambda c: _open_between("referral_date", "closure_date", c),
)


define(
    id="CIN-01",
    name="Children in need",
    section="Children in need",
    definition="Children with an episode of need open at the date (includes CP, looked-after and "
    "disabled children and unborn children).",
    source="DfE CIN release [G: S10]",
    cohort="children with an open episode",
    numerator="children",
    denominator="-",
    period_type=SNAPSHOT,
    polarity=NONE,
    unit=COUNT,
    counts=CHILDREN,
    windowed=_EPISODES_OPEN,
    fields=("referral_date",),
    why="episode open since {referral_date:%d/%m/%Y}",
)

define(
    id="CIN-01R",
    name="Children in need per 10,000",
    section="Children in need",
    definition="CIN-01 per 10,000 children aged 0-17.",
    source="DfE CIN release [G: S10]; F6",
    cohort="children with an open episode",
    numerator="children",
    denominator="population aged 0-17",
    period_type=SNAPSHOT,
    polarity=NONE,
    unit=RATE,
    counts=CHILDREN,
    windowed=_EPISODES_OPEN,
    fields=("referral_date",),
    why="episode open since {referral_date:%d/%m/%Y}",
)

define(
    id="CIN-02",
    name="Children in need with an allocated social worker",
    section="Children in need",
    definition="Children with an open episode at the date who have an allocated social worker then "
    "(the rest are unallocated).",
    source="[council report]; SSD ChAT+ logic [G: S17]",
    cohort="children in need at the date",
    numerator="allocated",
    denominator="children in need",
    period_type=SNAPSHOT,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=CHILDREN,
    windowed=Windowed(
        base=children,
        member=lambda c: Q(in_need_at(c.end)),
        numerator=lambda c: Q(allocated_at(c.end)),
        cover=lambda c: Q(
            pk__in=Referral.objects.filter(_open_between("referral_date", "closure_date", c)).values(
                "child_id"
            )
        ),
    ),
    fields=("la_child_id",),
    why="in need at {window_end}",
)

define(
    id="CIN-03",
    name=f"Episodes of need open more than {CIN_LONG_EPISODE_MONTHS} months",
    section="Children in need",
    definition=f"Episodes open at the date that opened more than {CIN_LONG_EPISODE_MONTHS} calendar months "
    "before it.",
    source="[council report] T19d",
    cohort="episodes open at the date",
    numerator=f"open more than {CIN_LONG_EPISODE_MONTHS} months",
    denominator="open episodes",
    period_type=SNAPSHOT,
    polarity=LOW_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    windowed=replace(
        _EPISODES_OPEN,
        numerator=lambda c: Q(referral_date__lt=c.end - relativedelta(months=CIN_LONG_EPISODE_MONTHS)),
    ),
    fields=("referral_date",),
    why="open since {referral_date:%d/%m/%Y}",
)

# ==================================================================================================
# B5. Children looked after
# ==================================================================================================


def _looked_after_between(c: Context) -> Q:
    """Children looked after at some date from c.start to c.end (a cover for `looked_after_at`)."""
    return Q(
        pk__in=Episode.objects.filter(_open_between("decom", "dec", c))
        .exclude(legal_status__in=SHORT_BREAKS)
        .values("period_of_care__child_id")
    )


_LAC = Windowed(base=children, member=lambda c: Q(looked_after_at(c.end)), cover=_looked_after_between)
_lac = _LAC.units


define(
    id="LAC-01",
    name="Children looked after",
    section="Looked after",
    definition="Children looked after at the end of the date (an episode open then), excluding "
    "an agreed series of short breaks (LS V3/V4).",
    source="DfE CLA release [G: S11]",
    cohort="children looked after at the date",
    numerator="children",
    denominator="-",
    period_type=SNAPSHOT,
    polarity=NONE,
    unit=COUNT,
    counts=CHILDREN,
    windowed=_LAC,
    fields=("la_child_id",),
    why="looked after at {window_end}",
)

define(
    id="LAC-02",
    name="Children looked after per 10,000",
    section="Looked after",
    definition="LAC-01 per 10,000 children aged 0-17.",
    source="DfE CLA release [G: S11]; F6",
    cohort="children looked after at the date",
    numerator="children",
    denominator="population aged 0-17",
    period_type=SNAPSHOT,
    polarity=NONE,
    unit=RATE,
    counts=CHILDREN,
    windowed=_LAC,
    fields=("la_child_id",),
    why="looked after at {window_end}",
)

define(
    id="LAC-03",
    name="Looked-after reviews held within timescale",
    section="Looked after",
    definition="Looked-after reviews falling due in the period (20 working days after care starts, "
    "then 3 months, then 6-monthly, from each actual date) held on or before the due "
    "date; one not held by the end of the period is late.",
    source="Care Planning, Placement and Case Review Regulations 2010 reg 33 [G: S1]; T10, F1 (variant A)",
    cohort="reviews falling due",
    numerator="held on time",
    denominator="reviews falling due",
    period_type=IN_PERIOD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: clocks_due("T10", c),
    fields=_CLOCK_FIELDS,
    why=_CLOCK_WHY,
)

define(
    id="LAC-04",
    name="Children participating in their reviews",
    section="Looked after",
    definition="Reviews in the period with participation PN1-PN6, of reviews coded PN1-PN7 "
    "(PN0, under 4, left out).",
    source="SSDA903 REVIEW_CODE [G: S17]",
    cohort="reviews held (PN1-PN7)",
    numerator="PN1-PN6",
    denominator="reviews PN1-PN7",
    period_type=IN_PERIOD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: (
        LookedAfterReview.objects.filter(period_of_care__child__local_authority=c.la)
        .filter(_in("review_date", c))
        .exclude(participation="PN0")
        .annotate(k_child=F("period_of_care__child_id"), k_num=flag(Q(participation__in=PARTICIPATED)))
    ),
    fields=("review_date", "participation"),
    why="review {review_date:%d/%m/%Y}: {participation}",
)


def _placements_in_year(c: Context):
    """The placement held on the day a year before the date plus each new carer since (F3)."""
    return placements_between(c.end - relativedelta(years=1) + dt.timedelta(days=1), c.end)


_placement_stability = replace(
    _LAC,
    numerator=lambda c: Q(GreaterThanOrEqual(_placements_in_year(c), 3)),
    fields=lambda c: {"placements": _placements_in_year(c)},
)


define(
    id="LAC-05",
    name="Children looked after with 3 or more placements in the year",
    section="Looked after",
    definition="Children looked after at 31 March (short breaks excluded) with 3 or more placements "
    "in the year: the placement held on 1 April (if looked after then) plus each new "
    "carer since (RNE S, P, B); legal-status-only changes, moves with the same carer "
    "(T, U), temporary placements T0-T4 and the return from them do not count.",
    source="Former NI 62; LG Inform metric 850 [G: S12]; INDICATORS.md F3 ([U] G9 for temporary moves)",
    cohort="children looked after at 31 March",
    numerator="3+ placements",
    denominator="children looked after",
    period_type=ANNUAL_ONLY,
    polarity=LOW_GOOD,
    unit=PERCENT,
    counts=CHILDREN,
    windowed=_placement_stability,
    fields=("placements",),
    why="{placements} placements in the 12 months to {window_end}",
)


def _two_year_stability(c: Context) -> QuerySet:
    since = c.end - relativedelta(years=2)
    return (
        _lac(c)
        .filter(periods_of_care__start_date__lte=since, periods_of_care__end_date__isnull=True)
        .annotate(placements=placements_between(since + dt.timedelta(days=1), c.end))
        .annotate(k_num=flag(Q(placements__gte=3)))
    )


define(
    id="LAC-06",
    name="Children looked after 2+ years with 3 or more placements in 2 years",
    section="Looked after",
    definition="Children looked after at 31 March for at least 2 years with 3 or more placements in "
    "the 2 years (counted as LAC-05).",
    source="DfE stability measure 2024 [G: S11]",
    cohort="looked after 2+ years at 31 March",
    numerator="3+ placements in 2 years",
    denominator="looked after 2+ years",
    period_type=ANNUAL_ONLY,
    polarity=LOW_GOOD,
    unit=PERCENT,
    counts=CHILDREN,
    units=_two_year_stability,
    fields=("placements",),
    why="{placements} placements in the 2 years to {window_end}",
)


def _long_term_stability(c: Context) -> QuerySet:
    """NI 63: the same carer for 2 years, or placed for adoption with the adoptive placement and
    the placement before it together lasting 2 years. Adopters who were the foster carers (A3/A5,
    RNE T or U) are the same carer, so their time as foster carers already counts; new adopters
    (a new-carer episode into A3-A6) are joined to the carer the child had before them."""
    carers = (
        new_carer_episodes()
        .filter(period_of_care__child=OuterRef("pk"), decom__lte=c.end)
        .order_by("-decom", "-pk")
    )
    placement_now = (
        Episode.objects.filter(_open_at("decom", "dec", c.end), period_of_care__child=OuterRef("pk"))
        .order_by("-decom", "-pk")
        .values("placement")[:1]
    )
    joined = Q(
        placement_now__in=PLACED_FOR_ADOPTION,
        carer_placement__in=PLACED_FOR_ADOPTION,
        carer_before_since__isnull=False,
    )
    return (
        _lac(c)
        .filter(
            date_of_birth__gt=c.end - relativedelta(years=16),
            periods_of_care__start_date__lte=c.end - relativedelta(months=30),
            periods_of_care__end_date__isnull=True,
        )
        .annotate(
            carer_since=Subquery(carers.values("decom")[:1]),
            carer_placement=Subquery(carers.values("placement")[:1]),
            carer_before_since=Subquery(carers.values("decom")[1:2]),
            placement_now=Subquery(placement_now),
        )
        .annotate(stable_since=Case(When(joined, then=F("carer_before_since")), default=F("carer_since")))
        .annotate(k_num=flag(Q(stable_since__lte=c.end - relativedelta(years=2))))
    )


define(
    id="LAC-07",
    name="Long-term placement stability",
    section="Looked after",
    definition="Children under 16 at 31 March, looked after continuously for 2.5 years or more, "
    "living with the same carer for at least 2 years (moves with the same carer, RNE "
    "T/U/L, do not break it), or placed for adoption where the adoptive placement "
    "together with the placement before it lasts at least 2 years.",
    source="Former NI 63 [G: S12 ODI]; DfE CLA [G: S11]",
    cohort="under 16, looked after 2.5+ years",
    numerator="same carer 2+ years, or adoptive and previous placement 2+ years",
    denominator="under 16, looked after 2.5+ years",
    period_type=ANNUAL_ONLY,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=CHILDREN,
    units=_long_term_stability,
    fields=("carer_since", "stable_since"),
    why="with current carer since {carer_since}; stable since {stable_since}",
)

define(
    id="LAC-08",
    name="Placements more than 20 miles from home",
    section="Looked after",
    definition="Not held: distances need postcode centroids, which Safeguard does not store (903 "
    "holds partial postcodes only).",
    source="SSDA903 HOME_POST/PL_POST [G: S17]",
    cohort="-",
    numerator="-",
    denominator="-",
    period_type=SNAPSHOT,
    polarity=LOW_GOOD,
    unit=PERCENT,
    counts=CHILDREN,
    status=NOT_HELD,
    status_reason="no postcode centroid table in the database",
)


def _lac_episodes(c: Context) -> QuerySet:
    return (
        Episode.objects.filter(period_of_care__child__local_authority=c.la)
        .exclude(legal_status__in=SHORT_BREAKS)
        .annotate(k_child=F("period_of_care__child_id"))
    )


def _lac_episodes_at(base: Callable[[Context], QuerySet]) -> Windowed:
    """The episodes of `base` (a selection of `_lac_episodes`) open at the end of the date."""
    return Windowed(
        base=base,
        member=lambda c: _open_at("decom", "dec", c.end),
        cover=lambda c: _open_between("decom", "dec", c),
    )


for _id, _name, _q, _pol in [
    (
        "LAC-09A",
        "Looked-after children in the council's own foster care",
        Q(placement__in=FOSTER, placement_provider="PR1"),
        HIGH_GOOD,
    ),
    (
        "LAC-09B",
        "Looked-after children in external (IFA) foster care",
        Q(placement__in=FOSTER, placement_provider__in=("PR4", "PR5")),
        LOW_GOOD,
    ),
    (
        "LAC-09C",
        "Looked-after children in kinship (family and friends) placements",
        Q(placement__in=KINSHIP),
        NONE,
    ),
]:
    define(
        id=_id,
        name=_name,
        section="Looked after",
        definition="Share of children looked after at the date by placement (PLACE U1-U6; own "
        "provision PR1, private/voluntary PR4/PR5; kinship U1-U3).",
        source="SSDA903 PLACE / PLACE_PROVIDER [G: S17]",
        cohort="children looked after at the date",
        numerator=_name.lower(),
        denominator="children looked after",
        period_type=SNAPSHOT,
        polarity=_pol,
        unit=PERCENT,
        counts=CHILDREN,
        windowed=_lac_episodes_at(lambda c, q=_q: _lac_episodes(c).annotate(k_num=flag(q))),
        fields=("placement", "placement_provider"),
        why="placement {placement} ({placement_provider})",
    )

define(
    id="LAC-10",
    name="Looked-after children visited within timescale",
    section="Looked after",
    definition="Children looked after at the date every reg 28 visit interval of whom reaching "
    "into the period was in time, one overdue when the period began included (1 week "
    "after a placement starts, then 6-weekly; 3-monthly after a year in a long-term "
    "placement; weekly with a parent before the first review).",
    source="Care Planning Regulations 2010 reg 28 [G: S1]; T11, F2",
    cohort="children looked after at the date",
    numerator="all visits in time",
    denominator="children looked after",
    period_type=IN_PERIOD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=CHILDREN,
    windowed=replace(_LAC, numerator=lambda c: ~Q(late_link("T11", c))),
    fields=("la_child_id",),
    why="looked after at {window_end}",
)

define(
    id="LAC-11",
    name="Children with a placement order",
    section="Looked after",
    definition="Children looked after at the date under a placement order (LS E1), split by "
    "whether placed for adoption (PLACE A3-A6).",
    source="[council report]; adoption scorecard",
    cohort="children under a placement order",
    numerator="children",
    denominator="-",
    period_type=SNAPSHOT,
    polarity=NONE,
    unit=COUNT,
    counts=CHILDREN,
    breakdown="placed",
    windowed=_lac_episodes_at(
        lambda c: (
            _lac_episodes(c)
            .filter(legal_status="E1")
            .annotate(
                placed=Case(
                    When(placement__in=PLACED_FOR_ADOPTION, then=Value("placed for adoption")),
                    default=Value("not yet placed"),
                )
            )
        )
    ),
    fields=("placement",),
    why="placement order; placement {placement}",
)

# ==================================================================================================
# B6. Health of looked-after children
# ==================================================================================================

define(
    id="HL-01",
    name="Initial health assessments requested within 48 hours",
    section="Health",
    definition="Children starting to be looked after in the period whose IHA was requested within "
    "2 working days (those who left care sooner are left out).",
    source="[council report] T19b; T12",
    cohort="children entering care (due by period end)",
    numerator="requested in time",
    denominator="children entering care",
    period_type=IN_PERIOD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    windowed=clocks_started("T12Q"),
    fields=_CLOCK_FIELDS,
    why="entered care {start_date:%d/%m/%Y}; due {due_date:%d/%m/%Y}; requested {met_date}",
)

define(
    id="HL-02",
    name="Initial health assessments within 20 working days",
    section="Health",
    definition="Children starting to be looked after in the period, still looked after on working "
    "day 20, whose IHA was completed within 20 working days.",
    source="Promoting the health and wellbeing of looked-after children 2015 [G: S7]; T12",
    cohort="children entering care, still looked after on day 20",
    numerator="IHA in time",
    denominator="children entering care",
    period_type=YTD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    windowed=clocks_started("T12I"),
    fields=_CLOCK_FIELDS,
    why="entered care {start_date:%d/%m/%Y}; due {due_date:%d/%m/%Y}; IHA {met_date}",
)


def _oc2(flag_field: str, *, with_score: bool = False) -> Windowed:
    """The OC2 cohort of the latest 31 March on or before the date."""

    def base(c: Context) -> QuerySet:
        qs = AnnualHealthOutcomes.objects.filter(child__local_authority=c.la).annotate(
            k_child=F("child_id"), k_num=flag(Q(**{flag_field: True}))
        )
        return qs.filter(sdq_score__isnull=False).annotate(k_val=F("sdq_score")) if with_score else qs

    def member(c: Context) -> Q:
        year_end = dt.date(
            c.end.year if c.end.month >= 4 or (c.end.month == 3 and c.end.day == 31) else c.end.year - 1,
            3,
            31,
        )
        return Q(year_ending=year_end)

    return Windowed(base=base, member=member)


define(
    id="HL-03",
    name="Children looked after 12+ months with an annual health assessment",
    section="Health",
    definition="Children in the OC2 cohort (looked after continuously for 12 months at 31 March) "
    "with HEALTH_ASSESSMENT = 1; in year, the latest 31 March's cohort.",
    source="DfE OC2 [G: S11]",
    cohort="OC2 cohort",
    numerator="health assessment up to date",
    denominator="OC2 cohort",
    period_type=ANNUAL_ONLY,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=CHILDREN,
    windowed=_oc2("health_assessment"),
    fields=("year_ending",),
    why="OC2 year to {year_ending}",
)

define(
    id="HL-04",
    name="Review health assessments within timescale",
    section="Health",
    definition="Review health assessments falling due in the period (6-monthly under 5, yearly "
    "from 5, from the previous assessment) done by the due date.",
    source="[L] T12; Promoting health 2015 [G: S7]",
    cohort="RHAs falling due",
    numerator="on time",
    denominator="RHAs falling due",
    period_type=IN_PERIOD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: clocks_due("T12R", c),
    fields=_CLOCK_FIELDS,
    why=_CLOCK_WHY,
)

define(
    id="HL-05A",
    name="Looked-after children with teeth checked",
    section="Health",
    definition="OC2 cohort with TEETH_CHECK = 1.",
    source="DfE OC2 [G: S17]",
    cohort="OC2 cohort",
    numerator="teeth checked",
    denominator="OC2 cohort",
    period_type=ANNUAL_ONLY,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=CHILDREN,
    windowed=_oc2("teeth_check"),
    fields=("year_ending",),
    why="OC2 year to {year_ending}",
)

define(
    id="HL-05B",
    name="Looked-after children with immunisations up to date",
    section="Health",
    definition="OC2 cohort with IMMUNISATIONS = 1.",
    source="DfE OC2 [G: S17]",
    cohort="OC2 cohort",
    numerator="immunisations up to date",
    denominator="OC2 cohort",
    period_type=ANNUAL_ONLY,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=CHILDREN,
    windowed=_oc2("immunisations"),
    fields=("year_ending",),
    why="OC2 year to {year_ending}",
)

define(
    id="HL-05C",
    name="Average SDQ score",
    section="Health",
    definition="Mean SDQ_SCORE of the OC2 cohort with a score (exemptions SDQ_REASON left out).",
    source="DfE OC2 [G: S17]",
    cohort="OC2 cohort with an SDQ score",
    numerator="sum of scores",
    denominator="children with a score",
    period_type=ANNUAL_ONLY,
    polarity=NONE,
    unit=MEAN,
    counts=CHILDREN,
    windowed=_oc2("health_assessment", with_score=True),
    fields=("sdq_score",),
    why="SDQ {sdq_score}",
)

# ==================================================================================================
# B7. Missing children
# ==================================================================================================


def _missing_in(c: Context, child_ref: str = "pk"):
    return MissingEpisode.objects.filter(
        child=OuterRef(child_ref), kind="M", start_date__gte=c.start, start_date__lte=c.end
    )


def _missing_count(c: Context) -> Subquery:
    n = _missing_in(c).order_by().values("child").annotate(n=Count("pk")).values("n")
    return Subquery(n, output_field=IntegerField())


_MISSING_5 = Windowed(
    base=children,
    member=lambda c: Q(Exists(_missing_in(c))),
    numerator=lambda c: Q(GreaterThanOrEqual(_missing_count(c), 5)),
    fields=lambda c: {"episodes": _missing_count(c)},
    cover=lambda c: Q(
        pk__in=MissingEpisode.objects.filter(kind="M", start_date__gte=c.start, start_date__lte=c.end).values(
            "child_id"
        )
    ),
)


define(
    id="MS-01",
    name="Children who went missing 5 or more times",
    section="Missing",
    definition="Children with 5 or more missing episodes (MISSING = M) starting in the period "
    "(quarters and the year each count their own episodes).",
    source="[council report]; missing definitions [G: S8, S17]",
    cohort="children missing in the period",
    numerator="5+ episodes",
    denominator="-",
    period_type=IN_PERIOD,
    polarity=LOW_GOOD,
    unit=COUNT,
    counts=CHILDREN,
    windowed=_MISSING_5,
    fields=("episodes",),
    why="{episodes} missing episodes in the period",
)


def _missing_in_care(c: Context) -> Exists:
    return Exists(
        MissingEpisode.objects.filter(
            Q(child__periods_of_care__end_date__isnull=True)
            | Q(child__periods_of_care__end_date__gte=F("start_date")),
            child=OuterRef("pk"),
            kind="M",
            start_date__gte=c.start,
            start_date__lte=c.end,
            child__periods_of_care__start_date__lte=F("start_date"),
        )
    )


_LAC_MISSING = Windowed(
    base=children,
    member=lambda c: Q(looked_after_during(c)),
    numerator=lambda c: Q(_missing_in_care(c)),
    cover=lambda c: Q(looked_after_during(c)),
)


define(
    id="MS-02",
    name="Looked-after children who went missing",
    section="Missing",
    definition="Children looked after at any time in the period who had a missing episode "
    "starting while looked after in the period.",
    source="DfE CLA missing [G: S11]",
    cohort="children looked after during the period",
    numerator="went missing",
    denominator="children looked after during the period",
    period_type=YTD,
    polarity=LOW_GOOD,
    unit=PERCENT,
    counts=CHILDREN,
    windowed=_LAC_MISSING,
    fields=("la_child_id",),
    why="looked after in the period",
)

define(
    id="MS-03A",
    name="Return home interviews offered within 72 hours",
    section="Missing",
    definition="Missing episodes ended in the period where a return interview was offered within "
    "72 hours of return (3 calendar days when only a date is held).",
    source="DfE 2014 statutory guidance [G: S8]; T14",
    cohort="missing episodes ended (due by period end)",
    numerator="offered in time",
    denominator="episodes ended",
    period_type=IN_PERIOD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    windowed=clocks_started("T14"),
    fields=_CLOCK_FIELDS,
    why="returned {start_date:%d/%m/%Y}; offered {met_date}",
)

define(
    id="MS-03B",
    name="Return home interviews accepted",
    section="Missing",
    definition="Missing episodes ended in the period where the child accepted a return interview.",
    source="Annex A List 8 [G: S15]",
    cohort="missing episodes ended",
    numerator="accepted",
    denominator="episodes ended",
    period_type=IN_PERIOD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: (
        MissingEpisode.objects.filter(child__local_authority=c.la, kind="M")
        .filter(_in("end_date", c))
        .annotate(k_child=F("child_id"), k_num=flag(Q(return_interview_accepted=True)))
    ),
    fields=("start_date", "end_date", "return_interview_accepted"),
    why="missing {start_date:%d/%m/%Y}-{end_date:%d/%m/%Y}; accepted {return_interview_accepted}",
)

# ==================================================================================================
# B8. Care leavers
# ==================================================================================================

SUPPORTED_CARE_LEAVERS = ("eligible", "relevant", "former_relevant")


def care_leaver_status_at(day: dt.date) -> Subquery:
    """The young person's leaving-care category in force at the end of `day` (from its history)."""
    return Subquery(
        care_leaver_status_versions(day).filter(child_id=OuterRef("pk")).reverse().values("eligibility")[:1]
    )


define(
    id="CL-01",
    name="Care leavers supported",
    section="Care leavers",
    definition="Young people who are eligible, relevant or former relevant care leavers at the date "
    "(the category then in force) and under 25.",
    source="[council report]; Children (Leaving Care) Act 2000",
    cohort="care leavers at the date",
    numerator="young people",
    denominator="-",
    period_type=SNAPSHOT,
    polarity=NONE,
    unit=COUNT,
    counts=CHILDREN,
    windowed=Windowed(
        base=lambda c: children(c).filter(
            pk__in=CareLeaverStatus.history.filter(eligibility__in=SUPPORTED_CARE_LEAVERS).values("child_id")
        ),
        member=lambda c: Q(
            In(care_leaver_status_at(c.end), SUPPORTED_CARE_LEAVERS),
            date_of_birth__gt=c.end - relativedelta(years=25),
        ),
        cover=lambda c: Q(date_of_birth__gt=c.start - relativedelta(years=25)),
    ),
    fields=("la_child_id",),
    why="care leaver at {window_end}",
)


def _care_leaver_cohort(c: Context) -> QuerySet:
    return (
        CareLeaverContact.objects.filter(child__local_authority=c.la)
        .filter(_in("contact_date", c))
        .annotate(
            contact_key=date_key("contact_date"),
            age19=add_months_key("child__date_of_birth", 19 * 12),
            age22=add_months_key("child__date_of_birth", 22 * 12),
        )
        .filter(age19__lte=F("contact_key"), age22__gt=F("contact_key"))
        .annotate(k_child=F("child_id"))
    )


define(
    id="CL-02",
    name="Care leavers aged 19-21 not in education, employment or training",
    section="Care leavers",
    definition="Care leavers aged 19-21 at their birthday contact in the period whose activity is "
    "NEET (G4, G5, G6); all in the cohort, including those not in touch, are the denominator.",
    source="SSDA903 OC3 ACTIV [G: S17]; DfE CLA [U: denominator]",
    cohort="birthday contacts, aged 19-21",
    numerator="NEET",
    denominator="care leavers in the cohort",
    period_type=YTD,
    polarity=LOW_GOOD,
    unit=PERCENT,
    counts=CHILDREN,
    units=lambda c: _care_leaver_cohort(c).annotate(k_num=flag(Q(activity__in=NEET))),
    fields=("contact_date", "activity"),
    why="contact {contact_date:%d/%m/%Y}: {activity}",
)

define(
    id="CL-03",
    name="Care leavers aged 19-21 in suitable accommodation",
    section="Care leavers",
    definition="Care leavers aged 19-21 at their birthday contact in the period whose accommodation "
    "code ends in 1 (suitable).",
    source="SSDA903 OC3 ACCOM [G: S17; U: suffix]",
    cohort="birthday contacts, aged 19-21",
    numerator="suitable",
    denominator="care leavers in the cohort",
    period_type=YTD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=CHILDREN,
    units=lambda c: _care_leaver_cohort(c).annotate(k_num=flag(Q(accommodation__endswith="1"))),
    fields=("contact_date", "accommodation"),
    why="contact {contact_date:%d/%m/%Y}: {accommodation}",
)

# ==================================================================================================
# B9. Permanence and adoption
# ==================================================================================================


def _ceased(c: Context) -> QuerySet:
    return (
        Episode.objects.filter(period_of_care__child__local_authority=c.la)
        .filter(_in("dec", c))
        .exclude(rec__in=("X1", ""))
        .exclude(legal_status__in=SHORT_BREAKS)
        .annotate(k_child=F("period_of_care__child_id"))
    )


define(
    id="PM-01",
    name="Children adopted",
    section="Permanence",
    definition="Children ceasing to be looked after in the period by adoption (REC E11, E12).",
    source="DfE CLA adoptions [G: S11]",
    cohort="ceased: adopted",
    numerator="children",
    denominator="-",
    period_type=YTD,
    polarity=HIGH_GOOD,
    unit=COUNT,
    counts=CHILDREN,
    units=lambda c: _ceased(c).filter(rec__in=ADOPTED),
    fields=("dec", "rec"),
    why="ceased {dec:%d/%m/%Y}: {rec}",
)

define(
    id="PM-02",
    name="Children ceasing care who were adopted",
    section="Permanence",
    definition="Episodes ending care in the period (REC other than X1; short breaks excluded) "
    "that ended by adoption (E11, E12).",
    source="DfE CLA [G: S11]",
    cohort="ceased care in the period",
    numerator="adopted",
    denominator="ceased care",
    period_type=YTD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: _ceased(c).annotate(k_num=flag(Q(rec__in=ADOPTED))),
    fields=("dec", "rec"),
    why="ceased {dec:%d/%m/%Y}: {rec}",
)

define(
    id="PM-03",
    name="Children ceasing care on a special guardianship order",
    section="Permanence",
    definition="As PM-02, ending with an SGO (REC E43-E48).",
    source="DfE CLA; 903 REC codes [G: S17]",
    cohort="ceased care in the period",
    numerator="SGO",
    denominator="ceased care",
    period_type=YTD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: _ceased(c).annotate(k_num=flag(Q(rec__in=SGO))),
    fields=("dec", "rec"),
    why="ceased {dec:%d/%m/%Y}: {rec}",
)

define(
    id="PM-04",
    name="Children adopted or made subject of an SGO",
    section="Permanence",
    definition="Children ceasing care in the period by adoption or special guardianship.",
    source="[council report]",
    cohort="ceased: adopted or SGO",
    numerator="children",
    denominator="-",
    period_type=YTD,
    polarity=HIGH_GOOD,
    unit=COUNT,
    counts=CHILDREN,
    units=lambda c: _ceased(c).filter(rec__in=ADOPTED + SGO),
    fields=("dec", "rec"),
    why="ceased {dec:%d/%m/%Y}: {rec}",
)


def _adopted(c: Context) -> QuerySet:
    """Children adopted in the period, with the milestones of the adoption that ended their care."""
    journey = AdoptionJourney.objects.filter(
        child=OuterRef("k_child"), placed_date__isnull=False, placed_date__lte=OuterRef("dec")
    ).order_by("-placed_date")
    return (
        _ceased(c)
        .filter(rec__in=ADOPTED)
        .annotate(
            entered=F("period_of_care__start_date"),
            placed=Subquery(journey.values("placed_date")[:1]),
            order_date=Subquery(journey.values("placement_order_date")[:1]),
            matched=Subquery(journey.values("matched_date")[:1]),
            decision=Subquery(journey.values("decision_date")[:1]),
            by_foster_carer=Subquery(journey.values("foster_carer_adoption")[:1]),
        )
        .filter(placed__isnull=False)
    )


define(
    id="PM-05",
    name="Adoption A1: average days from entering care to moving in",
    section="Permanence",
    definition="Mean days from the start of the period of care that ended in adoption to the date "
    "the child moved in with the adoptive family (DATE_PLACED), for children adopted in "
    "the period (local year-to-date tracking of the 3-year scorecard measure).",
    source="Adoption scorecard A1 [G: S13]",
    cohort="children adopted, placed with adopters",
    numerator="days",
    denominator="children adopted",
    period_type=YTD,
    polarity=LOW_GOOD,
    unit=DAYS,
    counts=CHILDREN,
    units=lambda c: _adopted(c).annotate(k_val=_days("placed", "entered")),
    fields=("entered", "placed"),
    why="entered care {entered:%d/%m/%Y}; moved in {placed}",
)


def _a2(c: Context) -> QuerySet:
    return (
        _adopted(c)
        .filter(order_date__isnull=False, matched__isnull=False)
        .annotate(
            k_val=Case(
                When(matched__lt=F("order_date"), then=Value(dt.timedelta(0))),
                default=ExpressionWrapper(F("matched") - F("order_date"), output_field=DurationField()),
                output_field=DurationField(),
            )
        )
    )


define(
    id="PM-06",
    name="Adoption A2: average days from placement order to match",
    section="Permanence",
    definition="Mean days from the placement order to the match (0 where the match came first), "
    "for children adopted in the period who were placed and had a placement order.",
    source="Adoption scorecard A2; LG Inform metric 912 [G: S12, S13]",
    cohort="children adopted with an order",
    numerator="days",
    denominator="children",
    period_type=YTD,
    polarity=LOW_GOOD,
    unit=DAYS,
    counts=CHILDREN,
    units=_a2,
    fields=("order_date", "matched"),
    why="placement order {order_date}; matched {matched}",
)


def _a10(c: Context) -> QuerySet:
    carer_start = (
        new_carer_episodes()
        .filter(period_of_care=OuterRef("period_of_care"), decom__lte=OuterRef("placed"))
        .order_by("-decom")
    )
    return (
        _adopted(c)
        .annotate(carer_start=Subquery(carer_start.values("decom")[:1]))
        .annotate(
            moved_in=Case(
                When(by_foster_carer=True, carer_start__isnull=False, then=F("carer_start")),
                default=F("placed"),
            )
        )
        .annotate(k_val=_days("moved_in", "entered"))
    )


define(
    id="PM-07",
    name="Adoption A10: A1 adjusted for foster-carer adoptions",
    section="Permanence",
    definition="As PM-05, but where the foster carers adopt (FOSTER_CARE = 1) the date the child "
    "moved in with those carers.",
    source="Adoption scorecard A10 [G: S13]",
    cohort="children adopted",
    numerator="days",
    denominator="children",
    period_type=YTD,
    polarity=LOW_GOOD,
    unit=DAYS,
    counts=CHILDREN,
    units=_a10,
    fields=("entered", "moved_in"),
    why="entered care {entered:%d/%m/%Y}; moved in {moved_in}",
)

A3_MONTHS = 14

define(
    id="PM-08",
    name=f"Adoption A3: children moving in within {A3_MONTHS} months",
    section="Permanence",
    definition=f"Children adopted in the period who moved in with their adoptive family less than "
    f"{A3_MONTHS} calendar months after entering care.",
    source="Adoption scorecard A3 [G: S13]",
    cohort="children adopted",
    numerator=f"under {A3_MONTHS} months",
    denominator="children adopted",
    period_type=YTD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=CHILDREN,
    units=lambda c: (
        _adopted(c)
        .annotate(
            placed_key=date_key("placed"), limit_key=add_months_key("period_of_care__start_date", A3_MONTHS)
        )
        .annotate(k_num=flag(Q(placed_key__lt=F("limit_key"))))
    ),
    fields=("entered", "placed"),
    why="entered care {entered:%d/%m/%Y}; moved in {placed}",
)

define(
    id="PM-09",
    name="(Legacy NI 61) Placed for adoption within 12 months of the decision",
    section="Permanence",
    definition="Children adopted in the period placed within 12 months of the decision that they "
    "should be placed for adoption.",
    source="NI 61 [U]",
    cohort="children adopted",
    numerator="placed within 12 months",
    denominator="children adopted",
    period_type=YTD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=CHILDREN,
    units=lambda c: (
        _adopted(c)
        .filter(decision__isnull=False)
        .annotate(placed_key=date_key("placed"), limit_key=add_months_key("decision", 12))
        .annotate(k_num=flag(Q(placed_key__lte=F("limit_key"))))
    ),
    fields=("decision", "placed"),
    why="decision {decision}; placed {placed}",
)

# ==================================================================================================
# B10. Workforce
# ==================================================================================================


def _cases(kind: str, also: Callable[[Context], Q] | None = None) -> Windowed:
    """Allocations of a kind open at the end of the date (and meeting `also` then)."""
    return Windowed(
        base=lambda c: Allocation.objects.filter(kind=kind, child__local_authority=c.la).annotate(
            k_child=F("child_id"), worker_name=F("worker__username")
        ),
        member=lambda c: _open_at("start_date", "end_date", c.end) & (also(c) if also else Q()),
        cover=lambda c: _open_between("start_date", "end_date", c),
    )


def _fte(cases: list[QuerySet], also: Q | None = None) -> list:
    """For each set of cases (one per column), the FTE of the workers holding one or more of them,
    and of any others `also` names; one query for all the columns."""
    from django.db.models import Sum

    def who(qs):
        holding = Q(pk__in=qs.values("worker_id"))
        return holding | also if also is not None else holding

    got = User.objects.aggregate(**{f"fte{i}": Sum("fte", filter=who(qs)) for i, qs in enumerate(cases)})
    return [got[f"fte{i}"] for i in range(len(cases))]


def _fte_holding(la, cases: list[QuerySet]) -> list:
    """DfE: cases / FTE of case holders."""
    return _fte(cases)


define(
    id="WF-01",
    name="Average caseload per social worker",
    section="Workforce",
    definition="Children allocated to a social worker at the date divided by the FTE of the "
    "social workers holding one or more cases (each child is one case).",
    source="DfE children's social work workforce [G: S14]",
    cohort="open social worker allocations",
    numerator="cases",
    denominator="FTE of case holders",
    period_type=SNAPSHOT,
    polarity=LOW_GOOD,
    unit=RATIO,
    counts=EVENTS,
    windowed=_cases(Allocation.Kind.SOCIAL_WORKER),
    fields=("worker_name", "start_date"),
    why="allocated to {worker_name} since {start_date:%d/%m/%Y}",
    extra={"denominator": _fte_holding},
)


def _fte_of_iros(la, cases: list[QuerySet]) -> list:
    """The FTE of all the council's IROs, whether or not they hold a looked-after child (B10 WF-02:
    "Den: FTE IROs"). The record holds current staff only, so the IROs are the active staff in the
    IRO role now, with anyone holding one of the counted cases at the date (an IRO then, though
    since left or moved on)."""
    return _fte(cases, Q(role=User.Role.IRO, is_active=True, local_authority=la))


define(
    id="WF-02",
    name="IRO caseload",
    section="Workforce",
    definition="Looked-after children allocated to an IRO at the date divided by the FTE of all "
    "the council's IROs (those holding no looked-after child included).",
    source="IRO Handbook [council report; U: 50-70 paragraph]; INDICATORS.md B10",
    cohort="looked-after children with an IRO",
    numerator="children",
    denominator="FTE of IROs",
    period_type=SNAPSHOT,
    polarity=LOW_GOOD,
    unit=RATIO,
    counts=EVENTS,
    windowed=_cases(Allocation.Kind.IRO, lambda c: Q(looked_after_at(c.end, "child_id"))),
    fields=("worker_name", "start_date"),
    why="IRO {worker_name} since {start_date:%d/%m/%Y}",
    extra={"denominator": _fte_of_iros},
)

define(
    id="WF-03A",
    name="Agency social workers (share of FTE)",
    section="Workforce",
    definition="FTE of agency social workers and team managers as a share of all their FTE; "
    "the record holds current staff only, so this is the position now.",
    source="DfE workforce [G: S14; U: denominator]",
    cohort="active social workers and managers",
    numerator="agency FTE",
    denominator="all FTE",
    period_type=SNAPSHOT,
    polarity=LOW_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    weighted=True,
    windowed=Windowed(
        base=lambda c: User.objects.filter(
            local_authority=c.la, is_active=True, role__in=(User.Role.SOCIAL_WORKER, User.Role.TEAM_MANAGER)
        ).annotate(
            k_child=Value(None, output_field=IntegerField()), k_num=flag(Q(is_agency=True)), k_val=F("fte")
        ),
        member=lambda c: Q(),  # staff now, whatever the date
    ),
    fields=("username", "fte", "is_agency"),
    why="{username}: {fte} FTE, agency {is_agency}",
)

for _id, _name, _why in [
    ("WF-03B", "Social worker turnover", "leavers are not recorded (staff records hold current staff)"),
    ("WF-03C", "Social worker vacancy rate", "establishment and vacancies are not recorded"),
    ("WF-04", "Supervision in timescale / personal development plans", "supervision is not recorded"),
]:
    define(
        id=_id,
        name=_name,
        section="Workforce",
        definition=f"Entered by hand: {_why}.",
        source="DfE workforce [G: S14]; [council report]",
        cohort="-",
        numerator="-",
        denominator="-",
        period_type=SNAPSHOT,
        polarity=LOW_GOOD if _id != "WF-04" else HIGH_GOOD,
        unit=PERCENT,
        counts=EVENTS,
        status=HAND_ENTERED,
        status_reason=_why,
    )

define(
    id="WF-05",
    name="Children on a plan or looked after with an allocated social worker",
    section="Workforce",
    definition="Children on a CP plan or looked after at the date with an allocated social worker.",
    source="[L]; Darlington [council report]",
    cohort="children on a CP plan or looked after",
    numerator="allocated",
    denominator="children",
    period_type=SNAPSHOT,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=CHILDREN,
    windowed=Windowed(
        base=children,
        member=lambda c: Q(pk__in=_plan_children(c.end)) | Q(pk__in=_looked_after_children(c.end)),
        numerator=lambda c: Q(allocated_at(c.end)),
        cover=lambda c: (
            Q(
                pk__in=ChildProtectionPlan.objects.filter(_open_between("start_date", "end_date", c)).values(
                    "referral__child_id"
                )
            )
            | _looked_after_between(c)
        ),
    ),
    fields=("la_child_id",),
    why="on a plan or looked after at {window_end}",
)

# ==================================================================================================
# B12. Private fostering
# ==================================================================================================


def _pf(c: Context) -> QuerySet:
    return PrivateFosteringArrangement.objects.filter(child__local_authority=c.la).annotate(
        k_child=F("child_id")
    )


define(
    id="PF-01",
    name="Private fostering notifications",
    section="Private fostering",
    definition="Private fostering arrangements notified in the period.",
    source="[council report]; T15",
    cohort="notifications",
    numerator="notifications",
    denominator="-",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=COUNT,
    counts=EVENTS,
    units=lambda c: _pf(c).filter(_in("notified_date", c)),
    fields=("notified_date",),
    why="notified {notified_date:%d/%m/%Y}",
)

define(
    id="PF-01B",
    name="Private fostering arrangements open",
    section="Private fostering",
    definition="Arrangements open at the date.",
    source="[council report]",
    cohort="open arrangements",
    numerator="arrangements",
    denominator="-",
    period_type=SNAPSHOT,
    polarity=NONE,
    unit=COUNT,
    counts=EVENTS,
    windowed=Windowed(
        base=_pf,
        member=lambda c: _open_at("start_date", "end_date", c.end),
        cover=lambda c: _open_between("start_date", "end_date", c),
    ),
    fields=("start_date",),
    why="arrangement since {start_date:%d/%m/%Y}",
)

define(
    id="PF-02",
    name="New private fostering arrangements visited within 7 working days",
    section="Private fostering",
    definition="Notifications in the period where the child was seen within 7 working days.",
    source="[council report; U: regs 4/7]; T15",
    cohort="notifications (due by period end)",
    numerator="visited in time",
    denominator="notifications",
    period_type=IN_PERIOD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    windowed=clocks_started("T15"),
    fields=_CLOCK_FIELDS,
    why="notified {start_date:%d/%m/%Y}; due {due_date:%d/%m/%Y}; seen {met_date}",
)

define(
    id="PF-03",
    name="Privately fostered children visited within timescale",
    section="Private fostering",
    definition="Children in an arrangement open at the date every visit interval of whom "
    "reaching into the period was in time, one overdue when the period began included "
    "(6-weekly in the first year, 12-weekly after).",
    source="Children (Private Arrangements for Fostering) Regulations 2005 reg 8 [G: S2]; F2",
    cohort="children privately fostered at the date",
    numerator="all visits in time",
    denominator="children privately fostered",
    period_type=IN_PERIOD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=CHILDREN,
    windowed=Windowed(
        base=children,
        member=lambda c: Q(
            Exists(
                PrivateFosteringArrangement.objects.filter(
                    _open_at("start_date", "end_date", c.end), child=OuterRef("pk")
                )
            )
        ),
        numerator=lambda c: ~Q(late_link("T15", c)),
        cover=lambda c: Q(
            pk__in=PrivateFosteringArrangement.objects.filter(
                _open_between("start_date", "end_date", c)
            ).values("child_id")
        ),
    ),
    fields=("la_child_id",),
    why="privately fostered at {window_end}",
)


# Measures whose window acts only through one date of the counted row (`_in(date_field, ctx)`): the
# scorecard evaluates all their columns in one query, each column a filtered aggregate.
_WINDOW_DATES = {
    "received_at": ("FD-01", "FD-02"),
    "referral_date": ("FD-03", "FD-04", "FD-05", "FD-06A", "FD-06B", "FD-07", "FD-09"),
    "assessment_completed_date": ("FD-08A", "FD-08B"),
    "authorisation_date": ("AS-01", "AS-02", "AS-03A", "AS-03B", "AS-04"),
    "start_date": ("CP-01", "CP-01R", "CP-02", "CP-08", "CP-09", "CP-15"),
    "held_on": ("CP-03", "CP-03T", "CP-04", "CP-05"),
    "end_date": ("CP-10", "MS-03B"),
    "due_date": ("CP-12", "LAC-03", "HL-04"),
    "review_date": ("LAC-04",),
    "contact_date": ("CL-02", "CL-03"),
    "dec": ("PM-01", "PM-02", "PM-03", "PM-04", "PM-05", "PM-06", "PM-07", "PM-08", "PM-09"),
    "notified_date": ("PF-01",),
}
for _field, _ids in _WINDOW_DATES.items():
    for _id in _ids:
        CATALOGUE[_id] = replace(CATALOGUE[_id], date_field=_field)
