"""The case record's pages (issue 16): who may write and read notes, the autosave endpoint, the
documents' downloads, and pages whose cost does not grow with the record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeguard.audit.models import AuditEvent
from safeguard.casework import drafts, services
from safeguard.casework.models import CaseNote, Draft
from safeguard.people import services as people

pytestmark = pytest.mark.django_db

DAY = dt.date.today() - dt.timedelta(days=2)
NOTE = {"kind": "phone_call", "occurred_on_day": DAY.day, "occurred_on_month": DAY.month,
        "occurred_on_year": DAY.year, "title": "Call with the school", "text": "Attendance better."}


def _note(world, child, n: int = 0):
    return services.note_record(by=world.sw_a, child_ids=[child.pk], kind="phone_call",
                                occurred_on=DAY, title=f"Call {n}", text=f"Spoke to mother ({n}).")


def test_the_allocated_worker_writes_a_note_and_it_shows_in_the_record(world, client_for):
    """Working Together 2023: practitioners record their contact with the child and family; the
    note is on the child's record at once."""
    child = world.own
    c = client_for(world.sw_a)
    form = c.get(reverse("web:note_new", args=[child.pk]))
    assert form.status_code == 200 and b'data-sg-draft="case-note:child-' in form.content
    answer = c.post(reverse("web:note_new", args=[child.pk]), {**NOTE, "children": [str(child.pk)]})
    assert answer.status_code == 302
    page = c.get(reverse("web:notes", args=[child.pk])).content.decode()
    assert "Call with the school" in page and "Attendance better." in page


def test_a_date_in_three_fields_names_the_part_missing(world, client_for):
    """GOV.UK Design System, date input: the error says which part of the date is missing."""
    child = world.own
    answer = client_for(world.sw_a).post(reverse("web:note_new", args=[child.pk]),
                                         {**NOTE, "occurred_on_month": "", "children": [str(child.pk)]})
    assert answer.status_code == 400
    assert "Date it happened must include a month" in answer.content.decode()
    assert not CaseNote.objects.exists()


def test_a_worker_who_may_only_read_cannot_write_a_note(world, client_for):
    """ARCHITECTURE.md, least privilege: reading a record does not mean changing it."""
    assert client_for(world.analyst).get(reverse("web:note_new", args=[world.own.pk])).status_code == 403


def test_words_in_a_note_are_shown_escaped(world, client_for):
    """OWASP XSS prevention: what a worker typed is shown, never run."""
    services.note_record(by=world.sw_a, child_ids=[world.own.pk], kind="phone_call",
                         occurred_on=DAY, title="Call", text="<script>alert(1)</script>")
    page = client_for(world.sw_a).get(reverse("web:notes", args=[world.own.pk])).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_notes_page_costs_the_same_for_one_note_or_forty(world, client_for):
    """ARCHITECTURE.md, fast by design: a fixed number of queries whatever the record's length."""
    child, c = world.own, client_for(world.sw_a)
    _note(world, child)
    url = reverse("web:notes", args=[child.pk])
    c.get(url)
    with CaptureQueriesContext(connection) as one:
        c.get(url)
    for n in range(1, 40):
        _note(world, child, n)
    with CaptureQueriesContext(connection) as forty:
        c.get(url)
    assert len(forty) == len(one)


def test_child_page_costs_the_same_for_one_significant_note_or_thirty(world, client_for):
    """ARCHITECTURE.md, fast by design: the chronology shows significant events at a fixed cost."""
    child, c = world.own, client_for(world.sw_a)

    def significant(n):
        services.note_record(by=world.sw_a, child_ids=[child.pk], kind="significant_event",
                             occurred_on=DAY, title=f"Event {n}", text="Police called.",
                             significant=True)

    significant(0)
    url = reverse("web:child", args=[child.pk])
    c.get(url)
    with CaptureQueriesContext(connection) as one:
        body = c.get(url).content.decode()
    assert "Significant event: Event 0" in body
    for n in range(1, 30):
        significant(n)
    with CaptureQueriesContext(connection) as thirty:
        c.get(url)
    assert len(thirty) == len(one)


