"""The generator fills each child's case record: family, household, address history, the
professional network, case notes and documents (issue 16, "Done when": the demo council shows
full records), deterministically and with synthetic contact details only."""

from __future__ import annotations

import datetime as dt
import hashlib
import stat
from collections import Counter
from pathlib import Path

import pytest
from django.apps import apps
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from safeguard.casework.models import CaseNote, CaseNoteChild, Document
from safeguard.demo.casework import TABLES, pdf_bytes
from safeguard.demo.generate import generate_council
from safeguard.demo.parameters import CouncilShape
from safeguard.people.models import (
    Address,
    Child,
    Household,
    HouseholdMember,
    Organisation,
    Person,
    Professional,
    Relationship,
    Visit,
)
from safeguard.workforce.models import Allocation

AS_AT = dt.date(2026, 6, 30)
SHAPE = CouncilShape(children=3_000, la_code="E06000097", la_number=897, name="Tiny")


@pytest.fixture(scope="module")
def council(django_db_setup, django_db_blocker, tmp_path_factory):
    """A small council generated once for the tests below, rolled back afterwards; its documents
    stored in a folder of its own."""
    docs = tmp_path_factory.mktemp("documents")
    with django_db_blocker.unblock(), override_settings(DOCUMENTS_DIR=docs):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            report = generate_council(SHAPE, seed=11, as_at=AS_AT, years=1, jobs=1)
            yield report, docs
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.mark.django_db
def test_children_have_notes_people_professionals_households_and_documents(council):
    """Issue 16: the generator fills the demo council with notes, people, households,
    professionals and documents, so a child's page shows a full record."""
    report, _ = council
    children = Child.objects.count()
    assert children > 200
    for model in (CaseNote, CaseNoteChild, Person, Professional, Household, HouseholdMember, Address,
                  Document, Organisation):
        assert model.objects.exists(), model
    assert report.counts["casework.CaseNote"] == CaseNote.objects.count()
    # Every child (born or not) has a mother on the record, a person shared with the siblings.
    mothers = Relationship.objects.filter(kind="mother", person__isnull=False)
    assert mothers.values("child").distinct().count() == children
    sibling = Relationship.objects.filter(kind="sibling").first()
    assert sibling is not None
    assert (mothers.get(child_id=sibling.child_id).person_id
            == mothers.get(child_id=sibling.relative_id).person_id)
    # One note about a sibling group, shown in each child's record.
    per_note = Counter(CaseNoteChild.objects.values_list("note_id", flat=True))
    assert max(per_note.values()) >= 2
    # A child on a plan or in care at the as-at date has a full record (20-80 notes).
    open_cp = set(Child.objects.filter(referrals__cp_plans__start_date__lte=AS_AT,
                                       referrals__cp_plans__end_date__isnull=True)
                  .values_list("pk", flat=True))
    notes = Counter(CaseNoteChild.objects.filter(child__in=open_cp).values_list("child_id", flat=True))
    assert open_cp and sorted(notes[c] for c in open_cp)[len(open_cp) // 2] >= 20
    assert max(notes.values()) <= 80
    # Children on a plan or in care have a significant event in their notes.
    assert CaseNote.objects.filter(significant=True, children__child__in=open_cp).exists()
    # A school for those of school age, a health visitor for the under-fives.
    assert Professional.objects.filter(organisation__kind="school").exists()
    assert Professional.objects.filter(role="Health visitor").exists()
    # The child's address history ends at the home postcode the returns carry.
    current = Address.objects.filter(child__isnull=False, to_date__isnull=True).exclude(
        line_1__startswith="Placement").select_related("child")[:200]
    assert current and all(a.postcode == a.child.home_postcode for a in current)


@pytest.mark.django_db
def test_visit_notes_link_the_same_childs_visits(council):
    """Issue 16: a statutory visit is one act; the note of a visit links the child's own Visit,
    on its date, with what the visit recorded (seen, seen alone)."""
    links = CaseNoteChild.objects.filter(visit__isnull=False).select_related("visit", "note")
    assert links.exists()
    for link in links:
        assert link.visit.child_id == link.child_id
        assert link.note.occurred_on == link.visit.visit_date
        assert link.seen == link.visit.seen and link.seen_alone == link.visit.seen_alone
        assert link.note.kind in ("home_visit", "office_visit")
    assert Visit.objects.filter(case_note__isnull=False).count() == links.count()


@pytest.mark.django_db
def test_notes_are_recorded_by_the_allocated_worker_after_the_event(council):
    """Issue 16 / DOMAIN.md: the date of the event and the date of recording both matter in court;
    notes are written the same day or soon after, by the child's worker, never in the future."""
    now = timezone.now()
    latest = dt.datetime.combine(AS_AT, dt.time(23, 59), dt.UTC) + dt.timedelta(hours=1)
    assert not CaseNote.objects.filter(occurred_on__gt=AS_AT).exists()
    assert not CaseNote.objects.filter(created_at__gt=min(now, latest)).exists()
    assert not CaseNote.objects.filter(recorded_by__isnull=True).exists()
    for note in CaseNote.objects.all()[:2000]:
        assert note.created_at.date() >= note.occurred_on - dt.timedelta(days=1)  # UTC vs London
    assert not Document.objects.filter(created_at__gt=min(now, latest)).exists()
    workers = {(a.child_id, a.worker_id) for a in Allocation.objects.filter(kind="social_worker")}
    visits = CaseNoteChild.objects.filter(visit__isnull=False).values_list("child_id", "note__recorded_by_id")
    assert visits and all(pair in workers for pair in visits)


@pytest.mark.django_db
def test_contact_details_are_synthetic(council):
    """Issue 16 / common brief: synthetic data only: e-mails at example.org or example.com,
    phones in Ofcom's drama ranges (07700 900xxx, 020 7946 0xxx)."""
    for model in (Person, Professional, Organisation):
        for email in model.objects.exclude(email="").values_list("email", flat=True):
            assert email.endswith(("@example.org", "@example.com", ".example.org", ".example.com")), email
        for phone in model.objects.exclude(phone="").values_list("phone", flat=True):
            assert phone.startswith(("07700 900", "020 7946 0")), phone
    assert Person.objects.exclude(email="").exists()


@pytest.mark.django_db
def test_documents_are_stored_as_the_documents_service_stores_them(council):
    """Issue 16 item 3: the bytes live under DOCUMENTS_DIR/<sha[:2]>/<sha>, mode 0o640, and are a
    PDF whose size and SHA-256 the record carries."""
    _, docs = council
    for doc in Document.objects.all()[:500]:
        path = Path(docs) / doc.sha256[:2] / doc.sha256
        data = path.read_bytes()
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
        assert hashlib.sha256(data).hexdigest() == doc.sha256 and len(data) == doc.size
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
        assert doc.content_type == "application/pdf" and doc.scanned == "not_scanned"


def test_the_synthetic_pdf_is_well_formed():
    """Issue 16 item 3: the document service reads the type from the content; the demo's PDF
    starts with the PDF signature and its cross-reference table points at its objects."""
    data = pdf_bytes("Care plan")
    assert data.startswith(b"%PDF-1.4")
    start = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert data[start:start + 4] == b"xref"
    offsets = [int(line[:10]) for line in data[start:].split(b"\n")[3:8]]
    assert all(data[o:].startswith(b"%d 0 obj" % (i + 1)) for i, o in enumerate(offsets))


def _dump() -> dict[str, list]:
    out = {}
    for label in TABLES:
        model = apps.get_model(label)
        names = [f.attname for f in model._meta.concrete_fields
                 if f.attname not in ("created_at", "updated_at")]
        out[label] = sorted(model.objects.values_list(*names), key=repr)
    out["notes recorded"] = sorted(CaseNote.objects.values_list("pk", "created_at"))
    return out


@pytest.mark.django_db
def test_the_case_record_is_the_same_for_a_seed_whatever_the_processes(tmp_path):
    """Issue 3 and 16: the same seed and as-at date give the same case records (one process, then two)."""
    shape = CouncilShape(children=1_200, la_code="E06000096", la_number=896, name="Tiny")
    dumps = []
    with override_settings(DOCUMENTS_DIR=tmp_path):
        for jobs in (1, 2):
            with transaction.atomic():
                generate_council(shape, seed=4, as_at=AS_AT, years=1, jobs=jobs)
                dumps.append(_dump())
                transaction.set_rollback(True)
    assert sum(len(v) for v in dumps[0].values()) > 1_000
    assert dumps[0] == dumps[1]
