"""INDICATORS.md B2. Assessment."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, ExpressionWrapper, F, IntegerField, Q, QuerySet, Value, When

from safeguard.assessment.models import Assessment

from ..expressions import working_day_index, working_day_index_of
from ..periods import IN_PERIOD, SNAPSHOT, YTD
from .base import (
    COUNT,
    EVENTS,
    HIGH_GOOD,
    LOW_GOOD,
    NONE,
    PERCENT,
    Context,
    Windowed,
    _in,
    _wd,
    define,
    flag,
    of_council,
)


def _assessments_completed(c: Context, kind: str = Assessment.Kind.SINGLE) -> QuerySet:
    return (
        of_council(Assessment.objects.filter(kind=kind), "referral__child__local_authority", c)
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
    base=lambda c: of_council(
        Assessment.objects.filter(kind=Assessment.Kind.SINGLE), "referral__child__local_authority", c
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
