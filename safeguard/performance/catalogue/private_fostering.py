"""INDICATORS.md B12. Private fostering."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from safeguard.front_door.models import PrivateFosteringArrangement

from ..periods import IN_PERIOD, SNAPSHOT
from .base import (
    _CLOCK_FIELDS,
    CHILDREN,
    COUNT,
    EVENTS,
    HIGH_GOOD,
    NONE,
    PERCENT,
    Context,
    Windowed,
    _in,
    _open_at,
    _open_between,
    children,
    clocks_started,
    define,
    late_link,
    of_council,
)


def _pf(c: Context) -> QuerySet:
    return of_council(PrivateFosteringArrangement.objects, "child__local_authority", c).annotate(
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
