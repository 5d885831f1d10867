"""Looked-after, health and permanence indicators (INDICATORS.md B5, B6, B9) on hand-built cases:
placement counting (F3), short breaks excluded, review chains from 20 working days across bank
holidays (T10, F1), IHA clocks, and adoption timeliness."""

import datetime as dt

import pytest

from safeguard.looked_after import services as ls
from safeguard.looked_after.checks import PLACEHOLDER_URN
from safeguard.timescales import calendar

from .conftest import drill, figure, period

D = dt.date
YEAR = period(D(2025, 4, 1), D(2026, 3, 31))
AT_31_MARCH = period(D(2026, 3, 31), D(2026, 3, 31))


def start(worker, child, day, **kw):
    fields = dict(
        legal_status="C2",
        category_of_need="N1",
        placement="U4",
        placement_provider="PR1",
        urn="SC123456",
        home_postcode="CW1 1AA",
        placement_postcode="CW2 2BB",
    )
    fields.update(kw)
    return ls.period_of_care_start(by=worker, child_id=child.pk, decom=day, **fields)


def move(worker, child, day, rne="P", **kw):
    if kw.get("placement", "").startswith("T"):
        kw.update(placement_provider="", urn="")
    elif rne in ("P", "B", "T", "U"):
        kw.setdefault("reason_place_change", "CARPL")
    return ls.episode_change(by=worker, child_id=child.pk, change_date=day, rne=rne, **kw)


@pytest.mark.django_db
def test_placement_counting_for_three_or_more_placements(la, worker, make_child):
    """LAC-05 (former NI 62; LG Inform 850; F3): the placement held on 1 April plus each new carer
    (RNE P/B/S); a legal-status change (L), a move with the same carer (T), a temporary placement
    (T0-T4) and the return from it are not new placements. Short breaks (V3/V4) are outside."""
    a, b, c, d = (make_child(date_of_birth=D(2012, 1, 1)) for _ in range(4))
    start(worker, a, D(2024, 1, 10))
    move(worker, a, D(2025, 6, 1), rne="L", legal_status="C1")
    move(worker, a, D(2025, 7, 1), placement="U5")  # new carer: 2
    move(worker, a, D(2025, 8, 1), rne="T", placement="U6")  # same carer
    move(worker, a, D(2025, 9, 1), placement="T1")  # temporary
    move(
        worker,
        a,
        D(2025, 9, 10),
        placement="U6",
        placement_provider="PR1",
        urn="SC123456",
        reason_place_change="",
    )  # back to the same carer
    start(worker, b, D(2025, 5, 1))
    move(worker, b, D(2025, 10, 1), placement="U5")
    move(worker, b, D(2026, 2, 2), placement="U6")
    start(worker, c, D(2023, 3, 1))
    start(worker, d, D(2025, 4, 1), legal_status="V3", placement="U6")

    places = {r["k_child"]: r["placements"] for r in drill("LAC-05", la, AT_31_MARCH)}
    assert places == {a.pk: 2, b.pk: 3, c.pk: 1}
    result = figure("LAC-05", la, AT_31_MARCH)
    assert (result.numerator, result.denominator) == (1, 3)
    assert figure("LAC-01", la, AT_31_MARCH).value == 3
    move(worker, a, D(2026, 1, 5), placement="U5", placement_provider="PR4")
    assert figure("LAC-05", la, AT_31_MARCH).numerator == 2


@pytest.mark.django_db
def test_looked_after_review_chain_from_20_working_days(la, worker, make_child, chair_review):
    """LAC-03 (CPPCR Regulations 2010 reg 33; T10, F1): first review within 20 working days (from
    10 April 2025, Good Friday, Easter Monday and the May bank holiday make that 13 May), the second
    within 3 months of the first held, then 6 months from each review held."""
    child = make_child(date_of_birth=D(2014, 1, 1))
    start(worker, child, D(2025, 4, 10))
    assert calendar.current().add_working_days(D(2025, 4, 10), 20) == D(2025, 5, 13)
    for day, code in ((D(2025, 5, 13), "PN1"), (D(2025, 8, 14), "PN7"), (D(2026, 2, 10), "PN3")):
        chair_review(child, day, code)
    dues = sorted((r["due_date"], r["in_numerator"]) for r in drill("LAC-03", la, YEAR))
    assert dues == [(D(2025, 5, 13), True), (D(2025, 8, 13), False), (D(2026, 2, 14), True)]
    participation = figure("LAC-04", la, YEAR)  # PN7: did not attend, views not conveyed
    assert (participation.numerator, participation.denominator) == (2, 3)


