"""INDICATORS.md B7. Missing children."""

from __future__ import annotations

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.lookups import GreaterThanOrEqual

from safeguard.looked_after.models import MissingEpisode

from ..periods import IN_PERIOD, YTD
from .base import (
    _CLOCK_FIELDS,
    CHILDREN,
    COUNT,
    EVENTS,
    HIGH_GOOD,
    LOW_GOOD,
    PERCENT,
    Context,
    Windowed,
    _in,
    children,
    clocks_started,
    define,
    flag,
    looked_after_during,
    of_council,
)


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
        of_council(MissingEpisode.objects.filter(kind="M"), "child__local_authority", c)
        .filter(_in("end_date", c))
        .annotate(k_child=F("child_id"), k_num=flag(Q(return_interview_accepted=True)))
    ),
    fields=("start_date", "end_date", "return_interview_accepted"),
    why="missing {start_date:%d/%m/%Y}-{end_date:%d/%m/%Y}; accepted {return_interview_accepted}",
)
