"""Writing audit rows. Called by the service that makes the change, inside its transaction."""

from __future__ import annotations

from django.db import models

from .context import request_id
from .models import AuditEvent


def _child_id_of(obj) -> int | None:
    """Find the child a record belongs to by following the usual links."""
    if obj is None:
        return None
    if obj._meta.label == "people.Child":
        return obj.pk
    for path in ("child_id", "referral.child_id", "period_of_care.child_id",
                 "cp_plan.referral.child_id", "assessment.referral.child_id"):
        value = obj
        try:
            for part in path.split("."):
                value = getattr(value, part)
        except AttributeError:
            continue
        if value is not None:
            return value
    return None


def audit_record(
    *, actor, action: str, obj: models.Model | None = None, object_type: str = "",
    object_id: str = "", child_id: int | None = None, reason: str = "", detail: dict | None = None,
) -> AuditEvent:
    """Append one audit row. `actor` may be None only for system jobs (imports, recalculation)."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=object_type or (obj._meta.label if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None else ""),
        child_id=child_id if child_id is not None else _child_id_of(obj),
        reason=reason[:500],
        request_id=request_id.get(),
        detail=detail or {},
    )


def audit_children(
    *, actor, action: str, child_ids, object_type: str, object_id: str = "", reason: str = "",
    detail: dict | None = None,
) -> int:
    """One audit row per child named in a list (a drill-down, an export), so each child's "who has
    viewed" shows it; written in one statement whatever the list's length."""
    rows = [
        AuditEvent(
            actor=actor if getattr(actor, "pk", None) else None, action=action, object_type=object_type,
            object_id=object_id, child_id=child_id, reason=reason[:500], request_id=request_id.get(),
            detail=detail or {},
        )
        for child_id in sorted(child_ids)
    ]
    AuditEvent.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
