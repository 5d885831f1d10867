"""Case notes (issue 16): the pure checks, the services (record, correct, mark in error) and the
reads of the child's record."""

import datetime as dt
import json

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeguard.audit.models import AuditEvent
from safeguard.casework import checks as note_checks
from safeguard.casework.checks import check_case_note, check_in_error, check_note_correction
from safeguard.casework.drafts import draft_for, draft_save, note_draft_key
from safeguard.casework.models import CaseNote, CaseNoteAmendment, CaseNoteChild, Document, Draft
from safeguard.casework.selectors import note_detail, notes_page, significant_events
from safeguard.casework.services import note_correct, note_mark_in_error, note_record
from safeguard.core.errors import Checks, EditConflict, RecordInvalid
from safeguard.front_door.services import private_fostering_notify
from safeguard.people.models import Visit
from safeguard.people.services import child_restrict
from safeguard.timescales.models import Clock
from safeguard.workforce.models import User

D = dt.date
VISIT_DAY = D(2025, 6, 10)


# --- the pure checks ------------------------------------------------------------------------------

def _note(**fields) -> CaseNote:
    values = dict(kind="home_visit", occurred_on=VISIT_DAY, title="Home visit", text="Saw the children.")
    values.update(fields)
    return CaseNote(**values)


def _seen(**flags) -> list[dict]:
    values = dict(child_id=1, name="Ada Test", seen=True, seen_alone=False, bedroom_seen=None)
    values.update(flags)
    return [values]


def _violations(check, note, **ctx) -> set[tuple[str, str]]:
    checks = Checks()
    check(None, note, checks, **ctx)
    return {(v.field, v.rule) for v in checks.violations}


def _fields(check, note, **ctx) -> set[str]:
    return {f for f, _ in _violations(check, note, **ctx)}


def test_a_complete_note_passes():
    """Issue 16: a home visit note with its date, title, words and the child seen is accepted."""
    assert _violations(check_case_note, _note(), children=_seen()) == set()


def test_what_when_title_and_words_are_required():
    """Issue 16: a note says what kind of contact, when, a title and the note itself."""
    note = _note(kind="", occurred_on=None, title="  ", text="\n\n")
    assert _fields(check_case_note, note, children=_seen()) == {"kind", "occurred_on", "title", "text"}
    assert _fields(check_case_note, _note(kind="chat"), children=_seen()) == {"kind"}


def test_date_not_in_the_future_nor_before_1900():
    """Issue 15/16: nothing in a child's record is dated after today or before 1 January 1900."""
    tomorrow = timezone.localdate() + dt.timedelta(days=2)
    assert _fields(check_case_note, _note(occurred_on=tomorrow), children=_seen()) == {"occurred_on"}
    assert _fields(check_case_note, _note(occurred_on=D(1899, 12, 31)), children=_seen()) == {"occurred_on"}


def test_time_today_not_later_than_now(monkeypatch):
    """Issue 16: a note of something that happened today cannot be timed later than now."""
    fixed = timezone.make_aware(dt.datetime(2025, 6, 10, 9, 30), timezone.get_default_timezone())
    monkeypatch.setattr(note_checks, "now", lambda: fixed)
    monkeypatch.setattr(note_checks, "today", lambda: VISIT_DAY)
    later = _note(occurred_at=dt.time(10, 0))
    assert _fields(check_case_note, later, children=_seen()) == {"occurred_at"}
    assert _fields(check_case_note, _note(occurred_at=dt.time(9, 0)), children=_seen()) == set()
    yesterday = _note(occurred_on=D(2025, 6, 9), occurred_at=dt.time(23, 0))
    assert _fields(check_case_note, yesterday, children=_seen()) == set()


def test_significant_event_kind_is_significant():
    """Issue 16: a "significant event" note feeds the chronology, so it is marked significant."""
    note = _note(kind="significant_event", significant=False)
    assert _fields(check_case_note, note, children=_seen()) == {"significant"}
    note.significant = True
    assert _fields(check_case_note, note, children=_seen()) == set()


