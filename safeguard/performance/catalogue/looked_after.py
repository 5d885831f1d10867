"""INDICATORS.md B5. Children looked after."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

from dateutil.relativedelta import relativedelta
from django.db.models import Case, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.lookups import GreaterThanOrEqual

from safeguard.looked_after.models import Episode, LookedAfterReview
from safeguard.timescales.derive import SHORT_BREAKS

from ..periods import ANNUAL_ONLY, IN_PERIOD, SNAPSHOT
from .base import (
    _CLOCK_FIELDS,
    _CLOCK_WHY,
    CHILDREN,
    COUNT,
    EVENTS,
    FOSTER,
    HIGH_GOOD,
    KINSHIP,
    LOW_GOOD,
    NONE,
    NOT_HELD,
    PARTICIPATED,
    PERCENT,
    PLACED_FOR_ADOPTION,
    RATE,
    Context,
    Windowed,
    _in,
    _looked_after_between,
    _open_at,
    _open_between,
    children,
    clocks_due,
    define,
    flag,
    late_link,
    looked_after_at,
    new_carer_episodes,
    of_council,
    placements_between,
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
        of_council(LookedAfterReview.objects, "period_of_care__child__local_authority", c)
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
        of_council(Episode.objects, "period_of_care__child__local_authority", c)
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
