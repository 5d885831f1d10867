"""Reviews, health assessments, annual outcomes (OC2) and PEPs for looked-after children."""

import datetime as dt

import pytest

from safeguard.looked_after import services as s
from safeguard.looked_after.models import AnnualHealthOutcomes, LookedAfterReview

D = dt.date
YEAR_END = D(2024, 3, 31)


# --- reviews ---------------------------------------------------------------------------------

def test_review_recorded_within_period(reviewed_by_iro, in_care):
    """Care Planning Regulations 2010 reg 33: reviews of the care plan (SSDA903 Reviews)."""
    review = s.review_record(by=reviewed_by_iro, child_id=in_care.pk, review_date=D(2023, 2, 1),
                             participation="PN1")
    assert review.period_of_care.child == in_care


@pytest.mark.parametrize("rule,kw", [
    ("903 167", {"participation": "PN9"}),
    ("903 166", {"review_date": dt.date.today() + dt.timedelta(days=1)}),
    ("local", {"review_date": D(2022, 12, 1)}),
    ("903 440", {"participation": "PN0"}),
], ids=["167", "166", "outside-period", "440"])
def test_review_refused(rule, kw, reviewed_by_iro, in_care, refused):
    """SSDA903 rules 166 (review date), 167 (participation code), 440 (PN0 only under 4);
    local: a review must fall within a period of care."""
    kw = {"review_date": D(2023, 2, 1), "participation": "PN1", **kw}
    refused(rule, s.review_record, by=reviewed_by_iro, child_id=in_care.pk, **kw)


def test_441_under_four_must_be_pn0(iro, allocate_iro, make_child, start_care, refused):
    """SSDA903 rule 441: a child under 4 at the review must be recorded as PN0."""
    child = make_child(date_of_birth=D(2021, 1, 1))
    start_care(child)
    allocate_iro(child)
    refused("903 441", s.review_record, by=iro, child_id=child.pk,
            review_date=D(2023, 2, 1), participation="PN1")
    assert s.review_record(by=iro, child_id=child.pk, review_date=D(2023, 2, 1),
                           participation="PN0")


def test_399_no_reviews_for_short_breaks(iro, allocate_iro, child, start_care, refused):
    """SSDA903 rule 399: no review for a child looked after under V3/V4."""
    start_care(child, legal_status="V3", placement="U6")
    allocate_iro(child)
    refused("903 399", s.review_record, by=iro, child_id=child.pk,
            review_date=D(2023, 1, 12), participation="PN1")


def test_review_not_twice_on_one_day(reviewed_by_iro, in_care, refused):
    """Local: one review per day in a period of care."""
    s.review_record(by=reviewed_by_iro, child_id=in_care.pk, review_date=D(2023, 2, 1),
                    participation="PN1")
    refused("local", s.review_record, by=reviewed_by_iro, child_id=in_care.pk,
            review_date=D(2023, 2, 1), participation="PN1")
    assert LookedAfterReview.objects.count() == 1


# --- health assessments and PEPs -------------------------------------------------------------

def test_health_assessment_recorded(worker, in_care):
    """Promoting the health of looked-after children (DfE/DHSC 2015): IHA within 20 working days."""
    ha = s.health_assessment_record(by=worker, child_id=in_care.pk, kind="IHA",
                                    requested_date=D(2023, 1, 11), completed_date=D(2023, 2, 1))
    assert ha.completed_date == D(2023, 2, 1)


@pytest.mark.parametrize("kw", [
    {"kind": "XYZ", "completed_date": D(2023, 2, 1)},
    {"kind": "IHA"},
    {"kind": "IHA", "requested_date": D(2023, 2, 1), "completed_date": D(2023, 1, 20)},
    {"kind": "IHA", "completed_date": dt.date.today() + dt.timedelta(days=1)},
    {"kind": "RHA", "completed_date": D(2010, 1, 1)},
], ids=["kind", "no-date", "completed-before-request", "future", "before-birth"])
def test_health_assessment_refused(kw, worker, in_care, refused):
    """Local checks (no 903 rule): valid kind, a date, dates in order, not future or pre-birth."""
    refused("local", s.health_assessment_record, by=worker, child_id=in_care.pk, **kw)


def test_pep_recorded_and_refused_outside_care(worker, in_care, refused):
    """Children Act 1989 s22(3A) / Care Planning Regs: a PEP is part of the care plan."""
    assert s.pep_record(by=worker, child_id=in_care.pk, plan_date=D(2023, 2, 1))
    refused("local", s.pep_record, by=worker, child_id=in_care.pk, plan_date=D(2022, 1, 1))
    refused("local", s.pep_record, by=worker, child_id=in_care.pk,
            plan_date=dt.date.today() + dt.timedelta(days=1))