def test_autosave_keeps_the_draft_and_refuses_a_stale_one(world, client_for):
    """Issue 16, never lose recording: a draft is saved as the user types; two people saving one
    draft see a conflict, never a silent overwrite; a session that has ended gets 401, not a page."""
    child = world.own
    key = drafts.note_draft_key(child.pk, world.sw_a.pk)
    url = reverse("web:draft_save")
    c = client_for(world.sw_a)
    first = c.post(url, {"sg_draft_key": key, "sg_draft_version": "", "title": "Half a title"})
    assert first.status_code == 200 and first.json()["version"] == 1
    assert Draft.objects.get(key=key).data["title"] == "Half a title"
    second = c.post(url, {"sg_draft_key": key, "sg_draft_version": "1", "title": "Half a title more"})
    assert second.json()["version"] == 2
    stale = c.post(url, {"sg_draft_key": key, "sg_draft_version": "1", "title": "Other words"})
    assert stale.status_code == 409
    assert Draft.objects.get(key=key).data["title"] == "Half a title more"
    from django.test import Client

    assert Client().post(url, {"sg_draft_key": key, "title": "x"}).status_code == 401
    # Another worker cannot write into this worker's draft.
    assert client_for(world.sw_a2).post(url, {"sg_draft_key": key, "title": "x"}).status_code == 403
    # The form shows the draft after signing in again.
    page = c.get(reverse("web:note_new", args=[child.pk])).content.decode()
    assert 'id="draft-restored"' in page and "Half a title more" in page


def test_a_document_download_is_audited_and_refused_to_others(world, client_for, settings, tmp_path):
    """UK GDPR art. 5(1)(f) and 32: every download of a child's document is an audited export;
    a worker the record is not open to gets the refusal page."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from safeguard.casework import documents

    settings.DOCUMENTS_DIR = tmp_path
    pdf = b"%PDF-1.4\n%%EOF\n"
    d = documents.document_upload(by=world.sw_a, child_id=world.own.pk, title="Letter",
                                  uploaded=SimpleUploadedFile("letter.pdf", pdf))
    url = reverse("web:document_download", args=[world.own.pk, d.pk])
    answer = client_for(world.sw_a).get(url)
    assert answer.status_code == 200 and b"".join(answer.streaming_content) == pdf
    assert "attachment" in answer["Content-Disposition"]
    assert AuditEvent.objects.filter(actor=world.sw_a, action="export",
                                     object_type="casework.Document").count() == 1
    assert client_for(world.sw_x).get(url).status_code == 403


def test_people_page_draws_the_family(world, client_for):
    """Working Together 2023: assessments consider the wider family; the genogram is drawn from
    the relationships recorded."""
    people.person_add(by=world.sw_a, child_id=world.own.pk, kind="mother", first_name="Dana",
                      last_name="Family1")
    page = client_for(world.sw_a).get(reverse("web:people", args=[world.own.pk])).content.decode()
    assert "Dana Family1" in page and "<svg" in page


def test_a_warning_shows_at_the_top_of_the_record_until_it_ends(world, client_for):
    """Issue 16, the case summary: a risk to workers is shown to everyone who opens the record;
    an ended warning leaves the summary and stays in the history."""
    c = client_for(world.sw_a)
    url = reverse("web:warning_add", args=[world.own.pk])
    refused = c.post(url, {"kind": "risk_to_workers", "detail": ""})
    assert refused.status_code == 400 and "Applies from" in refused.content.decode()
    answer = c.post(url, {"kind": "risk_to_workers", "detail": "Dog at the address: visit in pairs",
                          "start_date_day": DAY.day, "start_date_month": DAY.month,
                          "start_date_year": DAY.year})
    assert answer.status_code == 302
    page = client_for(world.sw_b).get(reverse("web:child", args=[world.own.pk]))
    body = c.get(reverse("web:child", args=[world.own.pk])).content.decode()
    assert "Risk to workers: Dog at the address: visit in pairs" in body
    from safeguard.people.models import ChildWarning

    w = ChildWarning.objects.get()
    people.warning_end(by=world.sw_a, warning_id=w.pk, child_id=world.own.pk,
                       expected_version=w.version, end_date=DAY)
    body = c.get(reverse("web:child", args=[world.own.pk])).content.decode()
    assert "Dog at the address" not in body
    assert page.status_code in (200, 403)


def test_the_court_chronology_is_a_pdf_for_those_who_may_export(world, client_for):
    """Family Procedure Rules PD 12A (Public Law Outline): a chronology in the bundle; every export
    of a child's record is audited (ARCHITECTURE.md)."""
    services.note_record(by=world.sw_a, child_ids=[world.own.pk], kind="significant_event",
                         occurred_on=DAY, title="Police attended", text="Police called at 2am.",
                         significant=True)
    url = reverse("web:court_chronology", args=[world.own.pk])
    c = client_for(world.sw_a)
    assert c.get(url).status_code == 200
    bad = c.post(url, {"since_day": "5", "since_month": "", "since_year": "2026"})
    assert bad.status_code == 400 and "From (optional) must include a month" in bad.content.decode()
    answer = c.post(url, {"kinds": ["note"]})
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(actor=world.sw_a, action="export", child_id=world.own.pk,
                                     detail__what="court chronology").exists()


