"""More looked-after, health, missing and permanence indicators on hand-built cases (INDICATORS.md
B5, B6, B7, B9; Part A T10-T12, T14, T17; Part F): the rate per 10,000 and its population year,
2-year and long-term placement stability, reg 28 visits, IHA requests and review health
assessments, return home interviews, adoption A10 and NI 61. Each figure is asserted exactly and
the drill-down lists the children behind it."""

import datetime as dt

import pytest
from django.utils import timezone

from safeguard.looked_after import services as ls
from safeguard.looked_after.checks import PLACEHOLDER_URN
from safeguard.looked_after.events import missing_episode_start, return_interview_record
from safeguard.people.models import PopulationEstimate
from safeguard.people.services import visit_record
from safeguard.timescales import calendar

from .conftest import at, drill, figure, flags, period
from .test_looked_after import AT_31_MARCH, YEAR, move, start

D = dt.date
Q2 = period(D(2025, 7, 1), D(2025, 9, 30))



def visits(worker, child, *days):
    for day in days:
        visit_record(by=worker, child_id=child.pk, visit_date=day)


def place_and_adopt(worker, child, *, decision, order, placed, adopted, by_foster_carer=False):
    """The adoption route from a foster placement: agency decision, placement order (LS E1),
    placed for adoption (A5 with the current foster carers, RNE T; otherwise A6, a new carer),
    adoption order and ceasing care (E12)."""
    journey = ls.adoption_decision_record(by=worker, child_id=child.pk, decision_date=decision)
    move(worker, child, order, rne="L", legal_status="E1")
    if by_foster_carer:
        move(worker, child, placed, rne="T", placement="A5", urn=PLACEHOLDER_URN)
    else:
        move(worker, child, placed, placement="A6", urn=PLACEHOLDER_URN)
    ls.adoption_milestone_record(
        by=worker,
        adoption_id=journey.pk,
        expected_version=None,
        placement_order_date=order,
        matched_date=placed - dt.timedelta(days=14),
        placed_date=placed,
        adoption_order_date=adopted,
        foster_carer_adoption=by_foster_carer,
        number_of_adopters=2,
        sex_of_adopters="MF",
        legal_status_of_adopters="L11",
    )
    ls.period_of_care_end(by=worker, child_id=child.pk, end_date=adopted, reason_ceased="E12")


# --- B5: looked after ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_rate_per_10000_uses_the_mid_year_estimate_before_the_reporting_year(la, worker, make_child):
    """LAC-02 (DfE CLA; INDICATORS.md §0.3 rule 4, F6): LAC-01 per 10,000 children aged 0-17, with
    reporting year t (to 31 March t) divided by the mid-(t-1) estimate. Looked after at the end of
    the date: a child starting care on 31 March counts, one ceasing that day does not; short
    breaks (V3) are outside. No estimate for the year: no rate."""
    for mid_year, each in ((2024, 10_000), (2025, 20_000)):  # 20,000 and 40,000 children
        PopulationEstimate.objects.bulk_create(
            [PopulationEstimate(local_authority=la, mid_year=mid_year, age=a, count=each) for a in (0, 17)]
        )
    stays, arrives, leaves, breaks = (make_child(date_of_birth=D(2012, 1, 1)) for _ in range(4))
    start(worker, stays, D(2025, 1, 6))
    start(worker, arrives, D(2026, 3, 31))
    start(worker, leaves, D(2025, 1, 6))
    ls.period_of_care_end(by=worker, child_id=leaves.pk, end_date=D(2026, 3, 31), reason_ceased="E13")
    start(worker, breaks, D(2026, 3, 2), legal_status="V3", placement="U6")

    now = figure("LAC-02", la, AT_31_MARCH)
    assert (now.numerator, now.denominator, now.value) == (2, 40_000, 0.5)
    assert set(flags("LAC-02", la, AT_31_MARCH)) == {stays.pk, arrives.pk}
    before = figure("LAC-02", la, at(D(2025, 3, 31)))  # year to 31 March 2025: mid-2024
    assert (before.numerator, before.denominator, before.value) == (2, 20_000, 1.0)
    assert set(flags("LAC-02", la, at(D(2025, 3, 31)))) == {stays.pk, leaves.pk}
    after = figure("LAC-02", la, at(D(2026, 4, 1)))  # year to 31 March 2027 needs mid-2026
    assert (after.numerator, after.value) == (2, None) and after.note


