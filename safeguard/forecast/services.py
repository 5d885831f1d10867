"""Writes for the forecast: the council's weekly placement costs (not part of any child's record,
so not a `record.change.Change`), each audited in the record's one shape (`audit_detail`)."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction

from safeguard.audit.services import audit_detail, audit_record
from safeguard.core.errors import RecordInvalid, Violation

from .access import require_set_costs
from .model import CATEGORIES
from .models import PlacementCost

MAX_WEEKLY_COST = Decimal("100000")  # above any placement's weekly price: a typing error


@transaction.atomic
def set_placement_cost(
    *, by, category: str, weekly_cost, effective_from: dt.date, source: str = ""
) -> PlacementCost:
    """Record the weekly cost of a placement category from a date (replacing one set for that date)."""
    require_set_costs(by)
    problems = []
    if category not in CATEGORIES:
        problems.append(
            Violation(
                "category",
                "FC-COST-1",
                f"{category!r} is not a cost category: one of {', '.join(CATEGORIES)}",
            )
        )
    try:
        cost = Decimal(str(weekly_cost)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        cost = None
    if cost is None or not cost.is_finite():
        problems.append(Violation("weekly_cost", "FC-COST-2", f"{weekly_cost!r} is not an amount in pounds"))
    elif not Decimal(0) <= cost <= MAX_WEEKLY_COST:
        problems.append(
            Violation("weekly_cost", "FC-COST-2", f"£{cost} a week is outside £0 to £{MAX_WEEKLY_COST}")
        )
    if not isinstance(effective_from, dt.date):
        problems.append(Violation("effective_from", "FC-COST-3", "the date the cost applies from is needed"))
    if problems:
        raise RecordInvalid(problems)
    row = PlacementCost.objects.select_for_update().filter(
        category=category, effective_from=effective_from
    ).first()
    before = copy.copy(row)
    if row is None:
        row = PlacementCost(category=category, effective_from=effective_from)
    row.weekly_cost = cost
    row.source = source[:200]
    row.recorded_by = by
    row.save()
    audit_record(
        actor=by,
        action="create" if before is None else "update",
        obj=row,
        detail=audit_detail("set_placement_cost", before, row),
    )
    return row
