"""INDICATORS.md B8. Care leavers."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import In

from safeguard.looked_after.models import CareLeaverContact, CareLeaverStatus, care_leaver_status_versions

from ..expressions import add_months_key, date_key
from ..periods import SNAPSHOT, YTD
from .base import (
    CHILDREN,
    COUNT,
    HIGH_GOOD,
    LOW_GOOD,
    NEET,
    NONE,
    PERCENT,
    Context,
    Windowed,
    _in,
    children,
    define,
    flag,
    of_council,
)

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
        of_council(CareLeaverContact.objects, "child__local_authority", c)
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
