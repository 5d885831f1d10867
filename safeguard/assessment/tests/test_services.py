"""Assessment and CIN plan services: each rule enforced at entry is refused with its code and
changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from safeguard.assessment import services as asmt
from safeguard.assessment.models import Assessment, AssessmentFactorIdentified, CINPlan
from safeguard.assessment.tests import helpers
from safeguard.audit.models import AuditEvent
from safeguard.core.errors import EditConflict, RecordInvalid
from safeguard.front_door import services as fd
from safeguard.front_door.models import Referral

D = dt.date


@pytest.fixture
def referral(worker, child) -> Referral:
    return fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2024, 1, 10),
                            source="2A", primary_need="N1")


@pytest.fixture
def assessment(worker, referral) -> Assessment:
    return asmt.assessment_start(by=worker, referral_id=referral.pk, start_date=D(2024, 1, 11))


def submit(worker, assessment, **kw) -> Assessment:
    """The child seen on 12 January 2024, every section written, submitted."""
    return helpers.submit(worker, assessment, child_seen_date=D(2024, 1, 12), **kw)


@pytest.fixture
def submitted(worker, assessment) -> Assessment:
    return submit(worker, assessment)


def _refused(exc_info, rule: str) -> None:
    assert rule in exc_info.value.rules, exc_info.value.rules


def _authorise(assessment, manager, **kw):
    args = dict(by=manager, assessment_id=assessment.pk, expected_version=assessment.version,
                authorisation_date=D(2024, 2, 20), factors=["3B", "4B"], requires_support=True)
    args.update(kw)
    return asmt.assessment_authorise(**args)


def _assert_not_authorised(assessment) -> None:
    fresh = Assessment.objects.get(pk=assessment.pk)
    assert fresh.authorisation_date is None and fresh.authorised_by is None
    assert AssessmentFactorIdentified.objects.filter(assessment=assessment).count() == 0


def _cp_plan(referral, start, end=None):
    from safeguard.child_protection.models import ChildProtectionPlan

    return ChildProtectionPlan.objects.create(referral=referral, start_date=start, end_date=end,
                                              initial_category="NEG", latest_category="NEG")


# --- starting an assessment -----------------------------------------------------------------

def test_assessment_start_happy_path(worker, referral):
    """CIN census Assessments: AssessmentActualStartDate within the episode (T02 clock)."""
    a = asmt.assessment_start(by=worker, referral_id=referral.pk, start_date=D(2024, 1, 11))
    assert a.kind == "single" and a.authorisation_date is None
    assert AuditEvent.objects.filter(object_type="assessment.Assessment", action="create",
                                     child_id=referral.child_id).exists()


def test_assessment_not_before_referral(worker, referral):
    """CIN census rule 1103: the assessment start date cannot be before the referral date."""
    with pytest.raises(RecordInvalid) as exc:
        asmt.assessment_start(by=worker, referral_id=referral.pk, start_date=D(2024, 1, 9))
    _refused(exc, "CIN 1103")
    assert Assessment.objects.count() == 0


def test_assessment_not_in_future(worker, referral):
    """Local rule: an assessment is started on or before today."""
    with pytest.raises(RecordInvalid) as exc:
        asmt.assessment_start(by=worker, referral_id=referral.pk,
                              start_date=timezone.localdate() + dt.timedelta(days=1))
    _refused(exc, "local")
    assert Assessment.objects.count() == 0


def test_assessment_not_after_episode_closed(worker, manager, referral, submitted):
    """CIN census rule 8565: no activity after the episode's closure date."""
    _authorise(submitted, manager, authorisation_date=D(2024, 2, 1))
    referral.refresh_from_db()
    fd.referral_close(by=manager, referral_id=referral.pk, expected_version=referral.version,
                      closure_date=D(2024, 3, 1), reason_for_closure="RC7",
                      rationale="Needs met.", authorised_by=manager)
    with pytest.raises(RecordInvalid) as exc:
        asmt.assessment_start(by=worker, referral_id=referral.pk, start_date=D(2024, 3, 5))
    _refused(exc, "CIN 8565")
    assert Assessment.objects.count() == 1


def test_assessment_not_on_nfa_referral(worker, manager, referral):
    """CIN census rule 8831: an NFA referral cannot have an assessment."""
    fd.referral_record_response(by=manager, referral_id=referral.pk,
                                expected_version=referral.version, response="nfa",
                                response_date=D(2024, 1, 10))
    with pytest.raises(RecordInvalid) as exc:
        asmt.assessment_start(by=worker, referral_id=referral.pk, start_date=D(2024, 1, 11))
    _refused(exc, "CIN 8831")
    assert Assessment.objects.count() == 0


