"""Every write of a case note: made, corrected, or marked recorded in error. Each goes through the
record's one way of changing (`record.change.Change`): one change per child the note is about,
opened in primary-key order (so two notes about the same siblings lock them in the same order and
never deadlock), all in one transaction, checked, saved, audited in the one shape.

A note that records a statutory visit adds a `people.Visit` for each child in the same change: the
visit clock is met by writing the note, with no second form (Children Act 1989 Guidance vol. 2 /
Care Planning Regulations 2010 reg 28)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.db import transaction

from safeguard.access import policy
from safeguard.core.errors import RecordInvalid, Violation, now
from safeguard.people.checks import check_visit_record
from safeguard.people.models import Child, Visit
from safeguard.record.change import Change
from safeguard.record.history import held

from .checks import VISIT_KINDS, check_case_note, check_in_error, check_note_correction
from .drafts import draft_discard
from .models import CaseNote, CaseNoteAmendment, CaseNoteChild, NoteKind

#: What a correction may change (who the note is about and who was seen are facts of the visit:
#: a wrong child or visit is marked in error and recorded again).
CORRECTABLE = frozenset({"kind", "occurred_on", "occurred_at", "title", "text", "present",
                         "significant", "sensitive"})


def _typed(text: str) -> str:
    """The words as typed, with one kind of line break and no white space around them."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _allowed(by, children) -> None:
    """The caller may change every child the note is about, or nothing is written."""
    for child in children:
        if not policy.can_change_child(by, child):
            raise PermissionDenied("You may not record on this child's record")


def _save_all(changes: list[Change]) -> None:
    """All the children's changes are written, or none: every violation of every change refused
    together, before any is saved."""
    violations: list[Violation] = []
    for change in changes:
        violations.extend(v for v in change.violations if v not in violations)
    if violations:
        raise RecordInvalid(violations)
    for change in changes:
        change.save()


def _seen_of(seen: dict | None, child_id: int) -> dict:
    """The seen flags given for a child (keys may be ids or their strings, as a form posts them)."""
    seen = seen or {}
    return dict(seen.get(child_id) or seen.get(str(child_id)) or {})


@transaction.atomic
def note_record(*, by, child_ids: list[int], kind: str, occurred_on: dt.date,
                occurred_at: dt.time | None = None, title: str, text: str, present: str = "",
                significant: bool = False, sensitive: bool = False,
                seen: dict[int, dict] | None = None, statutory_visit: bool = False,
                draft_key: str | None = None) -> CaseNote:
    """Record one note about one or more children (a sibling group is one note, shown in each
    child's record), with who was seen; a statutory visit note also records each child's visit."""
    ids = sorted({int(pk) for pk in child_ids or []})
    if not ids:
        raise RecordInvalid([Violation("children", "local", "Choose at least one child the note is about")])
    try:  # each child read once, locked (in pk order), then checked
        changes = [Change.of_child(pk, by=by, event="note_record") for pk in ids]
    except Child.DoesNotExist:
        raise PermissionDenied("You may not record on this child's record") from None
    _allowed(by, [change.child for change in changes])
    about = []
    for change in changes:
        flags = _seen_of(seen, change.child.pk)
        about.append(dict(child_id=change.child.pk,
                          name=f"{change.child.first_name} {change.child.last_name}",
                          seen=flags.get("seen"), seen_alone=bool(flags.get("seen_alone")),
                          bedroom_seen=flags.get("bedroom_seen")))
    note = CaseNote(kind=kind, occurred_on=occurred_on, occurred_at=occurred_at,
                    title=(title or "").strip(), text=_typed(text), present=(present or "").strip(),
                    significant=bool(significant) or kind == NoteKind.SIGNIFICANT_EVENT,
                    sensitive=bool(sensitive))
    changes[0].new(note, check_case_note, children=about, statutory_visit=statutory_visit)
    visits = statutory_visit and kind in VISIT_KINDS and isinstance(occurred_on, dt.date)
    for change, flags in zip(changes, about, strict=True):
        visit = None
        if visits:
            visit = change.new(Visit(child=change.child, visit_date=occurred_on,
                                     seen=flags["seen"] is True, seen_alone=flags["seen_alone"],
                                     bedroom_seen=flags["bedroom_seen"]), check_visit_record)
        change.new(CaseNoteChild(note=note, child=change.child, seen=flags["seen"],
                                 seen_alone=flags["seen_alone"], bedroom_seen=flags["bedroom_seen"],
                                 visit=visit))
    _save_all(changes)
    if draft_key:
        draft_discard(by=by, key=draft_key)
    return note