def test_seen_alone_implies_seen():
    """Working Together 2023: the child seen alone is recorded; a child cannot be seen alone
    without being seen."""
    assert _violations(check_case_note, _note(), children=_seen(seen=False, seen_alone=True)) == \
        {("children", "local")}


def test_a_visit_note_answers_seen_for_every_child():
    """Working Together 2023: whether the child was seen is recorded for each child visited."""
    children = _seen() + [dict(child_id=2, name="Ben Test", seen=None, seen_alone=False, bedroom_seen=None)]
    checks = Checks()
    check_case_note(None, _note(), checks, children=children)
    assert [v.field for v in checks.violations] == ["children"]
    assert "Ben Test" in checks.violations[0].message
    office = _note(kind="office_visit")
    assert _fields(check_case_note, office, children=_seen(seen=False)) == set()
    call = _note(kind="phone_call")
    assert _fields(check_case_note, call, children=_seen(seen=None)) == set()


def test_bedroom_seen_only_on_a_home_visit():
    """Children Act 1989 Guidance vol. 2 (and local visit standards): the child's bedroom is seen
    on a home visit; an office visit or a call cannot record it."""
    assert _fields(check_case_note, _note(), children=_seen(bedroom_seen=True)) == set()
    assert _fields(check_case_note, _note(kind="office_visit"), children=_seen(bedroom_seen=True)) == \
        {"children"}


def test_statutory_visit_only_for_a_visit_note():
    """Children Act 1989 Guidance vol 2 / Care Planning Regs 2010 reg 28: a statutory visit is a
    visit to the child, so only a home or office visit note records one."""
    call = _note(kind="phone_call")
    assert _fields(check_case_note, call, children=_seen(), statutory_visit=True) == {"statutory_visit"}
    assert _fields(check_case_note, _note(), children=_seen(), statutory_visit=True) == set()


def test_a_note_is_about_at_least_one_child():
    """Issue 16: a note is in at least one child's record."""
    assert _fields(check_case_note, _note(), children=[]) == {"children"}


class _Staff:
    def __init__(self, pk, role="social_worker"):
        self.pk, self.role = pk, role


def test_correction_needs_a_reason_and_the_author_or_a_manager():
    """Issue 16: corrections, never deletions: the author or a manager corrects, with a reason of
    at least 10 characters."""
    note = _note()
    ok = dict(reason="Wrong date typed", author_id=7)
    assert _violations(check_note_correction, note, by=_Staff(7), **ok) == set()
    assert _violations(check_note_correction, note, by=_Staff(8, "team_manager"), **ok) == set()
    assert _violations(check_note_correction, note, by=_Staff(8), **ok) == {(NON_FIELD_ERRORS, "local")}
    assert _fields(check_note_correction, note, by=_Staff(7), reason=" typo     ", author_id=7) == \
        {"reason"}
    assert _fields(check_note_correction, note, by=_Staff(7), was_in_error=True, **ok) == \
        {NON_FIELD_ERRORS}
    assert _fields(check_note_correction, _note(title=""), by=_Staff(7), **ok) == {"title"}


def test_a_statutory_visit_note_stays_a_visit_note():
    """Care Planning Regs 2010 reg 28: the visit a note recorded stays a visit; a note corrected
    into a phone call would leave a visit with no note (mark it in error instead)."""
    call = _note(kind="phone_call")
    assert _fields(check_note_correction, call, by=_Staff(7), reason="Was a call really",
                   author_id=7, statutory_visit=True) == {"kind"}


