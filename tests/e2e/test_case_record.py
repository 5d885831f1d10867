"""A social worker's day in the case record (issue 16), in a real browser: a home visit to two
siblings recorded once, the family and the school added, a document uploaded and downloaded, a note
corrected and another marked recorded in error, and a session that ends mid-note keeping the draft.

Sources: Working Together 2023 (the child seen, and seen alone; the wider family and the
professionals around the child); Children Act 1989 Guidance vol. 2 and the Care Planning
Regulations 2010 reg. 28 (statutory visits); UK GDPR art. 5(1)(f) and 32 (every download audited)."""

from __future__ import annotations

import datetime as dt
import io

from playwright.sync_api import expect

from safeguard.audit.models import AuditEvent
from safeguard.casework.models import CaseNote
from safeguard.people import services as people
from safeguard.people.models import Visit
from safeguard.workforce import services as workforce
from tests.e2e.axe import axe_violations
from tests.e2e.govuk import fill_date

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>"
       b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _sibling_of(world, child):
    """A brother on the record, allocated to the same worker, linked both ways as siblings."""
    brother = people.child_register(
        by=world.sw_a, local_authority=child.local_authority, la_child_id=f"{child.la_child_id}B",
        first_name="Jordan", last_name=child.last_name, date_of_birth=dt.date(2015, 6, 1), sex="M",
        ethnicity="WBRI")
    workforce.allocation_start(by=world.tm_a, child_id=brother.pk, worker_id=world.sw_a.pk,
                               start_date=dt.date.today() - dt.timedelta(days=30))
    people.relationship_add(by=world.sw_a, child_id=child.pk, kind="sibling", relative_id=brother.pk)
    people.relationship_add(by=world.sw_a, child_id=brother.pk, kind="sibling", relative_id=child.pk)
    return brother


def _write_note(page, *, kind: str, title: str, text: str, day: dt.date) -> None:
    page.get_by_role("group", name="What kind of note is this?").get_by_label(kind, exact=True).check()
    fill_date(page, "Date it happened", day)
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Note", exact=True).fill(text)


