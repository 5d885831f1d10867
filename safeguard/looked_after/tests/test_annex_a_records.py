"""Permanence plans (Annex A List 8), care leaver eligibility, and prospective adopters with their
match (Annex A List 11): happy paths, each rule enforced at entry (a refused save changes nothing),
and edit conflicts."""

from __future__ import annotations

import datetime as dt

import pytest

from safeguard.core.errors import EditConflict, today
from safeguard.looked_after import services as s
from safeguard.looked_after.models import (
    Adopter,
    AdopterHousehold,
    AdoptionJourney,
    CareLeaverStatus,
    PermanencePlan,
)

D = dt.date
TOMORROW = today() + dt.timedelta(days=1)


def _fields(exc) -> set[tuple[str, str]]:
    return {(v.field, v.rule) for v in exc.violations}


# --- permanence plans ------------------------------------------------------------------------

def _plan(worker, child, **kw):
    kw = {"plan_date": D(2023, 3, 1), "plan": "fostering", **kw}
    return s.permanence_plan_record(by=worker, child_id=child.pk, **kw)


def test_permanence_plan_recorded(worker, in_care):
    """Care Planning Regulations 2010 reg 5 / Annex A List 8: the plan for permanence."""
    first = _plan(worker, in_care)
    second = _plan(worker, in_care, plan_date=D(2023, 7, 1), plan="adoption")
    assert [p.plan for p in PermanencePlan.objects.filter(child=in_care).order_by("plan_date")] \
        == ["fostering", "adoption"]
    assert (first.get_plan_display(), second.get_plan_display()) == ("Long-term fostering", "Adoption")


PLAN_CASES = [
    ("plan", {"plan": "LTF"}),
    ("plan_date", {"plan_date": TOMORROW}),
    ("plan_date", {"plan_date": D(2022, 12, 1)}),  # before care started
]


@pytest.mark.parametrize("field,kw", PLAN_CASES, ids=["bad-plan", "future", "not-in-care"])
def test_permanence_plan_refused(field, kw, worker, in_care, refused):
    """Care Planning Regulations 2010 reg 5 (local rules): a known plan, dated while the child is
    looked after and not in the future."""
    exc = refused("local", _plan, worker, in_care, **kw)
    assert (field, "local") in _fields(exc)


def test_permanence_plan_after_care_ended_refused(worker, in_care, refused):
    """Care Planning Regulations 2010: a permanence plan is part of a looked-after child's care plan."""
    s.period_of_care_end(by=worker, child_id=in_care.pk, end_date=D(2023, 6, 1), reason_ceased="E4A")
    exc = refused("local", _plan, worker, in_care, plan_date=D(2023, 6, 2))
    assert ("plan_date", "local") in _fields(exc)


def test_one_permanence_plan_per_day(worker, in_care, refused):
    """Local rule: one plan a day, so Annex A 'latest plan' is unambiguous."""
    _plan(worker, in_care)
    refused("local", _plan, worker, in_care, plan="sgo")


# --- care leaver eligibility -----------------------------------------------------------------

@pytest.fixture
def care_leaver(make_child, start_care, worker):
    """Born 1 Jan 2006 (14 in 2020, 16 in 2022, 18 in 2024); looked after 1 Jun 2021 - 1 Jun 2023."""
    young = make_child(date_of_birth=D(2006, 1, 1))
    start_care(young, decom=D(2021, 6, 1))
    s.period_of_care_end(by=worker, child_id=young.pk, end_date=D(2023, 6, 1), reason_ceased="E4A")
    return young


def _status(worker, child, **kw):
    return s.care_leaver_eligibility_record(by=worker, child_id=child.pk, **kw)


def test_care_leaver_moves_from_eligible_to_relevant_to_former_relevant(worker, care_leaver):
    """Children (Leaving Care) Act 2000: eligible (Children Act 1989 Sch 2 para 19B) while in care
    at 16-17, relevant (s23A) on leaving before 18, former relevant (s23C) from 18."""
    st = _status(worker, care_leaver, eligibility="eligible", since_date=D(2022, 1, 1))
    st = _status(worker, care_leaver, eligibility="relevant", since_date=D(2023, 6, 1),
                 expected_version=st.version)
    st = _status(worker, care_leaver, eligibility="former_relevant", since_date=D(2024, 1, 1),
                 expected_version=st.version)
    assert (st.eligibility, st.version) == ("former_relevant", 3)
    assert CareLeaverStatus.objects.filter(child=care_leaver).count() == 1


