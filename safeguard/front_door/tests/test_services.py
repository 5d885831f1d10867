"""Front door services: each rule enforced at entry is refused with its code and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from safeguard.audit.models import AuditEvent
from safeguard.core.errors import EditConflict, RecordInvalid
from safeguard.front_door import services as fd
from safeguard.front_door.models import (
    Contact,
    EarlyHelpEpisode,
    PrivateFosteringArrangement,
    Referral,
)

D = dt.date


def at(y: int, m: int, d: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(y, m, d, hour, 0))


@pytest.fixture
def referral(worker, child) -> Referral:
    return fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2024, 1, 10),
                            source="2A")


def _refused(exc_info, rule: str) -> None:
    assert rule in exc_info.value.rules, exc_info.value.rules


def _close(referral, manager, **kw):
    args = dict(by=manager, referral_id=referral.pk, expected_version=referral.version,
                closure_date=D(2024, 3, 1), reason_for_closure="RC7",
                rationale="Needs met; family supported by school.", authorised_by=manager)
    args.update(kw)
    return fd.referral_close(**args)


def _with_need(referral, worker):
    return fd.referral_set_primary_need(by=worker, referral_id=referral.pk,
                                        expected_version=referral.version, primary_need="N1")


# --- contacts --------------------------------------------------------------------------------

def test_contact_record_happy_path(worker, child):
    """Annex A List 1: every contact is recorded with its source and time received."""
    c = fd.contact_record(by=worker, child_id=child.pk, received_at=at(2024, 1, 9), source="6",
                          summary="Police notification after a domestic incident.")
    assert c.decision == "" and c.recorded_by == worker
    assert AuditEvent.objects.filter(object_type="front_door.Contact", action="create",
                                     child_id=child.pk).exists()


def test_contact_source_must_be_valid(worker, child):
    """CIN census rule 8866: the source must be a valid ReferralSource code."""
    with pytest.raises(RecordInvalid) as exc:
        fd.contact_record(by=worker, child_id=child.pk, received_at=at(2024, 1, 9), source="99")
    _refused(exc, "CIN 8866")
    assert Contact.objects.count() == 0


def test_contact_cannot_be_received_in_the_future(worker, child):
    """Local rule: a contact is a past event."""
    with pytest.raises(RecordInvalid) as exc:
        fd.contact_record(by=worker, child_id=child.pk,
                          received_at=timezone.now() + dt.timedelta(days=2), source="6")
    _refused(exc, "local")
    assert Contact.objects.count() == 0


def test_contact_decided_as_referral_opens_an_episode(worker, manager, child):
    """Working Together 2023: a decision to refer opens an episode of need (CIN CINdetails)."""
    c = fd.contact_record(by=worker, child_id=child.pk, received_at=at(2024, 1, 9), source="2A")
    c = fd.contact_decide(by=manager, contact_id=c.pk, expected_version=c.version,
                          decision="referral", decided_at=at(2024, 1, 10, 9))
    r = Referral.objects.get(contact=c)
    assert r.referral_date == D(2024, 1, 10) and r.source == "2A" and r.child == child
    assert c.decided_by == manager


def test_contact_decided_nfa_opens_nothing(worker, manager, child):
    """Annex A List 1: contacts that go no further are recorded with their decision only."""
    c = fd.contact_record(by=worker, child_id=child.pk, received_at=at(2024, 1, 9), source="1A")
    fd.contact_decide(by=manager, contact_id=c.pk, expected_version=c.version, decision="nfa",
                      decided_at=at(2024, 1, 9, 15))
    assert Referral.objects.count() == 0
    assert Contact.objects.get(pk=c.pk).decision == "nfa"


def test_contact_decision_cannot_precede_receipt(worker, manager, child):
    """Local rule: the decision follows the contact."""
    c = fd.contact_record(by=worker, child_id=child.pk, received_at=at(2024, 1, 9), source="1A")
    with pytest.raises(RecordInvalid) as exc:
        fd.contact_decide(by=manager, contact_id=c.pk, expected_version=c.version,
                          decision="nfa", decided_at=at(2024, 1, 8))
    _refused(exc, "local")
    assert Contact.objects.get(pk=c.pk).decision == ""


def test_contact_decision_code_must_be_valid(worker, manager, child):
    """Local rule: the decision is one of the Annex A contact outcomes."""
    c = fd.contact_record(by=worker, child_id=child.pk, received_at=at(2024, 1, 9), source="1A")
    with pytest.raises(RecordInvalid) as exc:
        fd.contact_decide(by=manager, contact_id=c.pk, expected_version=c.version,
                          decision="maybe", decided_at=at(2024, 1, 9, 12))
    _refused(exc, "local")
    assert Contact.objects.get(pk=c.pk).decision == ""


def test_refused_referral_leaves_the_contact_undecided(worker, manager, child, referral):
    """CIN census rule 8815: a contact cannot become a second open episode; nothing is saved."""
    c = fd.contact_record(by=worker, child_id=child.pk, received_at=at(2024, 2, 1), source="3A")
    with pytest.raises(RecordInvalid) as exc:
        fd.contact_decide(by=manager, contact_id=c.pk, expected_version=c.version,
                          decision="referral", decided_at=at(2024, 2, 1, 12))
    _refused(exc, "CIN 8815")
    fresh = Contact.objects.get(pk=c.pk)
    assert fresh.decision == "" and fresh.version == c.version
    assert Referral.objects.count() == 1


def test_contact_decide_edit_conflict(worker, manager, child):
    """Lost-update protection: two decisions from the same version; the second is refused."""
    c = fd.contact_record(by=worker, child_id=child.pk, received_at=at(2024, 1, 9), source="1A")
    v = c.version
    fd.contact_decide(by=manager, contact_id=c.pk, expected_version=v, decision="nfa",
                      decided_at=at(2024, 1, 9, 12))
    with pytest.raises(EditConflict):
        fd.contact_decide(by=manager, contact_id=c.pk, expected_version=v, decision="advice",
                          decided_at=at(2024, 1, 9, 13))
    assert Contact.objects.get(pk=c.pk).decision == "nfa"


# --- opening a referral --------------------------------------------------------------------

def test_referral_open_happy_path(worker, child):
    """CIN census CINdetails: referral date, source and (optionally) primary need."""
    r = fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2024, 1, 10),
                         source="6", primary_need="N1", is_transfer_in_request=True)
    assert r.is_open and not r.referral_nfa and r.is_transfer_in_request
    assert AuditEvent.objects.filter(object_type="front_door.Referral", action="create").exists()


def test_referral_date_not_in_future(worker, child):
    """CIN census rule 8600: the referral date must be on or before the reference date."""
    with pytest.raises(RecordInvalid) as exc:
        fd.referral_open(by=worker, child_id=child.pk,
                         referral_date=timezone.localdate() + dt.timedelta(days=1), source="6")
    _refused(exc, "CIN 8600")
    assert Referral.objects.count() == 0


def test_referral_not_more_than_40_weeks_before_birth(worker, make_child):
    """CIN census rule 8606: referral no more than 280 days before (expected) date of birth."""
    child = make_child(date_of_birth=D(2015, 6, 1))
    with pytest.raises(RecordInvalid) as exc:
        fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2014, 8, 1), source="3B")
    _refused(exc, "CIN 8606")
    assert Referral.objects.count() == 0
    # 40 weeks before birth is still allowed (pre-birth referral).
    fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2014, 8, 25), source="3B")


def test_unborn_referral_checked_against_expected_birth(worker, make_child):
    """CIN census rule 8606 applies to ExpectedPersonBirthDate for an unborn child."""
    edob = timezone.localdate() + dt.timedelta(days=100)
    unborn = make_child(date_of_birth=None, expected_date_of_birth=edob, sex="U")
    with pytest.raises(RecordInvalid) as exc:
        fd.referral_open(by=worker, child_id=unborn.pk,
                         referral_date=edob - dt.timedelta(days=300), source="3B")
    _refused(exc, "CIN 8606")
    assert Referral.objects.count() == 0


def test_referral_not_after_death(worker, make_child):
    """CIN census rule 8555Q: a child cannot be referred after their date of death."""
    child = make_child(date_of_death=D(2023, 5, 1))
    with pytest.raises(RecordInvalid) as exc:
        fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2023, 6, 1), source="6")
    _refused(exc, "CIN 8555Q")
    assert Referral.objects.count() == 0


def test_only_one_open_episode(worker, child, referral):
    """CIN census rule 8815: only one open episode (not NFA) per child."""
    with pytest.raises(RecordInvalid) as exc:
        fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2024, 2, 1), source="6")
    _refused(exc, "CIN 8815")
    assert Referral.objects.count() == 1


def test_episodes_cannot_overlap_a_closed_one(worker, manager, child, referral):
    """CIN census rule 8820: a referral date cannot fall inside an earlier episode; the next
    episode may start on the day the previous one closed (DfE note to 8820)."""
    referral = _with_need(referral, worker)
    _close(referral, manager, closure_date=D(2024, 3, 1))
    with pytest.raises(RecordInvalid) as exc:
        fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2024, 2, 1), source="6")
    _refused(exc, "CIN 8820")
    assert Referral.objects.count() == 1
    fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2024, 3, 1), source="6")


def test_backdated_referral_cannot_swallow_a_later_episode(worker, manager, child, referral):
    """CIN census rules 8820/8816: an open episode must be the latest; a back-dated one would
    contain the later episode's referral date."""
    referral = _with_need(referral, worker)
    _close(referral, manager, closure_date=D(2024, 3, 1))
    with pytest.raises(RecordInvalid) as exc:
        fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2023, 6, 1), source="6")
    _refused(exc, "CIN 8820")
    assert Referral.objects.count() == 1