def test_one_open_assessment_per_episode(worker, referral, assessment):
    """CIN census rule 8896: no more than one open assessment in an episode."""
    with pytest.raises(RecordInvalid) as exc:
        asmt.assessment_start(by=worker, referral_id=referral.pk, start_date=D(2024, 1, 20))
    _refused(exc, "CIN 8896")
    assert Assessment.objects.count() == 1


def test_legacy_kinds_only_before_2013(worker, referral):
    """Working Together 2013 replaced initial and core assessments with the single assessment."""
    with pytest.raises(RecordInvalid) as exc:
        asmt.assessment_start(by=worker, referral_id=referral.pk, start_date=D(2024, 1, 11),
                              kind="initial")
    _refused(exc, "local")
    assert Assessment.objects.count() == 0


# --- child seen -----------------------------------------------------------------------------

def test_record_child_seen(worker, assessment):
    """Working Together 2023: the child is seen as part of the assessment."""
    a = asmt.assessment_record_child_seen(by=worker, assessment_id=assessment.pk,
                                          expected_version=assessment.version,
                                          child_seen_date=D(2024, 1, 12))
    assert Assessment.objects.get(pk=a.pk).child_seen_date == D(2024, 1, 12)


def test_child_seen_not_before_start(worker, assessment):
    """Local rule: the child is seen during the assessment, not before it started."""
    with pytest.raises(RecordInvalid) as exc:
        asmt.assessment_record_child_seen(by=worker, assessment_id=assessment.pk,
                                          expected_version=assessment.version,
                                          child_seen_date=D(2024, 1, 10))
    _refused(exc, "local")
    assert Assessment.objects.get(pk=assessment.pk).child_seen_date is None


def test_child_seen_edit_conflict(worker, assessment):
    """Lost-update protection: two saves from the same version; the second is refused."""
    v = assessment.version
    asmt.assessment_record_child_seen(by=worker, assessment_id=assessment.pk,
                                      expected_version=v, child_seen_date=D(2024, 1, 12))
    with pytest.raises(EditConflict):
        asmt.assessment_record_child_seen(by=worker, assessment_id=assessment.pk,
                                          expected_version=v, child_seen_date=D(2024, 1, 13))
    assert Assessment.objects.get(pk=assessment.pk).child_seen_date == D(2024, 1, 12)


# --- authorisation --------------------------------------------------------------------------

def test_authorise_happy_path(manager, submitted):
    """CIN census AssessmentAuthorisationDate and AssessmentFactors; T02 clock stops."""
    a = _authorise(submitted, manager)
    fresh = Assessment.objects.get(pk=a.pk)
    assert fresh.authorisation_date == D(2024, 2, 20) and fresh.authorised_by == manager
    assert fresh.requires_support is True
    assert set(fresh.factors.values_list("code", flat=True)) == {"3B", "4B"}
    assert AuditEvent.objects.filter(object_type="assessment.Assessment",
                                     action="update", detail__event="assessment_authorise",
                                     detail__changes__authorisation_date=[None, "2024-02-20"],
                                     detail__changes__requires_support=[None, True]).exists()
    assert {e.detail["changes"]["code"][1] for e in AuditEvent.objects.filter(
        object_type="assessment.AssessmentFactorIdentified", action="create",
        detail__event="assessment_authorise")} == {"3B", "4B"}


def test_authorise_needs_team_manager(worker, submitted):
    """Local rule (Working Together 2023: manager sign-off): a team manager authorises."""
    with pytest.raises(RecordInvalid) as exc:
        _authorise(submitted, worker)
    _refused(exc, "local")
    assert any(v.field == "authorised_by" for v in exc.value.violations)
    _assert_not_authorised(submitted)


def test_authorise_not_before_start(manager, submitted):
    """CIN census rule 8608: authorisation on or after the assessment start date."""
    with pytest.raises(RecordInvalid) as exc:
        _authorise(submitted, manager, authorisation_date=D(2024, 1, 10))
    _refused(exc, "CIN 8608")
    _assert_not_authorised(submitted)


