"""More front door, assessment and child protection indicators (INDICATORS.md B1-B3) on hand-built
cases: early help assessments (FD-08A/B) and the early help measures entered by hand (FD-08C/D/E),
referrals by source (FD-09), the legacy initial and core assessment clocks (AS-03A/B, T03), the
S47 rate (CP-01R) and children on a CSE plan (CP-14, entered by hand)."""

import datetime as dt

import pytest
from django.db.models import F

from safeguard.assessment.models import Assessment
from safeguard.assessment.services import assessment_authorise, assessment_start
from safeguard.assessment.tests.helpers import submit
from safeguard.child_protection import services as cp
from safeguard.front_door.services import early_help_end, early_help_record_assessment, early_help_start
from safeguard.performance import catalogue as cat
from safeguard.performance.periods import month, quarter
from safeguard.performance.scorecard import build_scorecard
from safeguard.performance.services import manual_value_record
from safeguard.timescales import calendar

from .conftest import drill, figure, period

D = dt.date
Q1, Q2, Q3, Q4 = (quarter(2026, n) for n in (1, 2, 3, 4))  # 2025-26


@pytest.fixture
def uneven_population(la, population):
    """The `population` fixture (10,000 a year) with mid-2024 doubled to 20,000, so a rate divided
    by the wrong mid-year estimate gives a different figure."""
    from safeguard.people.models import PopulationEstimate

    PopulationEstimate.objects.filter(local_authority=la, mid_year=2024).update(count=F("count") * 2)


def early_help(worker, child, start, assessed, end=None):
    episode = early_help_start(by=worker, child_id=child.pk, start_date=start)
    if assessed:
        episode = early_help_record_assessment(
            by=worker, episode_id=episode.pk, expected_version=None, assessment_completed_date=assessed
        )
    if end:
        episode = early_help_end(by=worker, episode_id=episode.pk, expected_version=None, end_date=end)
    return episode


def legacy_assessment(worker, manager, referral, kind, start, authorised):
    """An initial or core assessment (before April 2013) in the referral's episode."""
    a = assessment_start(by=worker, referral_id=referral.pk, start_date=start, kind=kind)
    submit(worker, a, factors=["1A"])
    assessment_authorise(
        by=manager,
        assessment_id=a.pk,
        expected_version=None,
        authorisation_date=authorised,
        factors=["1A"],
        requires_support=True,
    )
    return a


def _born_2004(make_child):
    return make_child(date_of_birth=D(2004, 5, 1))


# --- FD-08A / FD-08B: early help assessments --------------------------------------------------------


@pytest.mark.django_db
def test_early_help_assessments_completed_in_period_are_events(la, worker, make_child):
    """FD-08A (INDICATORS.md B1 FD-08a [council report]; Annex A List 2): early help assessments
    completed in the period, counted as events: completions on the first and last day count, a
    child with two assessments in the year counts twice, an episode started before the period
    counts by its completion date, and episodes not yet assessed or assessed outside do not."""
    twice, earlier_start, before, after, unassessed = (make_child() for _ in range(5))
    early_help(worker, twice, D(2025, 4, 1), D(2025, 4, 1), end=D(2025, 5, 9))  # first day
    early_help(worker, twice, D(2026, 3, 2), D(2026, 3, 31))  # last day
    early_help(worker, earlier_start, D(2025, 3, 17), D(2025, 4, 2))
    early_help(worker, before, D(2025, 3, 3), D(2025, 3, 31))  # the day before the year
    early_help(worker, after, D(2026, 3, 16), D(2026, 4, 1))  # the day after
    early_help(worker, unassessed, D(2025, 6, 2), None)

    year = period(D(2025, 4, 1), D(2026, 3, 31))
    result = figure("FD-08A", la, year)
    assert (result.numerator, result.value) == (3, 3)
    counted = sorted((r["k_child"], r["assessment_completed_date"]) for r in drill("FD-08A", la, year))
    assert counted == [
        (twice.pk, D(2025, 4, 1)),
        (twice.pk, D(2026, 3, 31)),
        (earlier_start.pk, D(2025, 4, 2)),
    ]
    assert figure("FD-08A", la, Q1).value == 2