def test_open_nfa_referral_does_not_block_a_new_one(worker, manager, child, referral):
    """CIN census rule 8815 note b): NFA referrals without a closure date are not open episodes."""
    fd.referral_record_response(by=manager, referral_id=referral.pk,
                                expected_version=referral.version, response="nfa",
                                response_date=D(2024, 1, 10))
    r2 = fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2024, 2, 1), source="6")
    assert r2.is_open


def test_referral_source_must_be_valid(worker, child):
    """CIN census rule 8866: ReferralSource present and valid for referrals from April 2013."""
    with pytest.raises(RecordInvalid) as exc:
        fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2024, 1, 10), source="")
    _refused(exc, "CIN 8866")
    assert Referral.objects.count() == 0


def test_referral_primary_need_must_be_valid(worker, child):
    """CIN census rule 8650: PrimaryNeedCode, if present, must be a valid code."""
    with pytest.raises(RecordInvalid) as exc:
        fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2024, 1, 10),
                         source="6", primary_need="N12")
    _refused(exc, "CIN 8650")
    assert Referral.objects.count() == 0


def test_referral_contact_must_be_about_the_same_child(worker, make_child):
    """Local rule: a referral comes from a contact about that child."""
    a, b = make_child(), make_child()
    c = fd.contact_record(by=worker, child_id=a.pk, received_at=at(2024, 1, 9), source="6")
    with pytest.raises(RecordInvalid) as exc:
        fd.referral_open(by=worker, child_id=b.pk, referral_date=D(2024, 1, 10), source="6",
                         contact_id=c.pk)
    _refused(exc, "local")
    assert Referral.objects.count() == 0