def test_authorise_not_in_future(manager, submitted):
    """Local rule: an authorisation is recorded once given."""
    with pytest.raises(RecordInvalid) as exc:
        _authorise(submitted, manager,
                   authorisation_date=timezone.localdate() + dt.timedelta(days=1))
    _refused(exc, "local")
    _assert_not_authorised(submitted)


def test_factor_21_alone(manager, submitted):
    """CIN census rule 8869: factor 21 (no factors identified) cannot be combined."""
    with pytest.raises(RecordInvalid) as exc:
        _authorise(submitted, manager, factors=["21", "2B"])
    _refused(exc, "CIN 8869")
    _assert_not_authorised(submitted)


def test_factor_once_each(manager, submitted):
    """CIN census rule 8898: no factor code recorded twice for an assessment."""
    with pytest.raises(RecordInvalid) as exc:
        _authorise(submitted, manager, factors=["2B", "2B"])
    _refused(exc, "CIN 8898")
    _assert_not_authorised(submitted)


def test_factors_required(manager, submitted):
    """CIN census rule 8897Q: a completed assessment has one or more factors."""
    with pytest.raises(RecordInvalid) as exc:
        _authorise(submitted, manager, factors=[])
    _refused(exc, "CIN 8897Q")
    _assert_not_authorised(submitted)


def test_factor_codes_valid(manager, submitted):
    """CIN census rule 8897Q: every factor must be a valid code."""
    with pytest.raises(RecordInvalid) as exc:
        _authorise(submitted, manager, factors=["99Z"])
    _refused(exc, "CIN 8897Q")
    _assert_not_authorised(submitted)


@pytest.mark.parametrize("code, rule", [("8A", "CIN 8617"), ("18A", "CIN 8945Q"),
                                        ("19A", "CIN 8950Q")])
def test_withdrawn_factor_codes(manager, submitted, code, rule):
    """CIN census rules 8617 (8A), 8945Q (18A) and 8950Q (19A): withdrawn factor codes."""
    with pytest.raises(RecordInvalid) as exc:
        _authorise(submitted, manager, factors=[code])
    _refused(exc, rule)
    _assert_not_authorised(submitted)


def test_authorise_only_once(manager, submitted):
    """Local rule: an authorised assessment is not authorised again (factors stay as signed)."""
    a = _authorise(submitted, manager)
    with pytest.raises(RecordInvalid) as exc:
        _authorise(a, manager, factors=["21"])
    _refused(exc, "local")
    assert set(a.factors.values_list("code", flat=True)) == {"3B", "4B"}


def test_authorise_edit_conflict(worker, manager, submitted):
    """Lost-update protection on sign-off."""
    v = submitted.version
    asmt.assessment_record_child_seen(by=worker, assessment_id=submitted.pk,
                                      expected_version=v, child_seen_date=D(2024, 1, 13))
    with pytest.raises(EditConflict):
        _authorise(submitted, manager, expected_version=v)
    _assert_not_authorised(submitted)


# --- CIN plans ------------------------------------------------------------------------------

def test_cin_plan_start_and_end(worker, referral):
    """CIN census CINPlanDates: a plan within the episode."""
    p = asmt.cin_plan_start(by=worker, referral_id=referral.pk, start_date=D(2024, 2, 1))
    p = asmt.cin_plan_end(by=worker, cin_plan_id=p.pk, expected_version=p.version,
                          end_date=D(2024, 5, 1))
    assert CINPlan.objects.get(pk=p.pk).end_date == D(2024, 5, 1)
    assert AuditEvent.objects.filter(object_type="assessment.CINPlan").count() == 2


def test_cin_plan_not_before_referral(worker, referral):
    """CIN census rule 4015: the CIN plan start date is on or after the referral date."""
    with pytest.raises(RecordInvalid) as exc:
        asmt.cin_plan_start(by=worker, referral_id=referral.pk, start_date=D(2024, 1, 1))
    _refused(exc, "CIN 4015")
    assert CINPlan.objects.count() == 0


def test_cin_plan_not_in_future(worker, referral):
    """CIN census rule 4010: the CIN plan start date is on or before the reference date."""
    with pytest.raises(RecordInvalid) as exc:
        asmt.cin_plan_start(by=worker, referral_id=referral.pk,
                            start_date=timezone.localdate() + dt.timedelta(days=1))
    _refused(exc, "CIN 4010")
    assert CINPlan.objects.count() == 0


