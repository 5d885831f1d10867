"""The chronology for court (issue 16 item 8): significant events as a PDF for a care proceedings
bundle, filtered by dates and kinds, oldest first, each with who recorded it and when."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.audit.models import AuditEvent
from safeguard.casework import court
from safeguard.casework.court import court_chronology, court_chronology_entries
from safeguard.casework.services import note_mark_in_error, note_record
from safeguard.front_door.services import referral_open
from safeguard.people.services import visit_record
from safeguard.workforce.models import Team, User

D = dt.date
LONG_WORDS = ("Police attended the family home at 22:40 after a neighbour reported shouting. " * 6).strip()


def _note(by, child, day, title, **fields):
    values = dict(kind="significant_event", occurred_on=day, title=title, text=LONG_WORDS, seen={})
    values.update(fields)
    return note_record(by=by, child_ids=[child.pk], **values)


@pytest.fixture
def record(worker, make_child):
    """A child's record: a referral, a visit, two significant notes, a routine note and a
    significant note recorded in error."""
    child = make_child(first_name="Maya", last_name="Okafor-Hill", la_child_id="CE-4471")
    referral_open(by=worker, child_id=child.pk, referral_date=D(2025, 1, 10), source="2A")
    visit_record(by=worker, child_id=child.pk, visit_date=D(2025, 2, 3))
    police = _note(worker, child, D(2025, 3, 1), "Police called to the home", sensitive=True)
    _note(worker, child, D(2025, 3, 5), "Routine phone call", kind="phone_call", text="Arranged a visit.")
    wrong = _note(worker, child, D(2025, 3, 20), "Entered on the wrong child")
    note_mark_in_error(by=worker, note_id=wrong.pk, expected_version=1, reason="Not about this child")
    strategy = _note(worker, child, D(2025, 4, 2), "Strategy meeting held", kind="meeting",
                     significant=True, text="Agreed section 47 enquiries.")
    return child, police, strategy


def test_oldest_first_numbered_with_source(worker, record):
    """Family Procedure Rules PD 12A (PLO): the chronology in the bundle reads forward, each event
    dated with who recorded it and when; Issue 16: a significant note is summarised in 300
    characters, with its kind."""
    child, police, strategy = record
    rows = court_chronology_entries(by=worker, child_id=child.pk)
    assert [r.number for r in rows] == list(range(1, len(rows) + 1))
    assert [r.date for r in rows] == sorted(r.date for r in rows)
    assert [(r.date, r.kind) for r in rows] == [
        (D(2025, 1, 10), "front_door"), (D(2025, 2, 3), "visit"), (D(2025, 3, 1), "note"),
        (D(2025, 4, 2), "note")]
    note = rows[2]
    assert note.event == "Significant event: Police called to the home"
    assert note.note_kind == "Significant event" and note.note_id == police.pk
    assert len(note.summary) <= 300 and note.summary.endswith("…")
    assert LONG_WORDS.startswith(note.summary[:-1])
    assert note.sensitive is True
    assert note.recorded_by == str(worker) and note.recorded_on == police.created_at.date()
    assert rows[3].note_kind == "Meeting" and rows[3].summary == "Agreed section 47 enquiries."
    assert rows[0].recorded_by == str(worker)


def test_filters_by_dates_and_kinds(worker, record):
    """Issue 16 item 8: the court chronology is filtered by dates and kinds (chronology.KINDS)."""
    child, police, strategy = record
    between = court_chronology_entries(by=worker, child_id=child.pk, since=D(2025, 2, 1),
                                       until=D(2025, 3, 31))
    assert [r.date for r in between] == [D(2025, 2, 3), D(2025, 3, 1)]
    notes = court_chronology_entries(by=worker, child_id=child.pk, kinds=["note"])
    assert [r.note_id for r in notes] == [police.pk, strategy.pk]
    referrals = court_chronology_entries(by=worker, child_id=child.pk, kinds=["front_door", "visit"])
    assert [r.kind for r in referrals] == ["front_door", "visit"]
    assert court_chronology_entries(by=worker, child_id=child.pk, kinds=[]) == \
        court_chronology_entries(by=worker, child_id=child.pk)
    with pytest.raises(ValueError):
        court_chronology_entries(by=worker, child_id=child.pk, kinds=["gossip"])
    with pytest.raises(ValueError):
        court_chronology_entries(by=worker, child_id=child.pk, since=D(2025, 5, 1), until=D(2025, 4, 1))


def test_in_error_and_routine_notes_excluded(worker, record):
    """Issue 16 item 5: a note recorded in error stays on file but out of the chronology; only
    significant notes are events (Working Together 2023: the chronology of significant events)."""
    child, _, _ = record
    titles = [r.event for r in court_chronology_entries(by=worker, child_id=child.pk, kinds=["note"])]
    assert not any("wrong child" in t or "Routine" in t for t in titles)


def test_pdf_with_the_childs_details_and_filters(worker, record, monkeypatch):
    """Family Procedure Rules PD 12A: a chronology ready for the bundle: A4 PDF, the child's name,
    date of birth and LA child ID, the dates and kinds chosen, "Page x of y"."""
    child, _, _ = record
    seen = {}

    def keep(*args, **kwargs):
        seen["html"] = html = real(*args, **kwargs)
        return html

    real = court.render_html
    monkeypatch.setattr(court, "render_html", keep)
    pdf = court_chronology(by=worker, child_id=child.pk, since=D(2025, 3, 1), kinds=["note", "visit"])
    assert pdf.startswith(b"%PDF")
    html = seen["html"]
    assert "Maya Okafor-Hill" in html and "CE-4471" in html and "1 June 2015" in html
    assert "Chronology of significant events — prepared for court" in html
    assert "from 1 March 2025" in html and "Visits, Significant events" in html
    assert "Police called to the home" in html and "Strategy meeting held" in html
    assert "Contains third-party information" in html
    assert 'counter(page) " of " counter(pages)' in html and "A4 portrait" in html
    assert "Entered on the wrong child" not in html


def test_words_escaped_in_the_pdf_html(worker, make_child):
    """OWASP XSS prevention: a practitioner's words are escaped in the document's HTML (WeasyPrint
    reads it as a page)."""
    child = make_child(first_name="Zoe", last_name="O'Neil")
    _note(worker, child, D(2025, 3, 1), "<img src=x onerror=alert(1)>")
    html = court.render_html(child, court_chronology_entries(by=worker, child_id=child.pk))
    assert "<img src=x" not in html and "&lt;img src=x" in html


def test_refused_without_export_rights(worker, record, la):
    """UK GDPR art. 5(1)(f) and the council's access policy: only those who may export the child's
    record get the chronology (an administrator opens no child's record; a social worker in
    another team cannot open an unallocated child outside the front door); nothing is audited."""
    child, _, _ = record
    admin = User.objects.create_user(username="admin1", password="x", role=User.Role.ADMINISTRATOR,
                                      local_authority=la)
    other_team = Team.objects.create(local_authority=la, name="CIN Team 4", service="Children in need")
    stranger = User.objects.create_user(username="sw9", password="x", role=User.Role.SOCIAL_WORKER,
                                        team=other_team, local_authority=la)
    for user in (admin, stranger):
        with pytest.raises(PermissionDenied):
            court_chronology(by=user, child_id=child.pk)
        with pytest.raises(PermissionDenied):
            court_chronology_entries(by=user, child_id=child.pk)
    assert not AuditEvent.objects.filter(action="export").exists()


def test_export_audited_with_its_filters(worker, record):
    """UK GDPR art. 5(2) accountability / Working Together 2023 (information sharing is recorded):
    the export is one audit row naming what, the dates and the kinds."""
    child, _, _ = record
    court_chronology(by=worker, child_id=child.pk, since=D(2025, 1, 1), until=D(2025, 6, 30),
                     kinds=["note", "front_door"])
    row = AuditEvent.objects.get(action="export")
    assert row.actor == worker and row.child_id == child.pk
    assert row.object_type == "people.Child" and row.object_id == str(child.pk)
    assert row.detail == {"what": "court chronology", "since": "2025-01-01", "until": "2025-06-30",
                          "kinds": ["front_door", "note"]}


def test_fixed_number_of_queries(worker, make_child):
    """Issue 16 (speed): the rows are read in a fixed number of queries, whatever the number of
    events."""
    def count(n: int) -> int:
        child = make_child()
        for i in range(n):
            _note(worker, child, D(2025, 1, 1) + dt.timedelta(days=i), f"Event {i}")
            visit_record(by=worker, child_id=child.pk, visit_date=D(2025, 1, 1) + dt.timedelta(days=i))
        with CaptureQueriesContext(connection) as queries:
            rows = court_chronology_entries(by=worker, child_id=child.pk)
        assert len(rows) == 2 * n
        return len(queries)

    assert count(1) == count(6)
