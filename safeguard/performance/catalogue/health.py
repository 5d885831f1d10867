"""INDICATORS.md B6. Health of looked-after children."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q, QuerySet

from safeguard.looked_after.models import AnnualHealthOutcomes

from ..periods import ANNUAL_ONLY, IN_PERIOD, YTD
from .base import (
    _CLOCK_FIELDS,
    _CLOCK_WHY,
    CHILDREN,
    EVENTS,
    HIGH_GOOD,
    MEAN,
    NONE,
    PERCENT,
    Context,
    Windowed,
    clocks_due,
    clocks_started,
    define,
    flag,
    of_council,
)

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
        qs = of_council(AnnualHealthOutcomes.objects, "child__local_authority", c).annotate(
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
