"""Documents on a child's record (issue 16, item 3): typed by content, size-limited, scanned,
stored once under their SHA-256, every download audited, a changed file refused."""

from __future__ import annotations

import datetime as dt
import io
import stat
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.audit.models import AuditEvent
from safeguard.casework import documents
from safeguard.casework.documents import (
    DOC,
    DOCX,
    PDF,
    PNG,
    TEXT,
    DocumentUnavailable,
    document_mark_in_error,
    document_open,
    document_upload,
    documents_of,
    scan,
    sniff,
)
from safeguard.casework.models import CaseNote, CaseNoteChild, Document
from safeguard.core.errors import RecordInvalid

# --- synthetic files ------------------------------------------------------------------------------

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE_BYTES = b"MZ\x90\x00\x03" + b"\x00" * 59 + b"This program cannot be run in DOS mode.\r\n" + b"\x00" * 64
HTML_BYTES = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG_BYTES = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
# The EICAR anti-virus test string (harmless by design), built in pieces so this source file is not
# itself flagged; only the fake scanner below ever looks for it.
EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")


def png_bytes() -> bytes:
    """A 1x1 white PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def zip_bytes(parts: dict[str, bytes], *, stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, (name, data) in enumerate(parts.items()):
            method = zipfile.ZIP_STORED if stored_first and i == 0 else zipfile.ZIP_DEFLATED
            zf.writestr(name, data, compress_type=method)
    return buffer.getvalue()


def docx_bytes(extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal Word document: content types, package relationships and the main part."""
    return zip_bytes({
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                               b'package/2006/content-types"/>',
        "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
        "word/document.xml": b'<?xml version="1.0"?><w:document/>',
        **(extra or {}),
    })


def odt_bytes() -> bytes:
    return zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text",
                      "content.xml": b"<office:document-content/>"}, stored_first=True)


def ole_bytes(stream: str) -> bytes:
    """A minimal compound file (legacy Office container): header, one FAT sector, one directory
    sector holding the root entry and one stream named `stream`."""
    free = 0xFFFFFFFF
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 0x2C, 1)  # one FAT sector
    struct.pack_into("<I", header, 0x30, 1)  # the directory starts at sector 1
    struct.pack_into("<109I", header, 0x4C, 0, *([free] * 108))
    fat = struct.pack("<128I", 0xFFFFFFFD, 0xFFFFFFFE, *([free] * 126))

    def entry(name: str, kind: int) -> bytes:
        raw = (name + "\x00").encode("utf-16-le")
        out = bytearray(128)
        out[: len(raw)] = raw
        struct.pack_into("<H", out, 0x40, len(raw))
        out[0x42] = kind
        return bytes(out)

    directory = entry("Root Entry", 5) + entry(stream, 2) + bytes(256)
    return bytes(header) + fat + directory


class Trickle:
    """An upload whose size is not known beforehand, counting the chunks anyone reads."""

    def __init__(self, name: str, chunk: bytes, count: int) -> None:
        self.name, self.size, self._chunk, self._count, self.read = name, None, chunk, count, 0

    def chunks(self, chunk_size=None):
        for _ in range(self._count):
            self.read += 1
            yield self._chunk


def fake_scanner(path: Path) -> str:
    """A council's own scanner, as settings.DOCUMENT_SCANNER names it: finds the EICAR string."""
    return "Eicar-Test-Signature" if EICAR in path.read_bytes() else "clean"


def broken_scanner(path: Path) -> str:
    raise ConnectionError("scanner service unreachable")


# --- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def docs_dir(settings, tmp_path, monkeypatch) -> Path:
    """Documents go to this test's own folder; no real virus scanner is consulted."""
    settings.DOCUMENTS_DIR = tmp_path / "documents"
    settings.DOCUMENT_SCANNER = None
    monkeypatch.setattr(documents.shutil, "which", lambda name: None)
    return settings.DOCUMENTS_DIR


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.parent.name != "tmp"]


def temp_files(root: Path) -> list[Path]:
    tmp = root / "tmp"
    return list(tmp.iterdir()) if tmp.exists() else []


def upload(by, child, name: str, content: bytes, **kw) -> Document:
    return document_upload(by=by, child_id=child.pk, uploaded=SimpleUploadedFile(name, content),
                           title=kw.pop("title", ""), **kw)