# --- annual outcomes (OC2) -------------------------------------------------------------------

OC2 = dict(sdq_score=12, immunisations=True, teeth_check=True, health_assessment=True,
           substance_misuse=False)


def test_annual_outcomes_recorded_and_replaced(worker, in_care):
    """SSDA903 OC2: outcomes for children looked after 12 months at 31 March."""
    s.annual_outcomes_record(by=worker, child_id=in_care.pk, year_ending=YEAR_END, **OC2)
    s.annual_outcomes_record(by=worker, child_id=in_care.pk, year_ending=YEAR_END,
                             **{**OC2, "sdq_score": 14})
    assert AnnualHealthOutcomes.objects.get().sdq_score == 14


OC2_CASES = [
    ("903 180", {"sdq_score": 41}),
    ("903 196", {"sdq_score": None, "sdq_reason": "SDQ9"}),
    ("903 197a", {"sdq_reason": "SDQ2"}),
    ("903 181", {"immunisations": "yes"}),
    ("903 182", {"teeth_check": None}),
    ("903 192", {"substance_misuse": True}),
    ("903 193", {"intervention_offered": True}),
    ("903 158", {"substance_misuse": True, "intervention_received": True,
                 "intervention_offered": False}),
    ("903 159", {"substance_misuse": True, "intervention_received": False}),
    ("903 157", {"sdq_score": None, "sdq_reason": "SDQ1"}),
    ("903 542", {"convicted": False}),
    ("903 546", {"health_check": True}),
]


@pytest.mark.parametrize("rule,kw", OC2_CASES, ids=[c[0] for c in OC2_CASES])
def test_annual_outcomes_refused(rule, kw, worker, in_care, refused):
    """SSDA903 OC2 rules (case id names the rule): 157, 158, 159, 180-182, 192, 193, 196, 197a,
    542 (no convictions under 10), 546 (no health promotion item at 5+)."""
    refused(rule, s.annual_outcomes_record, by=worker, child_id=in_care.pk,
            year_ending=YEAR_END, **{**OC2, **kw})


def test_188_and_545_child_under_4(worker, make_child, start_care, refused):
    """SSDA903 rules 188 (no SDQ under 4) and 545 (health promotion needed under 5)."""
    child = make_child(date_of_birth=D(2020, 6, 1))
    start_care(child, decom=D(2021, 1, 10))
    refused("903 188", s.annual_outcomes_record, by=worker, child_id=child.pk,
            year_ending=YEAR_END, **{**OC2, "health_check": True})
    refused("903 545", s.annual_outcomes_record, by=worker, child_id=child.pk,
            year_ending=YEAR_END, **{**OC2, "sdq_score": None})


def test_189_no_sdq_at_17(worker, make_child, start_care, refused):
    """SSDA903 rule 189: no SDQ for a young person aged 17 or over on 1 April."""
    child = make_child(date_of_birth=D(2005, 3, 1))
    start_care(child, decom=D(2022, 1, 10))
    refused("903 189", s.annual_outcomes_record, by=worker, child_id=child.pk,
            year_ending=D(2023, 3, 31), **OC2)


def test_190_not_looked_after_12_months(worker, in_care, refused):
    """SSDA903 rule 190: OC2 only for children looked after continuously for 12 months."""
    refused("903 190", s.annual_outcomes_record, by=worker, child_id=in_care.pk,
            year_ending=D(2023, 3, 31), **OC2)


def test_year_ending_must_be_31_march(worker, in_care, refused):
    """Local: the 903 year ends on 31 March."""
    refused("local", s.annual_outcomes_record, by=worker, child_id=in_care.pk,
            year_ending=D(2024, 3, 30), **OC2)


def test_187_191_leaving_care_on_31_march_keeps_the_child_in_the_oc2_cohort(worker, in_care):
    """SSDA903 rules 187/191 and the DfE definition of 'looked after continuously for 12 months at
    31 March': a period of care that ends on 31 March itself still counts."""
    s.period_of_care_end(by=worker, child_id=in_care.pk, end_date=YEAR_END, reason_ceased="E4A")
    record = s.annual_outcomes_record(by=worker, child_id=in_care.pk, year_ending=YEAR_END, **OC2)
    assert record.year_ending == YEAR_END
