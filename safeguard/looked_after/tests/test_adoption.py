"""Adoption: decision to place, milestones (AD1) and reversal (PlacedAdoption)."""

import datetime as dt

import pytest

from safeguard.core.errors import EditConflict
from safeguard.looked_after import services as s
from safeguard.looked_after.models import AdoptionJourney

D = dt.date
DECIDED = D(2023, 3, 1)
ADOPTERS = dict(foster_carer_adoption=False, number_of_adopters=2, sex_of_adopters="MF",
                legal_status_of_adopters="L11")


@pytest.fixture
def decision(worker, in_care):
    return s.adoption_decision_record(by=worker, child_id=in_care.pk, decision_date=DECIDED)


def _milestone(worker, j, **kw):
    return s.adoption_milestone_record(by=worker, adoption_id=j.pk, expected_version=j.version,
                                       **kw)


def test_whole_adoption_journey(worker, in_care, decision):
    """Adoption and Children Act 2002: decision, placement order, match, placement, adoption."""
    j = _milestone(worker, decision, placement_order_date=D(2023, 4, 1))
    s.episode_change(by=worker, child_id=in_care.pk, change_date=D(2023, 4, 1), rne="L",
                     legal_status="E1")
    j = _milestone(worker, j, matched_date=D(2023, 5, 1))
    s.episode_change(by=worker, child_id=in_care.pk, change_date=D(2023, 5, 10), rne="P",
                     placement="A6", urn="SC777777", reason_place_change="CARPL")
    j = _milestone(worker, j, placed_date=D(2023, 5, 10), adoption_order_date=D(2023, 9, 1),
                   **ADOPTERS)
    period = s.period_of_care_end(by=worker, child_id=in_care.pk, end_date=D(2023, 9, 1),
                                  reason_ceased="E11")
    assert period.end_date == D(2023, 9, 1) and j.version == 4


@pytest.mark.parametrize("rule,day", [
    ("903 115", dt.date.today() + dt.timedelta(days=1)),
    ("903 184", D(2015, 1, 1)),
    ("903 1003", D(2022, 12, 1)),
], ids=["115", "184", "1003"])
def test_decision_refused(rule, day, worker, in_care, refused):
    """SSDA903 rules 115 (valid date), 184 (not before birth), 1003 (not before care began)."""
    refused(rule, s.adoption_decision_record, by=worker, child_id=in_care.pk, decision_date=day)


def test_117_decision_after_care_ended(worker, in_care, refused):
    """SSDA903 rule 117: the decision cannot be after the child ceased to be looked after."""
    s.period_of_care_end(by=worker, child_id=in_care.pk, end_date=D(2023, 6, 1),
                         reason_ceased="E4A")
    refused("903 117", s.adoption_decision_record, by=worker, child_id=in_care.pk,
            decision_date=D(2023, 7, 1))


def test_579_decision_while_previous_still_open(worker, in_care, decision, refused):
    """SSDA903 rules 579/583: a new decision cannot start while the previous one is open."""
    refused("903 579", s.adoption_decision_record, by=worker, child_id=in_care.pk,
            decision_date=D(2023, 4, 1))


def test_579_new_decision_before_previous_reversal(worker, in_care, decision, refused):
    """SSDA903 rule 579: a new decision cannot be dated before the previous one was reversed."""
    s.adoption_decision_reverse(by=worker, adoption_id=decision.pk, expected_version=1,
                                reversed_date=D(2023, 5, 1), reason="RD1")
    refused("903 579", s.adoption_decision_record, by=worker, child_id=in_care.pk,
            decision_date=D(2023, 4, 1))
    assert s.adoption_decision_record(by=worker, child_id=in_care.pk, decision_date=D(2023, 6, 1))