# --- accepted by content ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name, content, expected", [
    ("letter.pdf", PDF_BYTES, PDF),
    ("photo.png", png_bytes(), PNG),
    ("report.docx", docx_bytes(), DOCX),
    ("report-with-no-extension", docx_bytes(), DOCX),
])
def test_pdf_png_and_docx_are_stored_under_their_hash(worker, child, docs_dir, name, content,
                                                      expected):
    """Issue 16 item 3: PDFs, images and office files are uploaded to the child's record, typed from
    their content and stored outside the web root under their SHA-256 (NCSC guidance: check file
    type by content; UK GDPR art. 32: file mode 0o640)."""
    document = upload(worker, child, name, content)
    document.refresh_from_db()
    assert (document.content_type, document.child_id, document.size) == (expected[0], child.pk,
                                                                         len(content))
    assert document.title == name and document.original_name == name
    assert document.recorded_by_id == worker.pk and document.scanned == "not_scanned"
    path = docs_dir / document.sha256[:2] / document.sha256
    assert path.read_bytes() == content
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert temp_files(docs_dir) == []
    audit = AuditEvent.objects.get(object_type="casework.Document", object_id=str(document.pk))
    assert audit.action == "create" and audit.child_id == child.pk
    assert audit.detail["event"] == "document_upload"
    assert audit.detail["changes"]["sha256"] == [None, document.sha256]


@pytest.mark.parametrize("name, content, expected", [
    ("old.doc", ole_bytes("WordDocument"), DOC),
    ("sheet.xls", ole_bytes("Workbook"), documents.XLS),
    ("notes.odt", odt_bytes(), ("application/vnd.oasis.opendocument.text", "odt")),
    ("scan.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", documents.JPEG),
    ("anim.gif", b"GIF89a\x01\x00\x01\x00", documents.GIF),
    ("letter.rtf", b"{\\rtf1\\ansi Hello}", documents.RTF),
    ("note.txt", "Visit arranged for Tuesday – café.\n".encode(), TEXT),
])
def test_sniff_knows_office_image_and_text_files_by_content(tmp_path, name, content, expected):
    """NCSC guidance: check file type by content: legacy Office by its compound file's main stream,
    OpenDocument by its first entry "mimetype", images by their signature, text as valid UTF-8."""
    path = tmp_path / name
    path.write_bytes(content)
    assert sniff(content[:8192], name, path=path) == expected
    assert sniff(content, name) == expected  # a head holding the whole file needs no path


@pytest.mark.parametrize("name, content", [
    ("installer.doc", ole_bytes("SummaryInformation")),  # a compound file that is not Office (.msi)
    ("archive.zip", zip_bytes({"a.txt": b"hello"})),
    ("macros.docx", docx_bytes({"word/vbaProject.bin": b"\x00" * 16})),
    ("page.txt", HTML_BYTES),
    ("nul.txt", b"hello\x00world"),
    ("latin1.txt", "café".encode("latin-1")),
    ("readme.pdf", b"just some words"),  # text, but not named .txt
])
def test_sniff_refuses_what_is_not_a_case_document(name, content):
    """NCSC guidance: check file type by content and allow only what is needed: installers,
    archives, macro-enabled documents, markup and binary posing as text are refused."""
    assert sniff(content, name) is None


