"""Assessment and CIN plan checks read only a loaded ChildHistory: no query runs while they
decide, so the synthetic council generator applies the very rules a practitioner's save applies."""

from __future__ import annotations

import datetime as dt

import pytest

from safeguard.access import policy
from safeguard.assessment import checks as asc
from safeguard.assessment import services as asmt
from safeguard.assessment.models import Assessment, CINPlan
from safeguard.core.errors import Checks
from safeguard.front_door import services as fd
from safeguard.front_door.models import Referral
from safeguard.record.history import ChildHistory, edited

D = dt.date


@pytest.fixture
def referral(worker, child) -> Referral:
    return fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2024, 1, 10),
                            source="2A", primary_need="N1")


@pytest.fixture
def assessment(worker, referral) -> Assessment:
    return asmt.assessment_start(by=worker, referral_id=referral.pk, start_date=D(2024, 1, 11))


def _rules(checks: Checks) -> set[str]:
    return {v.rule for v in checks.violations}


def test_assessment_start_check_runs_without_queries(django_assert_num_queries, child, referral,
                                                     assessment):
    """CIN census rule 8896: one open assessment per episode; decided from the history alone."""
    history = ChildHistory.load(child.pk, lock=False)
    candidate = Assessment(referral_id=referral.pk, kind=Assessment.Kind.SINGLE,
                           start_date=D(2024, 1, 20))
    checks = Checks()
    with django_assert_num_queries(0):
        asc.check_assessment_start(history, candidate, checks)
    assert "CIN 8896" in _rules(checks)


def test_assessment_authorise_check_runs_without_queries(django_assert_num_queries, manager,
                                                         child, assessment):
    """CIN census rules 8608 (authorised on or after the start) and 8869 (factor 21 alone)."""
    history = ChildHistory.load(child.pk, lock=False)
    with django_assert_num_queries(0):
        held = history.for_edit("assessments", assessment.pk, None)
        candidate = edited(held, authorisation_date=D(2024, 1, 5), requires_support=True)
        checks = Checks()
        asc.check_assessment_authorise(history, candidate, checks, by=manager,
                                       factors=["21", "3B"])
    assert {"CIN 8608", "CIN 8869"} <= _rules(checks)


def test_cin_plan_start_check_runs_without_queries(django_assert_num_queries, worker, child,
                                                   referral):
    """CIN census rules 4004 (one open CIN plan) and 4014 (CIN plans do not overlap)."""
    asmt.cin_plan_start(by=worker, referral_id=referral.pk, start_date=D(2024, 2, 1))
    history = ChildHistory.load(child.pk, lock=False)
    candidate = CINPlan(referral_id=referral.pk, start_date=D(2024, 3, 1))
    checks = Checks()
    with django_assert_num_queries(0):
        asc.check_cin_plan_start(history, candidate, checks)
    assert {"CIN 4004", "CIN 4014"} <= _rules(checks)


def test_cin_plan_end_check_runs_without_queries(django_assert_num_queries, worker, child,
                                                 referral):
    """CIN census rule 4011: a CIN plan cannot end before it started."""
    plan = asmt.cin_plan_start(by=worker, referral_id=referral.pk, start_date=D(2024, 2, 1))
    history = ChildHistory.load(child.pk, lock=False)
    with django_assert_num_queries(0):
        held = history.for_edit("cin_plans", plan.pk, None)
        candidate = edited(held, end_date=D(2024, 1, 20))
        checks = Checks()
        asc.check_cin_plan_end(history, candidate, checks)
    assert "CIN 4011" in _rules(checks)


def test_assessment_workflow_checks_run_without_queries(django_assert_num_queries, worker,
                                                         child, assessment):
    """Working Together 2023 (the child seen, every section written, a manager's decision) and
    CIN census rule 8869: decided from the history and the words handed in, with no query."""
    from safeguard.assessment.models import AssessmentContent

    words = AssessmentContent.objects.get(assessment=assessment)
    history = ChildHistory.load(child.pk, lock=False)
    # The service reads the council's table of decisions before the check (the check reads none).
    decider = policy.decider(worker, policy.ASSESSMENT_AUTHORISATION)
    with django_assert_num_queries(0):
        held = history.for_edit("assessments", assessment.pk, None)
        submitting = edited(held, status=Assessment.Status.SUBMITTED)
        checks = Checks()
        asc.check_assessment_submit(history, submitting, checks, content=words,
                                    factors=["21", "3B"], requires_support=True, outcome="nfa")
        assert {"child_seen_date", "analysis", "factors"} <= {v.field for v in checks.violations}
        assert "CIN 8869" in _rules(checks)
        checks = Checks()
        asc.check_assessment_return(history, edited(held, status=Assessment.Status.RETURNED),
                                    checks, by=worker, comments="short", decider=decider)
        assert {v.field for v in checks.violations} == {"decided_by", "status", "comments"}
        checks = Checks()
        asc.check_assessment_save(history, words, checks, assessment=held)
        assert checks.violations == []
        checks = Checks()
        asc.check_assessment_amend(history, words, checks, assessment=held, reason="",
                                   changed=[])
        assert {v.field for v in checks.violations} == {"status", "reason", "__all__"}