@pytest.mark.django_db
def test_initial_health_assessments_in_20_working_days(la, worker, make_child):
    """HL-02 (Promoting the health of looked-after children 2015; T12): children entering care in the
    period and still looked after on day 20; those not yet at day 20 by the period's end are left out."""
    on_time, late, left, recent = (make_child(date_of_birth=D(2014, 1, 1)) for _ in range(4))
    start(worker, on_time, D(2025, 4, 10))
    ls.health_assessment_record(by=worker, child_id=on_time.pk, kind="IHA", completed_date=D(2025, 5, 13))
    start(worker, late, D(2025, 6, 2))
    ls.health_assessment_record(by=worker, child_id=late.pk, kind="IHA", completed_date=D(2025, 7, 1))
    start(worker, left, D(2025, 6, 2))
    ls.period_of_care_end(by=worker, child_id=left.pk, end_date=D(2025, 6, 10), reason_ceased="E13")
    start(worker, recent, D(2026, 3, 20))
    result = figure("HL-02", la, YEAR)
    assert (result.numerator, result.denominator) == (1, 2)


@pytest.mark.django_db
def test_adoption_and_ceasing_care(la, worker, make_child):
    """PM-01/02/05/06/08 (DfE CLA; adoption scorecard A1, A2, A3): an adoption (E11) among three
    children ceasing care; days from entering care to moving in and from placement order to match."""
    adopted, home, sgo = (make_child(date_of_birth=D(2022, 1, 1)) for _ in range(3))
    start(worker, adopted, D(2025, 4, 10), legal_status="C1", placement="U6")
    journey = ls.adoption_decision_record(by=worker, child_id=adopted.pk, decision_date=D(2025, 6, 1))
    move(worker, adopted, D(2025, 7, 1), rne="L", legal_status="E1")
    move(worker, adopted, D(2025, 9, 1), placement="A6", urn=PLACEHOLDER_URN)
    ls.adoption_milestone_record(
        by=worker,
        adoption_id=journey.pk,
        expected_version=None,
        placement_order_date=D(2025, 7, 1),
        matched_date=D(2025, 8, 15),
        placed_date=D(2025, 9, 1),
        adoption_order_date=D(2026, 2, 1),
        foster_carer_adoption=False,
        number_of_adopters=2,
        sex_of_adopters="MF",
        legal_status_of_adopters="L11",
    )
    ls.period_of_care_end(by=worker, child_id=adopted.pk, end_date=D(2026, 2, 1), reason_ceased="E11")
    start(worker, home, D(2025, 5, 1), legal_status="V2")
    ls.period_of_care_end(by=worker, child_id=home.pk, end_date=D(2025, 8, 1), reason_ceased="E13")
    start(worker, sgo, D(2024, 5, 1))
    ls.period_of_care_end(by=worker, child_id=sgo.pk, end_date=D(2025, 12, 1), reason_ceased="E45")

    assert figure("PM-01", la, YEAR).value == 1
    share = figure("PM-02", la, YEAR)
    assert (share.numerator, share.denominator) == (1, 3)
    assert figure("PM-03", la, YEAR).numerator == 1 and figure("PM-04", la, YEAR).value == 2
    assert figure("PM-05", la, YEAR).value == (D(2025, 9, 1) - D(2025, 4, 10)).days
    assert figure("PM-06", la, YEAR).value == (D(2025, 8, 15) - D(2025, 7, 1)).days
    a3 = figure("PM-08", la, YEAR)
    assert (a3.numerator, a3.denominator) == (1, 1)