@pytest.mark.django_db
def test_three_placements_in_the_two_years_for_children_looked_after_two_years(la, worker, make_child):
    """LAC-06 (DfE stability measure 2024 [G: S11]): of children looked after at 31 March for at
    least 2 years, those with 3 or more placements in the 2 years (1 April 2024 - 31 March 2026),
    counted as F3: the placement in force on 1 April 2024 plus each new carer since, so a move on
    31 March 2024 opens the placement in force and one on 31 March 2026 counts. Moves early in
    the 2 years count here though not in LAC-05's year; legal-status changes (L) and moves with the
    same carer (T) do not; care that started 1 April 2024, or that restarted within 2 years, is
    outside."""
    (three, early, first_year, same_carer, exactly, short, returned, left) = (
        make_child(date_of_birth=D(2012, 1, 1)) for _ in range(8)
    )
    start(worker, three, D(2024, 1, 8))
    move(worker, three, D(2024, 6, 3), placement="U5")
    move(worker, three, D(2026, 3, 31), placement="U6")  # the last day counts
    start(worker, early, D(2023, 1, 9))
    move(worker, early, D(2024, 3, 31), placement="U5")  # the placement in force on 1 April 2024
    move(worker, early, D(2024, 7, 1), placement="U6")
    start(worker, first_year, D(2024, 3, 1))
    move(worker, first_year, D(2024, 5, 1), placement="U5")
    move(worker, first_year, D(2024, 8, 1), placement="U6")
    start(worker, same_carer, D(2024, 1, 8))
    move(worker, same_carer, D(2024, 6, 3), rne="L", legal_status="C1")
    move(worker, same_carer, D(2024, 9, 2), rne="T", placement="U5")
    start(worker, exactly, D(2024, 3, 31))  # looked after 2 years to the day
    move(worker, exactly, D(2025, 6, 2), placement="U5")
    move(worker, exactly, D(2025, 12, 1), placement="U6")
    start(worker, short, D(2024, 4, 1))  # a day short of 2 years
    move(worker, short, D(2024, 6, 3), placement="U5")
    move(worker, short, D(2024, 9, 2), placement="U6")
    start(worker, returned, D(2022, 1, 10))
    ls.period_of_care_end(by=worker, child_id=returned.pk, end_date=D(2023, 12, 1), reason_ceased="E13")
    start(worker, returned, D(2024, 5, 1))
    move(worker, returned, D(2024, 9, 2), placement="U5")
    move(worker, returned, D(2025, 2, 3), placement="U6")
    start(worker, left, D(2023, 1, 9))
    move(worker, left, D(2024, 6, 3), placement="U5")
    move(worker, left, D(2025, 6, 2), placement="U6")
    ls.period_of_care_end(by=worker, child_id=left.pk, end_date=D(2026, 3, 2), reason_ceased="E13")

    result = figure("LAC-06", la, AT_31_MARCH)
    assert (result.numerator, result.denominator, result.value) == (3, 5, 60.0)
    places = {r["k_child"]: r["placements"] for r in drill("LAC-06", la, AT_31_MARCH)}
    assert places == {three.pk: 3, early.pk: 2, first_year.pk: 3, same_carer.pk: 1, exactly.pk: 3}
    assert flags("LAC-06", la, AT_31_MARCH) == {
        three.pk: True,
        early.pk: False,
        first_year.pk: True,
        same_carer.pk: False,
        exactly.pk: True,
    }
    in_year = {r["k_child"]: r["placements"] for r in drill("LAC-05", la, AT_31_MARCH)}
    assert in_year[first_year.pk] == 1 and in_year[three.pk] == 2


