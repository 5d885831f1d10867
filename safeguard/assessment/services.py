"""Child and family assessments and child in need plans, within an episode of need. Every
function validates, saves, refreshes the clocks and audits in one transaction; a refused save
changes nothing. CIN census rules that relate records already on file are checked here with
the rule's code, so the census return is valid by construction."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from safeguard.audit.services import audit_record
from safeguard.core import codes
from safeguard.core.errors import Checks, today
from safeguard.core.records import lock_for_edit
from safeguard.front_door.models import Referral
from safeguard.timescales.services import refresh_clocks

from .models import Assessment, AssessmentFactorIdentified, CINPlan

NO_FACTORS = "21"
# Initial and core assessments were replaced by the single assessment (Working Together 2013).
SINGLE_ASSESSMENT_FROM = dt.date(2013, 4, 1)
CLOSED_AFTER_ASSESSMENT = ("RC8", "RC9")
# Factor codes the DfE has withdrawn or never accepted, with the CIN rule that rejects each.
WITHDRAWN_FACTORS = {
    "8A": ("CIN 8617", "code 8A is not a valid factor; use 8B to 8F"),
    "18A": ("CIN 8945Q", "code 18A is no longer used; use 18B or 18C"),
    "19A": ("CIN 8950Q", "code 19A is no longer used; use 19B or 19C"),
}


def _check_episode_open_for(referral: Referral, when: dt.date, field: str, label: str,
                            checks: Checks) -> None:
    """New work needs an open episode that did not end in no further action."""
    if referral.closure_date is not None:
        if when is not None and when > referral.closure_date:
            checks.fail(field, "CIN 8565", f"{label} cannot be after the episode's closure date")
        else:
            checks.fail(field, "local", "the episode of need is closed; open a new referral")


# --- assessments --------------------------------------------------------------------------

@transaction.atomic
def assessment_start(*, by, referral_id: int, start_date: dt.date,
                     kind: str = Assessment.Kind.SINGLE) -> Assessment:
    """Start a child and family assessment in an episode of need; its T02 clock starts."""
    referral = Referral.objects.select_for_update().select_related("child").get(pk=referral_id)
    child = referral.child
    checks = Checks()
    checks.code(kind, Assessment.Kind, "kind", "local", "Kind of assessment")
    if checks.require(start_date is not None, "start_date", "local", "a start date is required"):
        checks.require(start_date >= referral.referral_date, "start_date", "CIN 1103",
                       "the assessment cannot start before the referral date")
        checks.require(start_date <= today(), "start_date", "local",
                       "the assessment cannot start in the future")
        if child.date_of_death:
            checks.require(start_date <= child.date_of_death, "start_date", "local",
                           "the assessment cannot start after the child's date of death")
        if kind in (Assessment.Kind.INITIAL, Assessment.Kind.CORE):
            checks.require(start_date < SINGLE_ASSESSMENT_FROM, "kind", "local",
                           "initial and core assessments ended in 2013; use a single assessment")
        _check_episode_open_for(referral, start_date, "start_date", "the assessment", checks)
    checks.require(not referral.referral_nfa, "referral", "CIN 8831",
                   "the referral was closed with no further action; it cannot have an assessment")
    checks.require(not referral.assessments.filter(authorisation_date__isnull=True).exists(),
                   "start_date", "CIN 8896",
                   "another assessment in this episode is still open; authorise it first")
    checks.raise_if_any()
    assessment = Assessment.objects.create(referral=referral, kind=kind, start_date=start_date,
                                           recorded_by=by)
    refresh_clocks(child)
    audit_record(actor=by, action="create", obj=assessment)
    return assessment


@transaction.atomic
def assessment_record_child_seen(*, by, assessment_id: int, expected_version: int | None,
                                 child_seen_date: dt.date) -> Assessment:
    """Record when the child was seen during the assessment (Working Together 2023)."""
    assessment = lock_for_edit(Assessment, assessment_id, expected_version)
    child = assessment.referral.child
    checks = Checks()
    if checks.require(child_seen_date is not None, "child_seen_date", "local",
                      "the date the child was seen is required"):
        checks.require(child_seen_date >= assessment.start_date, "child_seen_date", "local",
                       "the child cannot be seen for the assessment before it started")
        checks.require(child_seen_date <= today(), "child_seen_date", "local",
                       "the date the child was seen cannot be in the future")
        if assessment.authorisation_date:
            checks.require(child_seen_date <= assessment.authorisation_date, "child_seen_date",
                           "local", "the child must be seen before the assessment is authorised")
        checks.require(child.date_of_birth is not None and child_seen_date >= child.date_of_birth,
                       "child_seen_date", "local", "an unborn child cannot be seen")
        if child.date_of_death:
            checks.require(child_seen_date <= child.date_of_death, "child_seen_date", "local",
                           "the child cannot be seen after their date of death")
    checks.raise_if_any()
    assessment.child_seen_date = child_seen_date
    assessment.recorded_by = by
    assessment.save()
    refresh_clocks(child)
    audit_record(actor=by, action="update", obj=assessment,
                 detail={"child_seen_date": str(child_seen_date)})
    return assessment


def _check_factors(factors, checks: Checks) -> None:
    """CIN census AssessmentFactors: at least one valid code, each once, 21 alone."""
    if factors is None or len(factors) == 0:
        checks.fail("factors", "CIN 8897Q",
                    f"record the factors identified, or {NO_FACTORS} (no factors identified)")
        return
    for code in factors:
        if code in WITHDRAWN_FACTORS:
            rule, message = WITHDRAWN_FACTORS[code]
            checks.fail("factors", rule, message)
        else:
            checks.code(code, codes.AssessmentFactor, "factors", "CIN 8897Q", "Assessment factor")
    checks.require(len(set(factors)) == len(factors), "factors", "CIN 8898",
                   "an assessment factor may be recorded only once")
    checks.require(NO_FACTORS not in factors or len(set(factors)) == 1, "factors", "CIN 8869",
                   f"factor {NO_FACTORS} (no factors identified) cannot be combined with others")


@transaction.atomic
def assessment_authorise(*, by, assessment_id: int, expected_version: int | None,
                         authorisation_date: dt.date, factors: list[str],
                         requires_support: bool) -> Assessment:
    """The team manager signs off the assessment with its factors; the T02 clock stops."""
    assessment = lock_for_edit(Assessment, assessment_id, expected_version)
    referral = assessment.referral
    child = referral.child
    checks = Checks()
    checks.require(by.can_authorise, "authorised_by", "local",
                   "an assessment must be authorised by a team manager")
    checks.require(assessment.authorisation_date is None, "authorisation_date", "local",
                   "this assessment has already been authorised")
    if checks.require(authorisation_date is not None, "authorisation_date", "local",
                      "the authorisation date is required"):
        checks.require(authorisation_date >= assessment.start_date, "authorisation_date",
                       "CIN 8608", "the assessment cannot be authorised before it started")
        checks.require(authorisation_date <= today(), "authorisation_date", "local",
                       "the authorisation date cannot be in the future")
        if referral.closure_date:
            checks.require(authorisation_date <= referral.closure_date, "authorisation_date",
                           "CIN 8565", "the assessment cannot be authorised after the episode "
                           "was closed")
        if assessment.child_seen_date:
            checks.require(authorisation_date >= assessment.child_seen_date,
                           "authorisation_date", "local",
                           "the assessment cannot be authorised before the child was seen")
    checks.require(isinstance(requires_support, bool), "requires_support", "local",
                   "say whether the child needs children's social care support")
    _check_factors(factors, checks)
    checks.raise_if_any()
    assessment.authorisation_date = authorisation_date
    assessment.authorised_by = by
    assessment.requires_support = requires_support
    assessment.recorded_by = by
    assessment.save()
    bulk_create_with_history(
        [AssessmentFactorIdentified(assessment=assessment, code=c) for c in factors],
        AssessmentFactorIdentified,
    )
    refresh_clocks(child)
    audit_record(actor=by, action="update", obj=assessment,
                 detail={"event": "authorised", "authorisation_date": str(authorisation_date),
                         "factors": list(factors), "requires_support": requires_support})
    return assessment


# --- child in need plans --------------------------------------------------------------------

def _within(day: dt.date, start: dt.date, end: dt.date | None) -> bool:
    return day >= start and (end is None or day <= end)


@transaction.atomic
def cin_plan_start(*, by, referral_id: int, start_date: dt.date) -> CINPlan:
    """Start a child in need plan within the episode; the CIN visit clock starts."""
    referral = Referral.objects.select_for_update().select_related("child").get(pk=referral_id)
    child = referral.child
    checks = Checks()
    checks.require(not referral.referral_nfa, "referral", "CIN 4000",
                   "the referral was closed with no further action; it cannot have a CIN plan")
    if referral.reason_for_closure in CLOSED_AFTER_ASSESSMENT:
        # CIN 2990 covers RC8 only; RC9 (referred to early help) is a local rule.
        checks.fail("referral", "CIN 2990" if referral.reason_for_closure == "RC8" else "local",
                    f"the episode was closed {referral.reason_for_closure} after assessment")
    if checks.require(start_date is not None, "start_date", "CIN 4010",
                      "the CIN plan start date is required"):
        checks.require(start_date >= referral.referral_date, "start_date", "CIN 4015",
                       "the CIN plan cannot start before the referral date")
        checks.require(start_date <= today(), "start_date", "CIN 4010",
                       "the CIN plan cannot start in the future")
        if child.date_of_death:
            checks.require(start_date <= child.date_of_death, "start_date", "CIN 4008",
                           "a CIN plan cannot start after the child's date of death")
        _check_episode_open_for(referral, start_date, "start_date", "the CIN plan", checks)
        _check_cin_plan_overlaps(referral, start_date, checks)
    checks.raise_if_any()
    plan = CINPlan.objects.create(referral=referral, start_date=start_date, recorded_by=by)
    refresh_clocks(child)
    audit_record(actor=by, action="create", obj=plan)
    return plan


def _check_cin_plan_overlaps(referral: Referral, start_date: dt.date, checks: Checks) -> None:
    """A new open CIN plan from start_date against the child's other plans (CIN 4004, 4014)
    and against child protection plans and their reviews in the episode (4001, 4003, 4016,
    4017): a child is on a CIN plan or a CP plan, never both."""
    plans = CINPlan.objects.filter(referral__child_id=referral.child_id)
    if plans.filter(referral=referral, end_date__isnull=True).exists():
        checks.fail("start_date", "CIN 4004",
                    "the child already has an open CIN plan in this episode; end it first")
    for other in plans:
        if _within(start_date, other.start_date, other.end_date) or other.start_date >= start_date:
            checks.fail("start_date", "CIN 4014",
                        f"this plan would overlap the CIN plan from {other.start_date:%d/%m/%Y}")
            break
    cp_plans = list(referral.cp_plans.all())
    if any(p.end_date is None for p in cp_plans):
        checks.fail("start_date", "CIN 4001",
                    "a CIN plan cannot run alongside an open child protection plan")
    for cpp in cp_plans:
        if _within(start_date, cpp.start_date, cpp.end_date) and start_date != cpp.end_date:
            checks.fail("start_date", "CIN 4016",
                        f"the child was on a child protection plan on this date "
                        f"(from {cpp.start_date:%d/%m/%Y})")
        if cpp.start_date >= start_date:
            checks.fail("start_date", "CIN 4017",
                        f"a child protection plan started on {cpp.start_date:%d/%m/%Y}, "
                        "during this CIN plan")
    reviews = referral.conferences.filter(kind="review", cp_plan__isnull=False,
                                          held_on__gte=start_date).select_related("cp_plan")
    for review in reviews:
        if review.held_on != review.cp_plan.end_date:
            checks.fail("start_date", "CIN 4003",
                        f"a child protection review on {review.held_on:%d/%m/%Y} would fall "
                        "inside this CIN plan")
            break


@transaction.atomic
def cin_plan_end(*, by, cin_plan_id: int, expected_version: int | None,
                 end_date: dt.date) -> CINPlan:
    """End a child in need plan (stepped down, stepped up to a CP plan, or needs met)."""
    plan = lock_for_edit(CINPlan, cin_plan_id, expected_version)
    referral = plan.referral
    child = referral.child
    checks = Checks()
    checks.require(plan.end_date is None, "end_date", "local", "this CIN plan has already ended")
    if checks.require(end_date is not None, "end_date", "local", "an end date is required"):
        checks.require(end_date >= plan.start_date, "end_date", "CIN 4011",
                       "the CIN plan cannot end before it started")
        checks.require(end_date <= today(), "end_date", "local",
                       "the end date cannot be in the future")
        if child.date_of_death:
            checks.require(end_date <= child.date_of_death, "end_date", "CIN 4009",
                           "a CIN plan cannot end after the child's date of death")
        if referral.closure_date:
            checks.require(end_date <= referral.closure_date, "end_date", "CIN 8565",
                           "the CIN plan cannot end after the episode was closed")
        later = CINPlan.objects.filter(referral__child_id=referral.child_id,
                                       start_date__gte=plan.start_date,
                                       start_date__lte=end_date).exclude(pk=plan.pk)
        checks.require(not later.exists(), "end_date", "CIN 4014",
                       "another CIN plan starts before this end date; plans cannot overlap")
        cpp_starts = referral.cp_plans.filter(start_date__gte=plan.start_date,
                                              start_date__lt=end_date)
        checks.require(not cpp_starts.exists(), "end_date", "CIN 4017",
                       "a child protection plan started before this end date; the CIN plan "
                       "must end on or before the day the CP plan starts")
        reviews = referral.conferences.filter(kind="review", cp_plan__isnull=False,
                                              held_on__gte=plan.start_date,
                                              held_on__lt=end_date).select_related("cp_plan")
        checks.require(all(r.held_on == r.cp_plan.end_date for r in reviews), "end_date",
                       "CIN 4003", "a child protection review falls inside this CIN plan")
    checks.raise_if_any()
    plan.end_date = end_date
    plan.recorded_by = by
    plan.save()
    refresh_clocks(child)
    audit_record(actor=by, action="update", obj=plan,
                 detail={"event": "ended", "end_date": str(end_date)})
    return plan