# --- response (T01) -------------------------------------------------------------------------

def test_manager_records_response(manager, referral):
    """Working Together 2023: decision on the type of response within one working day (T01)."""
    r = fd.referral_record_response(by=manager, referral_id=referral.pk,
                                    expected_version=referral.version, response="assessment",
                                    response_date=D(2024, 1, 11))
    assert r.response == "assessment" and r.response_by == manager and not r.referral_nfa


def test_nfa_response_sets_referral_nfa(manager, referral):
    """CIN census ReferralNFA: a referral decided as no further action."""
    r = fd.referral_record_response(by=manager, referral_id=referral.pk,
                                    expected_version=referral.version, response="nfa",
                                    response_date=D(2024, 1, 10))
    assert Referral.objects.get(pk=r.pk).referral_nfa is True


def test_response_needs_a_team_manager(worker, referral):
    """Local rule (management oversight): only a team manager decides the response."""
    with pytest.raises(RecordInvalid) as exc:
        fd.referral_record_response(by=worker, referral_id=referral.pk,
                                    expected_version=referral.version, response="assessment",
                                    response_date=D(2024, 1, 11))
    _refused(exc, "local")
    assert Referral.objects.get(pk=referral.pk).response == ""


def test_response_not_before_referral(manager, referral):
    """Local rule: the decision cannot precede the referral."""
    with pytest.raises(RecordInvalid) as exc:
        fd.referral_record_response(by=manager, referral_id=referral.pk,
                                    expected_version=referral.version, response="assessment",
                                    response_date=D(2024, 1, 9))
    _refused(exc, "local")
    assert Referral.objects.get(pk=referral.pk).response_date is None


