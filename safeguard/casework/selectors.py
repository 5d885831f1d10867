"""Reads of case notes for the child's page, a note's own page and the chronologies. The caller has
already checked access to the child and audited the view (as the child page does); these honour
the one rule left to them: notes recorded in error are shown only to team managers, and only when
asked for (corrections, never deletions: the entry stays on file, out of the everyday view).

Each read is a fixed number of queries, whatever the number of notes or children on them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce

from safeguard.access import policy

from .models import CaseNote, CaseNoteAmendment, CaseNoteChild, Document

TEAM_MANAGER = "team_manager"
#: The most notes one page may show (a page of 20 is the default).
MAX_PAGE_SIZE = 100


def _is_manager(user) -> bool:
    return getattr(user, "role", "") == TEAM_MANAGER


@dataclass
class NoteView:
    """One note as a child's record lists it."""

    note: CaseNote
    children: list[str]  # the note's other children, by name (a sibling group's note)
    author: object  # the User who recorded it (None for an imported note)
    amendments: int
    seen: bool | None
    seen_alone: bool
    bedroom_seen: bool | None
    statutory_visit: bool
    in_error: bool


@dataclass
class NotesPage:
    """One page of a child's notes, newest first."""

    items: list[NoteView]
    number: int
    has_next: bool
    total: int
    size: int = 20

    @property
    def has_previous(self) -> bool:
        return self.number > 1


@dataclass
class ChildOnNote:
    """A child a note is about, and what it says of them."""

    child: object
    seen: bool | None
    seen_alone: bool
    bedroom_seen: bool | None
    visit_id: int | None


@dataclass
class NoteVersion:
    """An earlier version of a note, as its history keeps it (before a correction)."""

    version: int
    kind: str
    occurred_on: dt.date
    occurred_at: dt.time | None
    title: str
    text: str
    present: str
    saved_at: dt.datetime


@dataclass
class NoteDetail:
    """A note with everything about it. `child_ids`: the caller checks the user may view each."""

    note: CaseNote
    children: list[ChildOnNote]
    child_ids: list[int]
    amendments: list[CaseNoteAmendment]  # newest first, each with amended_by loaded
    versions: list[NoteVersion] = field(default_factory=list)  # earlier versions, newest first
    documents: list[Document] = field(default_factory=list)


def _amendment_count():
    counted = (CaseNoteAmendment.objects.filter(note=OuterRef("note")).order_by().values("note")
               .annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def notes_page(user, child, *, number: int = 1, size: int = 20, kind: str = "",
               include_in_error: bool = False) -> NotesPage:
    """A page of the child's notes, newest first (date it happened, then when it was recorded),
    in three queries whatever the page holds: the count, the page, the other children."""
    number = max(int(number or 1), 1)
    size = min(max(int(size or 20), 1), MAX_PAGE_SIZE)
    links = CaseNoteChild.objects.filter(child=child)
    if not (include_in_error and _is_manager(user)):
        links = links.filter(note__recorded_in_error=False)
    if kind:
        links = links.filter(note__kind=kind)
    total = links.count()
    start = (number - 1) * size
    rows = []
    if start < total:
        rows = list(links.select_related("note", "note__recorded_by")
                    .annotate(amendment_count=_amendment_count())
                    .order_by("-note__occurred_on", "-note__created_at", "-note_id")[start:start + size + 1])
    has_next, rows = len(rows) > size, rows[:size]
    others: dict[int, list[str]] = {}
    if rows:
        # Only the other children the user may open are named (a restricted sibling is not).
        for other in (CaseNoteChild.objects.filter(note_id__in=[r.note_id for r in rows],
                                                   child__in=policy.children_visible_to(user))
                      .exclude(child=child).select_related("child").order_by("child_id")):
            others.setdefault(other.note_id, []).append(f"{other.child.first_name} {other.child.last_name}")
    items = [NoteView(note=r.note, children=others.get(r.note_id, []), author=r.note.recorded_by,
                      amendments=r.amendment_count, seen=r.seen, seen_alone=r.seen_alone,
                      bedroom_seen=r.bedroom_seen, statutory_visit=r.visit_id is not None,
                      in_error=r.note.recorded_in_error) for r in rows]
    return NotesPage(items=items, number=number, has_next=has_next, total=total, size=size)


def note_detail(user, note_id: int) -> NoteDetail | None:
    """A note with its children and seen flags, its corrections (who, when, why), the words of its
    earlier versions and its documents; None if there is none the user may see here."""
    manager = _is_manager(user)
    note = (CaseNote.objects.select_related("recorded_by", "error_marked_by")
            .prefetch_related(
                Prefetch("children", CaseNoteChild.objects.select_related("child").order_by("child_id")),
                Prefetch("amendments", CaseNoteAmendment.objects.select_related("amended_by")
                         .order_by("-amended_at", "-pk")),
                Prefetch("documents", Document.objects.filter(
                    **({} if manager else {"recorded_in_error": False})).order_by("-created_at", "-pk")),
            ).filter(pk=note_id).first())
    if note is None or (note.recorded_in_error and not manager):
        return None
    links = list(note.children.all())
    named = set(policy.children_visible_to(user).filter(pk__in=[x.child_id for x in links])
                .values_list("pk", flat=True))  # a restricted sibling is not named
    versions = [
        NoteVersion(version=h.version, kind=h.kind, occurred_on=h.occurred_on, occurred_at=h.occurred_at,
                    title=h.title, text=h.text, present=h.present, saved_at=h.history_date)
        for h in note.history.filter(version__lt=note.version).order_by("-version", "-history_date")
    ]
    return NoteDetail(
        note=note,
        children=[ChildOnNote(child=link.child, seen=link.seen, seen_alone=link.seen_alone,
                              bedroom_seen=link.bedroom_seen, visit_id=link.visit_id)
                  for link in links if link.child_id in named],
        child_ids=[link.child_id for link in links],
        amendments=list(note.amendments.all()),
        versions=versions,
        documents=list(note.documents.all()),
    )


def significant_events(child, *, since: dt.date | None = None,
                       until: dt.date | None = None) -> list[CaseNote]:
    """The child's significant events (notes marked significant, not recorded in error), oldest
    first, for the chronology and the court chronology."""
    notes = CaseNote.objects.filter(children__child=child, significant=True, recorded_in_error=False)
    if since is not None:
        notes = notes.filter(occurred_on__gte=since)
    if until is not None:
        notes = notes.filter(occurred_on__lte=until)
    return list(notes.select_related("recorded_by")
                .order_by("occurred_on", F("occurred_at").asc(nulls_first=True), "created_at", "pk"))
