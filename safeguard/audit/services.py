"""Writing audit rows. Called by the service that makes the change, inside its transaction."""

from __future__ import annotations

import datetime as dt

from django.db import models

from .context import request_id
from .models import AuditEvent

_NOT_AUDITED = {"id", "version", "created_at", "updated_at", "recorded_by"}


def audit_detail(event: str, before, after) -> dict:
    """The one shape of a change's audit detail, whatever the record:
    {"event": <what was done, e.g. referral_close>, "changes": {field: [before, after]}}, for a
    record created (before None), edited, or removed (after None); only fields that differ are
    listed. Narrative text is not copied into the append-only audit: the record's history keeps it
    (nor are the one-line fields a model names in `AUDIT_AS_NARRATIVE`, e.g. who was present at a visit)."""
    model = type(after if after is not None else before)
    changes = {}
    for f in model._meta.concrete_fields:
        if f.name in _NOT_AUDITED:
            continue
        old, new = _audited(f, before), _audited(f, after)
        if old != new:
            changes[f.name] = [old, new]
    return {"event": event, "changes": changes}


def _audited(field: models.Field, record):
    """A field's value as JSON: dates as ISO strings, links as the linked key, narrative as its length."""
    if record is None:
        return None
    value = getattr(record, field.attname)
    if value in (None, ""):
        return None
    if isinstance(field, models.TextField) or field.name in getattr(type(record), "AUDIT_AS_NARRATIVE", ()):
        return f"[narrative, {len(value)} characters]"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)  # Decimal and the rest


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


def audit_values(
    *, actor, action: str, obj: models.Model | None = None, object_type: str = "",
    object_id: str = "", child_id: int | None = None, reason: str = "", detail: dict | None = None,
) -> dict:
    """The one audit row's values, for `audit_record` to write now or a batch to write later."""
    return {
        "actor_id": getattr(actor, "pk", None),
        "action": action,
        "object_type": object_type or (obj._meta.label if obj is not None else ""),
        "object_id": object_id or (str(obj.pk) if obj is not None else ""),
        "child_id": child_id if child_id is not None else _child_id_of(obj),
        "reason": reason[:500],
        "request_id": request_id.get(),
        "detail": detail or {},
    }


def audit_record(**kwargs) -> AuditEvent:
    """Append one audit row. `actor` may be None only for system jobs (imports, recalculation)."""
    return AuditEvent.objects.create(**audit_values(**kwargs))


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