def test_a_subject_access_export_is_a_managers(world, client_for):
    """UK GDPR art. 15: a person may have everything held about them; a manager makes the export,
    with other people's information marked for redaction."""
    rel = people.person_add(by=world.sw_a, child_id=world.own.pk, kind="mother", first_name="Dana",
                            last_name="Family1")
    url = reverse("web:subject_access", args=[world.own.pk, rel.person_id])
    assert client_for(world.sw_a).get(url).status_code == 403
    answer = client_for(world.tm_a).post(url)
    assert answer.status_code == 200 and answer["Content-Type"] == "application/zip"
    import io
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(answer.content)).namelist()
    assert sorted(names) == ["subject-access.html", "subject-access.json"]


def test_search_finds_words_in_notes_only_of_children_open_to_the_user(world, client_for):
    """Issue 16: search the notes for those who may open the child (ARCHITECTURE.md: every read
    starts from the access policy)."""
    services.note_record(by=world.sw_a, child_ids=[world.own.pk], kind="phone_call", occurred_on=DAY,
                         title="Call", text="Spoke to the headteacher about attendance.")
    url = reverse("web:notes_search")
    mine = client_for(world.sw_a).get(url, {"q": "headteacher"}).content.decode()
    assert "1 note found" in mine and "<mark>headteacher</mark>" in mine
    theirs = client_for(world.sw_x).get(url, {"q": "headteacher"}).content.decode()
    assert "0 notes found" in theirs


def test_adding_a_child_warns_of_a_probable_duplicate_first(world, client_for):
    """Working Together 2023: one record per child. A probable duplicate (same name and date of
    birth) is shown before a new child is added; the worker may confirm it is a different child."""
    own = world.own
    form = {"first_name": own.first_name, "last_name": own.last_name, "date_of_birth_day": "4",
            "date_of_birth_month": "3", "date_of_birth_year": "2016", "sex": "M", "ethnicity": "WBRI",
            "la_child_id": "NEW01"}
    c = client_for(world.sw_a)
    warned = c.post(reverse("web:child_new"), form)
    assert warned.status_code == 409 and own.la_child_id in warned.content.decode()
    from safeguard.people.models import Child

    assert not Child.objects.filter(la_child_id="NEW01").exists()
    assert AuditEvent.objects.filter(actor=world.sw_a, detail__purpose="duplicate_check").exists()
    added = c.post(reverse("web:child_new"), {**form, "not_a_duplicate": "on"})
    assert added.status_code == 302 and Child.objects.filter(la_child_id="NEW01").exists()


def test_a_document_attached_to_a_note_is_listed_with_it(world, client_for, settings, tmp_path):
    """Issue 16: a document is attached to a child and, where it belongs, to a note."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.DOCUMENTS_DIR = tmp_path
    note = _note(world, world.own)
    c = client_for(world.sw_a)
    answer = c.post(reverse("web:documents", args=[world.own.pk]),
                    {"case_note": str(note.pk), "title": "Letter from school",
                     "file": SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n%%EOF\n")})
    assert answer.status_code == 302
    page = c.get(reverse("web:note", args=[world.own.pk, note.pk])).content.decode()
    assert "Letter from school" in page
