"""The shared pieces of the indicator catalogue: codes and thresholds, the definition types
(`Context`, `Windowed`, `Indicator`), the registry (`CATALOGUE`, `define`, `get`) and the helpers
the sections build their definitions from (cohorts, clocks, placements)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

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

from safeguard.child_protection.models import ChildProtectionPlan
from safeguard.front_door.models import Referral
from safeguard.looked_after.models import Episode
from safeguard.people.models import Child
from safeguard.timescales.derive import SHORT_BREAKS, TEMPORARY_PLACEMENTS
from safeguard.timescales.models import Clock
from safeguard.workforce.models import Allocation

from ..expressions import working_day_index
from ..periods import Period

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
    """What a definition needs: the council and the window of dates the measure counts. A council
    of None is every council at once, each row carrying its council's key as `k_la`
    (`of_council`), so that one query can give every council's figure (`compute.evaluate_councils`)."""

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


def of_council(qs, path: str, c: Context) -> QuerySet:
    """The rows of the context's council, whose key `path` leads to; for every council (`c.la` None)
    all rows, each with its council's key as `k_la`. Every measure's rows start here."""
    if c.la is None:
        return qs.annotate(k_la=F(path))
    return qs.filter(**{path: c.la})


def referrals(ctx: Context) -> QuerySet:
    return of_council(Referral.objects, "child__local_authority", ctx).annotate(k_child=F("child_id"))


def children(ctx: Context) -> QuerySet:
    return of_council(Child.objects, "local_authority", ctx).annotate(k_child=F("pk"))


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


def _looked_after_between(c: Context) -> Q:
    """Children looked after at some date from c.start to c.end (a cover for `looked_after_at`)."""
    return Q(
        pk__in=Episode.objects.filter(_open_between("decom", "dec", c))
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
        of_council(
            Clock.objects.filter(code=code, due_date__gte=ctx.start, due_date__lte=ctx.end),
            "child__local_authority",
            ctx,
        )
        .exclude(stopped_date__lte=F("due_date"))
        .annotate(k_child=F("child_id"), k_num=flag(Q(met_date__lte=F("due_date"))))
    )


def clocks_started(code: str, first_only: bool = True) -> Windowed:
    """Single-clock timeliness (HL-01, HL-02, PF-02, MS-03): clocks started in the window and due
    by its end; those stopped before the due date (child left care before day 20, say) are left
    out, as are those not yet due (HL-02 pitfall: 'had not been in care for 20 days')."""

    def base(c: Context) -> QuerySet:
        qs = of_council(Clock.objects.filter(code=code), "child__local_authority", c)
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


# A clock row in the drill-down (reviews and visits in several sections): its fields and reason.
_CLOCK_FIELDS = ("start_date", "due_date", "met_date", "stopped_date")
_CLOCK_WHY = "due {due_date:%d/%m/%Y}; held {met_date}"


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