@pytest.mark.django_db
def test_early_help_rolling_rate_window_edges_and_population_year(la, worker, make_child, uneven_population):
    """FD-08B (INDICATORS.md B1 FD-08b [council report]; §0.3 ROLLING_12M start = as_at - 12 months
    + 1 day; rule 4 and F6: population of mid-(t-1) for the reporting year t of the as-at date).
    To 30 September 2025 the window is 1 October 2024 - 30 September 2025 over mid-2025 (10,000);
    to 28 February 2025 it starts 29 February 2024 and divides by mid-2024 (20,000)."""
    a, b, c, d, e, f = (make_child() for _ in range(6))
    early_help(worker, a, D(2024, 9, 2), D(2024, 9, 30))  # the day before the window to 30/09/2025
    early_help(worker, b, D(2024, 10, 1), D(2024, 10, 1), end=D(2024, 11, 1))  # its first day
    early_help(worker, b, D(2025, 3, 3), D(2025, 3, 3))  # the same child again: another event
    early_help(worker, c, D(2025, 9, 1), D(2025, 9, 30))  # its last day
    early_help(worker, d, D(2025, 9, 1), D(2025, 10, 1))  # the day after
    early_help(worker, e, D(2024, 2, 1), D(2024, 2, 28))  # the day before the window to 28/02/2025
    early_help(worker, f, D(2024, 2, 1), D(2024, 2, 29))  # its first day

    rate = figure("FD-08B", la, Q2)
    assert (rate.window.start, rate.window.end) == (D(2024, 10, 1), D(2025, 9, 30))
    assert (rate.numerator, rate.denominator, rate.value) == (3, 10_000, 3.0)
    assert sorted(r["k_child"] for r in drill("FD-08B", la, Q2)) == [b.pk, b.pk, c.pk]

    feb = figure("FD-08B", la, month(2025, 2))
    assert feb.window.start == D(2024, 2, 29)
    assert (feb.numerator, feb.denominator, feb.value) == (3, 20_000, 1.5)
    assert sorted(r["k_child"] for r in drill("FD-08B", la, month(2025, 2))) == sorted([a.pk, b.pk, f.pk])


# --- FD-08C / D / E and CP-14: entered by hand ------------------------------------------------------


@pytest.fixture
def other_la(db):
    from safeguard.workforce.models import LocalAuthority

    return LocalAuthority.objects.create(code="E06000050", la_number=896, name="Cheshire West")


def _enter(analyst, la, indicator_id, column, value, **kw):
    return manual_value_record(
        by=analyst,
        local_authority=la,
        indicator_id=indicator_id,
        period_start=column.start,
        period_end=column.end,
        value=value,
        **kw,
    )


