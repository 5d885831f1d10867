"""Catalogue definitions read against INDICATORS.md on hand-built cases: NI 63's adoption clause
(LAC-07, B5), care leavers at a past date from the status history (CL-01, B8), visit intervals
overdue when a period begins (F2: CP-13, LAC-10, PF-03) and the IRO caseload's denominator
(WF-02, B10). Each figure is asserted exactly, the drill-down lists the same children, and the
columns read together (the scorecard's windowed read) equal each column read alone."""

import datetime as dt
from decimal import Decimal

import pytest

from safeguard.front_door.services import private_fostering_notify
from safeguard.looked_after import services as ls
from safeguard.looked_after.checks import PLACEHOLDER_URN
from safeguard.people.services import visit_record
from safeguard.performance import catalogue as cat
from safeguard.performance.compute import evaluate, evaluate_many
from safeguard.timescales import calendar
from safeguard.workforce.models import Allocation, User
from safeguard.workforce.services import allocation_start

from .conftest import at, drill, figure, flags, period
from .test_child_protection import plan
from .test_looked_after import AT_31_MARCH, move, start

D = dt.date
Q1 = period(D(2025, 4, 1), D(2025, 6, 30))
Q2 = period(D(2025, 7, 1), D(2025, 9, 30))



def together_equals_alone(indicator_id: str, la, columns) -> list[tuple]:
    """The scorecard's windowed read of several columns gives each column's own figure."""
    ind = cat.get(indicator_id)
    together = [(r.value, r.numerator, r.denominator) for r in evaluate_many(ind, la, columns)]
    assert together == [
        (r.value, r.numerator, r.denominator) for r in (evaluate(ind, la, c) for c in columns)
    ]
    return together


def visits(worker, child, *days, seen=True):
    for day in days:
        visit_record(by=worker, child_id=child.pk, visit_date=day, seen=seen)


# --- B5 LAC-07: NI 63's adoption clause -----------------------------------------------------------


@pytest.mark.django_db
def test_long_term_stability_joins_new_adopters_to_the_placement_just_before(la, worker, make_child):
    """LAC-07 (former NI 63 [G: S12 ODI]; INDICATORS.md B5 LAC-07: "or placed for adoption where
    the adoptive placement together with the previous placement lasts at least 2 years"), at 31
    March 2026, all in care since 9 January 2023 and placed for adoption on 5 January 2026:
    - new adopters (A6) after foster carers from 31 March 2024: 2 years to the day, stable;
    - the same from 1 April 2024: a day short;
    - foster carers from January 2023, then others from June 2025, then adopters: only the
      placement just before the adoptive one joins it, not every earlier one;
    - the foster carers adopting (A5, RNE T): the same carers, so their fostering counts;
    - adopters from November 2025 who, the placement having ended as one for adoption, keep the
      child as foster carers (U4, RNE T): no longer placed for adoption, so their own 5 months."""
    on_the_day, day_late, two_back, foster_carers, no_longer = (
        make_child(date_of_birth=D(2018, 1, 1)) for _ in range(5)
    )
    for child in (on_the_day, day_late, two_back, foster_carers, no_longer):
        start(worker, child, D(2023, 1, 9), placement="U5")
        ls.adoption_decision_record(by=worker, child_id=child.pk, decision_date=D(2025, 4, 7))
    move(worker, on_the_day, D(2024, 3, 31), placement="U4")
    move(worker, day_late, D(2024, 4, 1), placement="U4")
    move(worker, two_back, D(2025, 6, 2), placement="U4")
    for child in (on_the_day, day_late, two_back, foster_carers, no_longer):
        move(worker, child, D(2025, 7, 7), rne="L", legal_status="E1")
    for child in (on_the_day, day_late, two_back):
        move(worker, child, D(2026, 1, 5), placement="A6", urn=PLACEHOLDER_URN)
    move(worker, foster_carers, D(2026, 1, 5), rne="T", placement="A5", urn=PLACEHOLDER_URN)
    move(worker, no_longer, D(2025, 11, 3), placement="A6", urn=PLACEHOLDER_URN)
    move(worker, no_longer, D(2026, 2, 2), rne="T", placement="U4", urn="SC123456")

    result = figure("LAC-07", la, AT_31_MARCH)
    assert (result.numerator, result.denominator, result.value) == (2, 5, 40.0)
    assert flags("LAC-07", la, AT_31_MARCH) == {
        on_the_day.pk: True,
        day_late.pk: False,
        two_back.pk: False,
        foster_carers.pk: True,
        no_longer.pk: False,
    }
    since = {r["k_child"]: (r["carer_since"], r["stable_since"]) for r in drill("LAC-07", la, AT_31_MARCH)}
    assert since == {
        on_the_day.pk: (D(2026, 1, 5), D(2024, 3, 31)),
        day_late.pk: (D(2026, 1, 5), D(2024, 4, 1)),
        two_back.pk: (D(2026, 1, 5), D(2025, 6, 2)),
        foster_carers.pk: (D(2023, 1, 9), D(2023, 1, 9)),
        no_longer.pk: (D(2025, 11, 3), D(2025, 11, 3)),
    }