# --- refused -------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name, content", [
    ("court-order.pdf", EXE_BYTES),
    ("letter.pdf", HTML_BYTES),
    ("drawing.svg", SVG_BYTES),
    ("bundle.zip", zip_bytes({"a.pdf": PDF_BYTES})),
])
def test_an_executable_or_html_renamed_pdf_is_refused_and_nothing_is_kept(worker, child, docs_dir,
                                                                          name, content):
    """NCSC guidance: check file type by content, not by name: an .exe or an HTML page renamed .pdf
    is refused, naming the file; no row is stored and nothing is left in the temporary folder."""
    with pytest.raises(RecordInvalid) as refused:
        upload(worker, child, name, content)
    violation = refused.value.violations[0]
    assert violation.field == "file" and name in violation.message
    assert "checked" in violation.message
    assert not Document.objects.exists()
    assert stored_files(docs_dir) == [] and temp_files(docs_dir) == []


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused_without_reading_the_rest(worker, child, docs_dir,
                                                                       settings):
    """Issue 16 item 3 (size limit); UK GDPR art. 32: an upload larger than DOCUMENT_MAX_BYTES is
    refused as soon as the limit is passed, naming the file and the limit in MB."""
    settings.DOCUMENT_MAX_BYTES = 1000
    big = Trickle("scan.pdf", b"%PDF-" + b"x" * 595, count=50)
    with pytest.raises(RecordInvalid) as refused:
        document_upload(by=worker, child_id=child.pk, uploaded=big, title="")
    message = refused.value.violations[0].message
    assert refused.value.violations[0].field == "file"
    assert "'scan.pdf'" in message and "MB" in message and "1,000 bytes" in message
    assert big.read == 2  # stopped at the chunk that passed the limit
    assert not Document.objects.exists() and temp_files(docs_dir) == []

    known = SimpleUploadedFile("huge.pdf", b"%PDF-" + b"x" * 2000)
    with pytest.raises(RecordInvalid, match="huge.pdf"):
        document_upload(by=worker, child_id=child.pk, uploaded=known, title="")
    assert stored_files(docs_dir) == []


@pytest.mark.django_db
def test_an_empty_file_is_refused(worker, child, docs_dir):
    """Issue 16 item 3: an empty upload is no document."""
    with pytest.raises(RecordInvalid, match="empty"):
        upload(worker, child, "blank.pdf", b"")
    assert temp_files(docs_dir) == []


# --- stored once ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_content_is_stored_once(worker, child, make_child, docs_dir):
    """Issue 16 item 3: the file is kept under its content hash, so the same letter on two
    siblings' records is two documents and one stored file."""
    sibling = make_child(first_name="Billie")
    first = upload(worker, child, "letter.pdf", PDF_BYTES, title="School letter")
    second = upload(worker, sibling, "copy of letter.pdf", PDF_BYTES)
    assert first.pk != second.pk and first.sha256 == second.sha256
    assert len(stored_files(docs_dir)) == 1 and temp_files(docs_dir) == []
    assert first.title == "School letter" and second.title == "copy of letter.pdf"


# --- attachments -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_document_attaches_only_to_this_childs_note_assessment_or_plan(worker, child, make_child,
                                                                          docs_dir):
    """Working Together 2023: each child has their own record; Issue 16 item 3: a document is
    attached to a child, a note, an assessment or a plan, and only to this child's."""
    from safeguard.assessment.models import Assessment
    from safeguard.front_door.models import Referral

    other = make_child(first_name="Other")
    note = CaseNote.objects.create(kind="home_visit", occurred_on=dt.date(2025, 1, 6), title="Visit",
                                   text="Seen at home.")
    CaseNoteChild.objects.create(note=note, child=other)
    theirs = Assessment.objects.create(
        referral=Referral.objects.create(child=other, referral_date=dt.date(2025, 1, 2), source="1A"),
        start_date=dt.date(2025, 1, 3))
    with pytest.raises(RecordInvalid) as refused:
        upload(worker, child, "letter.pdf", PDF_BYTES, case_note_id=note.pk, assessment_id=theirs.pk)
    assert {v.field for v in refused.value.violations} == {"case_note", "assessment"}
    assert all("'letter.pdf'" in v.message for v in refused.value.violations)
    assert not Document.objects.exists() and stored_files(docs_dir) == []

    CaseNoteChild.objects.create(note=note, child=child)  # the note is about both siblings
    mine = Assessment.objects.create(
        referral=Referral.objects.create(child=child, referral_date=dt.date(2025, 1, 2), source="1A"),
        start_date=dt.date(2025, 1, 3))
    document = upload(worker, child, "letter.pdf", PDF_BYTES, case_note_id=note.pk,
                      assessment_id=mine.pk)
    assert (document.case_note_id, document.assessment_id) == (note.pk, mine.pk)