def test_nfa_refused_when_an_assessment_exists(manager, referral):
    """CIN census rule 8831: an NFA referral cannot have an assessment."""
    from safeguard.assessment.models import Assessment

    Assessment.objects.create(referral=referral, start_date=D(2024, 1, 11))
    with pytest.raises(RecordInvalid) as exc:
        fd.referral_record_response(by=manager, referral_id=referral.pk,
                                    expected_version=referral.version, response="nfa",
                                    response_date=D(2024, 1, 12))
    _refused(exc, "CIN 8831")
    assert Referral.objects.get(pk=referral.pk).referral_nfa is False


def test_nfa_refused_when_a_cin_plan_exists(manager, referral):
    """CIN census rule 4000: an NFA referral cannot have a CIN plan."""
    from safeguard.assessment.models import CINPlan

    CINPlan.objects.create(referral=referral, start_date=D(2024, 1, 20))
    with pytest.raises(RecordInvalid) as exc:
        fd.referral_record_response(by=manager, referral_id=referral.pk,
                                    expected_version=referral.version, response="nfa",
                                    response_date=D(2024, 1, 21))
    _refused(exc, "CIN 4000")
    assert Referral.objects.get(pk=referral.pk).referral_nfa is False


def test_nfa_refused_when_a_cp_plan_exists(manager, referral):
    """CIN census rule 8832: an NFA referral cannot have child protection details."""
    from safeguard.child_protection.models import ChildProtectionPlan

    ChildProtectionPlan.objects.create(referral=referral, start_date=D(2024, 1, 20),
                                       initial_category="NEG", latest_category="NEG")
    with pytest.raises(RecordInvalid) as exc:
        fd.referral_record_response(by=manager, referral_id=referral.pk,
                                    expected_version=referral.version, response="nfa",
                                    response_date=D(2024, 1, 21))
    _refused(exc, "CIN 8832")
    assert Referral.objects.get(pk=referral.pk).referral_nfa is False


def test_response_edit_conflict(manager, referral):
    """Lost-update protection: the second save from the same version is refused."""
    v = referral.version
    fd.referral_record_response(by=manager, referral_id=referral.pk, expected_version=v,
                                response="assessment", response_date=D(2024, 1, 11))
    with pytest.raises(EditConflict):
        fd.referral_record_response(by=manager, referral_id=referral.pk, expected_version=v,
                                    response="nfa", response_date=D(2024, 1, 11))
    assert Referral.objects.get(pk=referral.pk).response == "assessment"


# --- primary need ---------------------------------------------------------------------------

def test_set_primary_need(worker, referral):
    """CIN census PrimaryNeedCode recorded during the episode."""
    r = _with_need(referral, worker)
    assert Referral.objects.get(pk=r.pk).primary_need == "N1"


def test_set_primary_need_invalid(worker, referral):
    """CIN census rule 8650: the primary need must be a valid code."""
    with pytest.raises(RecordInvalid) as exc:
        fd.referral_set_primary_need(by=worker, referral_id=referral.pk,
                                     expected_version=referral.version, primary_need="X1")
    _refused(exc, "CIN 8650")
    assert Referral.objects.get(pk=referral.pk).primary_need == ""


# --- closure --------------------------------------------------------------------------------

def test_close_happy_path(worker, manager, referral):
    """CIN census CINclosureDate and ReasonForClosure, with management rationale recorded."""
    referral = _with_need(referral, worker)
    r = _close(referral, manager)
    fresh = Referral.objects.get(pk=r.pk)
    assert fresh.closure_date == D(2024, 3, 1) and fresh.reason_for_closure == "RC7"
    assert fresh.closure_authorised_by == manager and fresh.closure_rationale
    assert AuditEvent.objects.filter(object_type="front_door.Referral", action="update",
                                     detail__event="referral_close",
                                     detail__changes__closure_date=[None, "2024-03-01"],
                                     detail__changes__reason_for_closure=[None, "RC7"]).exists()


