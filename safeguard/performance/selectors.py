"""Reads that return child-level lists (drill-down, exports): they take the user, refuse those
whose role does not include performance analysis, and write an audit row either way. A figure
counts every child, but names only those the access policy opens to the user; each child named
gets an audit row of its own."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from safeguard.access import policy
from safeguard.audit.services import audit_children, audit_record
from safeguard.people.models import Child

from . import catalogue as cat
from .compute import rows
from .periods import Period


def can_drill(user) -> bool:
    """The access policy's rule; `None` is the operator at the command line (a system job with
    database access)."""
    return user is None or policy.can_drill(user)


def indicator_children(
    user, *, local_authority, indicator_id: str, period: Period, purpose: str = "view"
) -> list[dict]:
    """The units behind a figure, each with the child's LA child ID and name and why it counts.
    Never suppressed: small numbers are hidden only in public outputs (§0.3 rule 5)."""
    ind = cat.get(indicator_id)
    allowed = can_drill(user)
    if user is not None and allowed and user.local_authority_id not in (None, local_authority.pk):
        allowed = False
    action = "export" if purpose == "export" else "view"
    if not allowed:
        audit_record(
            actor=user,
            action=action,
            object_type="performance.Indicator",
            object_id=ind.id,
            reason=f"refused: drill-down {ind.id} {period.label}",
            detail={"refused": True, "local_authority": local_authority.code},
        )
        raise PermissionDenied(
            f"{getattr(user, 'username', user)} may not see the children behind "
            "performance figures (analysts, managers, IROs and administrators may)"
        )
    out = rows(ind, local_authority, period)
    ids = {r["k_child"] for r in out if r.get("k_child")}
    # The operator at the command line (no --user) is a system job; anyone else sees the names of
    # the children the policy opens to them, and a count of the rest.
    open_to_user = Child.objects.all() if user is None else policy.children_visible_to(user)
    names = {
        c["pk"]: c
        for c in open_to_user.filter(pk__in=ids).values("pk", "la_child_id", "first_name", "last_name")
    }
    for r in out:
        c = names.get(r.get("k_child"))
        r["named"] = c is not None
        r["la_child_id"] = c["la_child_id"] if c else ""
        r["child_name"] = f"{c['first_name']} {c['last_name']}".strip() if c else ""
    reason = f"drill-down {ind.id} {period.label} ({purpose})"
    audit_children(
        actor=user, action=action, child_ids=names, object_type="performance.Indicator",
        object_id=ind.id, reason=reason, detail={"local_authority": local_authority.code},
    )
    audit_record(
        actor=user,
        action=action,
        object_type="performance.Indicator",
        object_id=ind.id,
        reason=reason,
        detail={
            "local_authority": local_authority.code,
            "period_start": period.start.isoformat(),
            "period_end": period.end.isoformat(),
            "rows": len(out),
            "children": len(ids),
            "named": len(names),
        },
    )
    return out