CARE_LEAVER_CASES = [
    ("eligibility", {"eligibility": "staying_put", "since_date": D(2023, 6, 1)}),
    ("since_date", {"eligibility": "relevant", "since_date": TOMORROW}),
    ("eligibility", {"eligibility": "eligible", "since_date": D(2021, 7, 1)}),  # aged 15
    ("eligibility", {"eligibility": "relevant", "since_date": D(2024, 2, 1)}),  # aged 18
    ("eligibility", {"eligibility": "former_relevant", "since_date": D(2023, 6, 1)}),  # aged 17
    ("since_date", {"eligibility": "eligible", "since_date": D(2023, 7, 1)}),  # left care
    ("since_date", {"eligibility": "relevant", "since_date": D(2023, 1, 1)}),  # still in care
    ("eligibility", {"eligibility": "qualifying", "since_date": D(2023, 6, 1)}),  # is relevant
]


@pytest.mark.parametrize("field,kw", CARE_LEAVER_CASES,
                         ids=["bad-code", "future", "eligible-age", "relevant-age",
                              "former-relevant-age", "eligible-not-in-care",
                              "relevant-still-in-care", "qualifying-but-relevant"])
def test_care_leaver_eligibility_refused(field, kw, worker, care_leaver, refused):
    """Children Act 1989 Sch 2 para 19B, s23A, s23C, s24 (Children (Leaving Care) Act 2000;
    local rules): the category fits the young person's age and care history on that date."""
    exc = refused("local", _status, worker, care_leaver, **kw)
    assert (field, "local") in _fields(exc)


def test_eligible_needs_13_weeks_since_14(worker, make_child, start_care, refused):
    """Care Planning Regulations 2010 reg 40: 13 weeks looked after since age 14 (not counting
    pre-planned short breaks) before a 16-year-old is an eligible child."""
    young = make_child(date_of_birth=D(2006, 1, 1))
    start_care(young, decom=D(2022, 3, 1))
    exc = refused("local", _status, worker, young, eligibility="eligible", since_date=D(2022, 4, 1))
    assert ("eligibility", "local") in _fields(exc)
    assert _status(worker, young, eligibility="eligible", since_date=D(2022, 6, 1))


def test_qualifying_care_leaver(worker, make_child, start_care):
    """Children Act 1989 s24: looked after after 16 but for less than 13 weeks since 14."""
    young = make_child(date_of_birth=D(2006, 1, 1))
    start_care(young, decom=D(2022, 3, 1))
    s.period_of_care_end(by=worker, child_id=young.pk, end_date=D(2022, 4, 1), reason_ceased="E4A")
    assert _status(worker, young, eligibility="qualifying", since_date=D(2022, 4, 1)).pk


def test_care_leaver_status_edit_conflict(worker, manager, care_leaver):
    """Lost-update protection on the one status record per young person."""
    st = _status(worker, care_leaver, eligibility="relevant", since_date=D(2023, 6, 1))
    _status(worker, care_leaver, eligibility="former_relevant", since_date=D(2024, 1, 1),
            expected_version=st.version)
    with pytest.raises(EditConflict):
        _status(manager, care_leaver, eligibility="relevant", since_date=D(2023, 6, 2),
                expected_version=st.version)
    assert CareLeaverStatus.objects.get(child=care_leaver).eligibility == "former_relevant"


# --- prospective adopters and the match ------------------------------------------------------

COUPLE = [
    {"reference": "A1", "sex": "F", "ethnicity": "WBRI", "disability": False},
    {"reference": "A2", "sex": "M", "ethnicity": "BAFR", "disability": True},
]


def _household(worker, la, **kw):
    kw = {"reference": "H001", "enquiry_date": D(2022, 9, 1), "adopters": COUPLE, **kw}
    return s.adopter_household_register(by=worker, local_authority=la, **kw)


APPROVED = dict(stage1_start=D(2022, 9, 15), stage1_end=D(2022, 11, 15), stage2_start=D(2022, 11, 20),
                application_date=D(2022, 11, 20), stage2_end=D(2023, 3, 20),
                approval_date=D(2023, 3, 20), fostering_for_adoption=True)


def test_adopter_household_through_approval_and_match(worker, la, in_care):
    """Adoption Agencies Regulations 2005 (two-stage process, 2013) and Annex A List 11; the match
    fills 903 AD1 NB_ADOPTR and SEX_ADOPTR from the household."""
    h = _household(worker, la)
    assert sorted(Adopter.objects.filter(household=h).values_list("reference", flat=True)) == ["A1", "A2"]
    h = s.adopter_household_update(by=worker, household_id=h.pk, expected_version=h.version, **APPROVED)
    j = s.adoption_decision_record(by=worker, child_id=in_care.pk, decision_date=D(2023, 2, 1))
    j = s.adoption_milestone_record(by=worker, adoption_id=j.pk, expected_version=j.version,
                                    matched_date=D(2023, 4, 3))
    j = s.adoption_match_household(by=worker, adoption_id=j.pk, expected_version=j.version,
                                   household_id=h.pk)
    j.refresh_from_db()
    assert (j.adopter_household_id, j.number_of_adopters, j.sex_of_adopters) == (h.pk, 2, "MF")


