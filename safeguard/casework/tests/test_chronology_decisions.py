"""Decisions in the chronology (issue 17): each with who decided and why.

Sources: Working Together to Safeguard Children 2023, ch. 2 (the referral decision; assessments
submitted, returned and authorised with management oversight) and ch. 3 (the section 47 outcome
and its rationale; the conference's decision and reasons, by its chair; the plan's end); the
council's closure procedure [L] (the management rationale for closing)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeguard.assessment import services as asmt
from safeguard.assessment.tests.helpers import submit
from safeguard.casework import chronology
from safeguard.child_protection import services as cp
from safeguard.front_door import services as fd
from safeguard.front_door.models import Referral
from safeguard.record.history import ChildHistory

D = dt.date
REASONS = "Significant harm through neglect; the parents have not engaged so far."
RATIONALE = "Findings show risk of significant harm: an initial conference is needed."


def at(y: int, m: int, d: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(y, m, d, hour, 0))


@pytest.fixture
def journey(worker, manager, iro, child):
    """Contact → referral → assessment (returned, then authorised) → S47 → ICPC → plan → review
    ending it → closure: every decision by the person whose decision it is."""
    c = fd.contact_record(by=worker, child_id=child.pk, received_at=at(2024, 1, 8), source="2A")
    fd.contact_decide(by=manager, contact_id=c.pk, expected_version=c.version, decision="referral",
                      decided_at=at(2024, 1, 8, 15))
    r = Referral.objects.get(contact_id=c.pk)
    r = fd.referral_set_primary_need(by=worker, referral_id=r.pk, expected_version=r.version,
                                     primary_need="N1")
    r = fd.referral_record_response(by=manager, referral_id=r.pk, expected_version=r.version,
                                    response="strategy", response_date=D(2024, 1, 8))
    a = asmt.assessment_start(by=worker, referral_id=r.pk, start_date=D(2024, 1, 9))
    a = submit(worker, a, child_seen_date=D(2024, 1, 9))
    a = asmt.assessment_return(by=manager, assessment_id=a.pk, expected_version=a.version,
                               comments="Please add the school's view of attendance.")
    a = submit(worker, a)
    asmt.assessment_authorise(by=manager, assessment_id=a.pk, expected_version=a.version,
                              authorisation_date=D(2024, 1, 12), factors=["3B", "4B"],
                              requires_support=True, comments="Agreed: the plan follows.")
    s = cp.section47_start(by=worker, referral_id=r.pk, start_date=D(2024, 1, 9))
    cp.section47_submit(by=worker, section47_id=s.pk, expected_version=s.version,
                        findings="The child's account and the school's concerns agree.",
                        proposed_outcome="icpc")
    s.refresh_from_db()
    cp.section47_record_outcome(by=manager, section47_id=s.pk, expected_version=s.version,
                                end_date=D(2024, 1, 12), outcome="icpc", icpc_not_required=False,
                                rationale=RATIONALE)
    conf = cp.conference_record(by=iro, chair=iro, referral_id=r.pk, kind="initial",
                                held_on=D(2024, 1, 15), section47_id=s.pk, plan_required=True,
                                decision="plan_needed", decision_reasons=REASONS)
    p = cp.cp_plan_start(by=iro, referral_id=r.pk, start_date=D(2024, 1, 15), initial_category="NEG",
                         conference_id=conf.pk)
    cp.conference_record(by=iro, chair=iro, referral_id=r.pk, kind="review", held_on=D(2024, 4, 8),
                         cp_plan_id=p.pk, decision="end_plan",
                         decision_reasons="Attendance and home conditions have improved for months.")
    p.refresh_from_db()
    cp.cp_plan_end(by=iro, cp_plan_id=p.pk, expected_version=p.version, end_date=D(2024, 4, 8),
                   end_reason="no_longer_at_risk")
    r.refresh_from_db()
    fd.referral_close(by=manager, authorised_by=manager, referral_id=r.pk, expected_version=r.version,
                      closure_date=D(2024, 4, 10), reason_for_closure="RC1",
                      rationale="Plan ended; school and health visitor continue support.")
    return child


def _by_text(entries):
    return {e.text: e for e in entries}


def test_each_decision_shows_who_decided_and_why(journey, worker, manager, iro):
    """Issue 17: decisions visible in the chronology with the decider and the rationale."""
    got = _by_text(chronology.entries(ChildHistory.load(journey.pk, lock=False)))
    want = {
        "Contact decision: Referral": manager,
        "Response to referral: Strategy discussion": manager,
        "Assessment submitted for the manager's decision": worker,
        "Assessment returned to the worker: Please add the school's view of attendance.": manager,
        "Assessment authorised: Agreed: the plan follows.": manager,
        "Section 47 findings submitted for the manager's decision (proposed: Initial child protection "
        "conference)": worker,
        f"Section 47 outcome: Initial child protection conference: {RATIONALE}": manager,
        "Child protection plan ended: No longer at risk of significant harm": iro,
        "Episode closed (RC1): Plan ended; school and health visitor continue support.": manager,
    }
    for text, who in want.items():
        matches = [e for t, e in got.items() if t.startswith(text)]
        assert matches, (text, sorted(got))
        assert matches[0].recorded_by == who, text
    icpc = next(t for t in got if t.startswith("Initial child protection conference"))
    assert icpc == (f"Initial child protection conference: A child protection plan is needed ({REASONS}); "
                    f"chaired by {iro}")
    review = next(t for t in got if t.startswith("Review child protection conference"))
    assert "End the child protection plan" in review and review.endswith(f"chaired by {iro}")
    submitted = [e for e in chronology.entries(ChildHistory.load(journey.pk, lock=False))
                 if e.text == "Assessment submitted for the manager's decision"]
    assert len(submitted) == 2  # both rounds are kept


def test_decisions_cost_one_query_whatever_their_number(journey, worker, manager, make_child):
    """The words are read in one query (a union), not one per decision."""
    h = ChildHistory.load(journey.pk, lock=False)
    with CaptureQueriesContext(connection) as full:
        chronology.entries(h)
    quiet = make_child()
    fd.contact_record(by=worker, child_id=quiet.pk, received_at=at(2024, 1, 8), source="2A")
    quiet_history = ChildHistory.load(quiet.pk, lock=False)
    with CaptureQueriesContext(connection) as none:
        chronology.entries(quiet_history)
    assert len(full) == len(none) + 1
    with CaptureQueriesContext(connection) as visits:
        chronology.entries(h, kind="visit")
    assert len(visits) == 0  # nothing to name, no decision to read