@pytest.mark.django_db
def test_same_carer_two_years_among_under_16s_looked_after_two_and_a_half_years(la, worker, make_child):
    """LAC-07 (former NI 63 [G: S12 ODI]; DfE CLA [G: S11]): children under 16 at 31 March 2026
    looked after continuously for 2.5 years (since 30 September 2023 or earlier) living with the
    same carer for 2 years (since 31 March 2024 or earlier). Same carer, not same episode: a
    legal-status change (L), a move with the same carer (T), and a temporary placement with the
    return to the carer do not restart it. A child 16 on 31 March is outside."""
    settled, too_recent, moved_on_time, moved_late, same_carer, sixteen, fifteen = (
        make_child(date_of_birth=D(2012, 1, 1)) for _ in range(7)
    )
    sixteen.date_of_birth, fifteen.date_of_birth = D(2010, 3, 31), D(2010, 4, 1)
    sixteen.save(update_fields=["date_of_birth"])
    fifteen.save(update_fields=["date_of_birth"])
    start(worker, settled, D(2023, 9, 30))  # 2.5 years to the day
    start(worker, too_recent, D(2023, 10, 1))
    for child, moved in ((moved_on_time, D(2024, 3, 31)), (moved_late, D(2024, 4, 1))):
        start(worker, child, D(2023, 1, 9))
        move(worker, child, moved, placement="U5")
    start(worker, same_carer, D(2023, 1, 9))
    move(worker, same_carer, D(2025, 6, 2), rne="L", legal_status="C1")
    move(worker, same_carer, D(2025, 9, 1), rne="T", placement="U5")
    move(worker, same_carer, D(2026, 1, 5), placement="T1")  # carer's break
    move(
        worker,
        same_carer,
        D(2026, 1, 12),
        placement="U5",
        placement_provider="PR1",
        urn="SC123456",
        reason_place_change="",
    )
    for child in (sixteen, fifteen):
        start(worker, child, D(2023, 1, 9))

    result = figure("LAC-07", la, AT_31_MARCH)
    assert (result.numerator, result.denominator, result.value) == (4, 5, 80.0)
    since = {r["k_child"]: r["carer_since"] for r in drill("LAC-07", la, AT_31_MARCH)}
    assert since == {
        settled.pk: D(2023, 9, 30),
        moved_on_time.pk: D(2024, 3, 31),
        moved_late.pk: D(2024, 4, 1),
        same_carer.pk: D(2023, 1, 9),
        fifteen.pk: D(2023, 1, 9),
    }
    assert [k for k, v in flags("LAC-07", la, AT_31_MARCH).items() if not v] == [moved_late.pk]


@pytest.mark.django_db
def test_long_term_stability_joins_an_adoptive_placement_to_the_one_before(la, worker, make_child):
    """LAC-07 (former NI 63 [G: S12 ODI]; INDICATORS.md B5 LAC-07): a child placed for adoption
    counts where the adoptive placement together with the previous placement lasts 2 years: with
    foster carers from January 2023 and adopters from January 2026 is 3 years; with foster carers
    from June 2024 it is under 2."""
    long_fostered, short_fostered = (make_child(date_of_birth=D(2018, 1, 1)) for _ in range(2))
    for child in (long_fostered, short_fostered):
        start(worker, child, D(2023, 1, 9), placement="U5" if child is short_fostered else "U4")
    move(worker, short_fostered, D(2024, 6, 3), placement="U4")
    for child in (long_fostered, short_fostered):
        ls.adoption_decision_record(by=worker, child_id=child.pk, decision_date=D(2025, 4, 7))
        move(worker, child, D(2025, 6, 2), rne="L", legal_status="E1")
        move(worker, child, D(2026, 1, 5), placement="A6", urn=PLACEHOLDER_URN)
    result = figure("LAC-07", la, AT_31_MARCH)
    assert (result.numerator, result.denominator) == (1, 2)
    assert flags("LAC-07", la, AT_31_MARCH) == {long_fostered.pk: True, short_fostered.pk: False}