def test_a_home_visit_to_two_siblings_and_the_family_around_them(world, sign_in, site):
    child = world.own
    brother = _sibling_of(world, child)
    yesterday = dt.date.today() - dt.timedelta(days=1)

    sw = sign_in("sw_a")
    sw.goto(f"{site}/children/{child.pk}/")
    sw.get_by_role("link", name="Write a case note").first.click()
    expect(sw.locator("h1")).to_have_text("Write a case note")
    _write_note(sw, kind="Home visit", title="Home visit: both children seen",
                text="Visited the family at home.\n\n- Both children seen alone\n- Bedrooms seen",
                day=yesterday)
    sw.get_by_role("group", name="Which children is this note about?").get_by_label(
        f"Jordan {child.last_name}").check()
    sw.get_by_role("group", name=f"Was {child.first_name} seen?").get_by_label("Seen alone").check()
    sw.get_by_role("group", name="Was Jordan seen?").get_by_label("Seen alone").check()
    sw.get_by_label("This was a statutory visit").check()
    expect(sw.locator("#draft-status")).to_contain_text("Draft saved at")  # autosaved as typed
    assert axe_violations(sw) == []
    sw.get_by_role("button", name="Save note").click()
    expect(sw.locator(".govuk-notification-banner--success")).to_contain_text("Case note saved")

    # One note, in both records; the visit is met for both children by the same act.
    note = CaseNote.objects.get(title="Home visit: both children seen")
    assert sorted(note.children.values_list("child_id", flat=True)) == sorted([child.pk, brother.pk])
    assert Visit.objects.filter(child__in=[child, brother], visit_date=yesterday,
                                seen_alone=True).count() == 2
    sw.goto(f"{site}/children/{brother.pk}/notes/")
    expect(sw.locator(f"#note-{note.pk}")).to_contain_text("Seen alone")
    assert axe_violations(sw) == []

    # The family and the school.
    sw.goto(f"{site}/children/{child.pk}/people/")
    for kind, first, last in (("Mother", "Dana", child.last_name), ("Father", "Lee", "Marsh"),
                              ("Grandparent", "Irene", child.last_name)):
        sw.get_by_role("link", name="Add a family member or carer").click()
        sw.get_by_label("How are they related to the child?").select_option(label=kind)
        sw.get_by_label("First name").fill(first)
        sw.get_by_label("Last name").fill(last)
        sw.get_by_role("button", name="Save").click()
        expect(sw.locator(".govuk-notification-banner--success")).to_contain_text(f"{first} {last}")
    sw.get_by_role("link", name="Add a professional").click()
    sw.get_by_label("Agency").select_option(label="School or college")
    sw.get_by_label("Organisation").fill("Northgate Primary School")
    sw.get_by_label("Their role").fill("Designated safeguarding lead")
    sw.get_by_label("Name", exact=True).fill("Sam Okafor")
    sw.get_by_role("button", name="Save").click()
    expect(sw.locator("#family")).to_contain_text("Dana")
    expect(sw.locator("#professionals")).to_contain_text("Northgate Primary School")
    expect(sw.locator("#genogram svg")).to_contain_text("Irene")
    assert axe_violations(sw) == []

    # A document uploaded and downloaded; the download is audited.
    sw.goto(f"{site}/children/{child.pk}/documents/")
    sw.get_by_label("Upload a file").set_input_files(
        files=[{"name": "school-report.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    sw.get_by_label("Title (optional)").fill("School report, autumn term")
    sw.get_by_role("button", name="Upload", exact=True).click()
    expect(sw.locator(".govuk-notification-banner--success")).to_contain_text("Uploaded")
    assert axe_violations(sw) == []
    with sw.expect_download() as download:
        sw.get_by_role("link", name="School report, autumn term").click()
    assert io.BytesIO(open(download.value.path(), "rb").read()).read() == PDF
    assert AuditEvent.objects.filter(actor=world.sw_a, action="export", child_id=child.pk,
                                     object_type="casework.Document").exists()

    # The chronology for court, filtered to significant events, as a PDF.
    sw.goto(f"{site}/children/{child.pk}/")
    sw.get_by_role("link", name="Chronology for court (PDF)").click()
    sw.get_by_role("group", name="Which events?").get_by_label("Significant events").check()
    sw.get_by_role("group", name="Which events?").get_by_label("Visits").check()
    assert axe_violations(sw) == []
    with sw.expect_download() as court:
        sw.get_by_role("button", name="Download the PDF").click()
    assert open(court.value.path(), "rb").read(5) == b"%PDF-"

    # The team manager makes a subject access export for the mother (UK GDPR art. 15).
    tm = sign_in("tm_a")
    tm.goto(f"{site}/children/{child.pk}/people/")
    tm.get_by_role("link", name="Subject access export for Dana").click()
    expect(tm.locator("h1")).to_contain_text("Everything held about Dana")
    assert axe_violations(tm) == []
    with tm.expect_download() as export:
        tm.get_by_role("button", name="Make the export").click()
    import zipfile

    names = zipfile.ZipFile(export.value.path()).namelist()
    assert "subject-access.html" in names and "subject-access.json" in names
    assert AuditEvent.objects.filter(actor=world.tm_a, action="export",
                                     object_type="people.Person").exists()


def test_corrections_and_a_session_that_ends_mid_note(world, sign_in, site):
    child = world.own
    yesterday = dt.date.today() - dt.timedelta(days=1)
    sw = sign_in("sw_a")
    for title in ("Phone call with mother", "Note on the wrong child"):
        sw.goto(f"{site}/children/{child.pk}/notes/new/")
        _write_note(sw, kind="Phone call", title=title, text="Spoke to mother about school.",
                    day=yesterday)
        sw.get_by_role("button", name="Save note").click()
        expect(sw.locator(".govuk-notification-banner--success")).to_be_visible()

    # Corrected with a reason: the amendment is shown.
    sw.goto(f"{site}/children/{child.pk}/notes/")
    sw.get_by_role("link", name="Phone call with mother").click()
    sw.get_by_role("link", name="Correct this note").click()
    sw.get_by_label("Note", exact=True).fill("Spoke to mother about school attendance.")
    sw.get_by_label("Why are you correcting this note?").fill("Added what the call was about")
    sw.get_by_role("button", name="Save correction").click()
    expect(sw.locator("#amendments")).to_contain_text("Added what the call was about")
    expect(sw.locator("#note-text")).to_contain_text("school attendance")
    assert axe_violations(sw) == []

    # Search the notes: the corrected words are found.
    sw.get_by_role("link", name="Search notes").click()
    sw.get_by_label("Words in the note").fill("attendance")
    sw.get_by_role("button", name="Search").click()
    expect(sw.locator("#search-total")).to_contain_text("1 note found")
    assert axe_violations(sw) == []

    # Marked recorded in error: gone from the everyday view, nothing deleted.
    sw.goto(f"{site}/children/{child.pk}/notes/")
    sw.get_by_role("link", name="Note on the wrong child").click()
    sw.get_by_role("link", name="Mark recorded in error").click()
    sw.get_by_label("Reason").fill("Written on this child's record by mistake")
    sw.get_by_role("button", name="Mark recorded in error").click()
    expect(sw.locator(".govuk-notification-banner--success")).to_contain_text("recorded in error")
    expect(sw.get_by_role("link", name="Note on the wrong child")).to_have_count(0)
    assert CaseNote.objects.get(title="Note on the wrong child").recorded_in_error

    # The session ends mid-note: the draft is there after signing in again.
    sw.goto(f"{site}/children/{child.pk}/notes/new/")
    sw.get_by_label("Title", exact=True).fill("Visit to school")
    sw.get_by_label("Note", exact=True).fill("Met the class teacher; attendance has improved.")
    expect(sw.locator("#draft-status")).to_contain_text("Draft saved at")
    sw.context.clear_cookies(name="sessionid")  # the session has timed out
    sw.get_by_label("Note", exact=True).press_sequentially(" More")
    expect(sw.locator("#draft-status")).to_contain_text("Your session has ended")
    sw.reload()
    expect(sw).to_have_url(f"{site}/sign-in/?next=/children/{child.pk}/notes/new/")
    sw.get_by_label("Username").fill("sw_a")
    sw.get_by_label("Password").fill("correct horse battery")
    sw.get_by_role("button", name="Sign in").click()
    expect(sw.locator("#draft-restored")).to_be_visible()
    expect(sw.get_by_label("Note", exact=True)).to_have_value(
        "Met the class teacher; attendance has improved.")
    assert axe_violations(sw) == []
