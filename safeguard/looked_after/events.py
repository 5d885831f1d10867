"""Missing episodes and return interviews, deprivation of liberty orders, previous permanence and
care leavers' contacts. Validate, save, refresh clocks, audit; a refusal changes nothing."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Q

from safeguard.audit.services import audit_record
from safeguard.core import codes
from safeguard.core.errors import Checks, today
from safeguard.core.records import lock_for_edit
from safeguard.timescales.services import refresh_clocks

from . import rules903 as r
from ._common import (
    episode_on,
    last_episode,
    latest_period,
    lock_child,
    not_before_birth,
    open_period,
    period_on,
)
from .models import (
    CareLeaverContact,
    CareLeaverStatus,
    DeprivationOfLiberty,
    Episode,
    MissingEpisode,
    PeriodOfCare,
    PreviousPermanenceRecord,
)

PREVIOUS_PERMANENCE_FROM = dt.date(2016, 4, 1)
_FAR_FUTURE = dt.date(9999, 12, 31)


def _overlapping(qs, start: dt.date, end: dt.date | None):
    """Rows of a dated queryset (start_date/end_date) that overlap [start, end]."""
    return qs.filter(start_date__lte=end or _FAR_FUTURE).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start))


def _check_returned_at(checks: Checks, end_date, returned_at) -> None:
    if returned_at is not None:
        checks.require(end_date is not None and returned_at.date() == end_date, "returned_at",
                       "local", "the time the child returned must be on the day the episode ended")


@transaction.atomic
def missing_episode_start(*, by, child_id: int, kind: str, start_date: dt.date,
                          end_date: dt.date | None = None,
                          returned_at: dt.datetime | None = None) -> MissingEpisode:
    """A looked-after child goes missing (M) or away without authorisation (A)."""
    child = lock_child(child_id)
    checks = Checks()
    checks.code(kind, codes.MissingType, "kind", "903 1006", "Missing type")
    if checks.require(start_date is not None, "start_date", "903 564",
                      "the date the child went missing is required"):
        checks.not_future(start_date, "start_date", "903 1004", "the start date")
        not_before_birth(checks, child, start_date, "start_date", "903 586", "the missing episode")
        if period_on(child, start_date) is None:
            started_later = PeriodOfCare.objects.filter(child=child,
                                                        start_date__gt=start_date).exists()
            if started_later or not PeriodOfCare.objects.filter(child=child).exists():
                checks.fail("start_date", "903 581",
                            "the child had not started to be looked after on that date")
            else:
                checks.fail("start_date", "903 578",
                            "the child had ceased to be looked after on that date")
        if end_date is not None:
            checks.not_future(end_date, "end_date", "903 1005", "the end date")
            checks.require(end_date >= start_date, "end_date", "903 567",
                           "the episode cannot end before it started")
        clash = _overlapping(MissingEpisode.objects.filter(child=child), start_date, end_date)
        checks.require(not clash.exists(), "start_date", "903 574",
                       "missing/away episodes cannot overlap or start while another is open")
    _check_returned_at(checks, end_date, returned_at)
    checks.raise_if_any()
    episode = MissingEpisode.objects.create(child=child, kind=kind, start_date=start_date,
                                            end_date=end_date, returned_at=returned_at,
                                            recorded_by=by)
    refresh_clocks(child)
    audit_record(actor=by, action="create", obj=episode)
    return episode


@transaction.atomic
def missing_episode_end(*, by, missing_id: int, expected_version: int | None,
                        end_date: dt.date,
                        returned_at: dt.datetime | None = None) -> MissingEpisode:
    """The child is found or returns."""
    episode = lock_for_edit(MissingEpisode, missing_id, expected_version)
    checks = Checks()
    checks.require(episode.end_date is None, "end_date", "local",
                   "this missing episode has already ended")
    checks.not_future(end_date, "end_date", "903 1005", "the end date")
    checks.require(end_date >= episode.start_date, "end_date", "903 567",
                   "the episode cannot end before it started")
    clash = _overlapping(MissingEpisode.objects.filter(child=episode.child),
                         episode.start_date, end_date).exclude(pk=episode.pk)
    checks.require(not clash.exists(), "end_date", "903 574",
                   "missing/away episodes cannot overlap")
    _check_returned_at(checks, end_date, returned_at)
    checks.raise_if_any()
    episode.end_date, episode.returned_at, episode.recorded_by = end_date, returned_at, by
    episode.save()
    refresh_clocks(episode.child)
    audit_record(actor=by, action="update", obj=episode, detail={"end_date": str(end_date)})
    return episode


@transaction.atomic
def return_interview_record(*, by, missing_id: int, expected_version: int | None,
                            offered_at: dt.datetime,
                            accepted: bool | None = None) -> MissingEpisode:
    """Record that a return home interview was offered, and whether the child took it up."""
    episode = lock_for_edit(MissingEpisode, missing_id, expected_version)
    checks = Checks()
    checks.require(episode.end_date is not None, "return_interview_offered_at", "local",
                   "a return interview follows the child's return; end the episode first")
    checks.require(offered_at <= dt.datetime.now(tz=offered_at.tzinfo),
                   "return_interview_offered_at", "local", "the offer cannot be in the future")
    if episode.returned_at is not None:
        checks.require(offered_at >= episode.returned_at, "return_interview_offered_at", "local",
                       "the interview cannot be offered before the child returned")
    elif episode.end_date is not None:
        checks.require(offered_at.date() >= episode.end_date, "return_interview_offered_at",
                       "local", "the interview cannot be offered before the child returned")
    checks.raise_if_any()
    episode.return_interview_offered_at = offered_at
    episode.return_interview_accepted = accepted
    episode.recorded_by = by
    episode.save()
    refresh_clocks(episode.child)
    audit_record(actor=by, action="update", obj=episode, detail={"return_interview": True})
    return episode


@transaction.atomic
def deprivation_of_liberty_record(*, by, child_id: int, start_date: dt.date,
                                  end_date: dt.date | None = None) -> DeprivationOfLiberty:
    """A court authorises depriving a looked-after child of their liberty (903 DoLO)."""
    child = lock_child(child_id)
    checks = Checks()
    checks.not_future(start_date, "start_date", "903 700", "the start date")
    not_before_birth(checks, child, start_date, "start_date", "903 708", "the order")
    if end_date is not None:
        checks.not_future(end_date, "end_date", "903 701", "the end date")
        checks.require(end_date >= start_date, "end_date", "903 702",
                       "the order cannot end before it started")
    clash = _overlapping(DeprivationOfLiberty.objects.filter(child=child), start_date, end_date)
    checks.require(not clash.exists(), "start_date", "903 705",
                   "an order cannot start while another is still open, or overlap one")
    ep = episode_on(child, start_date)
    if checks.require(ep is not None, "start_date", "local",
                      "the child must be looked after when the order starts"):
        checks.require(ep.placement not in r.DOLO_FORBIDDEN, "start_date", "903 710",
                       "a child under a deprivation of liberty order cannot be placed in a secure "
                       "children's home, with parents, in custody or in supported accommodation")
    checks.raise_if_any()
    order = DeprivationOfLiberty.objects.create(child=child, start_date=start_date,
                                                end_date=end_date, recorded_by=by)
    refresh_clocks(child)
    audit_record(actor=by, action="create", obj=order)
    return order


@transaction.atomic
def deprivation_of_liberty_end(*, by, dolo_id: int, expected_version: int | None,
                               end_date: dt.date) -> DeprivationOfLiberty:
    """The deprivation of liberty order ends."""
    order = lock_for_edit(DeprivationOfLiberty, dolo_id, expected_version)
    checks = Checks()
    checks.require(order.end_date is None, "end_date", "local", "this order has already ended")
    checks.not_future(end_date, "end_date", "903 701", "the end date")
    checks.require(end_date >= order.start_date, "end_date", "903 702",
                   "the order cannot end before it started")
    clash = _overlapping(DeprivationOfLiberty.objects.filter(child=order.child),
                         order.start_date, end_date).exclude(pk=order.pk)
    checks.require(not clash.exists(), "end_date", "903 705", "orders cannot overlap")
    checks.raise_if_any()
    order.end_date, order.recorded_by = end_date, by
    order.save()
    refresh_clocks(order.child)
    audit_record(actor=by, action="update", obj=order, detail={"end_date": str(end_date)})
    return order


@transaction.atomic
def previous_permanence_record(*, by, child_id: int, option: str, la_code: str = "",
                               order_date: dt.date | None = None,
                               expected_version: int | None = None) -> PreviousPermanenceRecord:
    """Record (or correct) the permanence the child had before this period of care."""
    child = lock_child(child_id)
    existing = PreviousPermanenceRecord.objects.filter(child=child).first()
    record = (lock_for_edit(PreviousPermanenceRecord, existing.pk, expected_version)
              if existing else PreviousPermanenceRecord(child=child))
    checks = Checks()
    checks.code(option, codes.PreviousPermanence, "option", "903 631", "Previous permanence")
    if la_code:
        checks.require(la_code.isdigit() and len(la_code) == 3, "la_code", "903 633",
                       "the LA where permanence was arranged is a 3-digit DfE LA number")
    if option == "Z1":
        checks.require(not la_code and order_date is None, "option", "903 635",
                       "no date or LA when there was no previous permanence (Z1)")
    period = latest_period(child)
    checks.require(period is not None and period.start_date >= PREVIOUS_PERMANENCE_FROM,
                   "option", "903 634", "previous permanence is recorded for children who "
                   "started to be looked after from 1 April 2016")
    if order_date is not None:
        checks.not_future(order_date, "order_date", "903 632", "the order date")
        not_before_birth(checks, child, order_date, "order_date", "903 632", "the order")
        if period is not None:
            checks.require(order_date <= period.start_date, "order_date", "903 632",
                           "the previous order must be before the child started to be looked after")
    checks.raise_if_any()
    record.option, record.la_code, record.order_date, record.recorded_by = (
        option, la_code, order_date, by)
    record.save()
    refresh_clocks(child)
    audit_record(actor=by, action="update" if existing else "create", obj=record)
    return record


def _care_since_fourteen(child, up_to: dt.date) -> tuple[int, bool]:
    """Days looked after from age 14 up to a day, leaving out pre-planned short breaks (Care
    Planning Regulations 2010 reg 40), and whether any of that care was after the 16th birthday."""
    dob = child.date_of_birth
    if dob is None:
        return 0, False
    fourteen, sixteen = dob + relativedelta(years=14), dob + relativedelta(years=16)
    days, after_sixteen = 0, False
    episodes = Episode.objects.filter(period_of_care__child=child, decom__lte=up_to).exclude(
        legal_status__in=r.RESPITE)
    for ep in episodes:
        end = min(ep.dec or up_to, up_to)
        start = max(ep.decom, fourteen)
        if end > start:
            days += (end - start).days
        if end >= sixteen:
            after_sixteen = True
    return days, after_sixteen


def _relevant_or_former_relevant(child, up_to: dt.date | None = None) -> bool:
    """Looked after for 13 weeks since age 14, ending after 16 (Children (Leaving Care) Act)."""
    days, after_sixteen = _care_since_fourteen(child, up_to or today())
    return days >= 91 and after_sixteen


@transaction.atomic
def care_leaver_contact_record(*, by, child_id: int, contact_date: dt.date, in_touch: str,
                               activity: str, accommodation: str,
                               pathway_plan_review_date: dt.date | None = None
                               ) -> CareLeaverContact:
    """Record contact with a care leaver: in touch, activity and accommodation (903 OC3)."""
    child = lock_child(child_id)
    checks = Checks()
    checks.not_future(contact_date, "contact_date", "local", "the contact date")
    not_before_birth(checks, child, contact_date, "contact_date", "local", "the contact")
    checks.not_future(pathway_plan_review_date, "pathway_plan_review_date", "local",
               "the pathway plan review")
    checks.code(in_touch, codes.CareLeaverInTouch, "in_touch", "903 131", "In touch")
    if checks.require(bool(activity) and bool(accommodation), "activity", "903 153",
                      "activity and accommodation are both needed"):
        checks.code(activity, codes.CareLeaverActivity, "activity", "903 132", "Activity")
        checks.code(accommodation, codes.CareLeaverAccommodation, "accommodation", "903 133",
                    "Accommodation")
    if in_touch in {"DIED", "RHOM"}:
        checks.require(activity == "0" and accommodation == "0", "activity", "903 344",
                       "the young person died or returned home: activity and accommodation are 0")
    if in_touch == "YES":
        checks.require(activity != "0" and accommodation != "0", "activity", "903 345",
                       "the council is in touch: give the activity and accommodation")
    last = last_episode(child)
    if checks.require(last is not None, "contact_date", "903 1002",
                      "the young person has never been looked after"):
        checks.require(open_period(child) is None, "contact_date", "903 1007",
                       "the young person is still looked after")
        checks.require(last.rec != "E2", "contact_date", "903 1000",
                       "the child died in care")
        checks.require(last.rec != "E3", "contact_date", "903 1011",
                       "care was transferred to another local authority")
        checks.require(_relevant_or_former_relevant(child), "contact_date", "903 1001",
                       "the young person is not a relevant or former relevant child (13 weeks "
                       "looked after since 14, including after 16)")
    if child.date_of_birth:
        age = r.age_on(child.date_of_birth, contact_date)
        checks.require(not (age < 18 and accommodation in {"T1", "T2"}), "accommodation",
                       "903 347", "a care leaver under 18 cannot be accommodated in a foyer")
        seventeen = child.date_of_birth + relativedelta(years=17)
        near_17 = seventeen - relativedelta(months=3) <= contact_date < (
            seventeen + relativedelta(years=1))
        checks.require(not (near_17 and accommodation in {"Z1", "Z2"}), "accommodation",
                       "903 3001", "around their 17th birthday a care leaver cannot be living "
                       "with former foster carers (that is staying put after 18)")
    checks.raise_if_any()
    contact = CareLeaverContact.objects.create(
        child=child, contact_date=contact_date, in_touch=in_touch, activity=activity,
        accommodation=accommodation, pathway_plan_review_date=pathway_plan_review_date,
        recorded_by=by)
    refresh_clocks(child)
    audit_record(actor=by, action="create", obj=contact)
    return contact


def _in_care_after(child, day: dt.date) -> bool:
    """Still looked after beyond `day` (a period ending on that day counts as left)."""
    return PeriodOfCare.objects.filter(child=child, start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=day)).exists()


@transaction.atomic
def care_leaver_eligibility_record(*, by, child_id: int, eligibility: str, since_date: dt.date,
                                   expected_version: int | None = None) -> CareLeaverStatus:
    """Record (or change) which leaving-care category the young person is in, and since when:
    eligible (Children Act 1989 Sch. 2 para 19B), relevant (s23A), former relevant (s23C) or
    qualifying (s24), as inserted by the Children (Leaving Care) Act 2000."""
    child = lock_child(child_id)
    existing = CareLeaverStatus.objects.filter(child=child).first()
    status = (lock_for_edit(CareLeaverStatus, existing.pk, expected_version)
              if existing else CareLeaverStatus(child=child))
    E = CareLeaverStatus.Eligibility
    checks = Checks()
    checks.code(eligibility, E, "eligibility", "local", "Care leaver eligibility")
    dob = child.date_of_birth
    if checks.require(since_date is not None, "since_date", "local", "the date is required"):
        checks.not_future(since_date, "since_date", "local", "The date")
        not_before_birth(checks, child, since_date, "since_date", "local", "The date")
    if (checks.require(dob is not None, "eligibility", "local",
                       "leaving-care status depends on age: record the date of birth first")
            and since_date is not None and eligibility in E.values and since_date >= dob):
        age = r.age_on(dob, since_date)
        days, after_sixteen = _care_since_fourteen(child, since_date)
        thirteen_weeks = days >= 91
        if eligibility in (E.ELIGIBLE, E.RELEVANT):
            checks.require(16 <= age < 18, "eligibility", "local",
                           "eligible and relevant children are aged 16 or 17")
        elif eligibility == E.FORMER_RELEVANT:
            checks.require(18 <= age < 25, "eligibility", "local",
                           "a former relevant child is aged 18 to 24")
        else:
            checks.require(16 <= age < 25, "eligibility", "local",
                           "a qualifying care leaver is aged 16 to 24")
        if eligibility == E.ELIGIBLE:
            checks.require(period_on(child, since_date) is not None, "since_date", "local",
                           "an eligible child is looked after on that date")
            checks.require(thirteen_weeks, "eligibility", "local",
                           "an eligible child has been looked after for at least 13 weeks since "
                           "age 14 (not counting pre-planned short breaks)")
        elif eligibility == E.RELEVANT:
            checks.require(not _in_care_after(child, since_date), "since_date", "local",
                           "a relevant child is no longer looked after")
        if eligibility in (E.RELEVANT, E.FORMER_RELEVANT):
            checks.require(thirteen_weeks and after_sixteen, "eligibility", "local",
                           "relevant and former relevant children were looked after for at least "
                           "13 weeks since age 14, including after their 16th birthday")
        if eligibility == E.QUALIFYING:
            checks.require(not (thirteen_weeks and after_sixteen), "eligibility", "local",
                           "the care history shows 13 weeks looked after since 14 including after "
                           "16: the young person is eligible, relevant or former relevant instead")
    checks.raise_if_any()
    before = {"eligibility": status.eligibility, "since_date": str(status.since_date)}
    status.eligibility, status.since_date, status.recorded_by = eligibility, since_date, by
    status.save()
    refresh_clocks(child)
    audit_record(actor=by, action="update" if existing else "create", obj=status,
                 detail={"before": before} if existing else None)
    return status