def _assert_still_open(referral) -> None:
    fresh = Referral.objects.get(pk=referral.pk)
    assert fresh.closure_date is None and fresh.reason_for_closure == ""


def test_close_needs_assessments_authorised(worker, manager, referral):
    """CIN census rule 8867: a closed episode cannot have an unauthorised assessment."""
    from safeguard.assessment.models import Assessment

    referral = _with_need(referral, worker)
    Assessment.objects.create(referral=referral, start_date=D(2024, 1, 11))
    with pytest.raises(RecordInvalid) as exc:
        _close(referral, manager)
    _refused(exc, "CIN 8867")
    _assert_still_open(referral)


def test_close_needs_s47_completed(worker, manager, referral):
    """CIN census rule 8868: every S47 needs an ICPC date or ICPC-not-required to close."""
    from safeguard.child_protection.models import Conference, Section47Enquiry

    referral = _with_need(referral, worker)
    Section47Enquiry.objects.create(referral=referral, start_date=D(2024, 1, 12))
    with pytest.raises(RecordInvalid) as exc:
        _close(referral, manager)
    _refused(exc, "CIN 8868")
    _assert_still_open(referral)
    # With an initial conference held, the S47 is complete.
    s47 = Section47Enquiry.objects.get()
    Conference.objects.create(referral=referral, kind="initial", section47=s47,
                              held_on=D(2024, 1, 26), plan_required=False)
    _close(referral, manager)


def test_close_not_before_activity(worker, manager, referral):
    """CIN census rule 8565: the closure date is on or after every activity in the episode."""
    from safeguard.assessment.models import Assessment

    referral = _with_need(referral, worker)
    Assessment.objects.create(referral=referral, start_date=D(2024, 1, 11),
                              authorisation_date=D(2024, 3, 5))
    with pytest.raises(RecordInvalid) as exc:
        _close(referral, manager, closure_date=D(2024, 3, 1))
    _refused(exc, "CIN 8565")
    _assert_still_open(referral)


def test_rc8_needs_an_assessment(worker, manager, referral):
    """CIN census rule 8825Q: RC8/RC9 (closed after assessment) need an assessment."""
    referral = _with_need(referral, worker)
    with pytest.raises(RecordInvalid) as exc:
        _close(referral, manager, reason_for_closure="RC8")
    _refused(exc, "CIN 8825Q")
    _assert_still_open(referral)


def test_rc8_rc9_not_with_cin_plan(worker, manager, referral):
    """CIN census rule 2990: an RC8 episode cannot have S47, ICPC, CP plan or CIN plan. The
    same restriction on RC9 is local (2990 covers RC8 only)."""
    from safeguard.assessment.models import Assessment, CINPlan

    referral = _with_need(referral, worker)
    Assessment.objects.create(referral=referral, start_date=D(2024, 1, 11),
                              authorisation_date=D(2024, 2, 1))
    CINPlan.objects.create(referral=referral, start_date=D(2024, 2, 2), end_date=D(2024, 2, 20))
    with pytest.raises(RecordInvalid) as exc:
        _close(referral, manager, reason_for_closure="RC8")
    _refused(exc, "CIN 2990")
    _assert_still_open(referral)
    with pytest.raises(RecordInvalid) as exc:
        _close(referral, manager, reason_for_closure="RC9")
    assert "CIN 2990" not in exc.value.rules
    assert any(v.field == "reason_for_closure" and v.rule == "local"
               for v in exc.value.violations), exc.value.violations
    _assert_still_open(referral)


def test_rc2_needs_date_of_death(worker, manager, referral):
    """CIN census rule 8585Q: closure reason RC2 (died) needs the child's date of death."""
    referral = _with_need(referral, worker)
    with pytest.raises(RecordInvalid) as exc:
        _close(referral, manager, reason_for_closure="RC2")
    _refused(exc, "CIN 8585Q")
    _assert_still_open(referral)