# --- B8 CL-01: the leaving-care category at the date ----------------------------------------------


@pytest.mark.django_db
def test_care_leavers_at_a_past_date_read_the_category_then_in_force(la, worker, make_child):
    """CL-01 (INDICATORS.md B8: "Eligible, relevant and former relevant young people supported ...
    at as_at"; Children (Leaving Care) Act 2000): eligible young people count, and the category
    is the one in force at the date, from the status's history (the version with the latest
    since-date on or before it), not today's record.
    - relevant from 3 June 2024 (left care that day at 17), former relevant from 1 January 2025:
      a care leaver on 31 December 2024 although today's record starts on 1 January;
    - eligible from 1 June 2024 (16, still looked after), relevant from leaving care on 3 March
      2025: counted while eligible.
    On 2 June 2024 only the eligible one; from 3 June both."""
    changed = make_child(date_of_birth=D(2006, 12, 1))
    start(worker, changed, D(2021, 1, 4))
    ls.period_of_care_end(by=worker, child_id=changed.pk, end_date=D(2024, 6, 3), reason_ceased="E4A")
    ls.care_leaver_eligibility_record(
        by=worker, child_id=changed.pk, eligibility="relevant", since_date=D(2024, 6, 3)
    )
    ls.care_leaver_eligibility_record(
        by=worker, child_id=changed.pk, eligibility="former_relevant", since_date=D(2025, 1, 1)
    )
    eligible = make_child(date_of_birth=D(2008, 6, 1))
    start(worker, eligible, D(2023, 1, 9))
    ls.care_leaver_eligibility_record(
        by=worker, child_id=eligible.pk, eligibility="eligible", since_date=D(2024, 6, 1)
    )
    ls.period_of_care_end(by=worker, child_id=eligible.pk, end_date=D(2025, 3, 3), reason_ceased="E4A")
    ls.care_leaver_eligibility_record(
        by=worker, child_id=eligible.pk, eligibility="relevant", since_date=D(2025, 3, 3)
    )

    dates = [D(2024, 5, 31), D(2024, 6, 2), D(2024, 12, 31), D(2025, 3, 2), D(2026, 3, 31)]
    got = together_equals_alone("CL-01", la, [at(d) for d in dates])
    assert [g[0] for g in got] == [0, 1, 2, 2, 2]
    assert {r["k_child"] for r in drill("CL-01", la, at(D(2024, 6, 2)))} == {eligible.pk}
    assert {r["k_child"] for r in drill("CL-01", la, at(D(2024, 12, 31)))} == {changed.pk, eligible.pk}


# --- F2: visit intervals overdue when the period begins -------------------------------------------


@pytest.mark.django_db
def test_cp_visit_interval_overdue_at_the_quarters_start_makes_the_child_late(
    la, front, worker, iro, make_child
):
    """CP-13 (local CP procedures [G: S4]; T09; INDICATORS.md F2: "child compliant in period iff
    all intervals intersecting the period are compliant"; "open interval at as_at: compliant iff
    as_at <= last + limit(last)"). Visits every 10 working days from plans starting 29 May 2025
    (first due 12 June) unless said:
    - first seen 10 July: the interval from 29 May, overdue from 12 June, reaches July, so late
      in Q2 as in Q1;
    - never seen: overdue since 12 June, late in both;
    - a plan from 16 June, first due 30 June, seen 1 July: not yet missed at Q1's end (due on its
      last day) and late in Q2, whose first day it reaches;
    - seen in time to 16 September (next due 30 September), then seen 2 October: at Q2's end the
      deadline is its last day, not yet missed, so in time for Q2;
    - seen in time throughout."""
    cal = calendar.current()
    late_first, never, due_end_of_q1, due_end_of_q2, kept = (make_child() for _ in range(5))
    for child in (late_first, never, due_end_of_q2, kept):
        plan(iro, front, child, D(2025, 5, 22), D(2025, 5, 29))
    plan(iro, front, due_end_of_q1, D(2025, 6, 9), D(2025, 6, 16))
    assert cal.add_working_days(D(2025, 5, 29), 10) == D(2025, 6, 12)
    assert cal.add_working_days(D(2025, 6, 16), 10) == D(2025, 6, 30)

    def every_10_working_days(child, since, until):
        day = since
        while (day := cal.add_working_days(day, 10)) <= until:
            visits(worker, child, day)
        return day

    every_10_working_days(kept, D(2025, 5, 29), D(2025, 10, 31))
    visits(worker, late_first, D(2025, 7, 10))
    every_10_working_days(late_first, D(2025, 7, 10), D(2025, 10, 31))
    visits(worker, due_end_of_q1, D(2025, 7, 1))
    every_10_working_days(due_end_of_q1, D(2025, 7, 1), D(2025, 10, 31))
    every_10_working_days(due_end_of_q2, D(2025, 5, 29), D(2025, 9, 15))
    visits(worker, due_end_of_q2, D(2025, 9, 16), D(2025, 10, 2))
    assert cal.add_working_days(D(2025, 9, 16), 10) == D(2025, 9, 30)

    assert together_equals_alone("CP-13", la, [Q1, Q2]) == [(60.0, 3, 5), (40.0, 2, 5)]
    assert flags("CP-13", la, Q1) == {
        late_first.pk: False,
        never.pk: False,
        due_end_of_q1.pk: True,
        due_end_of_q2.pk: True,
        kept.pk: True,
    }
    assert flags("CP-13", la, Q2) == {
        late_first.pk: False,
        never.pk: False,
        due_end_of_q1.pk: False,
        due_end_of_q2.pk: True,
        kept.pk: True,
    }


