"""Child and family assessments and child in need plans, within an episode of need. Every
function validates, saves, refreshes the clocks and audits in one transaction; a refused save
changes nothing. CIN census rules that relate records already on file are checked (in
`checks.py`, over the child's `ChildHistory`) with the rule's code, so the census return is
valid by construction."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from safeguard.audit.services import audit_record
from safeguard.front_door.models import Referral
from safeguard.record.history import ChildHistory, edited, run_check
from safeguard.timescales.services import refresh_clocks

from .checks import (
    check_assessment_authorise,
    check_assessment_record_child_seen,
    check_assessment_start,
    check_cin_plan_end,
    check_cin_plan_start,
)
from .models import Assessment, AssessmentFactorIdentified, CINPlan

# --- assessments --------------------------------------------------------------------------

@transaction.atomic
def assessment_start(*, by, referral_id: int, start_date: dt.date,
                     kind: str = Assessment.Kind.SINGLE) -> Assessment:
    """Start a child and family assessment in an episode of need; its T02 clock starts."""
    history = ChildHistory.load_for(Referral, referral_id)
    assessment = Assessment(referral=history.referral(referral_id), kind=kind,
                            start_date=start_date, recorded_by=by)
    run_check(check_assessment_start, history, assessment)
    assessment.save()
    history.add(assessment)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="create", obj=assessment)
    return assessment


@transaction.atomic
def assessment_record_child_seen(*, by, assessment_id: int, expected_version: int | None,
                                 child_seen_date: dt.date) -> Assessment:
    """Record when the child was seen during the assessment (Working Together 2023)."""
    history = ChildHistory.load_for(Assessment, assessment_id)
    held = history.for_edit("assessments", assessment_id, expected_version)
    assessment = edited(held, child_seen_date=child_seen_date, recorded_by=by)
    run_check(check_assessment_record_child_seen, history, assessment)
    assessment.save()
    history.replace(assessment)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="update", obj=assessment,
                 detail={"child_seen_date": str(child_seen_date)})
    return assessment


@transaction.atomic
def assessment_authorise(*, by, assessment_id: int, expected_version: int | None,
                         authorisation_date: dt.date, factors: list[str],
                         requires_support: bool) -> Assessment:
    """The team manager signs off the assessment with its factors; the T02 clock stops."""
    history = ChildHistory.load_for(Assessment, assessment_id)
    held = history.for_edit("assessments", assessment_id, expected_version)
    assessment = edited(held, authorisation_date=authorisation_date, authorised_by=by,
                        requires_support=requires_support, recorded_by=by)
    run_check(check_assessment_authorise, history, assessment, by=by, factors=factors)
    assessment.save()
    history.replace(assessment)
    identified = bulk_create_with_history(
        [AssessmentFactorIdentified(assessment=assessment, code=c) for c in factors],
        AssessmentFactorIdentified,
    )
    for factor in identified:
        history.add(factor)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="update", obj=assessment,
                 detail={"event": "authorised", "authorisation_date": str(authorisation_date),
                         "factors": list(factors), "requires_support": requires_support})
    return assessment


# --- child in need plans --------------------------------------------------------------------

@transaction.atomic
def cin_plan_start(*, by, referral_id: int, start_date: dt.date) -> CINPlan:
    """Start a child in need plan within the episode; the CIN visit clock starts."""
    history = ChildHistory.load_for(Referral, referral_id)
    plan = CINPlan(referral=history.referral(referral_id), start_date=start_date, recorded_by=by)
    run_check(check_cin_plan_start, history, plan)
    plan.save()
    history.add(plan)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="create", obj=plan)
    return plan


@transaction.atomic
def cin_plan_end(*, by, cin_plan_id: int, expected_version: int | None,
                 end_date: dt.date) -> CINPlan:
    """End a child in need plan (stepped down, stepped up to a CP plan, or needs met)."""
    history = ChildHistory.load_for(CINPlan, cin_plan_id)
    held = history.for_edit("cin_plans", cin_plan_id, expected_version)
    plan = edited(held, end_date=end_date, recorded_by=by)
    run_check(check_cin_plan_end, history, plan)
    plan.save()
    history.replace(plan)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="update", obj=plan,
                 detail={"event": "ended", "end_date": str(end_date)})
    return plan
