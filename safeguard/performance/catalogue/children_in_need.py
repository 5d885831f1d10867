"""INDICATORS.md B4. Children in need."""

from __future__ import annotations

from dataclasses import replace

from dateutil.relativedelta import relativedelta
from django.db.models import Q

from safeguard.front_door.models import Referral

from ..periods import SNAPSHOT
from .base import (
    CHILDREN,
    CIN_LONG_EPISODE_MONTHS,
    COUNT,
    EVENTS,
    HIGH_GOOD,
    LOW_GOOD,
    NONE,
    PERCENT,
    RATE,
    Windowed,
    _open_at,
    _open_between,
    allocated_at,
    children,
    define,
    in_need_at,
    referrals,
)

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
