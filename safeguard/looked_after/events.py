"""Missing episodes and return interviews, deprivation of liberty orders, previous permanence and
care leavers' contacts and status. Each function is one `Change` to the child's record
(record/change.py): checked, saved, audited and the clocks refreshed in one transaction; a refusal
saves nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from safeguard.core.errors import EditConflict
from safeguard.record.change import Change

from . import checks as c
from .models import (
    CareLeaverContact,
    CareLeaverStatus,
    DeprivationOfLiberty,
    MissingEpisode,
    PreviousPermanenceRecord,
)


def _record_or_correct(change: Change, held: list, model, check, expected_version: int | None, **to):
    """The child's one record of this kind: created, or corrected unless someone saved it since the
    user read `expected_version`."""
    if not held:
        return change.new(model(child=change.child, **to), check)
    if expected_version is not None and held[0].version != expected_version:
        raise EditConflict(held[0], expected_version)
    return change.edit(held[0], check, to=to)


@transaction.atomic
def missing_episode_start(*, by, child_id: int, kind: str, start_date: dt.date,
                          end_date: dt.date | None = None,
                          returned_at: dt.datetime | None = None) -> MissingEpisode:
    """A looked-after child goes missing (M) or away without authorisation (A)."""
    change = Change.of_child(child_id, by=by, event="missing_episode_start")
    return change.save(change.new(
        MissingEpisode(child=change.child, kind=kind, start_date=start_date, end_date=end_date,
                       returned_at=returned_at), c.check_missing_episode_start))


@transaction.atomic
def missing_episode_end(*, by, missing_id: int, expected_version: int | None, end_date: dt.date,
                        returned_at: dt.datetime | None = None) -> MissingEpisode:
    """The child is found or returns."""
    change = Change.of(MissingEpisode, missing_id, by=by, event="missing_episode_end",
                       expected_version=expected_version)
    return change.save(change.edit(change.held, c.check_missing_episode_end,
                                   to=dict(end_date=end_date, returned_at=returned_at)))


@transaction.atomic
def return_interview_record(*, by, missing_id: int, expected_version: int | None,
                            offered_at: dt.datetime, accepted: bool | None = None,
                            held_on: dt.date | None = None) -> MissingEpisode:
    """Record that a return home interview was offered, whether the child took it up, and when it
    was held (offered, accepted, done: each may be recorded as it happens, the form filled again)."""
    change = Change.of(MissingEpisode, missing_id, by=by, event="return_interview_record",
                       expected_version=expected_version)
    return change.save(change.edit(change.held, c.check_return_interview_record,
                                   to=dict(return_interview_offered_at=offered_at,
                                           return_interview_accepted=accepted,
                                           return_interview_held_on=held_on)))


@transaction.atomic
def deprivation_of_liberty_record(*, by, child_id: int, start_date: dt.date,
                                  end_date: dt.date | None = None) -> DeprivationOfLiberty:
    """A court authorises depriving a looked-after child of their liberty (903 DoLO)."""
    change = Change.of_child(child_id, by=by, event="deprivation_of_liberty_record")
    return change.save(change.new(
        DeprivationOfLiberty(child=change.child, start_date=start_date, end_date=end_date),
        c.check_deprivation_of_liberty_record))


@transaction.atomic
def deprivation_of_liberty_end(*, by, dolo_id: int, expected_version: int | None,
                               end_date: dt.date) -> DeprivationOfLiberty:
    """The deprivation of liberty order ends."""
    change = Change.of(DeprivationOfLiberty, dolo_id, by=by, event="deprivation_of_liberty_end",
                       expected_version=expected_version)
    return change.save(change.edit(change.held, c.check_deprivation_of_liberty_end,
                                   to={"end_date": end_date}))


@transaction.atomic
def previous_permanence_record(*, by, child_id: int, option: str, la_code: str = "",
                               order_date: dt.date | None = None,
                               expected_version: int | None = None) -> PreviousPermanenceRecord:
    """Record (or correct) the permanence the child had before this period of care."""
    change = Change.of_child(child_id, by=by, event="previous_permanence_record")
    return change.save(_record_or_correct(
        change, change.history.previous_permanence, PreviousPermanenceRecord,
        c.check_previous_permanence_record, expected_version,
        option=option, la_code=la_code, order_date=order_date))


@transaction.atomic
def care_leaver_contact_record(*, by, child_id: int, contact_date: dt.date, in_touch: str,
                               activity: str, accommodation: str,
                               pathway_plan_review_date: dt.date | None = None) -> CareLeaverContact:
    """Record contact with a care leaver: in touch, activity and accommodation (903 OC3)."""
    change = Change.of_child(child_id, by=by, event="care_leaver_contact_record")
    return change.save(change.new(
        CareLeaverContact(child=change.child, contact_date=contact_date, in_touch=in_touch,
                          activity=activity, accommodation=accommodation,
                          pathway_plan_review_date=pathway_plan_review_date),
        c.check_care_leaver_contact_record))


@transaction.atomic
def care_leaver_eligibility_record(*, by, child_id: int, eligibility: str, since_date: dt.date,
                                   expected_version: int | None = None) -> CareLeaverStatus:
    """Record (or change) which leaving-care category the young person is in, and since when:
    eligible (Children Act 1989 Sch. 2 para 19B), relevant (s23A), former relevant (s23C) or
    qualifying (s24), as inserted by the Children (Leaving Care) Act 2000."""
    change = Change.of_child(child_id, by=by, event="care_leaver_eligibility_record")
    return change.save(_record_or_correct(
        change, change.history.care_leaver_status, CareLeaverStatus,
        c.check_care_leaver_eligibility_record, expected_version,
        eligibility=eligibility, since_date=since_date))