@pytest.mark.django_db
def test_visits_within_a_week_of_each_placement_then_six_weekly(la, worker, make_child):
    """LAC-10 (Care Planning Regulations 2010 reg 28 [G: S1]; T11, F2): a visit within 1 week of
    the start of any placement, then at most every 6 weeks (42 days) from the last. A child is in
    the numerator when no deadline falling in the quarter was missed: a late first visit in June
    does not count against July-September; a visit one day late does; a new placement restarts
    the 1-week clock; a deadline on the quarter's last day is not yet missed. A child no longer
    looked after at the quarter's end is outside."""
    kept, a_day_late, moved, due_last_day, left = (make_child(date_of_birth=D(2012, 1, 1)) for _ in range(5))
    for child in (kept, a_day_late, moved, due_last_day, left):
        start(worker, child, D(2025, 6, 2), placement="U5")
    visits(worker, kept, D(2025, 6, 12), D(2025, 7, 24), D(2025, 9, 4))  # 12 June: late, in Q1
    visits(worker, a_day_late, D(2025, 6, 9), D(2025, 7, 22), D(2025, 9, 2))  # due 21 July
    visits(worker, moved, D(2025, 6, 9), D(2025, 7, 21))
    move(worker, moved, D(2025, 8, 4), placement="U6")
    visits(worker, moved, D(2025, 8, 14), D(2025, 9, 25))  # due 11 August (7 days), not 1 September
    visits(worker, due_last_day, D(2025, 6, 9), D(2025, 7, 21), D(2025, 8, 19))  # next due 30 September
    ls.period_of_care_end(by=worker, child_id=left.pk, end_date=D(2025, 9, 1), reason_ceased="E13")

    result = figure("LAC-10", la, Q2)
    assert (result.numerator, result.denominator, result.value) == (2, 4, 50.0)
    assert flags("LAC-10", la, Q2) == {
        kept.pk: True,
        a_day_late.pk: False,
        moved.pk: False,
        due_last_day.pk: True,
    }


@pytest.mark.django_db
def test_visits_three_monthly_after_a_year_in_a_long_term_placement(la, worker, make_child):
    """LAC-10 (Care Planning Regulations 2010 reg 28(2) [G: S1]; T11): after the first year of a
    placement intended to last (long-term fostering U4) visits may be 3-monthly; otherwise, and
    within the first year, 6-weekly. Each child is seen on 30 June and 1 July 2025 and not again
    in the quarter (an interval overdue since before 1 July would count against the quarter, F2)."""
    long_term, short_term, first_year, anniversary = (
        make_child(date_of_birth=D(2012, 1, 1)) for _ in range(4)
    )
    start(worker, long_term, D(2024, 4, 1), placement="U4")
    start(worker, short_term, D(2024, 4, 1), placement="U5")
    start(worker, first_year, D(2024, 10, 1), placement="U4")
    start(worker, anniversary, D(2024, 7, 1), placement="U4")  # a year to the day on 1 July
    for child in (long_term, short_term, first_year, anniversary):
        visits(worker, child, D(2025, 6, 30), D(2025, 7, 1))

    result = figure("LAC-10", la, Q2)
    assert (result.numerator, result.denominator) == (2, 4)
    assert flags("LAC-10", la, Q2) == {
        long_term.pk: True,
        short_term.pk: False,
        first_year.pk: False,
        anniversary.pk: True,
    }


