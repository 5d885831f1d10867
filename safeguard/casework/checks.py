"""Pure checks of case notes: a note made, corrected, or marked recorded in error. They read only
what they are handed (never the database), so a form, an importer and the generator refuse the same
notes for the same reasons. Field names are the note form's: kind, occurred_on, occurred_at, title,
text, present, children, statutory_visit, reason."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS

from safeguard.core.errors import Checks, local_time, now, today

from .models import CaseNote, NoteKind

#: The kinds of note that record a visit to the child: the child seen (or not) must be answered,
#: and only these may record a statutory visit.
VISIT_KINDS = frozenset({NoteKind.HOME_VISIT.value, NoteKind.OFFICE_VISIT.value})
#: A correction or an "in error" mark says why in at least this many characters (a real reason,
#: not "typo"), since the court and the family may later ask why the record changed.
REASON_MIN = 10
TEAM_MANAGER = "team_manager"


def _note_fields(note: CaseNote, checks: Checks, *, statutory_visit: bool,
                 statutory_field: str) -> None:
    """The rules every version of a note meets, whether made or corrected."""
    checks.code(note.kind, NoteKind, "kind", "local", "The kind of note")
    if checks.require(note.occurred_on is not None, "occurred_on", "local",
                      "Enter the date it happened"):
        checks.not_future(note.occurred_on, "occurred_on", "local", "The date it happened")
        if note.occurred_at is not None and note.occurred_on == today():
            checks.require(note.occurred_at <= local_time(now()).time(),
                           "occurred_at", "local", "The time it happened cannot be in the future")
    checks.require(bool((note.title or "").strip()), "title", "local", "Enter a title")
    checks.require(bool((note.text or "").strip()), "text", "local", "Enter the note")
    checks.require(note.kind != NoteKind.SIGNIFICANT_EVENT or note.significant, "significant",
                   "local", "A significant event note is marked significant (it feeds the chronology)")
    checks.require(not statutory_visit or note.kind in VISIT_KINDS, statutory_field, "local",
                   "Only a home visit or an office visit records a statutory visit")


def check_case_note(history, note: CaseNote, checks: Checks, *, children: list[dict],
                    statutory_visit: bool = False) -> None:
    """A new note: what happened, when, and for each child (`children`: dicts with child_id, name,
    seen, seen_alone, bedroom_seen) whether they were seen, seen alone, and their bedroom seen.

    Working Together 2023 asks that the child is seen, and seen alone, and that this is recorded:
    a visit note must answer "seen" for every child it is about."""
    _note_fields(note, checks, statutory_visit=statutory_visit, statutory_field="statutory_visit")
    checks.require(bool(children), "children", "local", "Choose at least one child the note is about")
    for child in children:
        who = child.get("name") or "The child"
        seen, alone, bedroom = child.get("seen"), child.get("seen_alone"), child.get("bedroom_seen")
        if note.kind in VISIT_KINDS:
            checks.require(seen in (True, False), "children", "local",
                           f"{who}: say whether the child was seen on this visit")
        checks.require(not alone or seen is True, "children", "local",
                       f"{who}: a child seen alone must have been seen")
        checks.require(bedroom is not True or note.kind == NoteKind.HOME_VISIT, "children", "local",
                       f"{who}: a bedroom is seen only on a home visit")


def _may_amend(by, author_id: int | None) -> bool:
    """The note's author or a team manager (management oversight) may correct it."""
    return (author_id is not None and getattr(by, "pk", None) == author_id) or \
        getattr(by, "role", "") == TEAM_MANAGER


def _reason(reason: str, checks: Checks) -> None:
    checks.require(len((reason or "").strip()) >= REASON_MIN, "reason", "local",
                   f"Give the reason in at least {REASON_MIN} characters")


def check_note_correction(history, note: CaseNote, checks: Checks, *, by, reason: str,
                          author_id: int | None, statutory_visit: bool = False,
                          was_in_error: bool = False) -> None:
    """A corrected note (the candidate): corrections, never deletions, by the author or a manager,
    with a reason. A note that recorded a statutory visit stays a visit note (mark it in error to
    take the visit off)."""
    _note_fields(note, checks, statutory_visit=statutory_visit, statutory_field="kind")
    _reason(reason, checks)
    checks.require(_may_amend(by, author_id), NON_FIELD_ERRORS, "local",
                   "Only the note's author or a team manager may correct it")
    checks.require(not was_in_error, NON_FIELD_ERRORS, "local",
                   "A note recorded in error cannot be corrected")


def check_in_error(history, note: CaseNote, checks: Checks, *, by, reason: str,
                   author_id: int | None, was_in_error: bool = False) -> None:
    """A note marked recorded in error: by the author or a manager, with a reason; it stays on file
    (hidden from the everyday view) and is marked once."""
    _reason(reason, checks)
    checks.require(_may_amend(by, author_id), NON_FIELD_ERRORS, "local",
                   "Only the note's author or a team manager may mark it recorded in error")
    checks.require(not was_in_error, NON_FIELD_ERRORS, "local",
                   "The note is already marked recorded in error")