@pytest.mark.django_db
def test_hand_entered_early_help_measures_show_in_their_own_period_only(la, analyst, other_la):
    """FD-08C/D/E (INDICATORS.md B1 FD-08c-e [council report]; T19a; C1 row schema): brokerage,
    the prevention service's share of open cases and decisions within 3 working days are not in the
    record, so the catalogue computes nothing and has no drill-down; a value typed for a quarter is
    that quarter's figure in the scorecard, not another quarter's, not last year's same quarter,
    and not another council's."""
    _enter(analyst, la, "FD-08C", Q2, 14)
    _enter(analyst, la, "FD-08C", quarter(2025, 2), 99)  # 2024-25 Q2
    _enter(analyst, other_la, "FD-08C", Q1, 55)
    _enter(analyst, la, "FD-08D", Q2, 62.5, numerator=25, denominator=40)
    _enter(analyst, la, "FD-08E", Q1, 80.0, numerator=40, denominator=50, note="brokerage panel")

    for iid in ("FD-08C", "FD-08D", "FD-08E"):
        computed = figure(iid, la, Q2)
        assert (computed.status, computed.value) == (cat.HAND_ENTERED, None)
        assert drill(iid, la, Q2) == []

    ids = ["FD-08C", "FD-08D", "FD-08E"]
    rows = {r.id: r for r in build_scorecard(la, 2026, 2, indicator_ids=ids).rows}
    c, d, e = rows["FD-08C"], rows["FD-08D"], rows["FD-08E"]
    assert (c.columns["Q1"].value, c.value, c.current.status) == (None, 14, cat.HAND_ENTERED)
    assert (d.columns["Q1"].value, d.value) == (None, 62.5)
    assert (d.current.numerator, d.current.denominator) == (25, 40)
    assert (e.columns["Q1"].value, e.columns["Q1"].note, e.value) == (80.0, "brokerage panel", None)
    assert e.current.status == cat.HAND_ENTERED and e.current.note == cat.get("FD-08E").status_reason

    later = {r.id: r for r in build_scorecard(la, 2026, 3, indicator_ids=ids).rows}
    assert (later["FD-08C"].columns["Q2"].value, later["FD-08C"].value) == (14, None)
    other = build_scorecard(other_la, 2026, 2, indicator_ids=["FD-08C"]).rows[0]
    assert (other.columns["Q1"].value, other.value) == (55, None)


@pytest.mark.django_db
def test_hand_entered_in_period_count_for_q4_is_not_the_year_figure(la, analyst):
    """FD-08C and FD-08E (INDICATORS.md B1 FD-08c/e, in-period measures; §0.3 IN_PERIOD): a count
    of cases through brokerage in January-March is not the count for April-March, nor a
    percentage of decisions in Q4 the year's percentage. Only a snapshot (CP-14) is the same at
    Q4's end and the year's end."""
    _enter(analyst, la, "FD-08C", Q4, 30)
    _enter(analyst, la, "FD-08E", Q4, 75.0, numerator=30, denominator=40)
    rows = {r.id: r for r in build_scorecard(la, 2026, indicator_ids=["FD-08C", "FD-08E"]).rows}
    assert rows["FD-08C"].columns["Q4"].value == 30 and rows["FD-08E"].columns["Q4"].value == 75.0
    assert rows["FD-08C"].columns["year"].value is None
    assert rows["FD-08E"].columns["year"].value is None


@pytest.mark.django_db
def test_cse_plans_entered_by_hand_are_a_snapshot_at_the_as_at_date(la, analyst):
    """CP-14 (INDICATORS.md B3 CP-14 [council report]: SNAPSHOT count of children on a CSE plan,
    which the record does not hold): a count typed at 31 December is the Q3 column's figure (the
    quarter's as-at date) and no other quarter's; the Q4 count at 31 March is also the year's
    figure, the year's as-at date being the same day; last year's end has none."""
    _enter(analyst, la, "CP-14", period(D(2025, 12, 31), D(2025, 12, 31)), 9)
    _enter(analyst, la, "CP-14", Q4, 11)
    computed = figure("CP-14", la, Q4)
    assert (computed.status, computed.value, drill("CP-14", la, Q4)) == (cat.HAND_ENTERED, None, [])

    row = build_scorecard(la, 2026, indicator_ids=["CP-14"]).rows[0]
    values = {k: r.value for k, r in row.columns.items()}
    assert values == {"Q1": None, "Q2": None, "Q3": 9, "Q4": 11, "year": 11}
    assert row.previous_year_end is None


# --- FD-09: referrals by source ---------------------------------------------------------------------


