"""Child and family assessments and child in need plans, within an episode of need. Each function
is one `Change` to the child's record (record/change.py): checked, saved, audited and the clocks
refreshed in one transaction; a refused save changes nothing. CIN census rules that relate records
already on file are checked (in `checks.py`, over the child's `ChildHistory`) with the rule's code,
so the census return is valid by construction."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from safeguard.front_door.models import Referral
from safeguard.record.change import Change

from . import checks as c
from .models import Assessment, AssessmentFactorIdentified, CINPlan

# --- assessments --------------------------------------------------------------------------

@transaction.atomic
def assessment_start(*, by, referral_id: int, start_date: dt.date,
                     kind: str = Assessment.Kind.SINGLE) -> Assessment:
    """Start a child and family assessment in an episode of need; its T02 clock starts."""
    change = Change.of(Referral, referral_id, by=by, event="assessment_start")
    assessment = change.new(Assessment(referral=change.held, kind=kind, start_date=start_date),
                            c.check_assessment_start)
    return change.save(assessment)


@transaction.atomic
def assessment_record_child_seen(*, by, assessment_id: int, expected_version: int | None,
                                 child_seen_date: dt.date) -> Assessment:
    """Record when the child was seen during the assessment (Working Together 2023)."""
    change = Change.of(Assessment, assessment_id, by=by, event="assessment_record_child_seen",
                       expected_version=expected_version)
    assessment = change.edit(change.held, c.check_assessment_record_child_seen,
                             to=dict(child_seen_date=child_seen_date))
    return change.save(assessment)


@transaction.atomic
def assessment_authorise(*, by, assessment_id: int, expected_version: int | None,
                         authorisation_date: dt.date, factors: list[str],
                         requires_support: bool) -> Assessment:
    """The team manager signs off the assessment with its factors (one row each, in the same
    change); the T02 clock stops."""
    change = Change.of(Assessment, assessment_id, by=by, event="assessment_authorise",
                       expected_version=expected_version)
    assessment = change.edit(change.held, c.check_assessment_authorise, by=by, factors=factors,
                             to=dict(authorisation_date=authorisation_date, authorised_by=by,
                                     requires_support=requires_support))
    for code in factors or []:
        change.new(AssessmentFactorIdentified(assessment=assessment, code=code))
    return change.save(assessment)


# --- child in need plans --------------------------------------------------------------------

@transaction.atomic
def cin_plan_start(*, by, referral_id: int, start_date: dt.date) -> CINPlan:
    """Start a child in need plan within the episode; the CIN visit clock starts."""
    change = Change.of(Referral, referral_id, by=by, event="cin_plan_start")
    plan = change.new(CINPlan(referral=change.held, start_date=start_date), c.check_cin_plan_start)
    return change.save(plan)


@transaction.atomic
def cin_plan_end(*, by, cin_plan_id: int, expected_version: int | None,
                 end_date: dt.date) -> CINPlan:
    """End a child in need plan (stepped down, stepped up to a CP plan, or needs met)."""
    change = Change.of(CINPlan, cin_plan_id, by=by, event="cin_plan_end",
                       expected_version=expected_version)
    plan = change.edit(change.held, c.check_cin_plan_end, to=dict(end_date=end_date))
    return change.save(plan)