# --- B6: health ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_health_assessment_requested_within_48_hours_over_easter(la, worker, make_child):
    """HL-01 ([council report] T19b; T12; §0.4-0.5): the IHA request within 2 working days of
    entering care. Entering on Thursday 17 April 2025, Good Friday and Easter Monday make
    Wednesday 23 April the last day; from Saturday 7 June counting starts on Monday. Entering on
    the year's first day counts; a child who ceased care within the limit is left out, as is one
    whose limit falls after the period (the catalogue's 'due by period end')."""
    cal = calendar.current()
    assert cal.add_working_days(D(2025, 4, 17), 2) == D(2025, 4, 23)
    assert cal.add_working_days(D(2025, 6, 7), 2) == D(2025, 6, 10)
    on_time, late, weekend, never, left, last_days = (
        make_child(date_of_birth=D(2014, 1, 1)) for _ in range(6)
    )
    for child, entered, asked in (
        (on_time, D(2025, 4, 17), D(2025, 4, 23)),
        (late, D(2025, 4, 17), D(2025, 4, 24)),
        (weekend, D(2025, 6, 7), D(2025, 6, 10)),
        (never, D(2025, 4, 1), None),
        (left, D(2025, 6, 2), None),
        (last_days, D(2026, 3, 30), D(2026, 3, 30)),
    ):
        start(worker, child, entered)
        if asked:
            ls.health_assessment_record(by=worker, child_id=child.pk, kind="IHA", requested_date=asked)
    ls.period_of_care_end(by=worker, child_id=left.pk, end_date=D(2025, 6, 3), reason_ceased="E13")

    result = figure("HL-01", la, YEAR)
    assert (result.numerator, result.denominator, result.value) == (2, 4, 50.0)
    assert flags("HL-01", la, YEAR) == {on_time.pk: True, late.pk: False, weekend.pk: True, never.pk: False}


@pytest.mark.django_db
def test_health_assessment_request_belongs_to_its_own_period_of_care(la, worker, make_child):
    """HL-01 (INDICATORS.md B6 HL-01: 'exclude those ceasing within the limit'; T12 'clock starts
    on DECOM of period of care'): a child in care Monday 2 June 2025, gone on the 3rd, back on
    Thursday the 5th with the IHA requested that day is one entry, on time; the first stay, ended
    before its limit, is left out."""
    child = make_child(date_of_birth=D(2014, 1, 1))
    start(worker, child, D(2025, 6, 2))
    ls.period_of_care_end(by=worker, child_id=child.pk, end_date=D(2025, 6, 3), reason_ceased="E13")
    start(worker, child, D(2025, 6, 5))
    ls.health_assessment_record(by=worker, child_id=child.pk, kind="IHA", requested_date=D(2025, 6, 5))
    result = figure("HL-01", la, YEAR)
    assert (result.numerator, result.denominator) == (1, 1)