def test_in_error_needs_a_reason_and_the_author_or_a_manager():
    """Issue 16: a mistaken entry is marked recorded in error, with a reason, by its author or a
    manager, and only once."""
    note = _note()
    ok = dict(reason="Wrong child's record", author_id=7)
    assert _violations(check_in_error, note, by=_Staff(7), **ok) == set()
    assert _violations(check_in_error, note, by=_Staff(9, "team_manager"), **ok) == set()
    assert _fields(check_in_error, note, by=_Staff(8), **ok) == {NON_FIELD_ERRORS}
    assert _fields(check_in_error, note, by=_Staff(7), reason="oops", author_id=7) == {"reason"}
    assert _fields(check_in_error, note, by=_Staff(7), was_in_error=True, **ok) == {NON_FIELD_ERRORS}
    assert _fields(check_in_error, note, by=_Staff(7), reason="Wrong child's record",
                   author_id=None) == {NON_FIELD_ERRORS}


# --- recording ------------------------------------------------------------------------------------

def _record(by, children, **fields):
    values = dict(kind="home_visit", occurred_on=VISIT_DAY, title="Home visit",
                  text="Both children at home.\n\n- kitchen clean",
                  seen={c.pk: {"seen": True} for c in children})
    values.update(fields)
    return note_record(by=by, child_ids=[c.pk for c in children], **values)


@pytest.fixture
def siblings(make_child):
    return make_child(first_name="Ada", last_name="Osei"), make_child(first_name="Ben", last_name="Osei")


@pytest.fixture
def colleague(la, team):
    return User.objects.create_user(username="sw2", password="x", role=User.Role.SOCIAL_WORKER,
                                    team=team, local_authority=la)


def _stored() -> tuple[int, int, int, int]:
    return (CaseNote.objects.count(), CaseNoteChild.objects.count(), Visit.objects.count(),
            CaseNoteAmendment.objects.count())


def test_one_note_about_siblings_shows_in_both_records(worker, siblings):
    """Children Act 1989 Guidance vol. 2 / DOMAIN "What practitioners write": one visit to a
    sibling group is one note, shown in each child's record with that child's seen flags."""
    ada, ben = siblings
    note = _record(worker, [ben, ada], seen={ada.pk: {"seen": True, "seen_alone": True, "bedroom_seen": True},
                                             ben.pk: {"seen": False}})
    assert note.recorded_by == worker and note.version == 1
    for child, other, alone, seen in ((ada, "Ben Osei", True, True), (ben, "Ada Osei", False, False)):
        [view] = notes_page(worker, child).items
        assert view.note.pk == note.pk and view.children == [other]
        assert (view.seen, view.seen_alone, view.author) == (seen, alone, worker)
        assert not view.statutory_visit
    assert Visit.objects.count() == 0


def test_audit_in_the_one_shape_without_the_words(worker, siblings):
    """ARCHITECTURE.md "The audit's one shape": one row per record, event and changes; the note's
    words are never copied into the append-only audit (UK GDPR art. 5(1)(c), minimisation)."""
    ada, ben = siblings
    words = "Mother said the flat is damp and the boiler is broken."
    note = _record(worker, [ada, ben], text=words, statutory_visit=True)
    rows = list(AuditEvent.objects.filter(detail__event="note_record").order_by("pk"))
    assert [(r.object_type, r.child_id, r.action) for r in rows] == [
        ("casework.CaseNote", ada.pk, "create"), ("people.Visit", ada.pk, "create"),
        ("casework.CaseNoteChild", ada.pk, "create"), ("people.Visit", ben.pk, "create"),
        ("casework.CaseNoteChild", ben.pk, "create")]
    assert all(r.actor == worker and set(r.detail) == {"event", "changes"} for r in rows)
    assert rows[0].detail["changes"]["text"] == [None, f"[narrative, {len(words)} characters]"]
    assert rows[0].object_id == str(note.pk)
    assert "damp" not in json.dumps([r.detail for r in AuditEvent.objects.all()])


