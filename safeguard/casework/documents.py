"""Documents on a child's record: letters, other agencies' reports, court papers, photographs,
consent forms (issue 16, item 3).

Why it is built this way:
- The type is read from the content (magic bytes, a zip's parts, a compound file's streams), never
  from the name or the browser's claim (NCSC guidance: check file type by content), and only types
  a practitioner needs are accepted: no executables, HTML or SVG (script), archives or macros.
- Every file is scanned before it is stored: ClamAV when installed, or the council's own scanner
  named in `settings.DOCUMENT_SCANNER` (UK GDPR art. 32 security of processing).
- The bytes live outside the web root (`settings.DOCUMENTS_DIR`) under their SHA-256, so the same
  content is stored once and a changed file is noticed when it is next opened; nothing serves the
  folder, every download passes the access policy and is audited as an export.
- The record is written through `record.change.Change` like every other change to a child's record;
  a refusal stores no row and leaves no file behind.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import logging
import os
import re
import shutil
import struct
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.module_loading import import_string

from safeguard.access import policy
from safeguard.audit.services import audit_record
from safeguard.core.errors import Checks, RecordInvalid, Violation, now
from safeguard.record.change import Change

from .models import CaseNoteChild, Document

logger = logging.getLogger(__name__)

#: How much of the start of a file `sniff` is given (every signature below sits in it).
HEAD_BYTES = 8192
#: A zip with more entries than any office file has is refused unread (a zip bomb's central directory).
ZIP_MAX_ENTRIES = 20_000
#: Seconds ClamAV may take before the upload is refused as unscanned (settings.DOCUMENT_SCAN_TIMEOUT).
SCAN_TIMEOUT = 120
#: The least a reason for marking a document recorded in error may say (issue 16, item 5).
REASON_MIN = 10

PDF = ("application/pdf", "pdf")
PNG = ("image/png", "png")
JPEG = ("image/jpeg", "jpg")
GIF = ("image/gif", "gif")
TIFF = ("image/tiff", "tif")
HEIC = ("image/heic", "heic")
RTF = ("application/rtf", "rtf")
TEXT = ("text/plain", "txt")
DOCX = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
XLSX = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
PPTX = ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx")
DOC = ("application/msword", "doc")
XLS = ("application/vnd.ms-excel", "xls")
PPT = ("application/vnd.ms-powerpoint", "ppt")
_ODF = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
#: Text that a browser could take for markup is not plain text, whatever it is named.
_MARKUP = re.compile(rb"^\s*<(?:!doctype|html|head|body|script|svg|\?xml|iframe|object)", re.I)


class DocumentRefused(Exception):
    """A file that may not be stored (its type, a virus, a failed scan). The message completes a
    sentence that starts with the file's name."""


class DocumentUnavailable(Exception):
    """A stored file that cannot be handed out: missing, or no longer matching its SHA-256."""


# --- what a file is ------------------------------------------------------------------------------


def sniff(head: bytes, name: str, *, path: Path | None = None) -> tuple[str, str] | None:
    """(content type, canonical extension) read from the content, or None to refuse it. NCSC
    guidance: check file type by content; the name is consulted only to accept plain text as the
    .txt it says it is. `head` is the file's first bytes; for zips (Office Open XML, OpenDocument),
    compound files (legacy Office) and text the whole file is read from `path` (or from `head` if it
    holds the whole file)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if head[4:12] in (b"ftypheic", b"ftypheix"):
        return HEIC
    if head.startswith(b"{\\rtf"):
        return RTF
    if head.startswith(_ZIP_MAGIC):
        with _whole(head, path) as f:
            return _zip_kind(f, head)
    if head.startswith(_OLE_MAGIC):
        with _whole(head, path) as f:
            return _ole_kind(f)
    if name.lower().endswith(".txt") and not _MARKUP.match(head):
        with _whole(head, path) as f:
            return TEXT if _is_utf8_text(f) else None
    return None


def _whole(head: bytes, path: Path | None) -> BinaryIO:
    return open(path, "rb") if path is not None else io.BytesIO(head)


def _zip_kind(f: BinaryIO, head: bytes) -> tuple[str, str] | None:
    """An office file's parts, read from the zip's central directory (nothing is decompressed but
    OpenDocument's few-byte "mimetype"); any other zip is refused."""
    try:
        with zipfile.ZipFile(f) as zf:
            entries = zf.infolist()
            if not entries or len(entries) > ZIP_MAX_ENTRIES:
                return None
            names = {e.filename for e in entries}
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                return None  # macros: a common way in for malware, never needed in a case record
            if "[Content_Types].xml" in names:
                for main, kind in (("word/document.xml", DOCX), ("xl/workbook.xml", XLSX),
                                   ("ppt/presentation.xml", PPTX)):
                    if main in names:
                        return kind
                return None
            first = entries[0]
            if first.filename == "mimetype" and head[30:38] == b"mimetype" and first.file_size <= 100:
                mimetype = zf.read(first).decode("ascii", "replace").strip()
                ext = _ODF.get(mimetype)
                return (mimetype, ext) if ext else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, NotImplementedError,
            RuntimeError, EOFError):
        return None
    return None