def test_closure_reason_must_be_valid(worker, manager, referral):
    """CIN census rule 8640: ReasonForClosure must be a valid code."""
    referral = _with_need(referral, worker)
    with pytest.raises(RecordInvalid) as exc:
        _close(referral, manager, reason_for_closure="RC10")
    _refused(exc, "CIN 8640")
    _assert_still_open(referral)


def test_closure_date_needs_reason(worker, manager, referral):
    """CIN census rule 8805: a closure date needs a reason for closure."""
    referral = _with_need(referral, worker)
    with pytest.raises(RecordInvalid) as exc:
        _close(referral, manager, reason_for_closure="")
    _refused(exc, "CIN 8805")
    _assert_still_open(referral)


def test_closure_reason_needs_date(worker, manager, referral):
    """CIN census rule 8810: a reason for closure needs a closure date."""
    referral = _with_need(referral, worker)
    with pytest.raises(RecordInvalid) as exc:
        _close(referral, manager, closure_date=None)
    _refused(exc, "CIN 8810")
    _assert_still_open(referral)


def test_closure_not_before_referral(worker, manager, referral):
    """CIN census rule 8630: the closure date is on or after the referral date."""
    referral = _with_need(referral, worker)
    with pytest.raises(RecordInvalid) as exc:
        _close(referral, manager, closure_date=D(2024, 1, 9))
    _refused(exc, "CIN 8630")
    _assert_still_open(referral)


def test_closure_not_in_future(worker, manager, referral):
    """Local rule: a closure is recorded once it has happened."""
    referral = _with_need(referral, worker)
    with pytest.raises(RecordInvalid) as exc:
        _close(referral, manager, closure_date=timezone.localdate() + dt.timedelta(days=3))
    _refused(exc, "local")
    _assert_still_open(referral)


def test_closure_needs_primary_need(manager, referral):
    """CIN census rule 8610: an episode that led to action needs a primary need."""
    with pytest.raises(RecordInvalid) as exc:
        _close(referral, manager)
    _refused(exc, "CIN 8610")
    _assert_still_open(referral)


def test_closure_can_record_the_primary_need(manager, referral):
    """CIN census rules 8610 and 8650: the manager closing an episode that led to action may give its
    primary need on the closure itself; a code outside the CIN list is refused, changing nothing."""
    with pytest.raises(RecordInvalid) as exc:
        _close(referral, manager, primary_need="N10")
    _refused(exc, "CIN 8650")
    _assert_still_open(referral)
    closed = _close(referral, manager, primary_need="N1")
    closed.refresh_from_db()
    assert (closed.primary_need, closed.closure_date) == ("N1", D(2024, 3, 1))


def test_closure_needs_rationale_and_manager(worker, manager, referral):
    """Local rule (Ofsted ILACS: management oversight): rationale and team manager authorise."""
    referral = _with_need(referral, worker)
    with pytest.raises(RecordInvalid) as exc:
        _close(referral, manager, rationale="  ", authorised_by=worker)
    fields = {v.field for v in exc.value.violations}
    assert {"closure_rationale", "closure_authorised_by"} <= fields
    _assert_still_open(referral)


def test_closure_needs_plans_ended(worker, manager, referral):
    """Local rule: CIN and CP plans end before the episode closes."""
    from safeguard.assessment.models import CINPlan

    referral = _with_need(referral, worker)
    CINPlan.objects.create(referral=referral, start_date=D(2024, 2, 1))
    with pytest.raises(RecordInvalid) as exc:
        _close(referral, manager)
    _refused(exc, "local")
    _assert_still_open(referral)


def test_close_edit_conflict(worker, manager, referral):
    """Lost-update protection on closure."""
    referral = _with_need(referral, worker)
    v = referral.version
    fd.referral_set_primary_need(by=worker, referral_id=referral.pk, expected_version=v,
                                 primary_need="N4")
    with pytest.raises(EditConflict):
        _close(referral, manager, expected_version=v)
    _assert_still_open(referral)


# --- early help -----------------------------------------------------------------------------

