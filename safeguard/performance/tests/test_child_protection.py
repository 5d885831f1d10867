"""Child protection indicators (INDICATORS.md B3) on hand-built cases: working days across bank
holidays, transfer-in conferences excluded, second or subsequent plans, plans lasting two years,
and review chains that restart from the actual date."""

import datetime as dt

import pytest

from safeguard.child_protection import services as cp
from safeguard.timescales import calendar

from .conftest import drill, figure, period

D = dt.date
YEAR = period(D(2025, 4, 1), D(2026, 3, 31))


def plan(iro, front, child, s47_day, icpc_day, *, plan_day=None, previous=None, end=None):
    """The worker starts the enquiry; the IRO chairs and records the conference and starts the
    plan it decided, and records its end (Working Together 2023 ch. 3)."""
    ref = front.refer(child, s47_day)
    s47 = cp.section47_start(by=front.by, referral_id=ref.pk, start_date=s47_day)
    conf = cp.conference_record(
        by=iro,
        chair=iro,
        referral_id=ref.pk,
        kind="initial",
        held_on=icpc_day,
        section47_id=s47.pk,
        plan_required=True,
    )
    p = cp.cp_plan_start(
        by=iro,
        referral_id=ref.pk,
        start_date=plan_day or icpc_day,
        initial_category="NEG",
        conference_id=conf.pk,
        number_of_previous_cpp=previous,
    )
    if end:
        cp.cp_plan_end(
            by=iro,
            cp_plan_id=p.pk,
            expected_version=None,
            end_date=end,
            end_reason="no_longer_at_risk",
        )
        front.close(ref, end)
    return ref, p


@pytest.mark.django_db
def test_icpc_within_15_working_days_counts_across_easter_and_excludes_transfer_in(
    la, front, iro, make_child
):
    """CP-04 (Working Together 2023; DfE C4 from S47ActualStartDate, day 0): from Thursday 10 April
    2025, Good Friday and Easter Monday are not working days, so 6 May is day 15 (in time) and
    7 May day 16 (late). A transfer-in conference (T06) is outside CP-04 and CP-02."""
    cal = calendar.current()
    assert cal.working_days_between(D(2025, 4, 10), D(2025, 5, 6)) == 15
    plan(iro, front, make_child(), D(2025, 4, 10), D(2025, 5, 6))
    plan(iro, front, make_child(), D(2025, 4, 10), D(2025, 5, 7))
    moved_in = make_child()
    ref = front.refer(moved_in, D(2025, 6, 2), is_transfer_in_request=True)
    cp.conference_record(
        by=iro,
        chair=iro,
        referral_id=ref.pk,
        kind="transfer_in",
        held_on=D(2025, 6, 9),
        notification_date=D(2025, 6, 2),
        plan_required=True,
    )

    result = figure("CP-04", la, YEAR)
    assert (result.numerator, result.denominator) == (1, 2)
    assert figure("CP-03", la, YEAR).value == 2 and figure("CP-03T", la, YEAR).value == 1
    whys = sorted(r["why"] for r in drill("CP-04", la, YEAR))
    assert whys == [
        "S47 10/04/2025, ICPC 06/05/2025: 15 working days",
        "S47 10/04/2025, ICPC 07/05/2025: 16 working days",
    ]
    conversion = figure("CP-02", la, YEAR)
    assert (conversion.numerator, conversion.denominator) == (2, 2)


@pytest.mark.django_db
def test_second_or_subsequent_plan_however_long_ago(la, front, iro, make_child):
    """CP-09 (former NI 65; DfE D3; F5): a child becoming subject of a plan who had a plan of this
    council before (on the record, or NumberOfPreviousCPP > 0) counts, however long ago."""
    again, told, first = make_child(), make_child(), make_child()
    plan(iro, front, again, D(2019, 1, 7), D(2019, 1, 21), end=D(2019, 9, 2))
    plan(iro, front, again, D(2025, 5, 1), D(2025, 5, 20))
    plan(iro, front, told, D(2025, 6, 2), D(2025, 6, 16), previous=1)
    plan(iro, front, first, D(2025, 7, 1), D(2025, 7, 15))

    result = figure("CP-09", la, YEAR)
    assert (result.numerator, result.denominator) == (2, 3)
    flagged = {r["k_child"] for r in drill("CP-09", la, YEAR) if r["in_numerator"]}
    assert flagged == {again.pk, told.pk}