def _open(note_id: int, *, by, event: str, reason: str, expected_version: int):
    """The note's links, its first child's change (which locks that child, then the note) and the
    note as stored; refused if the caller may not change every child the note is about."""
    links = list(CaseNoteChild.objects.filter(note_id=note_id).select_related("child").order_by("child_id"))
    if not links:
        raise CaseNote.DoesNotExist(f"case note {note_id} does not exist")
    _allowed(by, [link.child for link in links])
    first = Change.of_child(links[0].child_id, by=by, event=event, reason=reason)
    note = first.attached(CaseNote, note_id, expected_version)
    return links, first, note


def _change_for(changes: dict[int, Change], child_id: int, *, by, event: str, reason: str) -> Change:
    """The change for one of the note's children, opened when first needed; child ids are visited
    in ascending order, so the locks are still taken in primary-key order."""
    if child_id not in changes:
        changes[child_id] = Change.of_child(child_id, by=by, event=event, reason=reason)
    return changes[child_id]


@transaction.atomic
def note_correct(*, by, note_id: int, expected_version: int, reason: str, **changes) -> CaseNote:
    """Correct a note with a reason (corrections, never deletions): the note keeps every earlier
    version in its history, and a `CaseNoteAmendment` says who changed it, when and why."""
    unknown = set(changes) - CORRECTABLE
    if unknown:
        raise TypeError(f"a correction cannot change {', '.join(sorted(unknown))}")
    reason = (reason or "").strip()
    links, first, note = _open(note_id, by=by, event="note_correct", reason=reason,
                               expected_version=expected_version)
    if "title" in changes:
        changes["title"] = (changes["title"] or "").strip()
    if "present" in changes:
        changes["present"] = (changes["present"] or "").strip()
    if "text" in changes:
        changes["text"] = _typed(changes["text"])
    if changes.get("kind") == NoteKind.SIGNIFICANT_EVENT and "significant" not in changes:
        changes["significant"] = True
    to = {name: value for name, value in changes.items() if getattr(note, name) != value}
    visit_links = [link for link in links if link.visit_id]
    corrected = first.edit(note, check_note_correction, to=to, by=by, reason=reason,
                           author_id=note.recorded_by_id, statutory_visit=bool(visit_links),
                           was_in_error=note.recorded_in_error)
    first.checks.require(bool(to), NON_FIELD_ERRORS, "local", "Nothing was changed")
    first.new(CaseNoteAmendment(note=note, version=note.version + 1, reason=reason, amended_by=by))
    opened = {links[0].child_id: first}
    if "occurred_on" in to and isinstance(to["occurred_on"], dt.date):
        for link in visit_links:  # the visit's date follows the note's: one act, one date
            change = _change_for(opened, link.child_id, by=by, event="note_correct", reason=reason)
            visit = held(change.history.visits, link.visit_id)
            if visit is not None:
                change.edit(visit, check_visit_record, to={"visit_date": to["occurred_on"]})
    _save_all([opened[pk] for pk in sorted(opened)])
    return corrected


@transaction.atomic
def note_mark_in_error(*, by, note_id: int, expected_version: int, reason: str) -> CaseNote:
    """Mark a note recorded in error, with a reason: it stays on file (managers and the audit see
    it) but leaves the everyday view; a statutory visit it recorded is taken off, so the visit
    clock is re-derived as though the visit had not been recorded."""
    reason = (reason or "").strip()
    links, first, note = _open(note_id, by=by, event="note_mark_in_error", reason=reason,
                               expected_version=expected_version)
    marked = first.edit(note, check_in_error, by=by, reason=reason, author_id=note.recorded_by_id,
                        was_in_error=note.recorded_in_error,
                        to=dict(recorded_in_error=True, error_reason=reason, error_marked_by=by,
                                error_marked_at=now()))
    opened = {links[0].child_id: first}
    for link in links:
        if not link.visit_id:
            continue
        change = _change_for(opened, link.child_id, by=by, event="note_mark_in_error", reason=reason)
        change.edit(link, to={"visit": None})  # unlinked first: the link protects the visit
        visit = held(change.history.visits, link.visit_id)
        if visit is not None:
            change.remove(visit)
    _save_all([opened[pk] for pk in sorted(opened)])
    return marked
