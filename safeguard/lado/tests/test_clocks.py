"""The LADO clocks across bank holidays (INDICATORS.md T16)."""

import datetime as dt

from safeguard.lado import services
from safeguard.lado.selectors import lado_worklist
from safeguard.timescales.models import Clock

D = dt.date


def clocks(a, code):
    return list(Clock.objects.filter(subject_type="lado.Allegation", subject_id=a.pk, code=code)
                .order_by("sequence"))


def test_referral_due_one_working_day_after_employer_aware_over_easter(make_allegation):
    """Working Together 2015 / KCSIE: refer to the LADO within one working day of becoming aware.
    Thu 17 Apr 2025 + 1 working day skips Good Friday and Easter Monday: due Tue 22 Apr 2025."""
    a = make_allegation(D(2025, 4, 22), employer_aware_date=D(2025, 4, 17))
    (t16r,) = clocks(a, "T16R")
    assert t16r.due_date == D(2025, 4, 22)
    assert t16r.met_date == D(2025, 4, 22) and t16r.on_time
    late = make_allegation(D(2025, 4, 23), employer_aware_date=D(2025, 4, 17))
    assert clocks(late, "T16R")[0].on_time is False


def test_strategy_meeting_five_working_days_over_easter(make_allegation, lado):
    """Local LADO procedures (Cheshire East): strategy meeting within 5 working days of the
    threshold decision. Decision Thu 17 Apr 2025 -> due Mon 28 Apr 2025 (Easter skipped)."""
    a = make_allegation(D(2025, 4, 17))
    (t16s,) = clocks(a, "T16S")
    assert (t16s.start_date, t16s.due_date, t16s.met_date) == (D(2025, 4, 17), D(2025, 4, 28), None)
    services.strategy_meeting_record(by=lado, allegation_id=a.pk, expected_version=None,
                                     held_on=D(2025, 4, 28))
    (t16s,) = clocks(a, "T16S")
    assert t16s.met_date == D(2025, 4, 28) and t16s.on_time


def test_no_strategy_meeting_clock_without_threshold(make_allegation):
    """Local LADO procedures: only a threshold-met referral leads to a strategy meeting."""
    a = make_allegation(D(2025, 4, 17), response="consultation")
    assert clocks(a, "T16S") == []


def test_reviews_every_four_weeks_then_stop_at_closure(make_allegation, lado):
    """Local LADO procedures: strategy reviews every 4 weeks (28 days) from the meeting while open."""
    a = make_allegation(D(2025, 4, 17), meeting=D(2025, 4, 24), reviews=[D(2025, 5, 20)])
    links = clocks(a, "T16V")
    assert [(c.start_date, c.due_date, c.met_date) for c in links] == [
        (D(2025, 4, 24), D(2025, 5, 22), D(2025, 5, 20)),
        (D(2025, 5, 20), D(2025, 6, 17), None),
    ]
    services.allegation_close(by=lado, allegation_id=a.pk, expected_version=None,
                              closure_date=D(2025, 6, 2), outcome="unfounded")
    assert clocks(a, "T16V")[-1].stopped_date == D(2025, 6, 2)
    assert clocks(a, "T16S")[0].met_date == D(2025, 4, 24)


def test_conclusion_one_month_clamped_at_month_end(make_allegation):
    """KCSIE Part 4: 80% concluded within one month; 31 Jan + 1 month is 28 Feb."""
    a = make_allegation(D(2025, 1, 31), response="nfa")
    (t16c,) = clocks(a, "T16C")
    assert t16c.due_date == D(2025, 2, 28) and t16c.is_open


def test_worklist_shows_due_and_overdue_for_lado_only(make_allegation, lado, lado_manager, worker):
    """KCSIE Part 4 timescales on the LADO's worklist; nobody outside the LADO service sees them."""
    a = make_allegation(D(2025, 4, 17))
    make_allegation(D(2025, 4, 17), response="nfa", closure=D(2025, 4, 18))
    due = lado_worklist(lado, D(2025, 4, 25))
    assert {(c.code, c.subject_id) for c in due} == {("T16S", a.pk)}
    overdue = lado_worklist(lado, D(2025, 5, 30))
    assert {c.code for c in overdue} == {"T16S", "T16C"}
    assert [c.subject_id for c in lado_worklist(lado_manager, D(2025, 5, 30))] == [
        c.subject_id for c in overdue]
    assert lado_worklist(worker, D(2025, 5, 30)) == []
