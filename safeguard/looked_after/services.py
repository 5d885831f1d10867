"""Recording a child's time in care: periods of care and their episodes, reviews, health and
annual outcomes. Every function validates (SSDA903 rules that can be checked at the moment of
saving), saves, refreshes the clocks and audits in one transaction; a refused save changes nothing.

Adoption, missing episodes, deprivation of liberty, previous permanence and care leavers live in
their own modules and are re-exported here so callers import from one place.
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import transaction

from safeguard.audit.services import audit_record
from safeguard.core import codes
from safeguard.core.errors import Checks
from safeguard.timescales.services import refresh_clocks

from . import rules903 as r
from ._common import (
    episode_on,
    last_episode,
    latest_period,
    live_adoption_decision,
    lock_child,
    not_before_birth,
    open_dolo,
    open_episode,
    open_missing,
    open_period,
    period_on,
)
from .models import (
    AnnualHealthOutcomes,
    Episode,
    HealthAssessment,
    LookedAfterReview,
    PeriodOfCare,
    PermanencePlan,
    PersonalEducationPlan,
)


def _check_adoption_basis(checks: Checks, child, ep: Episode) -> None:
    """A placement for adoption or a placement order needs a live decision to place (551-553)."""
    if ep.placement in r.PLACED_FOR_ADOPTION:
        decided = live_adoption_decision(child)
        if checks.require(decided is not None, "placement", "903 551",
                          "placed for adoption but there is no decision that the child should "
                          "be placed for adoption"):
            checks.require(decided.decision_date <= ep.decom, "placement", "903 552",
                           "the decision to place for adoption must be on or before the date "
                           "the child is placed for adoption")
    if ep.legal_status == "E1":
        checks.require(live_adoption_decision(child, on=ep.decom) is not None, "legal_status",
                       "903 553", "a placement order has been granted but there is no earlier "
                       "decision that the child should be placed for adoption")


def _check_dolo_placement(checks: Checks, child, ep: Episode) -> None:
    dolo = open_dolo(child)
    if dolo is not None and dolo.start_date <= ep.decom:
        checks.require(ep.placement not in r.DOLO_FORBIDDEN, "placement", "903 710",
                       "a child under a deprivation of liberty order cannot be placed in a secure "
                       "children's home, with parents, in custody or in supported accommodation")


def _legal_status_run_start(ep: Episode) -> dt.date:
    """When the unbroken run of this legal status began (for the 361-365 maximum lengths)."""
    start = ep.decom
    earlier = ep.period_of_care.episodes.filter(decom__lt=ep.decom).order_by("-decom")
    for prev in earlier:
        if prev.legal_status != ep.legal_status or prev.rec != "X1" or prev.dec != start:
            break
        start = prev.decom
    return start


@transaction.atomic
def period_of_care_start(*, by, child_id: int, decom: dt.date, legal_status: str,
                         category_of_need: str, placement: str, placement_provider: str = "",
                         home_postcode: str = "", placement_postcode: str = "",
                         urn: str = "") -> PeriodOfCare:
    """The child starts to be looked after: a new period of care and its first episode (RNE S)."""
    child = lock_child(child_id)
    checks = Checks()
    ep = Episode(decom=decom, rne="S", legal_status=legal_status,
                 category_of_need=category_of_need, placement=placement,
                 placement_provider=placement_provider or "",
                 home_postcode=home_postcode or child.home_postcode,
                 placement_postcode=placement_postcode or "", urn=urn or "", recorded_by=by)
    r.check_episode_details(checks, ep, child)
    checks.require(open_period(child) is None, "decom", "903 142",
                   "the child is already looked after; end the current period of care first")
    previous = last_episode(child)
    if previous is not None and previous.dec is not None:
        checks.require(decom >= previous.dec, "decom", "903 501",
                       "a new episode cannot start before the previous episode ended")
        checks.require(decom != previous.dec, "rne", "903 431",
                       "the previous episode ended on this day, so this is a continuation, "
                       "not a new start (use a change of episode)")
    before = latest_period(child)
    if before is not None and before.end_date is not None and previous is not None:
        checks.require(previous.rec not in {"E2", "E15"}, "decom", "903 437",
                       "care ended because the child died or was assessed as 18 or over; "
                       "there can be no further episodes")
    if child.date_of_birth:
        checks.require(r.age_on(child.date_of_birth, decom) < 18, "decom", "903 352",
                       "a young person aged 18 or over cannot start to be looked after")
    checks.require(placement not in r.TEMPORARY, "placement", "903 380",
                   "a period of care cannot start with a temporary placement")
    _check_adoption_basis(checks, child, ep)
    _check_dolo_placement(checks, child, ep)
    checks.raise_if_any()

    period = PeriodOfCare.objects.create(child=child, start_date=decom, recorded_by=by)
    ep.period_of_care = period
    ep.save()
    refresh_clocks(child)
    audit_record(actor=by, action="create", obj=period)
    audit_record(actor=by, action="create", obj=ep)
    return period


@transaction.atomic
def episode_change(*, by, child_id: int, change_date: dt.date, rne: str,
                   legal_status: str | None = None, placement: str | None = None,
                   placement_provider: str | None = None, reason_place_change: str = "",
                   placement_postcode: str | None = None, urn: str | None = None,
                   category_of_need: str | None = None) -> Episode:
    """Legal status and/or placement changes: the open episode ends that day (X1) and the next
    one opens with whatever did not change copied forward."""
    child = lock_child(child_id)
    checks = Checks()
    period = open_period(child)
    if period is None:
        if latest_period(child) is None:
            checks.fail("rne", "903 357", "this would be the child's first episode, so its "
                        "reason must be S: start a period of care")
        else:
            checks.fail("rne", "903 432", "the child ceased to be looked after at the end of "
                        "the previous episode, so the next episode must start a period of care")
        checks.raise_if_any()
    prev = open_episode(period)
    first = period.episodes.order_by("decom", "id").first()
    if rne == "S":
        checks.fail("rne", "903 431", "a change of episode cannot be a new start (S): the "
                    "previous episode ends on the same day")
    new = Episode(
        period_of_care=period, decom=change_date, rne=rne,
        legal_status=prev.legal_status if legal_status is None else legal_status,
        category_of_need=first.category_of_need,
        placement=prev.placement if placement is None else placement,
        placement_provider=prev.placement_provider if placement_provider is None
        else placement_provider,
        placement_postcode=prev.placement_postcode if placement_postcode is None
        else placement_postcode,
        urn=prev.urn if urn is None else urn,
        home_postcode=prev.home_postcode, recorded_by=by,
    )
    if category_of_need is not None and category_of_need != first.category_of_need:
        checks.fail("category_of_need", "903 504", "category of need stays as recorded at the "
                    f"start of the period of care ({first.category_of_need})")
    if change_date < prev.decom:
        checks.fail("decom", "903 501", "a new episode cannot start before the previous one "
                    "started")
    else:
        r.check_episode_end(checks, prev, change_date, _legal_status_run_start(prev))
    r.check_episode_details(checks, new, child)

    status_changed = new.legal_status != prev.legal_status
    place_changed = any(getattr(new, f) != getattr(prev, f) for f in
                        ("placement", "placement_provider", "placement_postcode", "urn"))
    if rne == "L":
        checks.require(status_changed and not place_changed, "rne", "903 434",
                       "RNE L means only the legal status changed")
    elif rne in {"P", "T"}:
        checks.require(place_changed and not status_changed, "rne", "903 435",
                       f"RNE {rne} means only the placement changed")
    elif rne in {"B", "U"}:
        checks.require(place_changed and status_changed, "rne", "903 436",
                       f"RNE {rne} means both the legal status and the placement changed")

    moved = rne in {"P", "T", "B", "U"}
    temporary = prev.placement in r.TEMPORARY or new.placement in r.TEMPORARY
    checks.code(reason_place_change, codes.ReasonPlaceChange, "reason_place_change", "903 1009",
                "Reason for placement change", required=False)
    if reason_place_change and temporary:
        checks.fail("reason_place_change", "903 226",
                    "reason for placement change is not needed for temporary placements")
    elif moved and not temporary:
        checks.require(bool(reason_place_change), "reason_place_change", "903 225",
                       "give the reason the placement changed")
    if reason_place_change and not moved:
        checks.fail("reason_place_change", "local",
                    "there is no reason for placement change when only the legal status changes")
    if reason_place_change == "CUSTOD" and child.date_of_birth:
        checks.require(r.age_on(child.date_of_birth, change_date) >= 10, "reason_place_change",
                       "903 234", "a child under 10 cannot change placement because of custody")
    checks.require(new.legal_status != "V3", "legal_status", "903 366",
                   "a child cannot change placement or status during an individual short break: "
                   "each V3 break is its own period of care")
    if new.placement == "T3" and prev.placement != "T3":
        year_ago = change_date - relativedelta(years=1)
        holidays = Episode.objects.filter(period_of_care__child=child, placement="T3",
                                          decom__gt=year_ago, decom__lte=change_date).count()
        checks.require(holidays < 2, "placement", "903 377",
                       "only two temporary placements for the foster carer's holiday (T3) are "
                       "allowed in any 12 months")
    if place_changed:
        checks.require(open_missing(child) is None, "placement", "903 575",
                       "the child is recorded as missing/away; end that episode before ending the "
                       "placement they went missing from")
    if new.placement != prev.placement or new.legal_status != prev.legal_status:
        _check_adoption_basis(checks, child, new)
    _check_dolo_placement(checks, child, new)
    checks.raise_if_any()

    prev.dec, prev.rec, prev.reason_place_change = change_date, "X1", reason_place_change
    prev.save()
    new.save()
    refresh_clocks(child)
    audit_record(actor=by, action="update", obj=prev, detail={"dec": str(change_date), "rec": "X1"})
    audit_record(actor=by, action="create", obj=new)
    return new


@transaction.atomic
def period_of_care_end(*, by, child_id: int, end_date: dt.date,
                       reason_ceased: str) -> PeriodOfCare:
    """The child stops being looked after: the open episode ends with the reason and the period
    of care closes."""
    child = lock_child(child_id)
    checks = Checks()
    period = open_period(child)
    if period is None:
        checks.fail("end_date", "local", "the child is not looked after")
        checks.raise_if_any()
    ep = open_episode(period)
    rec = reason_ceased
    checks.code(rec, codes.ReasonEpisodeCeased, "rec", "903 149", "Reason episode ceased")
    checks.require(rec != "X1", "rec", "903 388",
                   "X1 means a new episode begins; record a change of episode instead")
    r.check_episode_end(checks, ep, end_date, _legal_status_run_start(ep))
    if child.date_of_birth:
        age = r.age_on(child.date_of_birth, end_date)
        checks.require(not (rec in r.ADOPTED and age >= 18), "rec", "903 386",
                       "a young person aged 18 or over cannot be adopted from care")
        checks.require(not (rec in {"E5", "E6"} and age < 14), "rec", "903 387",
                       "a child under 14 cannot move into independent living")
        checks.require(not (rec == "E7" and age < 16), "rec", "903 389",
                       "a child under 16 cannot transfer to adult social care")
        checks.require(not (rec in r.SGO and age >= 18), "rec", "903 407",
                       "a special guardianship order cannot be made for a young person aged 18+")
        checks.require(not (rec == "E17" and age < 18), "rec", "903 460",
                       "'remained with current carers at 18+' needs the young person to be 18")
    checks.require(ep.placement not in r.TEMPORARY, "rec", "903 381",
                   "a period of care cannot end with a temporary placement")
    if rec in r.ADOPTED:
        checks.require(period.episodes.filter(placement__in=r.PLACED_FOR_ADOPTION).exists(),
                       "rec", "903 390", "the child cannot be adopted without first being placed "
                       "for adoption (placement A3-A6)")
    if rec in {"E45", "E46"}:
        checks.require(ep.placement in r.FOSTER, "rec", "903 516",
                       "an SGO to former foster carers needs the child to be in foster care")
    missing = child.missing_episodes.filter(start_date__lte=end_date).exclude(
        end_date__lt=end_date)
    if missing.exists():
        checks.require(rec == "E8", "rec", "903 580",
                       "the child is missing when care ends, so the reason must be E8")
    checks.require(open_missing(child) is None, "end_date", "903 577",
                   "record when the open missing/away episode ended first")
    checks.require(open_dolo(child) is None, "end_date", "903 707",
                   "record when the deprivation of liberty order ended first")
    if rec not in r.ADOPTED:
        checks.require(live_adoption_decision(child) is None, "rec", "903 557",
                       "the child leaves care without being adopted: record that the decision "
                       "to place for adoption was reversed first")
    checks.raise_if_any()

    ep.dec, ep.rec = end_date, rec
    ep.save()
    period.end_date = end_date
    period.save()
    refresh_clocks(child)
    audit_record(actor=by, action="update", obj=ep, detail={"dec": str(end_date), "rec": rec})
    audit_record(actor=by, action="update", obj=period, detail={"end_date": str(end_date)})
    return period


@transaction.atomic
def review_record(*, by, child_id: int, review_date: dt.date,
                  participation: str) -> LookedAfterReview:
    """Record a looked-after review chaired by the IRO."""
    child = lock_child(child_id)
    checks = Checks()
    checks.code(participation, codes.ReviewParticipation, "participation", "903 167",
                "Review participation")
    checks.not_future(review_date, "review_date", "903 166", "a review date")
    period = period_on(child, review_date)
    checks.require(period is not None, "review_date", "local",
                   "a review must fall within a period of care")
    if period is not None:
        checks.require(not period.reviews.filter(review_date=review_date).exists(),
                       "review_date", "local", "a review is already recorded on this day")
        ep = episode_on(child, review_date)
        checks.require(ep is None or ep.legal_status not in r.RESPITE, "review_date", "903 399",
                       "reviews are not returned for children on short breaks (V3/V4)")
    if child.date_of_birth and participation:
        under_four = r.age_on(child.date_of_birth, review_date) < 4
        if participation == "PN0":
            checks.require(under_four, "participation", "903 440",
                           "PN0 is only for a child under 4 at the review")
        else:
            checks.require(not under_four, "participation", "903 441",
                           "a child under 4 at the review must be recorded as PN0")
    checks.raise_if_any()
    review = LookedAfterReview.objects.create(period_of_care=period, review_date=review_date,
                                              participation=participation, recorded_by=by)
    refresh_clocks(child)
    audit_record(actor=by, action="create", obj=review)
    return review


@transaction.atomic
def health_assessment_record(*, by, child_id: int, kind: str,
                             requested_date: dt.date | None = None,
                             completed_date: dt.date | None = None) -> HealthAssessment:
    """Record a health assessment or dental check (requested, completed, or both)."""
    child = lock_child(child_id)
    checks = Checks()
    checks.code(kind, HealthAssessment.Kind, "kind", "local", "Health assessment type")
    checks.require(requested_date is not None or completed_date is not None, "completed_date",
                   "local", "give the date requested or the date completed")
    checks.not_future(requested_date, "requested_date", "local", "the date requested")
    checks.not_future(completed_date, "completed_date", "local", "the date completed")
    not_before_birth(checks, child, requested_date, "requested_date", "local", "the request")
    not_before_birth(checks, child, completed_date, "completed_date", "local", "the assessment")
    if requested_date and completed_date:
        checks.require(completed_date >= requested_date, "completed_date", "local",
                       "an assessment cannot be completed before it was requested")
    checks.raise_if_any()
    assessment = HealthAssessment.objects.create(child=child, kind=kind,
                                                 requested_date=requested_date,
                                                 completed_date=completed_date, recorded_by=by)
    refresh_clocks(child)
    audit_record(actor=by, action="create", obj=assessment)
    return assessment


_OC2_FLAGS = ("convicted", "health_check", "immunisations", "teeth_check", "health_assessment",
              "substance_misuse", "intervention_received", "intervention_offered")
_OC2_CORE = ("immunisations", "teeth_check", "health_assessment", "substance_misuse")


def _looked_after_12_months(child, year_ending: dt.date) -> bool:
    """Looked after continuously for at least 12 months at 31 March (the OC2 cohort)."""
    from_day = year_ending - relativedelta(years=1) + dt.timedelta(days=1)
    period = period_on(child, year_ending)
    if period is None or period.start_date > from_day:
        return False
    if period.end_date is not None and period.end_date <= year_ending:
        return False
    return not period.episodes.filter(legal_status__in=r.RESPITE).exists()


@transaction.atomic
def annual_outcomes_record(*, by, child_id: int, year_ending: dt.date,
                           **oc2_fields) -> AnnualHealthOutcomes:
    """Record (or replace) the OC2 outcomes for a child looked after 12 months at 31 March."""
    allowed = {"sdq_score", "sdq_reason", *_OC2_FLAGS}
    unknown = set(oc2_fields) - allowed
    if unknown:
        raise TypeError(f"unknown OC2 fields: {sorted(unknown)}")
    child = lock_child(child_id)
    checks = Checks()
    values = {k: oc2_fields.get(k) for k in allowed}
    values["sdq_reason"] = values["sdq_reason"] or ""
    checks.require((year_ending.month, year_ending.day) == (3, 31), "year_ending", "local",
                   "the year for annual outcomes ends on 31 March")
    score, reason = values["sdq_score"], values["sdq_reason"]
    if score is not None:
        checks.require(isinstance(score, int) and 0 <= score <= 40, "sdq_score", "903 180",
                       "an SDQ score is a whole number from 0 to 40")
    checks.code(reason, codes.SDQReason, "sdq_reason", "903 196", "SDQ reason", required=False)
    checks.require(not (score is not None and reason), "sdq_reason", "903 197a",
                   "a reason for no SDQ score is not needed when a score is given")
    for name in _OC2_FLAGS:
        value = values[name]
        if value in (0, 1) and not isinstance(value, bool):
            values[name] = value = bool(value)
        checks.require(value is None or isinstance(value, bool), name, "903 181",
                       "answer with yes (1) or no (0)")
    completed = [k for k in allowed if values[k] not in (None, "")]
    if completed:
        for name in _OC2_CORE:
            checks.require(values[name] is not None, name, "903 182",
                           "immunisations, teeth check, health assessment and substance misuse "
                           "must be completed when any outcome is recorded")
    if values["substance_misuse"] is True:
        checks.require(values["intervention_received"] is not None, "intervention_received",
                       "903 192", "say whether an intervention for substance misuse was received")
    if values["substance_misuse"] is False:
        checks.require(values["intervention_received"] is None
                       and values["intervention_offered"] is None, "intervention_received",
                       "903 193", "no substance misuse problem: leave the intervention items blank")
    if values["intervention_received"] is True:
        checks.require(values["intervention_offered"] is None, "intervention_offered", "903 158",
                       "an intervention was received: leave 'offered' blank")
    if values["intervention_received"] is False:
        checks.require(values["intervention_offered"] is not None, "intervention_offered",
                       "903 159", "no intervention received: say whether one was offered")
    if child.date_of_birth:
        year_start = year_ending - relativedelta(years=1) + dt.timedelta(days=1)
        age_end = r.age_on(child.date_of_birth, year_ending)
        age_start = r.age_on(child.date_of_birth, year_start)
        has_sdq = score is not None or bool(reason)
        checks.require(not (has_sdq and age_end < 4), "sdq_score", "903 188",
                       "no SDQ score or reason for a child under 4 at 31 March")
        checks.require(not (has_sdq and age_start >= 17), "sdq_score", "903 189",
                       "no SDQ score or reason for a young person 17 or over on 1 April")
        checks.require(not (reason == "SDQ1" and age_start >= 4 and age_end <= 16),
                       "sdq_reason", "903 157", "SDQ1 is only for a child under 4 or over 16")
        checks.require(not (age_end < 10 and values["convicted"] is not None), "convicted",
                       "903 542", "no conviction information for a child under 10 at 31 March")
        if age_end < 5:
            checks.require(values["health_check"] is not None, "health_check", "903 545",
                           "a child under 5 at 31 March needs the health promotion item")
        else:
            checks.require(values["health_check"] is None, "health_check", "903 546",
                           "no health promotion item for a child aged 5 or over at 31 March")
    checks.require(_looked_after_12_months(child, year_ending), "year_ending", "903 190",
                   "annual outcomes are only for children looked after continuously for 12 "
                   "months at 31 March")
    checks.raise_if_any()
    record, created = AnnualHealthOutcomes.objects.select_for_update().get_or_create(
        child=child, year_ending=year_ending, defaults={**values, "recorded_by": by})
    if not created:
        for k, v in values.items():
            setattr(record, k, v)
        record.recorded_by = by
        record.save()
    refresh_clocks(child)
    audit_record(actor=by, action="create" if created else "update", obj=record)
    return record


@transaction.atomic
def pep_record(*, by, child_id: int, plan_date: dt.date) -> PersonalEducationPlan:
    """Record a personal education plan (PEP) meeting for a looked-after child."""
    child = lock_child(child_id)
    checks = Checks()
    checks.not_future(plan_date, "plan_date", "local", "a PEP date")
    checks.require(period_on(child, plan_date) is not None, "plan_date", "local",
                   "a PEP is for a child who is looked after on that date")
    checks.raise_if_any()
    pep = PersonalEducationPlan.objects.create(child=child, plan_date=plan_date, recorded_by=by)
    refresh_clocks(child)
    audit_record(actor=by, action="create", obj=pep)
    return pep


@transaction.atomic
def permanence_plan_record(*, by, child_id: int, plan_date: dt.date, plan: str) -> PermanencePlan:
    """Record the plan for permanence agreed for a looked-after child (Annex A List 8; Care
    Planning Regulations 2010 reg 5: the care plan includes the plan for permanence)."""
    child = lock_child(child_id)
    checks = Checks()
    checks.code(plan, PermanencePlan.Plan, "plan", "local", "Permanence plan")
    if checks.require(plan_date is not None, "plan_date", "local", "the plan date is required"):
        checks.not_future(plan_date, "plan_date", "local", "The plan date")
        not_before_birth(checks, child, plan_date, "plan_date", "local", "The plan")
        checks.require(period_on(child, plan_date) is not None, "plan_date", "local",
                       "the child was not looked after on that date")
        checks.require(not PermanencePlan.objects.filter(child=child, plan_date=plan_date).exists(),
                       "plan_date", "local", "a permanence plan is already recorded on that date")
    checks.raise_if_any()
    record = PermanencePlan.objects.create(child=child, plan_date=plan_date, plan=plan,
                                           recorded_by=by)
    refresh_clocks(child)
    audit_record(actor=by, action="create", obj=record)
    return record


from .adoption import (  # noqa: E402
    adopter_household_register,
    adopter_household_update,
    adoption_decision_record,
    adoption_decision_reverse,
    adoption_match_household,
    adoption_milestone_record,
)
from .events import (  # noqa: E402
    care_leaver_contact_record,
    care_leaver_eligibility_record,
    deprivation_of_liberty_end,
    deprivation_of_liberty_record,
    missing_episode_end,
    missing_episode_start,
    previous_permanence_record,
    return_interview_record,
)

__all__ = [
    "period_of_care_start", "episode_change", "period_of_care_end", "review_record",
    "health_assessment_record", "annual_outcomes_record", "pep_record",
    "adoption_decision_record", "adoption_milestone_record", "adoption_decision_reverse",
    "missing_episode_start", "missing_episode_end", "return_interview_record",
    "previous_permanence_record", "deprivation_of_liberty_record", "deprivation_of_liberty_end",
    "care_leaver_contact_record", "permanence_plan_record", "care_leaver_eligibility_record",
    "adopter_household_register", "adopter_household_update", "adoption_match_household",
]
