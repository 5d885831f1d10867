"""Recording a child's time in care: periods of care and their episodes, reviews, health and
annual outcomes. Every function loads the child's history, runs the pure checks in `checks.py`
(SSDA903 rules that can be checked at the moment of saving), saves, refreshes the clocks and
audits in one transaction; a refused save changes nothing.

Adoption, missing episodes, deprivation of liberty, previous permanence and care leavers live in
their own modules and are re-exported here so callers import from one place.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from safeguard.audit.services import audit_record
from safeguard.core.errors import Checks
from safeguard.record.history import ChildHistory, edited
from safeguard.timescales.services import refresh_clocks

from . import checks as c
from .models import (
    AnnualHealthOutcomes,
    Episode,
    HealthAssessment,
    LookedAfterReview,
    PeriodOfCare,
    PermanencePlan,
    PersonalEducationPlan,
)


@transaction.atomic
def period_of_care_start(*, by, child_id: int, decom: dt.date, legal_status: str,
                         category_of_need: str, placement: str, placement_provider: str = "",
                         home_postcode: str = "", placement_postcode: str = "",
                         urn: str = "") -> PeriodOfCare:
    """The child starts to be looked after: a new period of care and its first episode (RNE S)."""
    history = ChildHistory.load(child_id)
    child = history.child
    ep = Episode(decom=decom, rne="S", legal_status=legal_status,
                 category_of_need=category_of_need, placement=placement,
                 placement_provider=placement_provider or "",
                 home_postcode=home_postcode or child.home_postcode,
                 placement_postcode=placement_postcode or "", urn=urn or "", recorded_by=by)
    checks = Checks()
    c.check_period_of_care_start(history, ep, checks)
    checks.raise_if_any()

    period = PeriodOfCare.objects.create(child=child, start_date=decom, recorded_by=by)
    history.add(period)
    ep.period_of_care = period
    ep.save()
    history.add(ep)
    refresh_clocks(child, history)
    audit_record(actor=by, action="create", obj=period)
    audit_record(actor=by, action="create", obj=ep)
    return period


def _next_episode(history: ChildHistory, *, by, change_date: dt.date, rne: str,
                  **given) -> tuple[Episode | None, Episode]:
    """The open episode (None if the child is not looked after) and the episode that would
    follow it: the values given, and whatever did not change copied forward."""
    period = c.open_period(history)
    prev = c.open_episode(history, period.pk) if period is not None else None
    if prev is None:
        return None, Episode(decom=change_date, rne=rne, recorded_by=by,
                             **{k: v or "" for k, v in given.items()})
    first = c.episodes_of(history, period.pk)[0]
    kept = {k: getattr(prev, k) if v is None else v for k, v in given.items()}
    return prev, Episode(period_of_care=period, decom=change_date, rne=rne,
                         category_of_need=first.category_of_need,
                         home_postcode=prev.home_postcode, recorded_by=by, **kept)


@transaction.atomic
def episode_change(*, by, child_id: int, change_date: dt.date, rne: str,
                   legal_status: str | None = None, placement: str | None = None,
                   placement_provider: str | None = None, reason_place_change: str = "",
                   placement_postcode: str | None = None, urn: str | None = None,
                   category_of_need: str | None = None) -> Episode:
    """Legal status and/or placement changes: the open episode ends that day (X1) and the next
    one opens with whatever did not change copied forward."""
    history = ChildHistory.load(child_id)
    prev, new = _next_episode(history, by=by, change_date=change_date, rne=rne,
                              legal_status=legal_status, placement=placement,
                              placement_provider=placement_provider,
                              placement_postcode=placement_postcode, urn=urn)
    checks = Checks()
    c.check_episode_change(history, new, checks, reason_place_change=reason_place_change,
                           category_of_need=category_of_need)
    checks.raise_if_any()

    prev.dec, prev.rec, prev.reason_place_change = change_date, "X1", reason_place_change
    prev.save()
    history.replace(prev)
    new.save()
    history.add(new)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="update", obj=prev, detail={"dec": str(change_date), "rec": "X1"})
    audit_record(actor=by, action="create", obj=new)
    return new


@transaction.atomic
def period_of_care_end(*, by, child_id: int, end_date: dt.date,
                       reason_ceased: str) -> PeriodOfCare:
    """The child stops being looked after: the open episode ends with the reason and the period
    of care closes."""
    history = ChildHistory.load(child_id)
    period = c.open_period(history)
    ep = c.open_episode(history, period.pk) if period is not None else None
    candidate = (edited(ep, dec=end_date, rec=reason_ceased) if ep is not None
                 else Episode(dec=end_date, rec=reason_ceased))
    checks = Checks()
    c.check_period_of_care_end(history, candidate, checks)
    checks.raise_if_any()

    ep = candidate
    ep.save()
    history.replace(ep)
    period.end_date = end_date
    period.save()
    history.replace(period)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="update", obj=ep,
                 detail={"dec": str(end_date), "rec": reason_ceased})
    audit_record(actor=by, action="update", obj=period, detail={"end_date": str(end_date)})
    return period


@transaction.atomic
def review_record(*, by, child_id: int, review_date: dt.date,
                  participation: str) -> LookedAfterReview:
    """Record a looked-after review chaired by the IRO."""
    history = ChildHistory.load(child_id)
    review = LookedAfterReview(period_of_care=c.period_on(history, review_date),
                               review_date=review_date, participation=participation,
                               recorded_by=by)
    checks = Checks()
    c.check_review_record(history, review, checks)
    checks.raise_if_any()
    review.save()
    history.add(review)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="create", obj=review)
    return review


@transaction.atomic
def health_assessment_record(*, by, child_id: int, kind: str,
                             requested_date: dt.date | None = None,
                             completed_date: dt.date | None = None) -> HealthAssessment:
    """Record a health assessment or dental check (requested, completed, or both)."""
    history = ChildHistory.load(child_id)
    assessment = HealthAssessment(child=history.child, kind=kind, requested_date=requested_date,
                                  completed_date=completed_date, recorded_by=by)
    checks = Checks()
    c.check_health_assessment_record(history, assessment, checks)
    checks.raise_if_any()
    assessment.save()
    history.add(assessment)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="create", obj=assessment)
    return assessment


@transaction.atomic
def annual_outcomes_record(*, by, child_id: int, year_ending: dt.date,
                           **oc2_fields) -> AnnualHealthOutcomes:
    """Record (or replace) the OC2 outcomes for a child looked after 12 months at 31 March."""
    unknown = set(oc2_fields) - set(c.OC2_FIELDS)
    if unknown:
        raise TypeError(f"unknown OC2 fields: {sorted(unknown)}")
    history = ChildHistory.load(child_id)
    values = {k: oc2_fields.get(k) for k in c.OC2_FIELDS}
    values["sdq_reason"] = values["sdq_reason"] or ""
    for name in c.OC2_FLAGS:  # forms and files send 1/0 for yes/no
        if values[name] in (0, 1) and not isinstance(values[name], bool):
            values[name] = bool(values[name])
    existing = next((x for x in history.annual_outcomes if x.year_ending == year_ending), None)
    record = (edited(existing, **values, recorded_by=by) if existing is not None
              else AnnualHealthOutcomes(child=history.child, year_ending=year_ending,
                                        recorded_by=by, **values))
    checks = Checks()
    c.check_annual_outcomes_record(history, record, checks)
    checks.raise_if_any()
    record.save()
    history.replace(record)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="create" if existing is None else "update", obj=record)
    return record


@transaction.atomic
def pep_record(*, by, child_id: int, plan_date: dt.date) -> PersonalEducationPlan:
    """Record a personal education plan (PEP) meeting for a looked-after child."""
    history = ChildHistory.load(child_id)
    pep = PersonalEducationPlan(child=history.child, plan_date=plan_date, recorded_by=by)
    checks = Checks()
    c.check_pep_record(history, pep, checks)
    checks.raise_if_any()
    pep.save()
    history.add(pep)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="create", obj=pep)
    return pep


@transaction.atomic
def permanence_plan_record(*, by, child_id: int, plan_date: dt.date, plan: str) -> PermanencePlan:
    """Record the plan for permanence agreed for a looked-after child (Annex A List 8; Care
    Planning Regulations 2010 reg 5: the care plan includes the plan for permanence)."""
    history = ChildHistory.load(child_id)
    record = PermanencePlan(child=history.child, plan_date=plan_date, plan=plan, recorded_by=by)
    checks = Checks()
    c.check_permanence_plan_record(history, record, checks)
    checks.raise_if_any()
    record.save()
    history.add(record)
    refresh_clocks(history.child, history)
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