REGISTER_CASES = [
    ("reference", {"reference": " "}),
    ("enquiry_date", {"enquiry_date": TOMORROW}),
    ("enquiry_date", {"enquiry_date": None}),
    ("adopters", {"adopters": []}),
    ("adopters", {"adopters": COUPLE + [{"reference": "A3", "sex": "F", "ethnicity": "WBRI"}]}),
    ("sex", {"adopters": [{"reference": "A1", "sex": "X", "ethnicity": "WBRI"}]}),
    ("ethnicity", {"adopters": [{"reference": "A1", "sex": "F", "ethnicity": "ZZZZ"}]}),
    ("reference", {"adopters": [{"sex": "F", "ethnicity": "WBRI"}]}),
    ("reference", {"adopters": [COUPLE[0], {**COUPLE[1], "reference": "A1"}]}),
]


@pytest.mark.parametrize("field,kw", REGISTER_CASES,
                         ids=["no-ref", "future", "no-enquiry", "nobody", "three", "sex", "ethnicity",
                              "adopter-ref", "same-refs"])
def test_adopter_household_register_refused(field, kw, worker, la, refused):
    """Annex A List 11 (local rules): one or two adopters with valid DfE sex and ethnicity codes,
    a reference each, and an initial enquiry that is not in the future."""
    exc = refused("local", _household, worker, la, **kw)
    assert (field, "local") in _fields(exc)


def test_adopter_household_reference_unique(worker, la, refused):
    """Local rule: a household reference identifies one household in the council's Annex A list."""
    _household(worker, la)
    exc = refused("local", _household, worker, la)
    assert ("reference", "local") in _fields(exc)


UPDATE_CASES = [
    ("stage1_start", {"stage1_start": D(2022, 8, 1)}),
    ("stage1_end", {"stage1_start": D(2022, 9, 15), "stage1_end": D(2022, 9, 1)}),
    ("stage1_start", {"stage1_end": D(2022, 10, 1)}),
    ("stage2_start", {**APPROVED, "stage2_start": D(2022, 11, 1)}),
    ("stage1_end", {"stage1_start": D(2022, 9, 15), "stage2_start": D(2022, 11, 1)}),
    ("stage2_end", {**APPROVED, "stage2_end": D(2022, 11, 19)}),
    ("approval_date", {**APPROVED, "approval_date": D(2022, 11, 19)}),
    ("application_date", {"approval_date": D(2023, 1, 1)}),
    ("application_date", {"application_date": D(2022, 8, 31)}),
    ("approval_date", {**APPROVED, "approval_date": TOMORROW, "stage2_end": None}),
    ("reason_left", {"left_process_date": D(2022, 10, 1)}),
    ("left_process_date", {"reason_left": "moved away"}),
    ("left_process_date", {"left_process_date": D(2022, 8, 1), "reason_left": "withdrew"}),
    ("stage2_start", {**APPROVED, "left_process_date": D(2022, 11, 1), "reason_left": "withdrew"}),
]


@pytest.mark.parametrize("field,kw", UPDATE_CASES,
                         ids=["s1-before-enquiry", "s1-end-before-start", "s1-end-no-start",
                              "s2-before-s1-end", "s2-while-s1-open", "s2-end-before-start",
                              "approval-before-application", "approval-no-application",
                              "application-before-enquiry", "approval-future", "left-no-reason",
                              "reason-no-date", "left-before-enquiry", "dates-after-leaving"])
def test_adopter_household_update_refused(field, kw, worker, la, refused):
    """Adoption Agencies Regulations 2005 as amended 2013 (local rules): stage 1 from the enquiry,
    stage 2 after stage 1, approval after the application, nothing after leaving, reason for leaving."""
    h = _household(worker, la)
    exc = refused("local", s.adopter_household_update, by=worker, household_id=h.pk,
                  expected_version=h.version, **kw)
    assert (field, "local") in _fields(exc)


