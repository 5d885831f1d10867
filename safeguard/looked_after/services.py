"""Recording a child's time in care: periods of care and their episodes, reviews, health and
annual outcomes. Each function is one `Change` to the child's record (record/change.py), checked by
the pure SSDA903 checks in `checks.py` that can be run at the moment of saving, then saved, audited
and the clocks refreshed in one transaction; a refused change saves nothing.

Adoption, missing episodes, deprivation of liberty, previous permanence and care leavers live in
their own modules and are re-exported here so callers import from one place.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import prefetch_related_objects

from safeguard.record.change import Change
from safeguard.record.history import ChildHistory
from safeguard.workforce.models import Allocation

from . import checks as c
from .models import (
    AnnualHealthOutcomes,
    Episode,
    HealthAssessment,
    LookedAfterReview,
    LookedAfterReviewMinutes,
    PeriodOfCare,
    PermanencePlan,
    PersonalEducationPlan,
)


@transaction.atomic
def period_of_care_start(*, by, child_id: int, decom: dt.date, legal_status: str, category_of_need: str,
                         placement: str, placement_provider: str = "", home_postcode: str = "",
                         placement_postcode: str = "", urn: str = "") -> PeriodOfCare:
    """The child starts to be looked after: a new period of care and its first episode (RNE S)."""
    change = Change.of_child(child_id, by=by, event="period_of_care_start")
    ep = Episode(decom=decom, rne="S", legal_status=legal_status, category_of_need=category_of_need,
                 placement=placement, placement_provider=placement_provider or "",
                 home_postcode=home_postcode or change.child.home_postcode,
                 placement_postcode=placement_postcode or "", urn=urn or "")
    # The period is checked by its first episode before the history holds it (or it would be
    # taken for one already open), and staged first so that it is saved first.
    period = change.new(PeriodOfCare(child=change.child, start_date=decom),
                        lambda h, _period, checks: c.check_period_of_care_start(h, ep, checks))
    ep.period_of_care = period
    change.new(ep)
    return change.save(period)


def _next_episode(history: ChildHistory, *, change_date: dt.date, rne: str,
                  **given) -> tuple[Episode | None, Episode]:
    """The open episode (None if the child is not looked after) and the episode that would
    follow it: the values given, and whatever did not change copied forward."""
    period = c.open_period(history)
    prev = c.open_episode(history, period.pk) if period is not None else None
    if prev is None:
        return None, Episode(decom=change_date, rne=rne, **{k: v or "" for k, v in given.items()})
    first = c.episodes_of(history, period.pk)[0]
    kept = {k: getattr(prev, k) if v is None else v for k, v in given.items()}
    return prev, Episode(period_of_care=period, decom=change_date, rne=rne,
                         category_of_need=first.category_of_need, home_postcode=prev.home_postcode,
                         **kept)


@transaction.atomic
def episode_change(*, by, child_id: int, change_date: dt.date, rne: str, legal_status: str | None = None,
                   placement: str | None = None, placement_provider: str | None = None,
                   reason_place_change: str = "", placement_postcode: str | None = None,
                   urn: str | None = None, category_of_need: str | None = None) -> Episode:
    """Legal status and/or placement changes: the open episode ends that day (X1) and the next
    one opens with whatever did not change copied forward."""
    change = Change.of_child(child_id, by=by, event="episode_change")
    prev, new = _next_episode(change.history, change_date=change_date, rne=rne, legal_status=legal_status,
                              placement=placement, placement_provider=placement_provider,
                              placement_postcode=placement_postcode, urn=urn)
    # checked against the open episode as it stands; with none open, the check refuses the change
    change.new(new, c.check_episode_change, reason_place_change=reason_place_change,
               category_of_need=category_of_need)
    if prev is not None:
        change.edit(prev, to=dict(dec=change_date, rec="X1", reason_place_change=reason_place_change))
    return change.save(new)


@transaction.atomic
def period_of_care_end(*, by, child_id: int, end_date: dt.date, reason_ceased: str) -> PeriodOfCare:
    """The child stops being looked after: the open episode ends with the reason and the period
    of care closes."""
    change = Change.of_child(child_id, by=by, event="period_of_care_end")
    period = c.open_period(change.history)
    ep = c.open_episode(change.history, period.pk) if period is not None else None
    ending = dict(dec=end_date, rec=reason_ceased)
    if ep is None:  # not looked after: the check refuses it
        change.new(Episode(**ending), c.check_period_of_care_end)
        return change.save()
    change.edit(ep, c.check_period_of_care_end, to=ending)
    return change.save(change.edit(period, to={"end_date": end_date}))


#: What a looked-after review's minutes hold (`LookedAfterReviewMinutes`), each optional.
REVIEW_MINUTES_FIELDS = frozenset((
    "invited", "attended", "apologies", "agencies", "views_shared", "child_views", "parents_views",
    "decisions", "decision_reasons", "care_plan_appropriate"))


def _name_the_iros(change: Change) -> None:
    """Load the workers of the child's IRO allocations (one query), so the chair rule can name
    the IRO without the check querying."""
    if change.by is not None:
        prefetch_related_objects([a for a in change.history.allocations
                                  if a.kind == Allocation.Kind.IRO], "worker")


def _iro_id(history: ChildHistory, day: dt.date) -> int | None:
    iro = c.iro_on(history, day)
    return iro.worker_id if iro is not None else None


@transaction.atomic
def review_record(*, by, child_id: int, review_date: dt.date, participation: str, invited: str = "",
                  attended: str = "", apologies: str = "", agencies=(), views_shared: str = "",
                  child_views: str = "", parents_views: str = "", decisions: str = "",
                  decision_reasons: str = "",
                  care_plan_appropriate: bool | None = None) -> LookedAfterReview:
    """Record a looked-after review, by the child's IRO who chaired it (Children Act 1989
    s25A-25B), with its minutes if any are given (staged in the same change). How the child took
    part is the 903 REVIEW_CODE (`participation`); the minutes add how their views were shared."""
    change = Change.of_child(child_id, by=by, event="review_record")
    _name_the_iros(change)
    period = c.period_on(change.history, review_date)
    review = change.new(LookedAfterReview(period_of_care=period, review_date=review_date,
                                          participation=participation), c.check_review_record, by=by)
    minutes = dict(invited=invited, attended=attended, apologies=apologies,
                   agencies=list(agencies or ()), views_shared=views_shared, child_views=child_views,
                   parents_views=parents_views, decisions=decisions, decision_reasons=decision_reasons,
                   care_plan_appropriate=care_plan_appropriate)
    if any(v not in ("", None, []) for v in minutes.values()):
        change.new(LookedAfterReviewMinutes(review=review, chair_id=_iro_id(change.history, review_date),
                                            **minutes), c.check_review_minutes, review=review)
    return change.save(review)


@transaction.atomic
def review_minutes_record(*, by, review_id: int, expected_version: int | None = None,
                          **fields) -> LookedAfterReviewMinutes:
    """Write or correct a looked-after review's minutes after it was recorded, by the child's
    IRO on the review date. `expected_version` is the minutes' version as read (None when there
    are none yet)."""
    if unknown := set(fields) - REVIEW_MINUTES_FIELDS:
        raise TypeError(f"unknown looked-after review minutes fields: {sorted(unknown)}")
    if "agencies" in fields:
        fields["agencies"] = list(fields["agencies"] or ())
    change = Change.of(LookedAfterReview, review_id, by=by, event="review_minutes_record")
    _name_the_iros(change)
    review = change.held
    pk = LookedAfterReviewMinutes.objects.filter(review_id=review.pk).values_list("pk", flat=True).first()
    chair_id = _iro_id(change.history, review.review_date)
    if pk is None:
        minutes = change.new(LookedAfterReviewMinutes(review=review, chair_id=chair_id, **fields),
                             c.check_review_minutes, review=review, by=by)
    else:
        held = change.attached(LookedAfterReviewMinutes, pk, expected_version)
        to = fields if held.chair_id is not None else {**fields, "chair_id": chair_id}
        minutes = change.edit(held, c.check_review_minutes, to=to, review=review, by=by)
    return change.save(minutes)


@transaction.atomic
def health_assessment_record(*, by, child_id: int, kind: str, requested_date: dt.date | None = None,
                             completed_date: dt.date | None = None) -> HealthAssessment:
    """Record a health assessment or dental check (requested, completed, or both)."""
    change = Change.of_child(child_id, by=by, event="health_assessment_record")
    return change.save(change.new(
        HealthAssessment(child=change.child, kind=kind, requested_date=requested_date,
                         completed_date=completed_date), c.check_health_assessment_record))


@transaction.atomic
def health_assessment_request(*, by, child_id: int, kind: str,
                              requested_date: dt.date) -> HealthAssessment:
    """Record that a health assessment was requested (Promoting the health and well-being of
    looked-after children, 2015): the request meets the request clock (T12Q) only; the
    assessment's own clock (T12I, T12R) is met when `health_assessment_complete` dates it."""
    change = Change.of_child(child_id, by=by, event="health_assessment_request")
    return change.save(change.new(
        HealthAssessment(child=change.child, kind=kind, requested_date=requested_date),
        c.check_health_assessment_request))