MILESTONE_CASES = [
    ("903 554", {"placement_order_date": D(2023, 2, 1)}),
    ("903 333", {"matched_date": D(2023, 2, 1)}),
    ("903 521", {"placed_date": D(2023, 2, 1)}),
    ("903 331", {"matched_date": D(2023, 5, 1), "placed_date": D(2023, 4, 1)}),
    ("903 113", {"matched_date": dt.date.today() + dt.timedelta(days=1)}),
    ("903 114", {"foster_carer_adoption": "yes"}),
    ("903 175", {"number_of_adopters": 3}),
    ("903 176", {"sex_of_adopters": "XX"}),
    ("903 177", {"legal_status_of_adopters": "L9"}),
    ("903 511", {"number_of_adopters": 2, "sex_of_adopters": "F1"}),
    ("903 514", {"number_of_adopters": 2, "legal_status_of_adopters": "L0"}),
    ("903 517", {"sex_of_adopters": "FF", "legal_status_of_adopters": "L3"}),
    ("903 518", {"sex_of_adopters": "MF", "legal_status_of_adopters": "L4"}),
    ("903 519", {"sex_of_adopters": "F1", "legal_status_of_adopters": "L12"}),
    ("903 524", {"sex_of_adopters": "MF", "legal_status_of_adopters": "L12"}),
    ("903 520", {"sex_of_adopters": "FF", "legal_status_of_adopters": "L11"}),
    ("903 151", {"matched_date": D(2023, 5, 1), "placed_date": D(2023, 5, 10),
                 "adoption_order_date": D(2023, 9, 1)}),
    ("local", {"placed_date": D(2023, 5, 10), "adoption_order_date": D(2023, 5, 1)}),
]


@pytest.mark.parametrize("rule,kw", MILESTONE_CASES, ids=[c[0] for c in MILESTONE_CASES])
def test_milestone_refused(rule, kw, worker, decision, refused):
    """SSDA903 AD1/PlacedAdoption rules (case id names the rule): 113-114, 151, 175-177, 331,
    333, 511-524, 521, 554; local: the adoption order cannot precede placement."""
    refused(rule, _milestone, worker, decision, **kw)


def test_525_no_adoption_after_reversal(worker, decision, refused):
    """SSDA903 rule 525: a child whose decision was reversed cannot be adopted under it."""
    j = s.adoption_decision_reverse(by=worker, adoption_id=decision.pk, expected_version=1,
                                    reversed_date=D(2023, 5, 1), reason="RD3")
    refused("903 525", _milestone, worker, j, adoption_order_date=D(2023, 6, 1))


REVERSE_CASES = [
    ("903 119", {"reason": ""}),
    ("903 120", {"reason": "RD9"}),
    ("903 116", {"reversed_date": dt.date.today() + dt.timedelta(days=1)}),
    ("903 522", {"reversed_date": D(2023, 2, 1)}),
]


@pytest.mark.parametrize("rule,kw", REVERSE_CASES, ids=[c[0] for c in REVERSE_CASES])
def test_reverse_refused(rule, kw, worker, decision, refused):
    """SSDA903 rules 116, 119, 120, 522 on the decision that the child should no longer be
    placed for adoption."""
    kw = {"reversed_date": D(2023, 5, 1), "reason": "RD1", **kw}
    refused(rule, s.adoption_decision_reverse, by=worker, adoption_id=decision.pk,
            expected_version=1, **kw)


def test_117_reversal_after_care_ended(worker, in_care, refused):
    """SSDA903 rule 117: the reversal cannot be after the child ceased to be looked after."""
    j = s.adoption_decision_record(by=worker, child_id=in_care.pk, decision_date=DECIDED)
    AdoptionJourney.objects.filter(pk=j.pk).update(decision_reversed_date=D(2023, 4, 1),
                                                   reason_reversed="RD1")
    s.period_of_care_end(by=worker, child_id=in_care.pk, end_date=D(2023, 6, 1),
                         reason_ceased="E4A")
    AdoptionJourney.objects.filter(pk=j.pk).update(decision_reversed_date=None, reason_reversed="")
    refused("903 117", s.adoption_decision_reverse, by=worker, adoption_id=j.pk,
            expected_version=None, reversed_date=D(2023, 7, 1), reason="RD1")


def test_558_cannot_reverse_after_adoption(worker, decision, refused):
    """SSDA903 rule 558: an adopted child's decision cannot be reversed."""
    j = _milestone(worker, decision, matched_date=D(2023, 4, 1), placed_date=D(2023, 4, 10),
                   adoption_order_date=D(2023, 9, 1), **ADOPTERS)
    refused("903 558", s.adoption_decision_reverse, by=worker, adoption_id=j.pk,
            expected_version=j.version, reversed_date=D(2023, 9, 2), reason="RD4")


def test_adoption_edit_conflict(worker, decision):
    """Lost-update protection: two edits from the same version; the second is refused."""
    _milestone(worker, decision, matched_date=D(2023, 4, 1))
    with pytest.raises(EditConflict):
        _milestone(worker, decision, matched_date=D(2023, 4, 2))
    assert AdoptionJourney.objects.get().matched_date == D(2023, 4, 1)