def test_cin_plan_not_on_nfa_referral(worker, manager, referral):
    """CIN census rule 4000: no CIN plan for a referral with no further action."""
    fd.referral_record_response(by=manager, referral_id=referral.pk,
                                expected_version=referral.version, response="nfa",
                                response_date=D(2024, 1, 10))
    with pytest.raises(RecordInvalid) as exc:
        asmt.cin_plan_start(by=worker, referral_id=referral.pk, start_date=D(2024, 2, 1))
    _refused(exc, "CIN 4000")
    assert CINPlan.objects.count() == 0


def test_only_one_open_cin_plan(worker, referral):
    """CIN census rule 4004: only one open CIN plan in an episode."""
    asmt.cin_plan_start(by=worker, referral_id=referral.pk, start_date=D(2024, 2, 1))
    with pytest.raises(RecordInvalid) as exc:
        asmt.cin_plan_start(by=worker, referral_id=referral.pk, start_date=D(2024, 3, 1))
    _refused(exc, "CIN 4004")
    assert CINPlan.objects.count() == 1


def test_cin_plans_cannot_overlap(worker, referral):
    """CIN census rule 4014: a CIN plan cannot start within another CIN plan (ends inclusive)."""
    p = asmt.cin_plan_start(by=worker, referral_id=referral.pk, start_date=D(2024, 2, 1))
    asmt.cin_plan_end(by=worker, cin_plan_id=p.pk, expected_version=p.version,
                      end_date=D(2024, 4, 1))
    with pytest.raises(RecordInvalid) as exc:
        asmt.cin_plan_start(by=worker, referral_id=referral.pk, start_date=D(2024, 4, 1))
    _refused(exc, "CIN 4014")
    assert CINPlan.objects.count() == 1
    asmt.cin_plan_start(by=worker, referral_id=referral.pk, start_date=D(2024, 4, 2))


def test_cin_plan_not_alongside_open_cp_plan(worker, referral):
    """CIN census rules 4001 and 4016: no CIN plan while a CP plan is open."""
    _cp_plan(referral, D(2024, 2, 1))
    with pytest.raises(RecordInvalid) as exc:
        asmt.cin_plan_start(by=worker, referral_id=referral.pk, start_date=D(2024, 3, 1))
    _refused(exc, "CIN 4001")
    _refused(exc, "CIN 4016")
    assert CINPlan.objects.count() == 0


def test_cin_plan_not_inside_ended_cp_plan(worker, referral):
    """CIN census rule 4016: a CIN plan cannot start within a CP plan, except on its end date."""
    _cp_plan(referral, D(2024, 2, 1), D(2024, 5, 1))
    with pytest.raises(RecordInvalid) as exc:
        asmt.cin_plan_start(by=worker, referral_id=referral.pk, start_date=D(2024, 4, 1))
    _refused(exc, "CIN 4016")
    assert CINPlan.objects.count() == 0
    asmt.cin_plan_start(by=worker, referral_id=referral.pk, start_date=D(2024, 5, 1))


def test_backdated_cin_plan_cannot_contain_cp_plan_start(worker, referral):
    """CIN census rule 4017: a CP plan cannot start during a CIN plan."""
    _cp_plan(referral, D(2024, 3, 1), D(2024, 4, 1))
    with pytest.raises(RecordInvalid) as exc:
        asmt.cin_plan_start(by=worker, referral_id=referral.pk, start_date=D(2024, 2, 1))
    _refused(exc, "CIN 4017")
    assert CINPlan.objects.count() == 0


def test_cin_plan_end_before_cp_plan_start(worker, referral):
    """CIN census rule 4017: a CIN plan must end by the day a CP plan starts."""
    p = asmt.cin_plan_start(by=worker, referral_id=referral.pk, start_date=D(2024, 2, 1))
    _cp_plan(referral, D(2024, 3, 1), D(2024, 4, 1))
    with pytest.raises(RecordInvalid) as exc:
        asmt.cin_plan_end(by=worker, cin_plan_id=p.pk, expected_version=p.version,
                          end_date=D(2024, 3, 15))
    _refused(exc, "CIN 4017")
    assert CINPlan.objects.get(pk=p.pk).end_date is None
    asmt.cin_plan_end(by=worker, cin_plan_id=p.pk, expected_version=p.version,
                      end_date=D(2024, 3, 1))