@pytest.mark.django_db
def test_review_health_assessments_six_monthly_under_five_yearly_from_five(la, worker, make_child):
    """HL-04 ([L] T12; Promoting the health of looked-after children 2015 [G: S7]; §0.4 calendar
    months): review health assessments due 6 months after the last assessment while under 5, 12
    months from 5. The interval follows the age at the last assessment (a child who turns 5 in
    between is still due at 6 months). Months are calendar months: a due date on Boxing Day is not
    moved to the next working day, and 31 August + 6 months is 28 February. A chain stopped by
    leaving care before the due date expects nothing; one not done by the period's end is late."""
    toddler_late, toddler, turning_five, month_end, left = (
        make_child(date_of_birth=D(2023, 1, 1)) for _ in range(5)
    )
    older, older_none = (make_child(date_of_birth=D(2015, 1, 1)) for _ in range(2))
    turning_five.date_of_birth = D(2020, 10, 1)
    turning_five.save(update_fields=["date_of_birth"])

    def assessed(child, entered, iha, *rhas):
        start(worker, child, entered)
        ls.health_assessment_record(by=worker, child_id=child.pk, kind="IHA", completed_date=iha)
        for day in rhas:
            ls.health_assessment_record(by=worker, child_id=child.pk, kind="RHA", completed_date=day)

    assessed(toddler_late, D(2025, 6, 2), D(2025, 6, 26), D(2025, 12, 29))  # due Fri 26 December
    assessed(toddler, D(2025, 6, 2), D(2025, 6, 26), D(2025, 12, 24))
    assessed(turning_five, D(2025, 6, 2), D(2025, 7, 1), D(2026, 1, 2))  # due 1 January, aged 5
    assessed(month_end, D(2025, 8, 4), D(2025, 8, 31), D(2026, 3, 1))  # due 28 February
    assessed(older, D(2025, 3, 3), D(2025, 3, 14), D(2026, 3, 14))  # due 14 March 2026
    assessed(older_none, D(2025, 3, 3), D(2025, 3, 20))  # due 20 March 2026, not done
    assessed(left, D(2025, 6, 2), D(2025, 6, 20))
    ls.period_of_care_end(by=worker, child_id=left.pk, end_date=D(2025, 12, 1), reason_ceased="E13")

    result = figure("HL-04", la, YEAR)
    assert (result.numerator, result.denominator) == (2, 6)
    got = {r["k_child"]: (r["due_date"], r["in_numerator"]) for r in drill("HL-04", la, YEAR)}
    assert got == {
        toddler_late.pk: (D(2025, 12, 26), False),
        toddler.pk: (D(2025, 12, 26), True),
        turning_five.pk: (D(2026, 1, 1), False),
        month_end.pk: (D(2026, 2, 28), False),
        older.pk: (D(2026, 3, 14), True),
        older_none.pk: (D(2026, 3, 20), False),
    }


# --- B7: missing ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_return_interviews_offered_within_72_hours_and_accepted(la, worker, make_child):
    """MS-03A (DfE 2014 missing guidance [G: S8]; T14; §0.4 'date only: 3 calendar days') and
    MS-03B (Annex A List 8 [G: S15]): of missing (M) episodes ended in the quarter, those with an
    interview offered within 3 days of the return date, and those where the child accepted one
    (even if offered late). An episode ending on the quarter's first day counts; one ending the
    day before, one still open and an 'away' (A) episode do not; one ending on the last day
    counts for acceptance but its offer is not yet due (the catalogue's 'due by period end')."""
    a, b, c, d = (make_child(date_of_birth=D(2010, 1, 1)) for _ in range(4))
    for child in (a, b, c, d):
        start(worker, child, D(2025, 4, 1))

    def missing(child, kind, went, back=None, offered=None, accepted=None):
        ep = missing_episode_start(by=worker, child_id=child.pk, kind=kind, start_date=went, end_date=back)
        if offered is not None:
            at_ten = timezone.make_aware(dt.datetime.combine(offered, dt.time(10)))
            return_interview_record(
                by=worker, missing_id=ep.pk, expected_version=None, offered_at=at_ten, accepted=accepted
            )
        return ep

    missing(a, "M", D(2025, 6, 30), D(2025, 7, 1), D(2025, 7, 4), True)  # day 3: in time
    missing(a, "M", D(2025, 7, 10), D(2025, 7, 11), D(2025, 7, 15), True)  # day 4: late, accepted
    missing(b, "M", D(2025, 8, 1), D(2025, 8, 2))  # never offered
    missing(b, "M", D(2025, 9, 1), D(2025, 9, 2), D(2025, 9, 2), False)  # same day, declined
    missing(c, "M", D(2025, 6, 28), D(2025, 6, 30), D(2025, 7, 1), True)  # returned in Q1
    missing(c, "A", D(2025, 8, 5), D(2025, 8, 6), D(2025, 8, 6), True)  # away, not missing
    missing(c, "M", D(2025, 9, 25))  # still missing
    missing(d, "M", D(2025, 9, 29), D(2025, 9, 30), D(2025, 9, 30), True)  # returned on the last day

    offered = figure("MS-03A", la, Q2)
    assert (offered.numerator, offered.denominator, offered.value) == (2, 4, 50.0)
    rows = drill("MS-03A", la, Q2)
    assert [(r["k_child"], r["start_date"], r["in_numerator"]) for r in rows] == [
        (a.pk, D(2025, 7, 1), True),
        (a.pk, D(2025, 7, 11), False),
        (b.pk, D(2025, 8, 2), False),
        (b.pk, D(2025, 9, 2), True),
    ]
    accepted = figure("MS-03B", la, Q2)
    assert (accepted.numerator, accepted.denominator, accepted.value) == (3, 5, 60.0)
    rows = drill("MS-03B", la, Q2)
    assert [(r["k_child"], r["end_date"], r["in_numerator"]) for r in rows] == [
        (a.pk, D(2025, 7, 1), True),
        (a.pk, D(2025, 7, 11), True),
        (b.pk, D(2025, 8, 2), False),
        (b.pk, D(2025, 9, 2), False),
        (d.pk, D(2025, 9, 30), True),
    ]