# --- scanning ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_councils_scanner_refuses_an_infected_file(worker, child, docs_dir, settings):
    """UK GDPR art. 32 security of processing: a file the council's scanner (DOCUMENT_SCANNER)
    finds infected is refused and nothing is kept; a clean one is recorded as scanned."""
    settings.DOCUMENT_SCANNER = "safeguard.casework.tests.test_documents.fake_scanner"
    with pytest.raises(RecordInvalid) as refused:
        upload(worker, child, "note.txt", b"Visit notes\n" + EICAR + b"\n")
    violation = refused.value.violations[0]
    assert violation.field == "file" and "'note.txt'" in violation.message
    assert "Eicar-Test-Signature" in violation.message
    assert not Document.objects.exists()
    assert stored_files(docs_dir) == [] and temp_files(docs_dir) == []

    assert upload(worker, child, "letter.pdf", PDF_BYTES).scanned == "clean"


@pytest.mark.django_db
def test_a_scanner_that_fails_refuses_safely(worker, child, docs_dir, settings):
    """UK GDPR art. 32: a file that could not be checked for viruses is not stored."""
    settings.DOCUMENT_SCANNER = "safeguard.casework.tests.test_documents.broken_scanner"
    with pytest.raises(RecordInvalid, match="could not be checked for viruses"):
        upload(worker, child, "letter.pdf", PDF_BYTES)
    assert not Document.objects.exists() and stored_files(docs_dir) == []


@pytest.mark.parametrize("code, verdict", [(0, "clean"), (1, "holds a virus"), (2, "reported an error")])
def test_clamav_exit_codes(tmp_path, monkeypatch, code, verdict):
    """UK GDPR art. 32; ClamAV's documented exit codes: 0 clean, 1 virus found, 2 an error (refused
    safely). A stand-in clamscan answers as ClamAV would."""
    fake = tmp_path / "clamscan"
    fake.write_text(f'#!/bin/sh\necho "$4: Eicar-Test-Signature FOUND"\nexit {code}\n')
    fake.chmod(0o755)
    monkeypatch.setattr(documents.shutil, "which",
                        lambda name: str(fake) if name == "clamscan" else None)
    target = tmp_path / "file.pdf"
    target.write_bytes(PDF_BYTES)
    if code == 0:
        assert scan(target) == "clean"
        return
    with pytest.raises(documents.DocumentRefused, match=verdict) as refused:
        scan(target)
    if code == 1:
        assert "Eicar-Test-Signature" in str(refused.value)


def test_without_clamav_the_file_is_recorded_as_not_scanned(tmp_path):
    """Issue 16 item 3: ClamAV is used when present; without it the document says it was not scanned."""
    target = tmp_path / "file.pdf"
    target.write_bytes(PDF_BYTES)
    assert scan(target) == "not_scanned"


# --- downloads -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_download_is_audited_as_an_export(worker, child, docs_dir):
    """UK GDPR art. 5(1)(f) and Issue 16 item 3: every download is audited, in the read-row shape,
    against the document and the child."""
    document = upload(worker, child, "letter.pdf", PDF_BYTES)
    opened, path = document_open(by=worker, document_id=document.pk)
    assert opened.pk == document.pk and path.read_bytes() == PDF_BYTES
    document_open(by=worker, document_id=document.pk, purpose="court bundle")
    rows = AuditEvent.objects.filter(action="export", object_type="casework.Document").order_by("pk")
    assert [r.detail for r in rows] == [{"what": "document", "purpose": "download"},
                                        {"what": "document", "purpose": "court bundle"}]
    assert {(r.actor_id, r.child_id, r.object_id) for r in rows} == {(worker.pk, child.pk,
                                                                      str(document.pk))}


@pytest.mark.django_db
def test_a_changed_file_is_refused_and_reported(worker, child, docs_dir):
    """UK GDPR art. 32 (integrity): a stored file that no longer matches its SHA-256 is not handed
    out, and the refusal is audited."""
    document = upload(worker, child, "letter.pdf", PDF_BYTES)
    path = docs_dir / document.sha256[:2] / document.sha256
    path.chmod(0o600)
    path.write_bytes(PDF_BYTES.replace(b"Catalog", b"Catalig"))
    with pytest.raises(DocumentUnavailable):
        document_open(by=worker, document_id=document.pk)
    row = AuditEvent.objects.get(action="export", object_type="casework.Document")
    assert row.detail["refused"] is True and "SHA-256" in row.reason

    path.unlink()  # missing altogether: refused the same way
    with pytest.raises(DocumentUnavailable):
        document_open(by=worker, document_id=document.pk)