@transaction.atomic
def health_assessment_complete(*, by, health_assessment_id: int, expected_version: int | None,
                               completed_date: dt.date) -> HealthAssessment:
    """Record the date a requested assessment was done (or correct it): the request's own row is
    completed, so one assessment is one row."""
    change = Change.of(HealthAssessment, health_assessment_id, by=by,
                       event="health_assessment_complete", expected_version=expected_version)
    return change.save(change.edit(change.held, c.check_health_assessment_complete,
                                   to={"completed_date": completed_date}))


@transaction.atomic
def annual_outcomes_record(*, by, child_id: int, year_ending: dt.date, **oc2_fields) -> AnnualHealthOutcomes:
    """Record (or replace) the OC2 outcomes for a child looked after 12 months at 31 March."""
    unknown = set(oc2_fields) - set(c.OC2_FIELDS)
    if unknown:
        raise TypeError(f"unknown OC2 fields: {sorted(unknown)}")
    values = {k: oc2_fields.get(k) for k in c.OC2_FIELDS}
    values["sdq_reason"] = values["sdq_reason"] or ""
    for name in c.OC2_FLAGS:  # forms and files send 1/0 for yes/no
        if values[name] in (0, 1) and not isinstance(values[name], bool):
            values[name] = bool(values[name])
    change = Change.of_child(child_id, by=by, event="annual_outcomes_record")
    held = next((x for x in change.history.annual_outcomes if x.year_ending == year_ending), None)
    return change.save(
        change.edit(held, c.check_annual_outcomes_record, to=values) if held is not None
        else change.new(AnnualHealthOutcomes(child=change.child, year_ending=year_ending, **values),
                        c.check_annual_outcomes_record))