def test_statutory_visit_note_meets_the_visit_clock(worker, child):
    """Children (Private Arrangements for Fostering) Regulations 2005 reg 8 (T15) and Care Planning
    Regs 2010 reg 28: recording the visit's note meets the visit clock: one act, no second form."""
    private_fostering_notify(by=worker, child_id=child.pk, notified_date=D(2025, 6, 2),
                             start_date=D(2025, 5, 20), carer_name="A Friend")
    first = Clock.objects.get(child=child, code="T15", sequence=1)
    assert first.met_date is None and first.due_date == D(2025, 6, 11)
    note = _record(worker, [child], seen={child.pk: {"seen": True, "seen_alone": True, "bedroom_seen": True}},
                   statutory_visit=True)
    [link] = note.children.all()
    visit = link.visit
    assert (visit.child_id, visit.visit_date, visit.seen, visit.seen_alone, visit.bedroom_seen) == \
        (child.pk, VISIT_DAY, True, True, True)
    assert visit.recorded_by == worker
    first.refresh_from_db()
    assert (first.met_date, first.met_by_type, first.met_by_id) == (VISIT_DAY, "people.Visit", visit.pk)
    assert notes_page(worker, child).items[0].statutory_visit


def test_statutory_visit_on_a_phone_call_refused_nothing_stored(worker, child):
    """Care Planning Regs 2010 reg 28: a phone call is not a visit; nothing is stored."""
    with pytest.raises(RecordInvalid) as refused:
        _record(worker, [child], kind="phone_call", statutory_visit=True)
    assert {v.field for v in refused.value.violations} == {"statutory_visit"}
    assert _stored() == (0, 0, 0, 0)
    assert not AuditEvent.objects.filter(detail__event="note_record").exists()


def test_refused_for_one_sibling_stores_nothing_for_either(worker, siblings):
    """Working Together 2023: each child visited is recorded as seen or not; one child's missing
    answer refuses the whole note, and no record of it is stored for either child."""
    ada, ben = siblings
    with pytest.raises(RecordInvalid) as refused:
        _record(worker, [ada, ben], seen={ada.pk: {"seen": True}}, statutory_visit=True)
    assert [v.field for v in refused.value.violations] == ["children"]
    assert "Ben Osei" in refused.value.violations[0].message
    assert _stored() == (0, 0, 0, 0)
    assert not AuditEvent.objects.filter(detail__event="note_record").exists()


def test_visit_before_the_childs_birth_refused(worker, make_child):
    """people.checks.check_visit_record: a statutory visit cannot be before the child's birth (the
    note itself may be: pre-birth work with an unborn child's family is recorded)."""
    baby = make_child(date_of_birth=D(2025, 6, 20))
    with pytest.raises(RecordInvalid) as refused:
        _record(worker, [baby], statutory_visit=True)
    assert {v.field for v in refused.value.violations} == {"visit_date"}
    assert _stored() == (0, 0, 0, 0)
    assert _record(worker, [baby]).pk  # the same note without the visit is fine


def test_words_over_the_narrative_limit_refused(worker, child):
    """Issue 16 (CaseNote.NARRATIVE_LIMIT): a note longer than 30,000 characters (a long visit or
    direct-work note fits) is refused before the database, the same on SQLite and PostgreSQL; a
    pasted report belongs in documents."""
    with pytest.raises(RecordInvalid) as refused:
        _record(worker, [child], text="x" * (CaseNote.NARRATIVE_LIMIT + 1))
    assert {v.field for v in refused.value.violations} == {"text"}
    assert _record(worker, [child], text="x" * CaseNote.NARRATIVE_LIMIT).pk


def test_caller_must_be_allowed_to_change_every_child(worker, manager, siblings, la):
    """Issue 16 / access policy: a note is written only by someone who may change every child it
    is about (a restricted sibling's record stays closed); nothing is stored otherwise."""
    ada, ben = siblings
    analyst = User.objects.create_user(username="an1", password="x", role=User.Role.ANALYST,
                                       local_authority=la)
    with pytest.raises(PermissionDenied):
        _record(analyst, [ada])
    child_restrict(by=manager, child_id=ben.pk, restricted=True, reason="Staff member's own family")
    with pytest.raises(PermissionDenied):
        _record(worker, [ada, ben])
    with pytest.raises(PermissionDenied):
        note_record(by=worker, child_ids=[ada.pk, 999_999], kind="phone_call", occurred_on=VISIT_DAY,
                    title="Call", text="Called.")
    assert _stored() == (0, 0, 0, 0)