def test_cp_review_not_within_cin_plan(worker, referral):
    """CIN census rule 4003: no CP review date within a CIN plan unless it ends the CP plan."""
    from safeguard.child_protection.models import Conference

    cpp = _cp_plan(referral, D(2024, 1, 20), D(2024, 3, 1))
    stray = Conference.objects.create(referral=referral, kind="review", cp_plan=cpp,
                                      held_on=D(2024, 3, 10))
    with pytest.raises(RecordInvalid) as exc:
        asmt.cin_plan_start(by=worker, referral_id=referral.pk, start_date=D(2024, 3, 1))
    _refused(exc, "CIN 4003")
    assert CINPlan.objects.count() == 0
    # The closing review, on the CP plan's end date, may coincide with the CIN plan.
    stray.delete()
    Conference.objects.create(referral=referral, kind="review", cp_plan=cpp,
                              held_on=D(2024, 3, 1))
    asmt.cin_plan_start(by=worker, referral_id=referral.pk, start_date=D(2024, 3, 1))


def test_cin_plan_not_after_death(worker, make_child):
    """CIN census rule 4008: a CIN plan cannot start after the child's date of death."""
    child = make_child(date_of_death=D(2024, 2, 1))
    r = fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2024, 1, 10), source="6")
    with pytest.raises(RecordInvalid) as exc:
        asmt.cin_plan_start(by=worker, referral_id=r.pk, start_date=D(2024, 2, 5))
    _refused(exc, "CIN 4008")
    assert CINPlan.objects.count() == 0


def test_cin_plan_end_not_after_death(worker, make_child):
    """CIN census rule 4009: a CIN plan cannot end after the child's date of death."""
    child = make_child(date_of_death=D(2024, 3, 1))
    r = fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2024, 1, 10), source="6")
    p = asmt.cin_plan_start(by=worker, referral_id=r.pk, start_date=D(2024, 2, 1))
    with pytest.raises(RecordInvalid) as exc:
        asmt.cin_plan_end(by=worker, cin_plan_id=p.pk, expected_version=p.version,
                          end_date=D(2024, 3, 5))
    _refused(exc, "CIN 4009")
    assert CINPlan.objects.get(pk=p.pk).end_date is None


def test_cin_plan_end_not_before_start(worker, referral):
    """CIN census rule 4011: the CIN plan end date is on or after its start date."""
    p = asmt.cin_plan_start(by=worker, referral_id=referral.pk, start_date=D(2024, 2, 1))
    with pytest.raises(RecordInvalid) as exc:
        asmt.cin_plan_end(by=worker, cin_plan_id=p.pk, expected_version=p.version,
                          end_date=D(2024, 1, 31))
    _refused(exc, "CIN 4011")
    assert CINPlan.objects.get(pk=p.pk).end_date is None


@pytest.mark.parametrize("reason, rule", [("RC8", "CIN 2990"), ("RC9", "local")])
def test_cin_plan_not_in_closed_rc8_episode(worker, manager, referral, submitted, reason, rule):
    """CIN census rules 2990 and 8565: no CIN plan in an episode closed after assessment
    (2990 covers RC8; the same bar on RC9 is local)."""
    _authorise(submitted, manager, authorisation_date=D(2024, 2, 1), factors=["21"])
    referral.refresh_from_db()
    fd.referral_close(by=manager, referral_id=referral.pk, expected_version=referral.version,
                      closure_date=D(2024, 2, 2), reason_for_closure=reason,
                      rationale="No further action after assessment.", authorised_by=manager)
    with pytest.raises(RecordInvalid) as exc:
        asmt.cin_plan_start(by=worker, referral_id=referral.pk, start_date=D(2024, 2, 5))
    _refused(exc, rule)
    assert any(v.field == "referral" and v.rule == rule for v in exc.value.violations)
    _refused(exc, "CIN 8565")
    assert CINPlan.objects.count() == 0


def test_cin_plan_end_edit_conflict(worker, referral):
    """Lost-update protection on ending a CIN plan."""
    p = asmt.cin_plan_start(by=worker, referral_id=referral.pk, start_date=D(2024, 2, 1))
    v = p.version
    asmt.cin_plan_end(by=worker, cin_plan_id=p.pk, expected_version=v, end_date=D(2024, 3, 1))
    with pytest.raises(EditConflict):
        asmt.cin_plan_end(by=worker, cin_plan_id=p.pk, expected_version=v,
                          end_date=D(2024, 4, 1))
    assert CINPlan.objects.get(pk=p.pk).end_date == D(2024, 3, 1)