@pytest.mark.django_db
def test_return_interview_72_hours_from_the_time_of_return(la, worker, make_child):
    """MS-03A (T14; INDICATORS.md §0.4: '72 hours' = 72 elapsed hours from the timestamp of
    return; the catalogue: '3 calendar days when only a date is held'): returned 10:00 on 1 July,
    offered 09:00 on 4 July is 71 hours (in time); returned 10:00 on 8 July, offered 15:00 on 11
    July is 77 hours (late); returned 00:30 on 16 July (BST, 23:30 UTC on the 15th), offered 00:15
    on 19 July is 71 h 45 m (in time)."""
    london = timezone.get_current_timezone()
    child = make_child(date_of_birth=D(2010, 1, 1))
    start(worker, child, D(2025, 4, 1))
    cases = (
        (dt.datetime(2025, 7, 1, 10), dt.datetime(2025, 7, 4, 9), True),
        (dt.datetime(2025, 7, 8, 10), dt.datetime(2025, 7, 11, 15), False),
        (dt.datetime(2025, 7, 16, 0, 30), dt.datetime(2025, 7, 19, 0, 15), True),
    )
    for back, offered, _ in cases:
        back, offered = back.replace(tzinfo=london), offered.replace(tzinfo=london)
        ep = missing_episode_start(
            by=worker,
            child_id=child.pk,
            kind="M",
            start_date=back.date() - dt.timedelta(days=1),
            end_date=back.date(),
            returned_at=back,
        )
        return_interview_record(by=worker, missing_id=ep.pk, expected_version=None, offered_at=offered)
    rows = drill("MS-03A", la, Q2)
    assert [r["in_numerator"] for r in rows] == [ok for *_, ok in cases]


# --- B9: permanence and adoption ------------------------------------------------------------------