def test_significant_event_kind_is_marked_significant(worker, child):
    """Issue 16: a significant event note is significant (it feeds the chronology)."""
    note = _record(worker, [child], kind="significant_event", title="Police called", seen={})
    assert note.significant


def test_draft_discarded_with_the_note(worker, child):
    """Issue 16 (never lose recording): the draft goes when the note is saved, in one transaction."""
    key = note_draft_key(child.pk, worker.pk)
    draft_save(by=worker, key=key, url=f"/children/{child.pk}/notes/new", data={"title": "Home"},
               child_id=child.pk, expected_version=None)
    _record(worker, [child], draft_key=key)
    assert draft_for(worker, key) is None


def test_draft_kept_when_the_note_is_refused(worker, child):
    """Issue 16 (never lose recording): a refused note leaves the user's draft where it was."""
    key = note_draft_key(child.pk, worker.pk)
    draft_save(by=worker, key=key, url="/notes/new", data={"title": ""}, child_id=child.pk,
               expected_version=None)
    with pytest.raises(RecordInvalid):
        _record(worker, [child], title="", draft_key=key)
    assert Draft.objects.filter(key=key).exists()


# --- correcting -----------------------------------------------------------------------------------

def test_correction_keeps_the_earlier_words_and_says_why(worker, manager, child):
    """Issue 16: corrections never delete: the earlier words stay in the note's history, the
    amendment says who, when and why, and recorded_by still credits the author."""
    note = _record(worker, [child], text="Seen at home on Monday.")
    corrected = note_correct(by=manager, note_id=note.pk, expected_version=1,
                             reason="Visit was on Tuesday, not Monday", text="Seen at home on Tuesday.")
    assert corrected.version == 2 and corrected.text == "Seen at home on Tuesday."
    stored = CaseNote.objects.get(pk=note.pk)
    assert stored.recorded_by == worker and stored.version == 2
    [amendment] = stored.amendments.all()
    assert (amendment.version, amendment.amended_by, amendment.reason) == \
        (2, manager, "Visit was on Tuesday, not Monday")
    detail = note_detail(worker, note.pk)
    assert [v.text for v in detail.versions] == ["Seen at home on Monday."]
    assert detail.amendments == [amendment]
    [row] = AuditEvent.objects.filter(detail__event="note_correct", object_type="casework.CaseNote")
    assert row.reason == "Visit was on Tuesday, not Monday" and row.actor == manager
    assert row.detail == {"event": "note_correct", "changes": {
        "text": ["[narrative, 23 characters]", "[narrative, 24 characters]"]}}
    assert notes_page(worker, child).items[0].amendments == 1


def test_stale_correction_is_a_conflict(worker, child):
    """Issue 16: two people correcting one note: the second, from a stale version, is told, never
    silently overwrites."""
    note = _record(worker, [child])
    note_correct(by=worker, note_id=note.pk, expected_version=1, reason="Title was unclear",
                 title="Home visit after school")
    with pytest.raises(EditConflict):
        note_correct(by=worker, note_id=note.pk, expected_version=1, reason="Title was unclear",
                     title="Home visit (after school)")
    assert CaseNote.objects.get(pk=note.pk).title == "Home visit after school"
    assert CaseNoteAmendment.objects.count() == 1


def test_only_the_author_or_a_manager_corrects(worker, colleague, child):
    """Issue 16: the author or a manager corrects; a colleague's attempt stores nothing."""
    note = _record(worker, [child])
    with pytest.raises(RecordInvalid) as refused:
        note_correct(by=colleague, note_id=note.pk, expected_version=1, reason="I think it is wrong",
                     title="Changed")
    assert NON_FIELD_ERRORS in {v.field for v in refused.value.violations}
    assert CaseNote.objects.get(pk=note.pk).title == "Home visit"
    assert not CaseNoteAmendment.objects.exists()
    assert not AuditEvent.objects.filter(detail__event="note_correct").exists()


