"""What the LADO's desk adds to the back end (issue 18, item 3): police and court involvement and a
concluded allegation's outcome as named, audited steps; the list with its filters and figures, and
each allegation's clocks (KCSIE Part 4; INDICATORS.md T16)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from safeguard.audit.models import AuditEvent
from safeguard.core.errors import EditConflict, RecordInvalid
from safeguard.lado import selectors, services

D = dt.date
TODAY = dt.date.today()


def test_involvement_recorded_and_audited(make_allegation, lado):
    """KCSIE Part 4: the LADO liaises with the police; the annual report counts allegations with
    police or court involvement, so both are recorded, "not known" kept apart from "no"."""
    a = make_allegation(response="threshold_met")
    a = services.allegation_record_involvement(by=lado, allegation_id=a.pk, expected_version=a.version,
                                               police_involved=True, court_proceedings=None)
    assert (a.police_involved, a.court_proceedings) == (True, None)
    event = AuditEvent.objects.get(detail__event="allegation_record_involvement")
    assert event.detail["changes"] == {"police_involved": [None, True]}


def test_involvement_refused_when_stale_or_not_the_lado(make_allegation, lado, lado_manager):
    """No lost update; recording is the LADO's (lado/access.py), their manager only reads."""
    a = make_allegation(response="nfa")
    with pytest.raises(PermissionDenied):
        services.allegation_record_involvement(by=lado_manager, allegation_id=a.pk,
                                               expected_version=a.version, police_involved=True,
                                               court_proceedings=False)
    services.allegation_record_involvement(by=lado, allegation_id=a.pk, expected_version=a.version,
                                           police_involved=False, court_proceedings=False)
    with pytest.raises(EditConflict):
        services.allegation_record_involvement(by=lado, allegation_id=a.pk, expected_version=a.version,
                                               police_involved=True, court_proceedings=False)


def test_outcome_completed_after_closure(make_allegation, lado):
    """KCSIE Part 4: the employer's action is often decided after the LADO concludes; it is added
    to the concluded allegation, audited under its own name."""
    a = make_allegation(meeting=D(2016, 5, 12), closure=D(2016, 6, 1), outcome="unsubstantiated")
    a = services.allegation_record_outcome(by=lado, allegation_id=a.pk, expected_version=a.version,
                                           outcome="unsubstantiated", employer_action="training")
    assert a.employer_action == "training"
    event = AuditEvent.objects.get(detail__event="allegation_record_outcome")
    assert event.detail["changes"] == {"employer_action": [None, "training"]}


def test_outcome_of_an_open_allegation_is_recorded_at_closure(make_allegation, lado):
    """KCSIE Part 4: the outcome concludes the allegation, so an open one takes it with its closure."""
    a = make_allegation(meeting=D(2016, 5, 12))
    with pytest.raises(RecordInvalid) as exc:
        services.allegation_record_outcome(by=lado, allegation_id=a.pk, expected_version=a.version,
                                           outcome="false", employer_action="")
    assert "outcome" in {v.field for v in exc.value.violations}


def test_outcome_codes_checked(make_allegation, lado):
    """KCSIE Part 4 outcomes: substantiated, unsubstantiated, unfounded, false, malicious."""
    a = make_allegation(meeting=D(2016, 5, 12), closure=D(2016, 6, 1), outcome="false")
    with pytest.raises(RecordInvalid) as exc:
        services.allegation_record_outcome(by=lado, allegation_id=a.pk, expected_version=a.version,
                                           outcome="proven", employer_action="")
    assert "KCSIE" in exc.value.rules


def test_page_filters_and_figures(make_allegation, lado):
    """T16C (KCSIE: concluded within one month): referred six weeks ago and open is overdue; the
    list filters by status and due date and counts open and overdue allegations."""
    old = make_allegation(TODAY - dt.timedelta(days=42), response="")
    new = make_allegation(TODAY, response="")
    done = make_allegation(TODAY - dt.timedelta(days=10), response="nfa", closure=TODAY)
    found = selectors.allegation_page(lado, as_at=TODAY)
    assert [a.pk for a in found.rows] == [old.pk, new.pk]  # soonest due first
    assert (found.total, found.open_count, found.overdue_count) == (2, 2, 1)
    assert found.rows[0].next_code == "T16C" and found.rows[0].next_due < TODAY
    assert [a.pk for a in selectors.allegation_page(lado, status="closed").rows] == [done.pk]
    assert selectors.allegation_page(lado, status="closed").rows[0].next_due is None
    assert [a.pk for a in selectors.allegation_page(lado, status="all", due="overdue").rows] == [old.pk]
    assert selectors.allegation_page(lado, status="nonsense", due="nonsense").total == 2


def test_page_is_paged_with_its_total(make_allegation, lado):
    for n in range(5):
        make_allegation(TODAY - dt.timedelta(days=n), response="")
    found = selectors.allegation_page(lado, per_page=2, page=3)
    assert (found.total, found.pages, found.page, len(found.rows)) == (5, 3, 3, 1)
    assert (found.first_shown, found.last_shown) == (5, 5)
    assert selectors.allegation_page(lado, per_page=2, page=99).page == 3


def test_page_refused_and_audited_for_others(make_allegation, worker, lado):
    """KCSIE Part 4 (confidentiality): anyone else gets an empty list, and the attempt is audited."""
    a = make_allegation(response="")
    assert selectors.allegation_page(worker).rows == []
    assert AuditEvent.objects.filter(actor=worker, reason__startswith="refused").exists()
    assert selectors.allegation_clocks(worker, a) == []
    selectors.allegation_page(lado)
    assert AuditEvent.objects.filter(actor=lado, action="view", detail__list=True,
                                     detail__shown=[a.pk]).exists()


def test_allegation_clocks_met_and_running(make_allegation, lado):
    """T16S strategy meeting within 5 working days of threshold met [L]; T16C runs until concluded."""
    a = make_allegation(TODAY - dt.timedelta(days=20), meeting=TODAY - dt.timedelta(days=18))
    clocks = {c.code: c for c in selectors.allegation_clocks(lado, a)}
    assert clocks["T16S"].met_date == TODAY - dt.timedelta(days=18)
    assert clocks["T16C"].met_date is None