@pytest.mark.django_db
def test_referrals_by_source_counts_each_referral_in_the_period(la, front, make_child):
    """FD-09 (INDICATORS.md B1 FD-09; CIN census ReferralSource): referrals in the period grouped by
    their own source, as events: a child referred twice in the quarter (by a school, then by the
    police) adds one to each; referrals the day before and after the quarter are left out."""
    twice, police, early, before, after = (make_child() for _ in range(5))
    first = front.refer(twice, D(2025, 7, 1), source="2A")  # first day of Q2
    front.close(first, D(2025, 7, 15))
    front.refer(twice, D(2025, 9, 30), source="6")  # last day
    front.refer(police, D(2025, 9, 5), source="6")
    front.refer(early, D(2025, 8, 11), source="5D")
    front.refer(before, D(2025, 6, 30), source="6")
    front.refer(after, D(2025, 10, 1), source="2A")

    result = figure("FD-09", la, Q2)
    assert result.value == 4
    assert result.breakdown == {"2A": 1, "5D": 1, "6": 2}
    listed = sorted((r["k_child"], r["source"], r["referral_date"]) for r in drill("FD-09", la, Q2))
    assert listed == sorted(
        [
            (twice.pk, "2A", D(2025, 7, 1)),
            (twice.pk, "6", D(2025, 9, 30)),
            (police.pk, "6", D(2025, 9, 5)),
            (early.pk, "5D", D(2025, 8, 11)),
        ]
    )


# --- AS-03A / AS-03B: legacy initial and core assessments -------------------------------------------


@pytest.mark.django_db
def test_initial_assessments_7_then_10_working_days_from_the_referral(la, front, worker, manager, make_child):
    """AS-03A (INDICATORS.md B2 AS-03, NI 59; T03: 7 working days of referral, 10 from WT 2010,
    limit by date; §0.4 day 0 = the referral date, Good Friday 2 and Easter Monday 5 April 2010 not
    working days). Referred 31 March 2010 (limit 7): authorised 13 April is day 7, 14 April day 8.
    Referred 1 April 2010 (limit 10): 19 April is day 10; 20 April is day 11 even though the
    assessment started on 12 April (the clock runs from the referral). A core assessment authorised
    in the year is not an initial assessment."""
    cal = calendar.current()
    assert cal.working_days_between(D(2010, 3, 31), D(2010, 4, 13)) == 7
    assert cal.working_days_between(D(2010, 4, 1), D(2010, 4, 19)) == 10
    initial, core = Assessment.Kind.INITIAL, Assessment.Kind.CORE
    children = [_born_2004(make_child) for _ in range(5)]
    cases = [
        (D(2010, 3, 31), D(2010, 3, 31), D(2010, 4, 13)),
        (D(2010, 3, 31), D(2010, 3, 31), D(2010, 4, 14)),
        (D(2010, 4, 1), D(2010, 4, 1), D(2010, 4, 19)),
        (D(2010, 4, 1), D(2010, 4, 12), D(2010, 4, 20)),
    ]
    for child, (referred, started, authorised) in zip(children[:4], cases, strict=True):
        ref = front.refer(child, referred)
        legacy_assessment(worker, manager, ref, initial, started, authorised)
    ref = front.refer(children[4], D(2010, 3, 10))
    legacy_assessment(worker, manager, ref, initial, D(2010, 3, 10), D(2010, 3, 17))  # year before
    legacy_assessment(worker, manager, ref, core, D(2010, 3, 18), D(2010, 4, 20))

    year = period(D(2010, 4, 1), D(2011, 3, 31))
    result = figure("AS-03A", la, year)
    assert (result.numerator, result.denominator, result.value) == (2, 4, 50.0)
    listed = sorted(
        (r["k_child"], r["wd_ref"], r["limit"], r["in_numerator"]) for r in drill("AS-03A", la, year)
    )
    assert listed == [
        (children[0].pk, 7, 7, True),
        (children[1].pk, 8, 7, False),
        (children[2].pk, 10, 10, True),
        (children[3].pk, 11, 10, False),
    ]
    assert figure("AS-01", la, year).value == 0  # legacy assessments are not single assessments