def test_adopter_household_edit_conflict(worker, manager, la):
    """Lost-update protection: the second save from the same version is refused, the first kept."""
    h = _household(worker, la)
    s.adopter_household_update(by=worker, household_id=h.pk, expected_version=h.version,
                               stage1_start=D(2022, 9, 15))
    with pytest.raises(EditConflict):
        s.adopter_household_update(by=manager, household_id=h.pk, expected_version=h.version,
                                   stage1_start=D(2022, 9, 20))
    assert AdopterHousehold.objects.get(pk=h.pk).stage1_start == D(2022, 9, 15)


@pytest.fixture
def journey(worker, in_care):
    j = s.adoption_decision_record(by=worker, child_id=in_care.pk, decision_date=D(2023, 2, 1))
    return s.adoption_milestone_record(by=worker, adoption_id=j.pk, expected_version=j.version,
                                       matched_date=D(2023, 4, 3))


def _match(worker, journey, household):
    return s.adoption_match_household(by=worker, adoption_id=journey.pk,
                                      expected_version=journey.version, household_id=household.pk)


def test_match_needs_approved_household(worker, la, journey, refused):
    """Adoption Agencies Regulations 2005 reg 31: a child is matched only with approved adopters."""
    h = _household(worker, la)
    exc = refused("local", _match, worker, journey, h)
    assert ("adopter_household", "local") in _fields(exc)


def test_match_not_before_approval(worker, la, journey, refused):
    """Adoption Agencies Regulations 2005: approval comes before the match (903 DATE_MATCH)."""
    h = _household(worker, la)
    h = s.adopter_household_update(by=worker, household_id=h.pk, expected_version=h.version,
                                   **{**APPROVED, "approval_date": D(2023, 5, 1)})
    exc = refused("local", _match, worker, journey, h)
    assert ("adopter_household", "local") in _fields(exc)


def test_match_not_with_household_that_left(worker, la, journey, refused):
    """Annex A List 11: a household that left the process before the match cannot be matched."""
    h = _household(worker, la)
    h = s.adopter_household_update(by=worker, household_id=h.pk, expected_version=h.version,
                                   **{**APPROVED, "left_process_date": D(2023, 4, 1),
                                      "reason_left": "withdrew"})
    exc = refused("local", _match, worker, journey, h)
    assert ("adopter_household", "local") in _fields(exc)


def test_match_checks_recorded_adopter_details(worker, la, journey, refused):
    """903 AD1 NB_ADOPTR/SEX_ADOPTR must describe the matched household (local rule)."""
    journey = s.adoption_milestone_record(by=worker, adoption_id=journey.pk,
                                          expected_version=journey.version, number_of_adopters=1,
                                          sex_of_adopters="F1")
    h = _household(worker, la)
    h = s.adopter_household_update(by=worker, household_id=h.pk, expected_version=h.version, **APPROVED)
    exc = refused("local", _match, worker, journey, h)
    assert ("number_of_adopters", "local") in _fields(exc)
    assert ("sex_of_adopters", "local") in _fields(exc)


def test_match_not_after_reversal(worker, la, journey, refused):
    """SSDA903 PlacedAdoption: a reversed decision takes no further milestones (local rule)."""
    h = _household(worker, la)
    h = s.adopter_household_update(by=worker, household_id=h.pk, expected_version=h.version, **APPROVED)
    journey = s.adoption_decision_reverse(by=worker, adoption_id=journey.pk,
                                          expected_version=journey.version,
                                          reversed_date=D(2023, 5, 1), reason="RD1")
    exc = refused("local", _match, worker, journey, h)
    assert ("adopter_household", "local") in _fields(exc)


def test_approval_cannot_move_after_a_match(worker, la, journey, refused):
    """Local rule: a matched household's approval cannot be removed or dated after the match."""
    h = _household(worker, la)
    h = s.adopter_household_update(by=worker, household_id=h.pk, expected_version=h.version, **APPROVED)
    _match(worker, journey, h)
    exc = refused("local", s.adopter_household_update, by=worker, household_id=h.pk,
                  expected_version=h.version, approval_date=D(2023, 4, 10))
    assert ("approval_date", "local") in _fields(exc)
    exc = refused("local", s.adopter_household_update, by=worker, household_id=h.pk,
                  expected_version=h.version, approval_date=None)
    assert ("approval_date", "local") in _fields(exc)


def test_match_edit_conflict(worker, manager, la, journey):
    """Lost-update protection on the adoption journey."""
    h = _household(worker, la)
    h = s.adopter_household_update(by=worker, household_id=h.pk, expected_version=h.version, **APPROVED)
    _match(worker, journey, h)
    with pytest.raises(EditConflict):
        _match(manager, journey, h)
    assert AdoptionJourney.objects.get(pk=journey.pk).adopter_household_id == h.pk
