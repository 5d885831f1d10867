"""Default weekly placement costs, used for any category the council has not set.

These are indicative national figures, rounded, so that a forecast has a cost before the council's
finance team sets its own with `safeguard forecast costs set` (which it should: unit costs vary
two-fold between councils). Orders of magnitude from the Competition and Markets Authority's
children's social care market study (final report, March 2022: about £4,000 a week in a children's
home and £820 through an independent fostering agency in 2020-21), uprated roughly for prices since;
in-house and kinship fostering from typical fostering allowances plus support costs; supported
accommodation from typical 16-17 supported accommodation charges. They are not an official series.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np

from .model import CATEGORIES, N_CATS

DEFAULT_WEEKLY_COSTS: dict[str, Decimal] = {
    "in_house_fostering": Decimal("550"),
    "independent_fostering": Decimal("1000"),
    "residential": Decimal("5500"),
    "supported_accommodation": Decimal("1500"),
    "kinship": Decimal("350"),
    "other": Decimal("500"),
}
DEFAULT_SOURCE = "indicative national default (safeguard/forecast/costs.py); not set by the council"


def default_rows() -> list[dict]:
    """The defaults as cost rows (for a forecast run without the record, on 903 files alone)."""
    return [
        {
            "category": c,
            "weekly_cost": DEFAULT_WEEKLY_COSTS[c],
            "effective_from": None,
            "source": DEFAULT_SOURCE,
        }
        for c in CATEGORIES
    ]


def schedule(first: dt.date, days: int, rows: list[dict]) -> np.ndarray:
    """(days + 1, 6) weekly cost of each category on each day from `first`. Before a category's first
    council row its earliest cost applies (the council's figure is the better guess for the past)."""
    out = np.zeros((days + 1, N_CATS))
    day_numbers = np.arange(days + 1)
    for k, cat in enumerate(CATEGORIES):
        own = sorted(
            (r for r in rows if r["category"] == cat), key=lambda r: r["effective_from"] or dt.date.min
        )
        if not own:
            out[:, k] = float(DEFAULT_WEEKLY_COSTS[cat])
            continue
        out[:, k] = float(own[0]["weekly_cost"])
        for r in own[1:]:
            out[day_numbers >= (r["effective_from"] - first).days, k] = float(r["weekly_cost"])
    return out
