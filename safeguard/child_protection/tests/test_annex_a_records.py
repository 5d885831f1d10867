"""Emergency orders (Annex A List 7) and pre-proceedings (CIN census PreProceedingsandFGDM):
happy paths, each rule enforced at entry (a refused save changes nothing), and edit conflicts."""

from __future__ import annotations

import datetime as dt

import pytest

from safeguard.audit.models import AuditEvent
from safeguard.child_protection import services as cp
from safeguard.child_protection.models import EmergencyOrder, PreProceedings
from safeguard.core.errors import EditConflict, RecordInvalid, today
from safeguard.front_door.models import Referral

D = dt.date
REF = D(2024, 1, 8)
TOMORROW = today() + dt.timedelta(days=1)


def snapshot() -> tuple:
    return (
        tuple(EmergencyOrder.objects.order_by("pk").values_list()),
        tuple(PreProceedings.objects.order_by("pk").values_list()),
        AuditEvent.objects.count(),
    )


def refused(rule: str, field: str, fn, **kwargs) -> RecordInvalid:
    """The save is refused with `rule` on `field`, and the database is exactly as before."""
    before = snapshot()
    with pytest.raises(RecordInvalid) as exc:
        fn(**kwargs)
    assert (field, rule) in {(v.field, v.rule) for v in exc.value.violations}, exc.value.violations
    assert snapshot() == before
    return exc.value


@pytest.fixture
def referral(child):
    return Referral.objects.create(child=child, referral_date=REF, source="6")


# --- emergency protection orders and police protection ---------------------------------------

def _order(worker, child, **kw):
    kw = {"kind": "PPO", "start_date": D(2024, 1, 10), **kw}
    return cp.emergency_order_record(by=worker, child_id=child.pk, **kw)


def test_police_protection_then_epo(worker, child):
    """Children Act 1989 s46 then s44: police protection (72 hours) followed by an EPO the day it
    ends; Annex A List 7 'EPO or police protection in the last six months'."""
    pp = _order(worker, child, end_date=D(2024, 1, 13))
    epo = _order(worker, child, kind="EPO", start_date=D(2024, 1, 13))
    epo = cp.emergency_order_end(by=worker, order_id=epo.pk, expected_version=epo.version,
                                 end_date=D(2024, 1, 28))
    assert (pp.end_date, epo.end_date, epo.version) == (D(2024, 1, 13), D(2024, 1, 28), 2)
    assert AuditEvent.objects.filter(object_type="child_protection.EmergencyOrder").count() == 3


ORDER_CASES = [
    ("kind", {"kind": "CAO"}),
    ("start_date", {"start_date": TOMORROW}),
    ("start_date", {"start_date": D(2015, 5, 1)}),
    ("end_date", {"end_date": D(2024, 1, 9)}),
    ("end_date", {"end_date": TOMORROW}),
    ("end_date", {"end_date": D(2024, 1, 14)}),  # police protection beyond 72 hours
    ("end_date", {"kind": "EPO", "end_date": D(2024, 1, 26)}),  # EPO beyond 8 + 7 days
]


@pytest.mark.parametrize("field,kw", ORDER_CASES,
                         ids=["kind", "future", "before-birth", "end-before-start", "end-future",
                              "ppo-72-hours", "epo-15-days"])
def test_emergency_order_refused(field, kw, worker, child):
    """Children Act 1989 s44-s46 (local rules; 903 361/362 check the L1/L2 legal statuses, not
    this record): valid type, dates in order and not future, PP at most 72 hours, EPO at most
    8 days plus one extension of 7."""
    refused("local", field, _order, worker=worker, child=child, **kw)


def test_emergency_orders_of_one_kind_cannot_overlap(worker, child):
    """Children Act 1989 s45: one EPO at a time (an extension lengthens it, it is not a new one)."""
    _order(worker, child, kind="EPO")
    refused("local", "start_date", _order, worker=worker, child=child, kind="EPO",
            start_date=D(2024, 1, 12))


def test_emergency_order_end_refused(worker, child):
    """Children Act 1989 s46(6): police protection ends within 72 hours; an end before the start
    is refused."""
    pp = _order(worker, child)
    refused("local", "end_date", cp.emergency_order_end, by=worker, order_id=pp.pk,
            expected_version=pp.version, end_date=D(2024, 1, 20))
    refused("local", "end_date", cp.emergency_order_end, by=worker, order_id=pp.pk,
            expected_version=pp.version, end_date=D(2024, 1, 9))


def test_emergency_order_edit_conflict(worker, manager, child):
    """Lost-update protection: two people ending the same order from the same version."""
    pp = _order(worker, child)
    cp.emergency_order_end(by=worker, order_id=pp.pk, expected_version=pp.version,
                           end_date=D(2024, 1, 11))
    with pytest.raises(EditConflict):
        cp.emergency_order_end(by=manager, order_id=pp.pk, expected_version=pp.version,
                               end_date=D(2024, 1, 12))
    assert EmergencyOrder.objects.get(pk=pp.pk).end_date == D(2024, 1, 11)


# --- pre-proceedings -------------------------------------------------------------------------

START = D(2024, 2, 1)


def _pp(worker, referral, start=START):
    return cp.pre_proceedings_start(by=worker, referral_id=referral.pk, start_date=start)


