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

The definitions live in one module per section (`front_door`, `assessment`, ... `private_fostering`),
built from the shared pieces in `base`; this package is the public surface and imports the
sections in INDICATORS.md order, which is the order of CATALOGUE (and of the scorecard's rows).
"""

from __future__ import annotations

from dataclasses import replace
from importlib import import_module

from ..periods import ANNUAL_ONLY, IN_PERIOD, ROLLING_12M, SNAPSHOT, YTD, Period
from .base import (
    ADOPTED,
    CATALOGUE,
    CHILDREN,
    CIN_LONG_EPISODE_MONTHS,
    COUNT,
    CP_LONG_PLAN_MONTHS,
    DAYS,
    EVENTS,
    FOSTER,
    HAND_ENTERED,
    HELD,
    HIGH_GOOD,
    KINSHIP,
    LOW_GOOD,
    MEAN,
    NEET,
    NEW_CARER,
    NONE,
    NOT_HELD,
    PARTICIPATED,
    PERCENT,
    PLACED_FOR_ADOPTION,
    RANGE,
    RATE,
    RATIO,
    SGO,
    Context,
    Indicator,
    Windowed,
    allocated_at,
    children,
    clocks_due,
    clocks_started,
    define,
    flag,
    get,
    in_need_at,
    late_link,
    looked_after_at,
    looked_after_during,
    new_carer_episodes,
    on_cp_plan_at,
    placements_between,
    population_rate,
    referrals,
)

# The sections in INDICATORS.md order: each registers its measures in CATALOGUE as it is imported,
# so this order is the catalogue's.
SECTIONS = tuple(
    import_module(f"{__name__}.{name}")
    for name in ("front_door", "assessment", "child_protection", "children_in_need", "looked_after", "health",
                 "missing", "care_leavers", "permanence", "workforce", "private_fostering")
)

# Names other modules use from the sections, taken once the sections are loaded in order.
from .assessment import duration_band  # noqa: E402
from .care_leavers import SUPPORTED_CARE_LEAVERS, care_leaver_status_at  # noqa: E402
from .front_door import S_LOCAL  # noqa: E402
from .permanence import A3_MONTHS  # noqa: E402

__all__ = [
    "SECTIONS",
    "HIGH_GOOD",
    "LOW_GOOD",
    "RANGE",
    "NONE",
    "COUNT",
    "PERCENT",
    "RATE",
    "DAYS",
    "RATIO",
    "MEAN",
    "EVENTS",
    "CHILDREN",
    "HELD",
    "NOT_HELD",
    "HAND_ENTERED",
    "ADOPTED",
    "SGO",
    "NEET",
    "FOSTER",
    "KINSHIP",
    "PLACED_FOR_ADOPTION",
    "NEW_CARER",
    "PARTICIPATED",
    "CP_LONG_PLAN_MONTHS",
    "CIN_LONG_EPISODE_MONTHS",
    "Context",
    "Windowed",
    "Indicator",
    "CATALOGUE",
    "define",
    "get",
    "flag",
    "referrals",
    "children",
    "looked_after_at",
    "looked_after_during",
    "on_cp_plan_at",
    "in_need_at",
    "allocated_at",
    "population_rate",
    "clocks_due",
    "clocks_started",
    "late_link",
    "new_carer_episodes",
    "placements_between",
    "ANNUAL_ONLY",
    "IN_PERIOD",
    "ROLLING_12M",
    "SNAPSHOT",
    "YTD",
    "Period",
    "S_LOCAL",
    "duration_band",
    "SUPPORTED_CARE_LEAVERS",
    "care_leaver_status_at",
    "A3_MONTHS",
    ]


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