def test_correction_with_a_short_reason_or_no_change_refused(worker, child):
    """Issue 16: a correction says why (at least 10 characters) and changes something."""
    note = _record(worker, [child])
    with pytest.raises(RecordInvalid) as short:
        note_correct(by=worker, note_id=note.pk, expected_version=1, reason="typo", title="Visit")
    assert {v.field for v in short.value.violations} == {"reason"}
    with pytest.raises(RecordInvalid) as same:
        note_correct(by=worker, note_id=note.pk, expected_version=1, reason="No change at all",
                     title="Home visit")
    assert {v.field for v in same.value.violations} == {NON_FIELD_ERRORS}
    with pytest.raises(TypeError):
        note_correct(by=worker, note_id=note.pk, expected_version=1, reason="Move the note",
                     child_ids=[1])
    assert CaseNote.objects.get(pk=note.pk).version == 1 and not CaseNoteAmendment.objects.exists()


def test_corrected_date_moves_the_visit_and_its_clock(worker, siblings):
    """Care Planning Regs 2010 reg 28: the visit a note recorded has the note's date; a corrected
    date moves each child's visit (through the Change), and the clock follows."""
    ada, ben = siblings
    for child in siblings:
        private_fostering_notify(by=worker, child_id=child.pk, notified_date=D(2025, 6, 2),
                                 start_date=D(2025, 5, 20), carer_name="A Friend")
    note = _record(worker, [ada, ben], statutory_visit=True)
    note_correct(by=worker, note_id=note.pk, expected_version=1, reason="Visit was the day before",
                 occurred_on=D(2025, 6, 9))
    assert sorted(Visit.objects.values_list("visit_date", flat=True)) == [D(2025, 6, 9)] * 2
    for child in siblings:
        assert Clock.objects.get(child=child, code="T15", sequence=1).met_date == D(2025, 6, 9)
    moved = AuditEvent.objects.filter(detail__event="note_correct", object_type="people.Visit")
    assert sorted(moved.values_list("child_id", flat=True)) == sorted([ada.pk, ben.pk])
    assert all(r.detail["changes"] == {"visit_date": ["2025-06-10", "2025-06-09"]} for r in moved)


# --- recorded in error ----------------------------------------------------------------------------

def test_in_error_hidden_from_everyday_view_kept_for_managers(worker, manager, child):
    """Issue 16: a mistaken entry is marked recorded in error with a reason, hidden from the
    everyday view, visible to managers (asked for) and in the audit; never deleted."""
    kept = _record(worker, [child], title="Kept")
    wrong = _record(worker, [child], title="Wrong child")
    marked = note_mark_in_error(by=worker, note_id=wrong.pk, expected_version=1,
                                reason="Written on the wrong child's record")
    assert marked.recorded_in_error and marked.error_marked_by == worker and marked.error_marked_at
    assert [v.note.pk for v in notes_page(worker, child).items] == [kept.pk]
    assert [v.note.pk for v in notes_page(worker, child, include_in_error=True).items] == [kept.pk]
    shown = notes_page(manager, child, include_in_error=True)
    assert {v.note.pk: v.in_error for v in shown.items} == {kept.pk: False, wrong.pk: True}
    assert notes_page(manager, child).total == 1
    assert note_detail(worker, wrong.pk) is None and note_detail(manager, wrong.pk).note.pk == wrong.pk
    [row] = AuditEvent.objects.filter(detail__event="note_mark_in_error")
    assert row.reason == "Written on the wrong child's record"
    assert row.detail["changes"]["recorded_in_error"] == [False, True]
    assert CaseNote.objects.filter(pk=wrong.pk).exists()


