"""Missing episodes and return interviews, deprivation of liberty orders, previous permanence and
care leavers' contacts and status. Load the history, run the pure checks, save, refresh clocks,
audit; a refusal changes nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from safeguard.audit.services import audit_record
from safeguard.core.errors import Checks
from safeguard.record.history import ChildHistory, edited
from safeguard.timescales.services import refresh_clocks

from . import checks as c
from .models import (
    CareLeaverContact,
    CareLeaverStatus,
    DeprivationOfLiberty,
    MissingEpisode,
    PreviousPermanenceRecord,
)


def _save(history: ChildHistory, obj, *, by, action: str, detail: dict | None = None):
    """Save a checked record, hold it in the history, refresh the clocks and audit."""
    obj.save()
    history.replace(obj)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action=action, obj=obj, detail=detail)
    return obj


@transaction.atomic
def missing_episode_start(*, by, child_id: int, kind: str, start_date: dt.date,
                          end_date: dt.date | None = None,
                          returned_at: dt.datetime | None = None) -> MissingEpisode:
    """A looked-after child goes missing (M) or away without authorisation (A)."""
    history = ChildHistory.load(child_id)
    episode = MissingEpisode(child=history.child, kind=kind, start_date=start_date,
                             end_date=end_date, returned_at=returned_at, recorded_by=by)
    checks = Checks()
    c.check_missing_episode_start(history, episode, checks)
    checks.raise_if_any()
    return _save(history, episode, by=by, action="create")


@transaction.atomic
def missing_episode_end(*, by, missing_id: int, expected_version: int | None,
                        end_date: dt.date,
                        returned_at: dt.datetime | None = None) -> MissingEpisode:
    """The child is found or returns."""
    history = ChildHistory.load_for(MissingEpisode, missing_id)
    episode = edited(history.for_edit("missing", missing_id, expected_version),
                       end_date=end_date, returned_at=returned_at, recorded_by=by)
    checks = Checks()
    c.check_missing_episode_end(history, episode, checks)
    checks.raise_if_any()
    return _save(history, episode, by=by, action="update", detail={"end_date": str(end_date)})


@transaction.atomic
def return_interview_record(*, by, missing_id: int, expected_version: int | None,
                            offered_at: dt.datetime,
                            accepted: bool | None = None) -> MissingEpisode:
    """Record that a return home interview was offered, and whether the child took it up."""
    history = ChildHistory.load_for(MissingEpisode, missing_id)
    episode = edited(history.for_edit("missing", missing_id, expected_version),
                       return_interview_offered_at=offered_at,
                       return_interview_accepted=accepted, recorded_by=by)
    checks = Checks()
    c.check_return_interview_record(history, episode, checks)
    checks.raise_if_any()
    return _save(history, episode, by=by, action="update", detail={"return_interview": True})


@transaction.atomic
def deprivation_of_liberty_record(*, by, child_id: int, start_date: dt.date,
                                  end_date: dt.date | None = None) -> DeprivationOfLiberty:
    """A court authorises depriving a looked-after child of their liberty (903 DoLO)."""
    history = ChildHistory.load(child_id)
    order = DeprivationOfLiberty(child=history.child, start_date=start_date, end_date=end_date,
                                 recorded_by=by)
    checks = Checks()
    c.check_deprivation_of_liberty_record(history, order, checks)
    checks.raise_if_any()
    return _save(history, order, by=by, action="create")


@transaction.atomic
def deprivation_of_liberty_end(*, by, dolo_id: int, expected_version: int | None,
                               end_date: dt.date) -> DeprivationOfLiberty:
    """The deprivation of liberty order ends."""
    history = ChildHistory.load_for(DeprivationOfLiberty, dolo_id)
    order = edited(history.for_edit("dolos", dolo_id, expected_version), end_date=end_date,
                     recorded_by=by)
    checks = Checks()
    c.check_deprivation_of_liberty_end(history, order, checks)
    checks.raise_if_any()
    return _save(history, order, by=by, action="update", detail={"end_date": str(end_date)})


@transaction.atomic
def previous_permanence_record(*, by, child_id: int, option: str, la_code: str = "",
                               order_date: dt.date | None = None,
                               expected_version: int | None = None) -> PreviousPermanenceRecord:
    """Record (or correct) the permanence the child had before this period of care."""
    history = ChildHistory.load(child_id)
    existing = history.previous_permanence[0] if history.previous_permanence else None
    record = (history.for_edit("previous_permanence", existing.pk, expected_version)
              if existing else PreviousPermanenceRecord(child=history.child))
    record = edited(record, option=option, la_code=la_code, order_date=order_date,
                      recorded_by=by)
    checks = Checks()
    c.check_previous_permanence_record(history, record, checks)
    checks.raise_if_any()
    return _save(history, record, by=by, action="update" if existing else "create")


@transaction.atomic
def care_leaver_contact_record(*, by, child_id: int, contact_date: dt.date, in_touch: str,
                               activity: str, accommodation: str,
                               pathway_plan_review_date: dt.date | None = None
                               ) -> CareLeaverContact:
    """Record contact with a care leaver: in touch, activity and accommodation (903 OC3)."""
    history = ChildHistory.load(child_id)
    contact = CareLeaverContact(
        child=history.child, contact_date=contact_date, in_touch=in_touch, activity=activity,
        accommodation=accommodation, pathway_plan_review_date=pathway_plan_review_date,
        recorded_by=by)
    checks = Checks()
    c.check_care_leaver_contact_record(history, contact, checks)
    checks.raise_if_any()
    return _save(history, contact, by=by, action="create")


@transaction.atomic
def care_leaver_eligibility_record(*, by, child_id: int, eligibility: str, since_date: dt.date,
                                   expected_version: int | None = None) -> CareLeaverStatus:
    """Record (or change) which leaving-care category the young person is in, and since when:
    eligible (Children Act 1989 Sch. 2 para 19B), relevant (s23A), former relevant (s23C) or
    qualifying (s24), as inserted by the Children (Leaving Care) Act 2000."""
    history = ChildHistory.load(child_id)
    existing = history.care_leaver_status[0] if history.care_leaver_status else None
    status = (history.for_edit("care_leaver_status", existing.pk, expected_version)
              if existing else CareLeaverStatus(child=history.child))
    before = {"eligibility": status.eligibility, "since_date": str(status.since_date)}
    status = edited(status, eligibility=eligibility, since_date=since_date, recorded_by=by)
    checks = Checks()
    c.check_care_leaver_eligibility_record(history, status, checks)
    checks.raise_if_any()
    return _save(history, status, by=by, action="update" if existing else "create",
                 detail={"before": before} if existing else None)
