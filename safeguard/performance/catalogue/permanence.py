"""INDICATORS.md B9. Permanence and adoption."""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Case,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from safeguard.looked_after.models import AdoptionJourney, Episode
from safeguard.timescales.derive import SHORT_BREAKS

from ..expressions import add_months_key, date_key
from ..periods import YTD
from .base import (
    ADOPTED,
    CHILDREN,
    COUNT,
    DAYS,
    EVENTS,
    HIGH_GOOD,
    LOW_GOOD,
    PERCENT,
    SGO,
    Context,
    _days,
    _in,
    define,
    flag,
    new_carer_episodes,
    of_council,
)


def _ceased(c: Context) -> QuerySet:
    return (
        of_council(Episode.objects, "period_of_care__child__local_authority", c)
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