def test_early_help_journey(worker, child):
    """Annex A List 2: early help start, assessment and end."""
    e = fd.early_help_start(by=worker, child_id=child.pk, start_date=D(2024, 1, 5),
                            organisation="Family hub")
    e = fd.early_help_record_assessment(by=worker, episode_id=e.pk, expected_version=e.version,
                                        assessment_completed_date=D(2024, 1, 20))
    e = fd.early_help_end(by=worker, episode_id=e.pk, expected_version=e.version,
                          end_date=D(2024, 4, 1))
    assert EarlyHelpEpisode.objects.get(pk=e.pk).end_date == D(2024, 4, 1)


def test_early_help_one_open_episode(worker, child):
    """Local rule: one open early help episode per child."""
    fd.early_help_start(by=worker, child_id=child.pk, start_date=D(2024, 1, 5))
    with pytest.raises(RecordInvalid) as exc:
        fd.early_help_start(by=worker, child_id=child.pk, start_date=D(2024, 2, 5))
    _refused(exc, "local")
    assert EarlyHelpEpisode.objects.count() == 1


def test_early_help_end_not_before_start(worker, child):
    """Local rule: dates in order."""
    e = fd.early_help_start(by=worker, child_id=child.pk, start_date=D(2024, 1, 5))
    with pytest.raises(RecordInvalid) as exc:
        fd.early_help_end(by=worker, episode_id=e.pk, expected_version=e.version,
                          end_date=D(2024, 1, 1))
    _refused(exc, "local")
    assert EarlyHelpEpisode.objects.get(pk=e.pk).end_date is None


def test_early_help_end_edit_conflict(worker, child):
    """Lost-update protection on early help."""
    e = fd.early_help_start(by=worker, child_id=child.pk, start_date=D(2024, 1, 5))
    v = e.version
    fd.early_help_record_assessment(by=worker, episode_id=e.pk, expected_version=v,
                                    assessment_completed_date=D(2024, 1, 20))
    with pytest.raises(EditConflict):
        fd.early_help_end(by=worker, episode_id=e.pk, expected_version=v, end_date=D(2024, 3, 1))
    assert EarlyHelpEpisode.objects.get(pk=e.pk).end_date is None


# --- private fostering ----------------------------------------------------------------------

def test_private_fostering_journey(worker, child):
    """Children Act 1989 Part IX: notification starts the T15 visits; the arrangement ends."""
    a = fd.private_fostering_notify(by=worker, child_id=child.pk, notified_date=D(2024, 1, 2),
                                    start_date=D(2024, 1, 15), carer_name="Pat Example")
    a = fd.private_fostering_end(by=worker, arrangement_id=a.pk, expected_version=a.version,
                                 end_date=D(2024, 6, 1))
    assert PrivateFosteringArrangement.objects.get(pk=a.pk).end_date == D(2024, 6, 1)


def test_private_fostering_needs_carer_and_no_open_arrangement(worker, child):
    """Local rules: the carer is named; one open arrangement per child."""
    with pytest.raises(RecordInvalid) as exc:
        fd.private_fostering_notify(by=worker, child_id=child.pk, notified_date=D(2024, 1, 2),
                                    start_date=D(2024, 1, 15), carer_name="")
    _refused(exc, "local")
    assert PrivateFosteringArrangement.objects.count() == 0
    fd.private_fostering_notify(by=worker, child_id=child.pk, notified_date=D(2024, 1, 2),
                                start_date=D(2024, 1, 15), carer_name="Pat Example")
    with pytest.raises(RecordInvalid):
        fd.private_fostering_notify(by=worker, child_id=child.pk, notified_date=D(2024, 2, 2),
                                    start_date=D(2024, 2, 15), carer_name="Lee Example")
    assert PrivateFosteringArrangement.objects.count() == 1


def test_private_fostering_end_not_before_start(worker, child):
    """Local rule: dates in order."""
    a = fd.private_fostering_notify(by=worker, child_id=child.pk, notified_date=D(2024, 1, 2),
                                    start_date=D(2024, 1, 15), carer_name="Pat Example")
    with pytest.raises(RecordInvalid) as exc:
        fd.private_fostering_end(by=worker, arrangement_id=a.pk, expected_version=a.version,
                                 end_date=D(2024, 1, 10))
    _refused(exc, "local")
    assert PrivateFosteringArrangement.objects.get(pk=a.pk).end_date is None