@pytest.mark.django_db
def test_core_assessments_35_working_days_from_their_own_start(la, front, worker, manager, make_child):
    """AS-03B (INDICATORS.md B2 AS-03, NI 60; T03: within 35 working days of its commencement;
    §0.4/§0.5 with 7 May, 4 and 5 June 2012 (Diamond Jubilee) bank holidays). Started 1 May 2012,
    day 35 is 22 June (day 36 is 25 June), though the referral was a month earlier and an initial
    assessment came first (not counted here). One authorised on Sunday 1 April 2012, the first day
    of the year, counts in it with the working days of Friday 30 March."""
    cal = calendar.current()
    assert cal.add_working_days(D(2012, 5, 1), 35) == D(2012, 6, 22)
    a, b, c = (_born_2004(make_child) for _ in range(3))
    ref = front.refer(a, D(2012, 4, 2))
    legacy_assessment(worker, manager, ref, Assessment.Kind.INITIAL, D(2012, 4, 2), D(2012, 4, 13))
    legacy_assessment(worker, manager, ref, Assessment.Kind.CORE, D(2012, 5, 1), D(2012, 6, 22))
    ref = front.refer(b, D(2012, 5, 1))
    legacy_assessment(worker, manager, ref, Assessment.Kind.CORE, D(2012, 5, 1), D(2012, 6, 25))
    ref = front.refer(c, D(2012, 3, 16))
    legacy_assessment(worker, manager, ref, Assessment.Kind.CORE, D(2012, 3, 16), D(2012, 4, 1))

    year = period(D(2012, 4, 1), D(2013, 3, 31))
    result = figure("AS-03B", la, year)
    assert (result.numerator, result.denominator, result.value) == (2, 3, 66.7)
    listed = sorted((r["k_child"], r["wd"], r["in_numerator"]) for r in drill("AS-03B", la, year))
    assert listed == [(a.pk, 35, True), (b.pk, 36, False), (c.pk, 10, True)]
    assert figure("AS-03A", la, year).denominator == 1  # the initial assessment is counted there


# --- CP-01R: section 47 enquiries per 10,000 ---------------------------------------------------------


@pytest.mark.django_db
def test_s47_rate_counts_enquiries_in_the_rolling_12_months(
    la, front, worker, manager, make_child, uneven_population
):
    """CP-01R (INDICATORS.md B3 CP-01: S47ActualStartDate events, rate per 10,000 aged 0-17; §0.3
    ROLLING_12M; F6 mid-(t-1)). To 31 December 2025 the window is 1 January - 31 December 2025 and
    the population mid-2025 (10,000, not the calendar year's mid-2024): an enquiry on its first and
    on its last day counts, one the day before or after does not, and a child with two enquiries
    in one episode (the first needing no conference) counts twice."""
    twice, last, before, after = (make_child() for _ in range(4))
    ref = front.refer(twice, D(2025, 1, 1))
    first = cp.section47_start(by=worker, referral_id=ref.pk, start_date=D(2025, 1, 1))
    cp.section47_record_outcome(
        by=manager,
        rationale="No evidence of significant harm; no conference needed.",
        section47_id=first.pk,
        expected_version=None,
        end_date=D(2025, 1, 10),
        outcome="nfa",
        icpc_not_required=True,
    )
    cp.section47_start(by=worker, referral_id=ref.pk, start_date=D(2025, 6, 2))
    for child, day in ((last, D(2025, 12, 31)), (before, D(2024, 12, 31)), (after, D(2026, 1, 1))):
        ref = front.refer(child, day)
        cp.section47_start(by=worker, referral_id=ref.pk, start_date=day)

    rate = figure("CP-01R", la, Q3)
    assert (rate.window.start, rate.window.end) == (D(2025, 1, 1), D(2025, 12, 31))
    assert (rate.numerator, rate.denominator, rate.value) == (3, 10_000, 3.0)
    listed = sorted((r["k_child"], r["start_date"]) for r in drill("CP-01R", la, Q3))
    assert listed == [(twice.pk, D(2025, 1, 1)), (twice.pk, D(2025, 6, 2)), (last.pk, D(2025, 12, 31))]
    assert figure("CP-01", la, Q3).value == 1  # the count is the quarter's own