@pytest.mark.django_db
def test_adoption_a10_counts_from_moving_in_with_foster_carers_who_adopt(la, worker, make_child):
    """PM-07 (adoption scorecard A10 [G: S13]: A1 'adjusted for foster carer adoptions', counting
    'to the date that fostering placement begins'): days from entering care to moving in with the
    adoptive family, or, where the foster carers adopt (FOSTER_CARE = 1), to the start of that
    foster placement; a temporary placement and the return to the same carers do not move it.
    Children adopted in the year to date (adoption order 1 April 2025 counts, 31 March 2025 does
    not); A1 (PM-05) keeps the date placed for adoption."""
    by_carers, from_day_one, by_strangers, last_year = (
        make_child(date_of_birth=D(2022, 1, 1)) for _ in range(4)
    )
    start(worker, by_carers, D(2024, 5, 1), placement="U6")
    move(worker, by_carers, D(2024, 8, 1), placement="U4")  # the carers who adopt
    place_and_adopt(
        worker,
        by_carers,
        decision=D(2024, 10, 1),
        order=D(2024, 12, 2),
        placed=D(2025, 3, 3),
        adopted=D(2025, 4, 1),
        by_foster_carer=True,
    )
    start(worker, from_day_one, D(2024, 6, 3))
    move(worker, from_day_one, D(2024, 11, 4), placement="T3")  # carer's holiday
    move(
        worker,
        from_day_one,
        D(2024, 11, 11),
        placement="U4",
        placement_provider="PR1",
        urn="SC123456",
        reason_place_change="",
    )
    place_and_adopt(
        worker,
        from_day_one,
        decision=D(2024, 12, 2),
        order=D(2025, 1, 6),
        placed=D(2025, 4, 7),
        adopted=D(2025, 9, 1),
        by_foster_carer=True,
    )
    start(worker, by_strangers, D(2024, 7, 1))
    place_and_adopt(
        worker,
        by_strangers,
        decision=D(2024, 9, 2),
        order=D(2024, 10, 1),
        placed=D(2025, 2, 3),
        adopted=D(2025, 11, 3),
    )
    start(worker, last_year, D(2024, 1, 8))
    place_and_adopt(
        worker,
        last_year,
        decision=D(2024, 2, 5),
        order=D(2024, 3, 4),
        placed=D(2024, 9, 2),
        adopted=D(2025, 3, 31),
        by_foster_carer=False,
    )

    a10 = figure("PM-07", la, YEAR)
    days = [(D(2024, 8, 1) - D(2024, 5, 1)).days, 0, (D(2025, 2, 3) - D(2024, 7, 1)).days]
    assert (a10.numerator, a10.denominator, a10.value) == (sum(days), 3, round(sum(days) / 3, 1))
    moved_in = {r["k_child"]: r["moved_in"] for r in drill("PM-07", la, YEAR)}
    assert moved_in == {
        by_carers.pk: D(2024, 8, 1),
        from_day_one.pk: D(2024, 6, 3),
        by_strangers.pk: D(2025, 2, 3),
    }
    a1 = figure("PM-05", la, YEAR)
    assert (
        a1.numerator == (D(2025, 3, 3) - D(2024, 5, 1)).days + (D(2025, 4, 7) - D(2024, 6, 3)).days + days[2]
    )


@pytest.mark.django_db
def test_placed_for_adoption_within_12_months_of_the_decision(la, worker, make_child):
    """PM-09 (legacy NI 61 [U]; T17; §0.4 calendar months): children adopted in the year placed for
    adoption on or before the day 12 calendar months after the agency decision: 15 January 2024 to
    15 January 2025 is in time (366 days: a leap year), the 16th is not; 29 February 2024 + 12
    months is 28 February 2025, so 1 March is late."""
    on_the_day, a_day_over, leap, quick = (make_child(date_of_birth=D(2022, 1, 1)) for _ in range(4))
    for child, decision, placed in (
        (on_the_day, D(2024, 1, 15), D(2025, 1, 15)),
        (a_day_over, D(2024, 1, 15), D(2025, 1, 16)),
        (leap, D(2024, 2, 29), D(2025, 3, 1)),
        (quick, D(2024, 6, 3), D(2024, 12, 2)),
    ):
        start(worker, child, D(2023, 11, 6))
        place_and_adopt(
            worker,
            child,
            decision=decision,
            order=decision + dt.timedelta(days=7),
            placed=placed,
            adopted=D(2025, 10, 1),
        )

    result = figure("PM-09", la, YEAR)
    assert (result.numerator, result.denominator, result.value) == (2, 4, 50.0)
    assert flags("PM-09", la, YEAR) == {
        on_the_day.pk: True,
        a_day_over.pk: False,
        leap.pk: False,
        quick.pk: True,
    }
