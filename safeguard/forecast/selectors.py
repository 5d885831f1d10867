"""Reads for the forecast: every episode of care (child-level, so checked and audited) and the
council's weekly placement costs."""

from __future__ import annotations

import datetime as dt

import numpy as np

from safeguard.audit.services import audit_record
from safeguard.looked_after.models import Episode
from safeguard.workforce.selectors import council_for

from . import model
from .access import require_forecast
from .costs import DEFAULT_SOURCE, DEFAULT_WEEKLY_COSTS, schedule
from .models import PlacementCost


def episodes_for_forecast(user, *, purpose: str) -> model.Episodes:
    """Every 903 episode of the user's council as model arrays. `user` None only for a system job run from
    the command line without --user (as the returns exports allow); audited as one export."""
    if user is not None:
        require_forecast(user)
    la = council_for(user)
    rows = list(
        Episode.objects.filter(period_of_care__child__local_authority=la,
                               period_of_care__child__date_of_birth__isnull=False).values_list(
            "period_of_care__child_id",
            "period_of_care__child__date_of_birth",
            "decom",
            "dec",
            "placement",
            "placement_provider",
        )
    )
    audit_record(
        actor=user,
        action="export",
        object_type="looked_after.Episode",
        detail={"purpose": purpose, "count": len(rows)},
    )
    if not rows:
        return model.prepare([], [], [], [], [])
    child, dob, decom, dec, place, provider = zip(*rows, strict=True)
    epoch = model.EPOCH
    return model.prepare(
        np.array(child, dtype=np.int64),
        np.array([(d - epoch).days for d in dob], dtype=np.int64),
        np.array([(d - epoch).days for d in decom], dtype=np.int64),
        np.array([(d - epoch).days if d else -1 for d in dec], dtype=np.int64),
        model.categorise(place, provider),
    )


def placement_costs() -> list[dict]:
    """The cost rows in force over time, each category's council rows or else its default."""
    rows = list(PlacementCost.objects.order_by("category", "effective_from"))
    out = []
    for cat in model.CATEGORIES:
        own = [r for r in rows if r.category == cat]
        if not own:
            out.append(
                {
                    "category": cat,
                    "weekly_cost": DEFAULT_WEEKLY_COSTS[cat],
                    "effective_from": None,
                    "source": DEFAULT_SOURCE,
                }
            )
        for r in own:
            out.append(
                {
                    "category": cat,
                    "weekly_cost": r.weekly_cost,
                    "effective_from": r.effective_from,
                    "source": r.source,
                }
            )
    return out


def weekly_cost_schedule(first: dt.date, days: int, rows: list[dict] | None = None) -> np.ndarray:
    """(days + 1, 6) weekly cost of each category on each day from `first` (see costs.schedule)."""
    return schedule(first, days, placement_costs() if rows is None else rows)