@pytest.mark.django_db
def test_plans_ending_after_two_years_or_more(la, front, iro, make_child):
    """CP-10 (former NI 64; DfE D7): end >= start + 2 years in calendar arithmetic (§0.4): exactly two
    years counts, a day short does not, and 29 February + 2 years is 28 February."""
    plan(iro, front, make_child(), D(2023, 5, 15), D(2023, 6, 1), end=D(2025, 6, 1))
    plan(iro, front, make_child(), D(2023, 5, 15), D(2023, 6, 2), end=D(2025, 6, 1))
    plan(iro, front, make_child(), D(2024, 2, 12), D(2024, 2, 29), end=D(2026, 2, 28))
    plan(iro, front, make_child(), D(2025, 4, 7), D(2025, 4, 22), end=D(2025, 10, 1))
    result = figure("CP-10", la, YEAR)
    assert (result.numerator, result.denominator, result.value) == (2, 4, 50.0)


@pytest.mark.django_db
def test_review_chain_restarts_from_the_actual_review_date(la, front, iro, make_child):
    """CP-12 (Working Together via local procedures; T08, F1): first review within 3 months of the
    ICPC, then within 6 months of the review actually held. An early first review (15 May) makes
    the second due 15 November, so 20 November is late although it is within 6 months of the first
    due date (1 July)."""
    _, p = plan(iro, front, make_child(), D(2025, 3, 20), D(2025, 4, 1))
    ref = p.referral
    for held_on in (D(2025, 5, 15), D(2025, 11, 20)):
        cp.conference_record(
            by=iro, chair=iro, referral_id=ref.pk, kind="review", held_on=held_on, cp_plan_id=p.pk
        )
    result = figure("CP-12", la, YEAR)
    assert (result.numerator, result.denominator) == (1, 2)
    dues = sorted((r["due_date"], r["in_numerator"]) for r in drill("CP-12", la, YEAR))
    assert dues == [(D(2025, 7, 1), True), (D(2025, 11, 15), False)]


@pytest.mark.django_db
def test_children_on_a_plan_snapshot_rate_and_long_plans(la, front, iro, make_child, population):
    """CP-06/CP-07 (DfE D1; F6) at 31 March: open plans only (a plan ending on the day is not open);
    CP-11 counts plans open 18 months or more [L]."""
    plan(iro, front, make_child(), D(2024, 5, 1), D(2024, 5, 15))  # open, 22 months at 31 March
    plan(iro, front, make_child(), D(2025, 9, 1), D(2025, 9, 15))  # open
    plan(iro, front, make_child(), D(2025, 6, 2), D(2025, 6, 16), end=D(2026, 3, 31))  # ends on the day
    at = period(D(2026, 3, 31), D(2026, 3, 31))
    assert figure("CP-06", la, at).value == 2
    rate = figure("CP-07", la, at)
    assert (rate.numerator, rate.denominator, rate.value) == (2, 10_000, 2.0)
    long = figure("CP-11", la, at)
    assert (long.numerator, long.denominator) == (1, 2)
    becoming = figure("CP-08", la, YEAR)  # rolling 12 months to 31 March 2026
    assert becoming.numerator == 2


@pytest.mark.django_db
def test_s47_counts_and_conversion_with_no_conference(
    la, front, worker, manager, iro, make_child
):
    """CP-01 (DfE C4, events) and CP-02: an enquiry closed with ICPCnotRequired is not converted."""
    ref = front.refer(make_child(), D(2025, 8, 4))
    s47 = cp.section47_start(by=worker, referral_id=ref.pk, start_date=D(2025, 8, 4))
    cp.section47_record_outcome(
        by=manager,
        rationale="No evidence of significant harm; no further action.",
        section47_id=s47.pk,
        expected_version=None,
        end_date=D(2025, 8, 20),
        outcome="nfa",
        icpc_not_required=True,
    )
    plan(iro, front, make_child(), D(2025, 9, 1), D(2025, 9, 15))
    assert figure("CP-01", la, YEAR).value == 2
    conversion = figure("CP-02", la, YEAR)
    assert (conversion.numerator, conversion.denominator) == (1, 2)
    outcome = figure("CP-05", la, YEAR)
    assert (outcome.numerator, outcome.denominator) == (1, 1)