def test_in_error_takes_the_statutory_visit_off(worker, siblings):
    """Care Planning Regs 2010 reg 28 / Issue 16: a visit note recorded in error takes its visits
    off (their history kept), so each child's visit clock is re-derived as if never met."""
    ada, ben = siblings
    for child in siblings:
        private_fostering_notify(by=worker, child_id=child.pk, notified_date=D(2025, 6, 2),
                                 start_date=D(2025, 5, 20), carer_name="A Friend")
    note = _record(worker, [ada, ben], statutory_visit=True)
    visit_ids = set(Visit.objects.values_list("pk", flat=True))
    note_mark_in_error(by=worker, note_id=note.pk, expected_version=1, reason="Visit did not happen")
    assert not Visit.objects.exists()
    assert set(Visit.history.filter(history_type="-").values_list("id", flat=True)) == visit_ids
    assert not CaseNoteChild.objects.filter(visit__isnull=False).exists()
    for child in siblings:
        assert Clock.objects.get(child=child, code="T15", sequence=1).met_date is None
    removed = AuditEvent.objects.filter(detail__event="note_mark_in_error", action="delete")
    assert sorted(removed.values_list("child_id", flat=True)) == sorted([ada.pk, ben.pk])


def test_in_error_rules_enforced_nothing_stored(worker, colleague, child):
    """Issue 16: only the author or a manager marks in error, with a reason, once; a marked note
    is not corrected; stale versions conflict."""
    note = _record(worker, [child])
    with pytest.raises(RecordInvalid):
        note_mark_in_error(by=colleague, note_id=note.pk, expected_version=1, reason="Not my note at all")
    with pytest.raises(RecordInvalid) as short:
        note_mark_in_error(by=worker, note_id=note.pk, expected_version=1, reason="oops")
    assert {v.field for v in short.value.violations} == {"reason"}
    assert not CaseNote.objects.get(pk=note.pk).recorded_in_error
    note_mark_in_error(by=worker, note_id=note.pk, expected_version=1, reason="Wrong family entirely")
    with pytest.raises(EditConflict):
        note_mark_in_error(by=worker, note_id=note.pk, expected_version=1, reason="Wrong family entirely")
    with pytest.raises(RecordInvalid):
        note_mark_in_error(by=worker, note_id=note.pk, expected_version=2, reason="Wrong family entirely")
    with pytest.raises(RecordInvalid):
        note_correct(by=worker, note_id=note.pk, expected_version=2, reason="Fix the title please",
                     title="New")
    assert CaseNote.objects.get(pk=note.pk).version == 2


# --- reading --------------------------------------------------------------------------------------

def test_notes_page_newest_first_paged_and_filtered(worker, child):
    """Issue 16: notes paged with a total, newest first by the date it happened, then by when it
    was recorded; filtered by kind."""
    days = [D(2025, 6, 3), D(2025, 6, 10), D(2025, 6, 10), D(2025, 5, 1), D(2025, 6, 20)]
    notes = [_record(worker, [child], occurred_on=day, kind="phone_call" if i == 3 else "home_visit",
                     title=f"n{i}") for i, day in enumerate(days)]
    first = notes_page(worker, child, size=2)
    assert [v.note.title for v in first.items] == ["n4", "n2"]
    assert (first.total, first.has_next, first.number, first.has_previous) == (5, True, 1, False)
    last = notes_page(worker, child, number=3, size=2)
    assert [v.note.title for v in last.items] == ["n3"] and not last.has_next
    assert [v.note.pk for v in notes_page(worker, child, kind="phone_call").items] == [notes[3].pk]
    assert notes_page(worker, child, number=9).items == []


def _bulk_notes(worker, children, n):
    """n notes about all `children`, each corrected once: set up straight in the tables (this test
    is about reading, not writing)."""
    made = CaseNote.objects.bulk_create(
        CaseNote(kind="home_visit", occurred_on=VISIT_DAY - dt.timedelta(days=i), title=f"Note {i}",
                 text="words", recorded_by=worker) for i in range(n))
    CaseNoteChild.objects.bulk_create(CaseNoteChild(note=note, child=child, seen=True)
                                      for note in made for child in children)
    CaseNoteAmendment.objects.bulk_create(CaseNoteAmendment(note=note, version=2, reason="A reason here",
                                                            amended_by=worker) for note in made)


