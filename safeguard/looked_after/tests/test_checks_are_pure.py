"""The looked-after checks read a ChildHistory held in memory and never the database, so the
synthetic council generator can run exactly the rules a practitioner's save runs."""

import datetime as dt
import inspect

import pytest

from safeguard.core.errors import Checks
from safeguard.looked_after import checks as c
from safeguard.looked_after import services as s
from safeguard.looked_after.models import (
    AdoptionJourney,
    AnnualHealthOutcomes,
    CareLeaverContact,
    DeprivationOfLiberty,
    Episode,
    LookedAfterReview,
)
from safeguard.record.history import ChildHistory, edited

D = dt.date


def _rules(check, history, candidate, **context) -> set[str]:
    checks = Checks()
    check(history, candidate, checks, **context)
    return {v.rule for v in checks.violations}


def test_period_of_care_start_checks_without_queries(in_care, django_assert_num_queries):
    """SSDA903 rule 142: a child already looked after cannot start a new period of care."""
    history = ChildHistory.load(in_care.pk, lock=False)
    candidate = Episode(decom=D(2023, 3, 1), rne="S", legal_status="C2", category_of_need="N1",
                        placement="T0", placement_provider="", urn="")
    with django_assert_num_queries(0):
        rules = _rules(c.check_period_of_care_start, history, candidate)
    assert {"903 142", "903 380"} <= rules


def test_episode_change_checks_without_queries(worker, in_care, django_assert_num_queries):
    """SSDA903 rules 434 (RNE L is a legal status change only) and 504 (category of need stays
    as at the start of the period), read from the episodes held in memory."""
    history = ChildHistory.load(in_care.pk, lock=False)
    period = c.open_period(history)
    candidate = Episode(period_of_care=period, decom=D(2023, 2, 1), rne="L", legal_status="C2",
                        category_of_need="N1", placement="U4", placement_provider="PR1",
                        urn="SC123456", home_postcode="AB1 1AA", placement_postcode="CD2 2BB")
    with django_assert_num_queries(0):
        rules = _rules(c.check_episode_change, history, candidate, category_of_need="N2")
    assert {"903 434", "903 504"} <= rules


def test_period_of_care_end_checks_without_queries(worker, in_care, django_assert_num_queries):
    """SSDA903 rules 577 and 580: care cannot end while the child is missing unless REC is E8."""
    s.missing_episode_start(by=worker, child_id=in_care.pk, kind="M", start_date=D(2023, 2, 1))
    history = ChildHistory.load(in_care.pk, lock=False)
    ep = c.open_episode(history, c.open_period(history).pk)
    candidate = edited(ep, dec=D(2023, 3, 1), rec="E4A")
    with django_assert_num_queries(0):
        rules = _rules(c.check_period_of_care_end, history, candidate)
    assert {"903 577", "903 580"} <= rules


def test_review_checks_without_queries(in_care, django_assert_num_queries):
    """SSDA903 rule 441: a child under 4 at the review must be recorded as PN0 (here the child
    is 7, so PN0 breaks rule 440)."""
    history = ChildHistory.load(in_care.pk, lock=False)
    candidate = LookedAfterReview(period_of_care=c.open_period(history),
                                  review_date=D(2023, 2, 1), participation="PN0")
    with django_assert_num_queries(0):
        rules = _rules(c.check_review_record, history, candidate)
    assert "903 440" in rules


def test_annual_outcomes_checks_without_queries(in_care, django_assert_num_queries):
    """SSDA903 rule 190: OC2 only for a child looked after continuously for 12 months."""
    history = ChildHistory.load(in_care.pk, lock=False)
    candidate = AnnualHealthOutcomes(child=in_care, year_ending=D(2023, 3, 31), sdq_reason="")
    with django_assert_num_queries(0):
        rules = _rules(c.check_annual_outcomes_record, history, candidate)
    assert "903 190" in rules


def test_adoption_decision_checks_without_queries(worker, in_care, django_assert_num_queries):
    """SSDA903 rule 579: a new decision to place for adoption while an earlier one is open."""
    s.adoption_decision_record(by=worker, child_id=in_care.pk, decision_date=D(2023, 2, 1))
    history = ChildHistory.load(in_care.pk, lock=False)
    candidate = AdoptionJourney(child=in_care, decision_date=D(2023, 3, 1))
    with django_assert_num_queries(0):
        rules = _rules(c.check_adoption_decision_record, history, candidate)
    assert "903 579" in rules


def test_deprivation_of_liberty_checks_without_queries(worker, in_care,
                                                       django_assert_num_queries):
    """SSDA903 rule 705: deprivation of liberty orders cannot overlap."""
    s.deprivation_of_liberty_record(by=worker, child_id=in_care.pk, start_date=D(2023, 2, 1))
    history = ChildHistory.load(in_care.pk, lock=False)
    candidate = DeprivationOfLiberty(child=in_care, start_date=D(2023, 3, 1))
    with django_assert_num_queries(0):
        rules = _rules(c.check_deprivation_of_liberty_record, history, candidate)
    assert "903 705" in rules


def test_care_leaver_contact_checks_without_queries(in_care, django_assert_num_queries):
    """SSDA903 rule 1007: no care leaver contact while the young person is still looked after."""
    history = ChildHistory.load(in_care.pk, lock=False)
    candidate = CareLeaverContact(child=in_care, contact_date=D(2023, 2, 1), in_touch="YES",
                                  activity="F1", accommodation="B")
    with django_assert_num_queries(0):
        rules = _rules(c.check_care_leaver_contact_record, history, candidate)
    assert "903 1007" in rules


def test_edited_candidate_leaves_the_held_record_alone(worker, in_care):
    """Architecture: a change is checked as a copy, so rules can compare before and after."""
    m = s.missing_episode_start(by=worker, child_id=in_care.pk, kind="M",
                                start_date=D(2023, 2, 1), end_date=D(2023, 2, 2))
    history = ChildHistory.load(in_care.pk, lock=False)
    candidate = edited(history.missing[0], end_date=D(2023, 2, 3))
    assert history.missing[0].end_date == D(2023, 2, 2) and candidate.pk == m.pk
    assert "local" in _rules(c.check_missing_episode_end, history, candidate)  # already ended


@pytest.mark.parametrize("word", [".objects", ".filter(", ".exists(", ".all()", "select_for_update"])
def test_checks_module_has_no_orm(word):
    """Architecture: no ORM inside any check (refactor brief)."""
    assert word not in inspect.getsource(c)