def test_pre_proceedings_whole_journey(worker, manager, referral):
    """Public Law Outline (PD12A) pre-proceedings, CIN census 2026 PreProceedingsandFGDM: letter,
    FGDM offered and held, initial and review meetings, step decision and outcome."""
    pp = _pp(worker, referral)
    pp = cp.pre_proceedings_update(
        by=worker, pre_proceedings_id=pp.pk, expected_version=pp.version,
        letter_before_proceedings_date=D(2024, 2, 2), fgdm_offered=True, fgdm_facilitated=True,
        initial_meeting_date=D(2024, 2, 9), review_meetings_count=2)
    pp = cp.pre_proceedings_update(
        by=manager, pre_proceedings_id=pp.pk, expected_version=pp.version,
        step_decision_date=D(2024, 5, 1), outcome="B", court_application_date=D(2024, 5, 3),
        initial_cp_letter_date=D(2024, 5, 2))
    pp.refresh_from_db()
    assert (pp.version, pp.outcome, pp.review_meetings_count) == (3, "B", 2)
    # once the step decision is made, a new pre-proceedings can start in the same episode
    assert _pp(worker, referral, start=D(2024, 6, 3)).pk != pp.pk


def test_pre_proceedings_start_refused(worker, child, referral):
    """Working Together 2023 / PLO: pre-proceedings sit inside an episode of need; the start is not
    in the future, not before the referral, not after closure; no second open pre-proceedings."""
    refused("local", "start_date", _pp, worker=worker, referral=referral, start=TOMORROW)
    refused("local", "start_date", _pp, worker=worker, referral=referral, start=D(2024, 1, 1))
    _pp(worker, referral)
    refused("local", "start_date", _pp, worker=worker, referral=referral, start=D(2024, 2, 5))
    closed = Referral.objects.create(child=child, referral_date=D(2023, 1, 2), source="6",
                                     closure_date=D(2023, 3, 1), reason_for_closure="RC7")
    refused("local", "start_date", _pp, worker=worker, referral=closed, start=D(2023, 3, 2))
    nfa = Referral.objects.create(child=child, referral_date=D(2022, 1, 3), source="6",
                                  referral_nfa=True)
    refused("local", "start_date", _pp, worker=worker, referral=nfa, start=D(2022, 1, 4))


PP_UPDATE_CASES = [
    ("letter_before_proceedings_date", {"letter_before_proceedings_date": D(2024, 1, 31)}),
    ("initial_meeting_date", {"initial_meeting_date": D(2024, 1, 20)}),
    ("initial_meeting_date", {"letter_before_proceedings_date": D(2024, 2, 10),
                              "initial_meeting_date": D(2024, 2, 5)}),
    ("court_application_date", {"court_application_date": TOMORROW}),
    ("initial_cp_letter_date", {"initial_cp_letter_date": D(2024, 1, 15)}),
    ("start_date", {"start_date": D(2024, 1, 7)}),
    ("fgdm_facilitated", {"fgdm_offered": False, "fgdm_facilitated": True}),
    ("review_meetings_count", {"review_meetings_count": 1}),
    ("review_meetings_count", {"initial_meeting_date": D(2024, 2, 5), "review_meetings_count": -1}),
    ("outcome", {"outcome": "b"}),
    ("outcome", {"outcome": "AB"}),
    ("outcome", {"outcome": "1"}),
]


@pytest.mark.parametrize("field,kw", PP_UPDATE_CASES,
                         ids=["letter-before-start", "meeting-before-start",
                              "meeting-before-letter", "court-future", "letter-init-before-start",
                              "start-before-referral", "facilitated-not-offered",
                              "reviews-without-initial", "negative-reviews", "outcome-lower",
                              "outcome-two", "outcome-digit"])
def test_pre_proceedings_update_refused(field, kw, worker, referral):
    """PLO (PD12A) and CIN census 2026 PreProceedingsandFGDM: dates after PPStartDate and not
    future, meeting after the letter, FGDMMeetingFac implies FGDMMeetingOffer, ReviewMeetingsCount
    follows an initial meeting, PPOutcome one capital letter (local rules)."""
    pp = _pp(worker, referral)
    refused("local", field, cp.pre_proceedings_update, by=worker, pre_proceedings_id=pp.pk,
            expected_version=pp.version, **kw)


def test_pre_proceedings_dates_within_the_episode(worker, referral):
    """Working Together 2023: nothing is recorded in an episode after it closed."""
    pp = _pp(worker, referral)
    Referral.objects.filter(pk=referral.pk).update(closure_date=D(2024, 3, 1),
                                                  reason_for_closure="RC7")
    refused("local", "initial_meeting_date", cp.pre_proceedings_update, by=worker,
            pre_proceedings_id=pp.pk, expected_version=pp.version,
            initial_meeting_date=D(2024, 3, 4))


def test_step_decision_needs_a_manager(worker, referral):
    """PLO: the decision to issue proceedings or step down is a management decision (Working
    Together 2023 management oversight)."""
    pp = _pp(worker, referral)
    refused("local", "step_decision_date", cp.pre_proceedings_update, by=worker,
            pre_proceedings_id=pp.pk, expected_version=pp.version,
            step_decision_date=D(2024, 3, 1))


def test_pre_proceedings_unknown_field(worker, referral):
    pp = _pp(worker, referral)
    with pytest.raises(TypeError):
        cp.pre_proceedings_update(by=worker, pre_proceedings_id=pp.pk,
                                  expected_version=pp.version, referral=None)


def test_pre_proceedings_edit_conflict(worker, manager, referral):
    """Lost-update protection: the second save from the same version is refused, the first kept."""
    pp = _pp(worker, referral)
    cp.pre_proceedings_update(by=worker, pre_proceedings_id=pp.pk, expected_version=pp.version,
                              fgdm_offered=True)
    with pytest.raises(EditConflict):
        cp.pre_proceedings_update(by=manager, pre_proceedings_id=pp.pk,
                                  expected_version=pp.version, fgdm_offered=False)
    assert PreProceedings.objects.get(pk=pp.pk).fgdm_offered is True