@transaction.atomic
def pep_record(*, by, child_id: int, plan_date: dt.date) -> PersonalEducationPlan:
    """Record a personal education plan (PEP) meeting for a looked-after child."""
    change = Change.of_child(child_id, by=by, event="pep_record")
    return change.save(change.new(PersonalEducationPlan(child=change.child, plan_date=plan_date),
                                  c.check_pep_record))


@transaction.atomic
def permanence_plan_record(*, by, child_id: int, plan_date: dt.date, plan: str) -> PermanencePlan:
    """Record the plan for permanence agreed for a looked-after child (Annex A List 8; Care
    Planning Regulations 2010 reg 5: the care plan includes the plan for permanence)."""
    change = Change.of_child(child_id, by=by, event="permanence_plan_record")
    return change.save(change.new(PermanencePlan(child=change.child, plan_date=plan_date, plan=plan),
                                  c.check_permanence_plan_record))


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
    "review_minutes_record", "health_assessment_record", "health_assessment_request",
    "health_assessment_complete", "annual_outcomes_record", "pep_record",
    "adoption_decision_record", "adoption_milestone_record", "adoption_decision_reverse",
    "missing_episode_start", "missing_episode_end", "return_interview_record",
    "previous_permanence_record", "deprivation_of_liberty_record", "deprivation_of_liberty_end",
    "care_leaver_contact_record", "permanence_plan_record", "care_leaver_eligibility_record",
    "adopter_household_register", "adopter_household_update", "adoption_match_household",
]
