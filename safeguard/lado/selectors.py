"""Every read of allegations goes through here: it checks the reader's role and audits the read.

Anyone else gets nothing: an empty list, or "not found" for a guessed id, never a hint that the
allegation exists (KCSIE Part 4: allegations are confidential).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from safeguard.audit.services import audit_record
from safeguard.core.errors import today
from safeguard.timescales.models import Clock

from .access import can_see_allegations
from .clocks import CODES, SUBJECT_TYPE
from .models import Allegation


def allegations_visible_to(user) -> QuerySet[Allegation]:
    """The allegations this user may see: their council's, and none unless their role allows."""
    if not can_see_allegations(user):
        return Allegation.objects.none()
    qs = Allegation.objects.all()
    if user.local_authority_id:
        qs = qs.filter(local_authority_id=user.local_authority_id)
    return qs


def _refused(user, action: str, object_id: str = "", detail: dict | None = None) -> None:
    audit_record(actor=user, action=action, object_type=SUBJECT_TYPE, object_id=object_id,
                 reason="refused: role may not see allegations", detail=detail or {})


def allegation_list(user, *, open_only: bool = False) -> list[Allegation]:
    """The LADO's caseload list (audited as one view of the list)."""
    if not can_see_allegations(user):
        _refused(user, "view", detail={"list": True})
        return []
    qs = allegations_visible_to(user)
    if open_only:
        qs = qs.filter(closure_date__isnull=True)
    rows = list(qs)
    audit_record(actor=user, action="view", object_type=SUBJECT_TYPE,
                 detail={"list": True, "count": len(rows)})
    return rows


def allegation_get(user, allegation_id: int) -> Allegation:
    """One allegation with its meetings and reviews. Raises Allegation.DoesNotExist both when it
    does not exist and when the user may not see it."""
    allegation = (allegations_visible_to(user).prefetch_related("strategy_meetings", "reviews")
                  .filter(pk=allegation_id).first())
    if allegation is None:
        if not can_see_allegations(user):
            _refused(user, "view", str(allegation_id))
        raise Allegation.DoesNotExist(f"no allegation {allegation_id}")
    audit_record(actor=user, action="view", obj=allegation)
    return allegation


def allegations_for_export(user, *, purpose: str, first: dt.date | None = None,
                           last: dt.date | None = None) -> list[Allegation]:
    """Allegations for a report or export, audited as one export. Empty for anyone else."""
    if not can_see_allegations(user):
        _refused(user, "export", detail={"purpose": purpose})
        return []
    qs = allegations_visible_to(user).prefetch_related("strategy_meetings", "reviews")
    rows = list(qs.order_by("referral_date", "reference"))
    audit_record(actor=user, action="export", object_type=SUBJECT_TYPE,
                 detail={"purpose": purpose, "count": len(rows),
                         "first": first.isoformat() if first else "",
                         "last": last.isoformat() if last else ""})
    return rows


def lado_worklist(user, as_at: dt.date | None = None, *, horizon_days: int = 14) -> list[Clock]:
    """Open T16 clocks overdue or due within `horizon_days`, most overdue first (LADO's worklist)."""
    if not can_see_allegations(user):
        _refused(user, "view", detail={"worklist": True})
        return []
    as_at = as_at or today()
    ids = allegations_visible_to(user).values_list("pk", flat=True)
    clocks = list(
        Clock.objects.filter(
            code__in=CODES, subject_type=SUBJECT_TYPE, subject_id__in=ids,
            met_date__isnull=True, stopped_date__isnull=True,
            due_date__lte=as_at + dt.timedelta(days=horizon_days),
        ).order_by("due_date", "code", "subject_id")
    )
    audit_record(actor=user, action="view", object_type=SUBJECT_TYPE,
                 detail={"worklist": True, "count": len(clocks), "as_at": as_at.isoformat()})
    return clocks