@pytest.mark.django_db
def test_reg_28_visit_overdue_since_june_makes_a_looked_after_child_late_in_july_september(
    la, worker, make_child
):
    """LAC-10 (Care Planning Regulations 2010 reg 28 [G: S1]; T11; INDICATORS.md F2): placed on 2
    June 2025, the first visit is due within a week (9 June), then 6-weekly. A child first seen on
    10 July, and one never seen, were overdue when July-September began: late for it. A child
    seen on 9 June, 21 July and 1 September is in time."""
    late_first, never, kept = (make_child(date_of_birth=D(2012, 1, 1)) for _ in range(3))
    for child in (late_first, never, kept):
        start(worker, child, D(2025, 6, 2), placement="U5")
    visits(worker, late_first, D(2025, 7, 10), D(2025, 8, 21))
    visits(worker, kept, D(2025, 6, 9), D(2025, 7, 21), D(2025, 9, 1))
    assert together_equals_alone("LAC-10", la, [Q1, Q2]) == [(33.3, 1, 3), (33.3, 1, 3)]
    assert flags("LAC-10", la, Q2) == {late_first.pk: False, never.pk: False, kept.pk: True}


@pytest.mark.django_db
def test_private_fostering_visit_overdue_since_june_makes_the_child_late_in_july_september(
    la, worker, make_child
):
    """PF-03 (reg 8 of SI 2005/1533 [G: S2]; T15; INDICATORS.md F2): notified on Monday 2 June
    2025, the first visit is due within 7 working days (11 June), then 6-weekly. A child first seen
    on 8 July, and one never seen, were overdue when July-September began: late for it. A child
    seen on 4 June, 16 July and 27 August is in time."""
    late_first, never, kept = (make_child(date_of_birth=D(2011, 1, 1)) for _ in range(3))
    for child in (late_first, never, kept):
        private_fostering_notify(
            by=worker,
            child_id=child.pk,
            notified_date=D(2025, 6, 2),
            start_date=D(2025, 6, 2),
            carer_name="A Friend",
        )
    assert calendar.current().add_working_days(D(2025, 6, 2), 7) == D(2025, 6, 11)
    visits(worker, late_first, D(2025, 7, 8), D(2025, 8, 19), D(2025, 9, 30))
    visits(worker, kept, D(2025, 6, 4), D(2025, 7, 16), D(2025, 8, 27))
    assert together_equals_alone("PF-03", la, [Q1, Q2]) == [(33.3, 1, 3), (33.3, 1, 3)]
    assert flags("PF-03", la, Q2) == {late_first.pk: False, never.pk: False, kept.pk: True}


# --- B10 WF-02: FTE of all IROs -------------------------------------------------------------------


@pytest.mark.django_db
def test_iro_caseload_denominator_is_every_iro_at_the_date(la, worker, iro, make_child):
    """WF-02 (INDICATORS.md B10: "Num: looked-after children allocated to IROs at as_at. Den: FTE
    IROs"): the FTE of all the council's IROs at the date. Staff records hold current staff, so
    the IROs are those in the role now (one with no children included) together with anyone who
    held a counted child then: an IRO who held one child until 31 December 2025 and has since
    left counts at 30 September, not at 31 March. At 30 September: 2 children / (1.0 + 0.5 + 1.0)
    = 0.8; at 31 March: 2 / (1.0 + 0.5) = 1.3."""
    User.objects.create_user(
        username="iro3", password="x", role=User.Role.IRO, local_authority=la, fte=Decimal("0.5")
    )
    gone = User.objects.create_user(username="iro_gone", password="x", role=User.Role.IRO, local_authority=la)
    a, b = make_child(), make_child()
    for child in (a, b):
        start(worker, child, D(2025, 4, 7))
    kind = Allocation.Kind.IRO
    allocation_start(by=worker, child_id=a.pk, worker_id=iro.pk, start_date=D(2025, 4, 14), kind=kind)
    allocation_start(by=worker, child_id=b.pk, worker_id=gone.pk, start_date=D(2025, 4, 14), kind=kind)
    allocation_start(by=worker, child_id=b.pk, worker_id=iro.pk, start_date=D(2026, 1, 1), kind=kind)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    got = together_equals_alone("WF-02", la, [at(D(2025, 9, 30)), AT_31_MARCH])
    assert got == [(0.8, 2, 2.5), (1.3, 2, 1.5)]
    held = {(r["k_child"], r["worker_name"]) for r in drill("WF-02", la, at(D(2025, 9, 30)))}
    assert held == {(a.pk, "iro1"), (b.pk, "iro_gone")}