def _ole_kind(f: BinaryIO) -> tuple[str, str] | None:
    """Legacy Office (a compound file) by its main stream; other compound files (installers,
    Outlook items) are refused."""
    try:
        streams = _ole_streams(f)
    except (struct.error, OSError, ValueError):
        return None
    if "WordDocument" in streams:
        return DOC
    if "Workbook" in streams or "Book" in streams:
        return XLS
    if "PowerPoint Document" in streams:
        return PPT
    return None


def _ole_streams(f: BinaryIO) -> set[str]:
    """The names in a compound file's directory, following its chain of sectors through the FAT
    held in the header's 109 slots (bounded: a loop or a huge chain stops the walk)."""
    f.seek(0)
    header = f.read(512)
    if len(header) < 512 or not header.startswith(_OLE_MAGIC):
        return set()
    shift = struct.unpack_from("<H", header, 0x1E)[0]
    if shift not in (9, 12):
        return set()
    size = 1 << shift

    def sector(n: int) -> bytes:
        f.seek((n + 1) << shift)
        return f.read(size)

    fat: list[int] = []
    for n in struct.unpack_from("<109I", header, 0x4C):
        if n >= 0xFFFFFFFA:
            continue
        data = sector(n)
        fat.extend(struct.unpack(f"<{len(data) // 4}I", data[: len(data) // 4 * 4]))
    names: set[str] = set()
    current, seen = struct.unpack_from("<I", header, 0x30)[0], set()
    while current < 0xFFFFFFFA and current not in seen and len(seen) < 4096:
        seen.add(current)
        data = sector(current)
        for offset in range(0, len(data) - 127, 128):
            entry = data[offset:offset + 128]
            length = struct.unpack_from("<H", entry, 0x40)[0]
            if 2 <= length <= 64 and entry[0x42] in (1, 2):  # a storage or a stream
                names.add(entry[: length - 2].decode("utf-16-le", "replace"))
        current = fat[current] if current < len(fat) else 0xFFFFFFFE
    return names


def _is_utf8_text(f: BinaryIO) -> bool:
    """Valid UTF-8 throughout, with no NUL (which no typed letter holds)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    f.seek(0)
    try:
        while chunk := f.read(65536):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


# --- the virus scan ------------------------------------------------------------------------------


def scan(path: Path) -> str:
    """"clean", or "not_scanned" when no scanner is installed; raises DocumentRefused for a virus
    or a scan that failed (refusing safely: a file that could not be checked is not stored). UK
    GDPR art. 32 security of processing. A council's own scanner is named by dotted path in
    `settings.DOCUMENT_SCANNER`: called with the file's path, it returns "clean" (or
    "not_scanned"); any other answer is why the file is refused, and an exception refuses it too."""
    hook = getattr(settings, "DOCUMENT_SCANNER", None)
    if hook:
        return _scan_with(import_string(hook) if isinstance(hook, str) else hook, Path(path))
    exe = shutil.which("clamdscan") or shutil.which("clamscan")
    if exe is None:
        return "not_scanned"
    return _clamav(exe, Path(path))


def _scan_with(scanner: Callable[[Path], str], path: Path) -> str:
    try:
        verdict = scanner(path)
    except DocumentRefused:
        raise
    except Exception as exc:
        logger.exception("document scanner failed on %s", path.name)
        raise DocumentRefused("could not be checked for viruses (the scanner failed); try again, "
                              "or ask your administrator") from exc
    if verdict in ("clean", "not_scanned"):
        return verdict
    logger.warning("document scanner refused %s: %s", path.name, verdict)
    raise DocumentRefused(f"was refused by the virus scanner ({str(verdict)[:200]})")


def _clamav(exe: str, path: Path) -> str:
    """ClamAV's exit code: 0 clean, 1 a virus found, anything else an error (refused)."""
    args = [exe, "--no-summary", "--stdout"]
    if Path(exe).name == "clamdscan":
        args.append("--fdpass")  # the daemon reads our private temporary file through us
    timeout = getattr(settings, "DOCUMENT_SCAN_TIMEOUT", SCAN_TIMEOUT)
    try:
        run = subprocess.run([*args, str(path)], capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise DocumentRefused(f"could not be checked for viruses in {timeout} seconds; try "
                              "again later") from exc
    except OSError as exc:
        raise DocumentRefused("could not be checked for viruses (the scanner would not run); ask "
                              "your administrator") from exc
    if run.returncode == 0:
        return "clean"
    output = run.stdout.decode("utf-8", "replace")
    if run.returncode == 1:
        found = re.search(r":\s*(.+?)\s+FOUND", output)
        signature = found.group(1) if found else "a virus"
        logger.warning("ClamAV found %s in an upload", signature)
        raise DocumentRefused(f"holds a virus ({signature[:100]}) and was not stored")
    logger.error("ClamAV failed (exit %s): %s", run.returncode, output[-500:])
    raise DocumentRefused("could not be checked for viruses (the scanner reported an error); ask "
                          "your administrator")


# --- storing ------------------------------------------------------------------------------------


def stored_path(sha256: str) -> Path:
    """Where the bytes of this content live: DOCUMENTS_DIR/<first two hex digits>/<SHA-256>."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256 or ""):
        raise DocumentUnavailable("the document's stored key is not a SHA-256")
    return Path(settings.DOCUMENTS_DIR) / sha256[:2] / sha256


@dataclass(frozen=True)
class _Received:
    path: Path
    sha256: str
    size: int


def _mb(n: int) -> str:
    mb = n / (1024 * 1024)
    return f"{mb:.0f} MB" if mb >= 1 else f"{mb:.3g} MB ({n:,} bytes)"


def _receive(uploaded, name: str) -> _Received:
    """Stream the upload into DOCUMENTS_DIR/tmp, hashing and counting as it goes; stop reading at
    the size limit. The temporary file is removed if anything refuses it."""
    limit = settings.DOCUMENT_MAX_BYTES
    too_big = f"is larger than the {_mb(limit)} limit"
    if (getattr(uploaded, "size", None) or 0) > limit:
        raise DocumentRefused(too_big)
    folder = Path(settings.DOCUMENTS_DIR) / "tmp"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="upload-")
    path, digest, size = Path(tmp), hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in uploaded.chunks():
                size += len(chunk)
                if size > limit:
                    raise DocumentRefused(too_big)
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise DocumentRefused("is empty")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return _Received(path, digest.hexdigest(), size)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _store(received: _Received) -> Path | None:
    """Move the bytes to their place (mode 0o640); the same content is kept once. Returns the
    path if this call created it (to take back if the save then fails), else None. A stored copy
    that no longer matches its hash is replaced by the good bytes just received."""
    target = stored_path(received.sha256)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    if target.exists():
        if _sha256_of(target) == received.sha256:
            received.path.unlink(missing_ok=True)
            return None
        logger.error("stored document %s did not match its SHA-256; replaced by a fresh upload",
                     received.sha256)
    os.chmod(received.path, 0o640)
    os.replace(received.path, target)
    return target


def _safe_name(name: str) -> str:
    """The file's own name as the user's computer gave it: no folders, no control characters,
    short enough to store (keeping its extension)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip() or "document"
    if len(base) > 255:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 250 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else base[:255]
    return base


# --- the record ---------------------------------------------------------------------------------


def check_document(history, candidate: Document, checks: Checks, *, file_name: str = "",
                   note_children: frozenset[int] = frozenset()) -> None:
    """A document is attached only to this child's own note, assessment or plan (a note: one the
    child is on, `note_children`; an assessment or plan: one of the child's referrals). Pure: reads
    the history and what the service found. Issue 16: documents attached to a child, a note, an
    assessment or a plan; Working Together 2023 (each child's record is their own)."""
    child_id = history.child.pk
    named = f"'{file_name}': " if file_name else ""
    checks.require(candidate.child_id == child_id, "child", "local",
                   f"{named}the document must belong to the child whose record it is on")
    checks.require(bool((candidate.title or "").strip()), "title", "local",
                   f"{named}give the document a title")
    if candidate.case_note_id is not None:
        checks.require(child_id in note_children, "case_note", "local",
                       f"{named}case note {candidate.case_note_id} is not about this child")
    for field, held, label in (("assessment", history.assessments, "assessment"),
                               ("cin_plan", history.cin_plans, "child in need plan"),
                               ("cp_plan", history.cp_plans, "child protection plan")):
        pk = getattr(candidate, f"{field}_id")
        if pk is not None:
            checks.require(any(x.pk == pk for x in held), field, "local",
                           f"{named}{label} {pk} is not this child's")


def check_document_in_error(history, candidate: Document, checks: Checks, *, author_or_manager: bool,
                            already: bool) -> None:
    """Corrections, never deletions: the author or a team manager marks a document recorded in
    error, with a reason of at least REASON_MIN characters; the file is kept (Issue 16, item 5;
    UK GDPR art. 5(1)(d) accuracy)."""
    checks.require(author_or_manager, "recorded_in_error", "local",
                   "only the person who uploaded the document or a team manager may mark it "
                   "recorded in error")
    checks.require(not already, "recorded_in_error", "local",
                   "the document is already marked recorded in error")
    checks.require(len((candidate.error_reason or "").strip()) >= REASON_MIN, "error_reason", "local",
                   f"say why the document was recorded in error (at least {REASON_MIN} characters)")


def _refusal(field: str, name: str, message: str) -> RecordInvalid:
    return RecordInvalid([Violation(field, "local", f"'{name}' {message}")])


@transaction.atomic
def document_upload(*, by, child_id: int, uploaded, title: str, case_note_id: int | None = None,
                    assessment_id: int | None = None, cin_plan_id: int | None = None,
                    cp_plan_id: int | None = None, sensitive: bool = False) -> Document:
    """Store an uploaded file on the child's record: received within the size limit, typed from
    its content, scanned, then kept once under its SHA-256 (Issue 16, item 3; NCSC guidance: check
    file type by content; UK GDPR art. 32 security of processing). `uploaded` is a Django
    UploadedFile. A refusal raises RecordInvalid naming "file" (or the attachment) and the file's
    name: no row is stored and nothing is left in the temporary folder."""
    name = _safe_name(getattr(uploaded, "name", ""))
    try:
        received = _receive(uploaded, name)
    except DocumentRefused as exc:
        raise _refusal("file", name, str(exc)) from exc
    try:
        # The type and the scan before the child's record is locked: a scan may take a while.
        with open(received.path, "rb") as f:
            head = f.read(HEAD_BYTES)
        kind = sniff(head, name, path=received.path)
        if kind is None:
            raise _refusal("file", name, "is not a type of file that can be stored (PDF, image, "
                                         "Word, Excel, PowerPoint, OpenDocument, RTF or plain text); "
                                         "its content was checked, not its name")
        try:
            scanned = scan(received.path)
        except DocumentRefused as exc:
            raise _refusal("file", name, str(exc)) from exc
        change = Change.of_child(child_id, by=by, event="document_upload")
        note_children = frozenset(
            CaseNoteChild.objects.filter(note_id=case_note_id).values_list("child_id", flat=True)
        ) if case_note_id is not None else frozenset()
        document = Document(
            child_id=child_id, case_note_id=case_note_id, assessment_id=assessment_id,
            cin_plan_id=cin_plan_id, cp_plan_id=cp_plan_id,
            title=(title or "").strip() or name[:200], original_name=name, content_type=kind[0],
            size=received.size, sha256=received.sha256, scanned=scanned, sensitive=sensitive,
        )
        change.new(document, check_document, file_name=name, note_children=note_children)
        if change.violations:
            return change.save(document)  # raises RecordInvalid: nothing stored
        created = _store(received)
        try:
            return change.save(document)
        except BaseException:
            if created is not None:
                created.unlink(missing_ok=True)
            raise
    finally:
        received.path.unlink(missing_ok=True)


def document_open(*, by, document_id: int, purpose: str = "download") -> tuple[Document, Path]:
    """The document and its stored file, for a download: the access policy asked again (a
    download is an export of the child's data), a document recorded in error only for team
    managers, and the file's SHA-256 checked so a changed file is refused and reported. Every
    download, and every refusal, is audited (UK GDPR art. 5(1)(f) and art. 32; Issue 16: every
    download audited)."""
    document = Document.objects.select_related("child").get(pk=document_id)
    what = {"what": "document", "purpose": purpose}

    def refuse(reason: str) -> None:
        audit_record(actor=by, action="export", obj=document, child_id=document.child_id,
                     reason=f"refused: {reason}", detail={**what, "refused": True})

    if not policy.can_view_child(by, document.child):
        refuse("not open to this user")
        raise PermissionDenied("this child's record is not open to you")
    if document.recorded_in_error and policy.role_of(by) != policy.TEAM_MANAGER:
        refuse("recorded in error")
        raise PermissionDenied("this document was recorded in error; only a team manager may open it")
    path = stored_path(document.sha256)
    found = _sha256_of(path) if path.is_file() else None
    if found != document.sha256:
        logger.error("document %s: stored file %s (expected SHA-256 %s, found %s)", document.pk,
                     "changed" if found else "missing", document.sha256, found)
        refuse("the stored file is missing or does not match its SHA-256")
        raise DocumentUnavailable("the stored file has been changed or is missing; it was not "
                                  "handed out and the change has been reported")
    audit_record(actor=by, action="export", obj=document, child_id=document.child_id, detail=what)
    return document, path


@transaction.atomic
def document_mark_in_error(*, by, document_id: int, expected_version: int, reason: str) -> Document:
    """Mark a document recorded in error with a reason (the author or a team manager who may
    change the child's record); it is hidden from the everyday view and its file is kept:
    corrections, never deletions (Issue 16, item 5)."""
    child_id = Document.objects.values_list("child_id", flat=True).get(pk=document_id)
    change = Change.of_child(child_id, by=by, event="document_mark_in_error", reason=reason.strip())
    held = change.attached(Document, document_id, expected_version)
    author = held.recorded_by_id is not None and held.recorded_by_id == getattr(by, "pk", None)
    manager = (policy.role_of(by) == policy.TEAM_MANAGER
               and policy.can_change_child(by, change.child))
    document = change.edit(held, check_document_in_error, author_or_manager=author or manager,
                           already=held.recorded_in_error, to=dict(
                               recorded_in_error=True, error_reason=reason.strip(),
                               error_marked_by_id=getattr(by, "pk", None), error_marked_at=now()))
    return change.save(document)


def documents_of(user, child, *, include_in_error: bool = False) -> list[Document]:
    """The child's documents, newest first, in one query whatever their number (after the access
    policy's own, remembered for the request). Those recorded in error only for a team manager who
    asks for them (Issue 16, item 5: hidden from the everyday view, visible to managers)."""
    if not policy.can_view_child(user, child):
        raise PermissionDenied("this child's record is not open to you")
    rows = Document.objects.filter(child=child).select_related("recorded_by", "error_marked_by")
    if not (include_in_error and policy.role_of(user) == policy.TEAM_MANAGER):
        rows = rows.filter(recorded_in_error=False)
    return list(rows.order_by("-created_at", "-pk"))