def test_notes_page_fixed_number_of_queries(worker, make_child):
    """Issue 16 (speed): the child's notes in a fixed number of queries, whatever the number of
    notes and of children on them (1 note about 1 child vs 60 notes about 4 children)."""
    lone, group = make_child(), [make_child() for _ in range(4)]
    _bulk_notes(worker, [lone], 1)
    _bulk_notes(worker, group, 60)
    with CaptureQueriesContext(connection) as short:
        one = notes_page(worker, lone)
    with CaptureQueriesContext(connection) as long:
        many = notes_page(worker, group[0], size=60)
    assert len(one.items) == 1 and len(many.items) == 60 and many.total == 60
    assert len(many.items[0].children) == 3 and many.items[0].amendments == 1
    # The count, the page, the other children named (only those open to the reader: the access
    # policy reads the reader's teams once, then keeps them on the user).
    assert len(long) <= len(short) <= 4
    with CaptureQueriesContext(connection) as touched:  # nothing more is read as the page is shown
        [(v.author.username, v.note.title, v.children) for v in many.items]
    assert len(touched) == 0


def test_note_detail(worker, manager, siblings):
    """Issue 16: a note's page shows its children and seen flags, its corrections newest first
    (who, when, why), earlier versions' words and its documents; it names the children so the
    caller can check the user may view each."""
    ada, ben = siblings
    note = _record(worker, [ada, ben], seen={ada.pk: {"seen": True, "seen_alone": True},
                                             ben.pk: {"seen": True}})
    note_correct(by=worker, note_id=note.pk, expected_version=1, reason="Title said too little",
                 title="Home visit, both seen")
    note_correct(by=manager, note_id=note.pk, expected_version=2, reason="Add who else was there",
                 present="Mother, grandmother")
    doc = Document.objects.create(child=ada, case_note=note, title="Photo of the kitchen",
                                  original_name="k.jpg", content_type="image/jpeg", size=10,
                                  sha256="0" * 64, recorded_by=worker)
    detail = note_detail(worker, note.pk)
    assert detail.child_ids == sorted([ada.pk, ben.pk])
    assert [(c.child.pk, c.seen, c.seen_alone) for c in detail.children] == \
        sorted([(ada.pk, True, True), (ben.pk, True, False)])
    assert [(a.version, a.amended_by) for a in detail.amendments] == [(3, manager), (2, worker)]
    assert [(v.version, v.title) for v in detail.versions] == \
        [(2, "Home visit, both seen"), (1, "Home visit")]
    assert detail.documents == [doc]
    assert note_detail(worker, 999_999) is None


def test_significant_events_for_the_chronology(worker, siblings):
    """Issue 16 (court chronology): a child's significant events, oldest first, within the dates
    asked, including a sibling group's, never one recorded in error."""
    ada, ben = siblings
    early = _record(worker, [ada, ben], kind="significant_event", occurred_on=D(2025, 3, 1),
                    title="Police attended", seen={})
    _record(worker, [ada], kind="phone_call", occurred_on=D(2025, 4, 1), title="Routine call", seen={})
    late = _record(worker, [ada], kind="meeting", occurred_on=D(2025, 5, 1), title="Strategy meeting",
                   significant=True, seen={})
    wrong = _record(worker, [ada], kind="significant_event", occurred_on=D(2025, 4, 2), title="Wrong",
                    seen={})
    note_mark_in_error(by=worker, note_id=wrong.pk, expected_version=1, reason="Not about this family")
    assert [n.pk for n in significant_events(ada)] == [early.pk, late.pk]
    assert [n.pk for n in significant_events(ben)] == [early.pk]
    assert [n.pk for n in significant_events(ada, since=D(2025, 4, 1))] == [late.pk]
    assert [n.pk for n in significant_events(ada, until=D(2025, 4, 30))] == [early.pk]
