"""Kept figures (issue 20): a period that has ended is computed once and kept; the scorecard page
reads the kept figures; a late record dated in a period marks its figures stale, the next page
computes them again, and every version stays in the history so the figure a committee was shown
can be reproduced (INDICATORS.md §0.3: figures are as at the date they were produced)."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeguard.performance.kept import Kept, definitions
from safeguard.performance.models import KeptFigure
from safeguard.performance.scorecard import build_scorecard
from safeguard.performance.services import _business_dates, kept_figures_invalidate, record_changed

D = dt.date


@pytest.fixture
def referrals(la, front, make_child):
    """Three referrals in Q2 2025-26 (a year long ended), one a re-referral."""
    a = make_child()
    r = front.refer(a, D(2025, 5, 1))
    front.close(r, D(2025, 5, 30))
    front.refer(a, D(2025, 7, 7))
    front.refer(make_child(), D(2025, 8, 1))
    front.refer(make_child(), D(2025, 9, 1))
    return la


def _figures(card) -> dict:
    return {r["id"]: (r["value"], r["numerator"], r["denominator"], r["columns"], r["previous_year_end"],
                      r["q4_previous"], r.get("breakdown"), r["note"]) for r in card.as_dict()["indicators"]}


@pytest.mark.django_db
def test_the_page_reads_kept_figures_and_they_equal_the_record(referrals, la):
    computed = build_scorecard(la, 2026, 2)
    first = build_scorecard(la, 2026, 2, keep=True)
    assert KeptFigure.objects.filter(local_authority=la).exists()
    assert _figures(first) == _figures(computed)
    with CaptureQueriesContext(connection) as ctx:
        again = build_scorecard(la, 2026, 2, keep=True)
    assert _figures(again) == _figures(computed)
    # Nothing of the record is read: the kept figures, the settings, commentary and values only.
    read = [q["sql"] for q in ctx.captured_queries
            if "front_door_referral" in q["sql"] or "people_child" in q["sql"]]
    assert read == []
    fd03 = KeptFigure.objects.get(local_authority=la, indicator_id="FD-03", window_end=D(2025, 9, 30))
    assert fd03.exact == [3, 3, None] and fd03.value == 3 and not fd03.stale


@pytest.mark.django_db
def test_a_late_record_marks_its_periods_stale_and_the_history_keeps_the_published_figure(
    referrals, la, front, make_child
):
    child = make_child()
    build_scorecard(la, 2026, 2, keep=True)
    published = timezone.now()
    late = front.refer(child, D(2025, 8, 15))  # entered late, dated in Q2
    # What the record's unit of work sends once the change is written (record_changed signal).
    change = SimpleNamespace(_staged=[("create", late, None)], event="referral_open", child=child)
    record_changed(change=change)
    q2 = KeptFigure.objects.get(local_authority=la, indicator_id="FD-03", window_end=D(2025, 9, 30))
    q1 = KeptFigure.objects.get(local_authority=la, indicator_id="FD-03", window_end=D(2025, 6, 30))
    assert q2.stale and "referral_open" in q2.stale_reason and "15/08/2025" in q2.stale_reason
    assert not q1.stale  # ended before the late record's date: it cannot change
    card = build_scorecard(la, 2026, 2, keep=True)
    assert {r.id: r for r in card.rows}["FD-03"].value == 4
    assert _figures(card) == _figures(build_scorecard(la, 2026, 2))
    q2.refresh_from_db()
    assert not q2.stale and q2.exact[0] == 4
    # The committee's figure, as it was when published: 3; the history says what changed it.
    assert q2.history.as_of(published).value == 3
    reasons = [h.history_change_reason for h in q2.history.order_by("history_date", "history_id")]
    assert reasons[0] == "computed" and "referral_open" in reasons[-1] and len(reasons) == 3


@pytest.mark.django_db
def test_a_change_to_the_child_or_an_import_reaches_every_period(referrals, la):
    build_scorecard(la, 2026, 2, keep=True)
    kept = KeptFigure.objects.filter(local_authority=la)
    assert _business_dates(None) == []
    record_changed(local_authority_ids=[la.pk])
    assert kept.filter(stale=False).count() == 0
    assert kept_figures_invalidate(local_authority_id=la.pk, since=None, reason="again") == 0  # already stale


@pytest.mark.django_db
def test_a_window_not_yet_ended_is_kept_for_the_day_only(la):
    at = timezone.now()
    kept = Kept(la, set(), at)
    today = kept.day
    running = KeptFigure(indicator_id="FD-03", window_start=today, window_end=today + dt.timedelta(days=30),
                         computed_on=today, exact=[1, 1, 0], definitions=definitions())
    assert kept.valid(running)
    running.computed_on = today - dt.timedelta(days=1)
    assert not kept.valid(running)
    ended = KeptFigure(indicator_id="FD-03", window_start=D(2025, 7, 1), window_end=D(2025, 9, 30),
                       computed_on=D(2025, 10, 1), exact=[1, 1, 0], definitions=definitions())
    assert kept.valid(ended)
    ended.definitions = "0" * 16  # kept by other definitions of the measures
    assert not kept.valid(ended)
    ended.definitions = definitions()
    ended.stale = True
    assert not kept.valid(ended)


@pytest.mark.django_db
def test_the_command_keeps_a_year_and_its_quarters(referrals, la, capsys):
    """`safeguard scorecard keep --year 2026`: the nightly job after a quarter ends."""
    from django.core.management import call_command

    call_command("scorecard", "keep", "--year", "2026")
    assert "figures kept" in capsys.readouterr().out
    year = KeptFigure.objects.filter(local_authority=la, indicator_id="FD-03", window_end=D(2026, 3, 31))
    assert year.exists()