@pytest.mark.django_db
def test_a_download_asks_the_access_policy_again(worker, child, la, docs_dir):
    """UK GDPR art. 5(1)(f); Issue 16: a download is an export, so access is checked again here:
    someone who may not open the child gets nothing, and the refusal is audited."""
    from safeguard.workforce.models import User

    lado = User.objects.create_user(username="lado1", password="x", role=User.Role.LADO,
                                    local_authority=la)
    document = upload(worker, child, "letter.pdf", PDF_BYTES)
    with pytest.raises(PermissionDenied):
        document_open(by=lado, document_id=document.pk)
    row = AuditEvent.objects.get(action="export", actor=lado)
    assert row.detail == {"what": "document", "purpose": "download", "refused": True}


# --- recorded in error ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_recorded_in_error_hides_the_document_but_keeps_the_file(worker, manager, child, docs_dir):
    """Issue 16 item 5: corrections, never deletions: the author (or a team manager) marks a
    document recorded in error with a reason; it leaves the everyday view, managers still open it,
    and the file is kept."""
    document = upload(worker, child, "wrong child.pdf", PDF_BYTES)
    with pytest.raises(RecordInvalid) as refused:
        document_mark_in_error(by=worker, document_id=document.pk, expected_version=1, reason="oops")
    assert {v.field for v in refused.value.violations} == {"error_reason"}

    marked = document_mark_in_error(by=worker, document_id=document.pk, expected_version=1,
                                    reason="Uploaded to the wrong child's record")
    marked.refresh_from_db()
    assert marked.recorded_in_error and marked.error_marked_by_id == worker.pk
    assert marked.recorded_by_id == worker.pk and marked.version == 2
    audit = AuditEvent.objects.get(detail__event="document_mark_in_error")
    assert audit.detail["changes"]["recorded_in_error"] == [False, True]

    assert documents_of(worker, child) == []
    assert documents_of(manager, child) == []
    assert documents_of(worker, child, include_in_error=True) == []
    assert [d.pk for d in documents_of(manager, child, include_in_error=True)] == [document.pk]
    with pytest.raises(PermissionDenied):
        document_open(by=worker, document_id=document.pk)
    _, path = document_open(by=manager, document_id=document.pk)
    assert path.read_bytes() == PDF_BYTES


@pytest.mark.django_db
def test_only_the_author_or_a_manager_marks_a_document_in_error(worker, manager, child, team, la,
                                                                docs_dir):
    """Issue 16 item 5: the author or a manager corrects an item; another worker may not."""
    from safeguard.workforce.models import User

    colleague = User.objects.create_user(username="sw2", password="x", role=User.Role.SOCIAL_WORKER,
                                         team=team, local_authority=la)
    document = upload(worker, child, "letter.pdf", PDF_BYTES)
    with pytest.raises(RecordInvalid) as refused:
        document_mark_in_error(by=colleague, document_id=document.pk, expected_version=1,
                               reason="Belongs to another family")
    assert refused.value.violations[0].field == "recorded_in_error"
    marked = document_mark_in_error(by=manager, document_id=document.pk, expected_version=1,
                                    reason="Belongs to another family")
    assert marked.error_marked_by_id == manager.pk and marked.recorded_by_id == worker.pk
    with pytest.raises(RecordInvalid, match="already"):
        document_mark_in_error(by=manager, document_id=document.pk, expected_version=2,
                               reason="Belongs to another family")


# --- the list ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_documents_of_is_newest_first_in_a_fixed_number_of_queries(worker, child, docs_dir):
    """Issue 16 (speed): the child's page reads the documents in a fixed number of queries,
    whatever their number; newest first."""
    first = upload(worker, child, "one.pdf", PDF_BYTES)
    documents_of(worker, child)  # the access decision is remembered for the request
    with CaptureQueriesContext(connection) as one:
        assert [d.pk for d in documents_of(worker, child)] == [first.pk]
    for i in range(5):
        upload(worker, child, f"more-{i}.pdf", PDF_BYTES + str(i).encode())
    with CaptureQueriesContext(connection) as six:
        listed = documents_of(worker, child)
        assert [d.recorded_by.username for d in listed] == ["sw1"] * 6
    assert len(six) == len(one)
    assert listed[0].title == "more-4.pdf" and listed[-1].pk == first.pk
