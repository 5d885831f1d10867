"""The front door's checks read only a loaded ChildHistory: no query runs while they decide, so the
synthetic council generator can apply the very rules a practitioner's save applies."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from safeguard.assessment import services as asmt
from safeguard.core.errors import Checks
from safeguard.front_door import checks as fdc
from safeguard.front_door import services as fd
from safeguard.front_door.models import EarlyHelpEpisode, Referral
from safeguard.record.history import ChildHistory, edited

D = dt.date


@pytest.fixture
def referral(worker, child) -> Referral:
    return fd.referral_open(by=worker, child_id=child.pk, referral_date=D(2024, 1, 10),
                            source="2A", primary_need="N1")


def _rules(checks: Checks) -> set[str]:
    return {v.rule for v in checks.violations}


def test_referral_open_check_runs_without_queries(django_assert_num_queries, child, referral):
    """CIN census rule 8815: only one open episode of need; decided from the history alone."""
    history = ChildHistory.load(child.pk, lock=False)
    candidate = Referral(child=history.child, referral_date=D(2024, 2, 1), source="2A")
    checks = Checks()
    with django_assert_num_queries(0):
        fdc.check_referral_open(history, candidate, checks)
    assert "CIN 8815" in _rules(checks)


def test_referral_record_response_check_runs_without_queries(django_assert_num_queries, worker,
                                                             manager, child, referral):
    """CIN census rule 8831: an NFA referral cannot have an assessment; decided from the history."""
    asmt.assessment_start(by=worker, referral_id=referral.pk, start_date=D(2024, 1, 11))
    history = ChildHistory.load(child.pk, lock=False)
    with django_assert_num_queries(0):
        held = history.for_edit("referrals", referral.pk, None)
        candidate = edited(held, response="nfa", response_date=D(2024, 1, 12),
                               referral_nfa=True)
        checks = Checks()
        fdc.check_referral_record_response(history, candidate, checks, by=manager)
    assert "CIN 8831" in _rules(checks)


def test_referral_close_check_runs_without_queries(django_assert_num_queries, worker, manager,
                                                   child, referral):
    """CIN census rule 8867: every assessment is authorised before the episode closes (8825Q,
    RC8 needs an assessment, is met); decided from the history alone."""
    asmt.assessment_start(by=worker, referral_id=referral.pk, start_date=D(2024, 1, 11))
    history = ChildHistory.load(child.pk, lock=False)
    with django_assert_num_queries(0):
        held = history.for_edit("referrals", referral.pk, None)
        candidate = edited(held, closure_date=D(2024, 3, 1), reason_for_closure="RC8",
                               closure_rationale="Assessed; no further role.")
        checks = Checks()
        fdc.check_referral_close(history, candidate, checks, authorised_by=manager)
    assert "CIN 8867" in _rules(checks)
    assert "CIN 8825Q" not in _rules(checks)


def test_contact_decide_check_runs_without_queries(django_assert_num_queries, worker, manager,
                                                   child):
    """Local rule: a contact that has become a referral is settled; decided from the history."""
    c = fd.contact_record(by=worker, child_id=child.pk, source="1A",
                          received_at=timezone.make_aware(dt.datetime(2024, 1, 9, 10)))
    fd.contact_decide(by=manager, contact_id=c.pk, expected_version=c.version,
                      decision="referral",
                      decided_at=timezone.make_aware(dt.datetime(2024, 1, 9, 15)))
    history = ChildHistory.load(child.pk, lock=False)
    with django_assert_num_queries(0):
        held = history.for_edit("contacts", c.pk, None)
        candidate = edited(held, decision="nfa")
        checks = Checks()
        fdc.check_contact_decide(history, candidate, checks)
    assert "local" in _rules(checks)


def test_early_help_start_check_runs_without_queries(django_assert_num_queries, worker, child):
    """Local rule: one open early help episode at a time (Annex A List 2)."""
    fd.early_help_start(by=worker, child_id=child.pk, start_date=D(2024, 1, 5))
    history = ChildHistory.load(child.pk, lock=False)
    candidate = EarlyHelpEpisode(child=history.child, start_date=D(2024, 2, 5))
    checks = Checks()
    with django_assert_num_queries(0):
        fdc.check_early_help_start(history, candidate, checks)
    assert "local" in _rules(checks)
