"""Every read of allegations goes through here: it checks the reader's role and audits the read.

Anyone else gets nothing: an empty list, or "not found" for a guessed id, never a hint that the
allegation exists (KCSIE Part 4: allegations are confidential).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, QuerySet

from safeguard.access import policy
from safeguard.audit.services import audit_record
from safeguard.core.errors import today
from safeguard.core.paging import Page, within
from safeguard.timescales.models import Clock
from safeguard.timescales.selectors import desk_list

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


def _exported(user, qs, *, detail: dict) -> list[Allegation]:
    """The allegations of `qs` in report order, audited as one export with `detail`."""
    rows = list(qs.prefetch_related("strategy_meetings", "reviews").order_by("referral_date", "reference"))
    audit_record(actor=user, action="export", object_type=SUBJECT_TYPE, detail={**detail, "count": len(rows)})
    return rows


def allegations_for_export(user, *, purpose: str, first: dt.date | None = None,
                           last: dt.date | None = None) -> list[Allegation]:
    """Allegations for a report or export, audited as one export. Empty for anyone else."""
    if not can_see_allegations(user):
        _refused(user, "export", detail={"purpose": purpose})
        return []
    return _exported(user, allegations_visible_to(user),
                     detail={"purpose": purpose, "first": first.isoformat() if first else "",
                             "last": last.isoformat() if last else ""})


def allegations_for_figures(user, *, purpose: str) -> list[Allegation]:
    """The council's allegations to be counted for its committee papers (the LADO annual report's
    figures in the committee pack). Counts leave the LADO's desk, never an allegation: so those who
    read the council's figures (heads of service, analysts, councillors) may have them as the LADO
    does, while the allegations themselves stay the LADO's (KCSIE Part 4). Audited as an export."""
    if can_see_allegations(user):
        return allegations_for_export(user, purpose=purpose)
    if not policy.can_see_aggregates(user) or not user.local_authority_id:
        _refused(user, "export", detail={"purpose": purpose})
        return []
    return _exported(user, Allegation.objects.filter(local_authority_id=user.local_authority_id),
                     detail={"purpose": purpose, "figures_only": True})


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


#: Allegations shown on a page of the LADO's list (pages with a total, never a silent cut).
PAGE_SIZE = 25
@dataclass(frozen=True, kw_only=True)
class AllegationPage(Page):
    """One page of the LADO's list, with how many are open and overdue in all. Each allegation
    carries `next_due` and `next_code`: its earliest open T16 clock (None when nothing is running,
    e.g. once concluded)."""

    open_count: int
    overdue_count: int


def allegation_page(user, *, status: str = "open", due: str = "", page: int = 1,
                    as_at: dt.date | None = None, per_page: int = PAGE_SIZE) -> AllegationPage:
    """The LADO's list, filtered by status and by when the next clock falls due ("overdue", or
    due within "7" or "28" days, overdue included), soonest due first. Three queries whatever the
    number of allegations (the figures, the filtered total, the page), and one audit row for the
    read: the LADO's caseload is confidential (KCSIE Part 4), so who listed it is recorded."""
    if not can_see_allegations(user):
        _refused(user, "view", detail={"list": True})
        return AllegationPage(rows=[], total=0, per_page=per_page, open_count=0, overdue_count=0)
    as_at = as_at or today()
    desk = desk_list(allegations_visible_to(user), subject_type=SUBJECT_TYPE, codes=CODES,
                     closed_field="closure_date", status=status, due=due, as_at=as_at)
    qs, status, due = desk.rows, desk.status, desk.due
    total = qs.count()
    page = within(page, total, per_page)
    rows = list(qs.order_by(F("next_due").asc(nulls_last=True), "-referral_date", "reference")
                [(page - 1) * per_page:page * per_page])
    audit_record(actor=user, action="view", object_type=SUBJECT_TYPE, detail={
        "list": True, "count": total, "page": page, "status": status, "due": due,
        "shown": [a.pk for a in rows]})
    return AllegationPage(rows=rows, total=total, page=page, per_page=per_page,
                          open_count=desk.open_count, overdue_count=desk.overdue_count)


def allegation_clocks(user, allegation: Allegation) -> list[Clock]:
    """Every T16 clock of one allegation (met, stopped or running), in the order they started.
    The caller has opened the allegation with `allegation_get`, which audited the view."""
    if not can_see_allegations(user) or (
            user.local_authority_id and allegation.local_authority_id != user.local_authority_id):
        return []
    return list(Clock.objects.filter(subject_type=SUBJECT_TYPE, subject_id=allegation.pk, code__in=CODES)
                .order_by("start_date", "code", "sequence"))
