"""Searching the case notes (issue 16, item 7): the same behaviour on SQLite (FTS5) and PostgreSQL
(full-text search), for words that match on both; every read through the access policy."""

import datetime as dt
import importlib

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from safeguard.access.services import access_grant
from safeguard.audit.models import AuditEvent
from safeguard.casework import search
from safeguard.casework.models import CaseNote, CaseNoteChild
from safeguard.casework.search import (
    MAX_WORDS,
    STOP_WORDS,
    excerpt_around,
    fts5_query,
    mark,
    rebuild,
    search_notes,
    search_words,
)
from safeguard.casework.services import note_correct, note_mark_in_error, note_record
from safeguard.people.services import child_restrict
from safeguard.workforce.models import Team, User

D = dt.date
DAY = D(2025, 6, 10)
migration = importlib.import_module("safeguard.casework.migrations.0002_note_search")
on_sqlite = pytest.mark.skipif("connection.vendor != 'sqlite'")
on_postgres = pytest.mark.skipif("connection.vendor != 'postgresql'")


def _note(by, children, *, title="Phone call", text="Spoke to mother.", day=DAY, **fields):
    return note_record(by=by, child_ids=[c.pk for c in children], kind="phone_call", occurred_on=day,
                       title=title, text=text, **fields)


def _found(user, text, **kw) -> list[int]:
    return [hit.note.pk for hit in search_notes(user, text, **kw).items]


@pytest.fixture
def siblings(make_child):
    return make_child(first_name="Ada", last_name="Osei"), make_child(first_name="Ben", last_name="Osei")


# --- the words searched (pure) ----------------------------------------------------------------------

def test_words_are_plain_and_bounded():
    """Issue 16: search the notes; what a worker types is bounded (10 words from 200 characters),
    lower-cased, each word once, stop words left out as PostgreSQL's English configuration does."""
    words, ignored, shortened = search_words("The SCHOOL called about the school run")
    assert words == ("school", "called", "run") and ignored == ("the", "about") and not shortened
    words, _, shortened = search_words(" ".join(f"word{i}" for i in range(15)))
    assert len(words) == MAX_WORDS and shortened
    words, _, shortened = search_words("x" * 190 + " school " + "y" * 20)
    assert words == ("x" * 190, "school") and shortened
    assert search_words("") == ((), (), False) and search_words(None) == ((), (), False)


def test_search_syntax_typed_is_never_passed_through():
    """Issue 16 / OWASP injection: FTS5 and tsquery operators typed by a user are read as plain
    words; each word reaches FTS5 as a quoted string."""
    words, _, _ = search_words('school* OR NEAR(visit mum) title:"x" -police ^dad & !gp | <->')
    assert words == ("school", "near", "visit", "mum", "title", "x", "police", "dad", "gp")
    assert fts5_query(("school", "visit")) == '"school" "visit"'
    assert fts5_query(('a"b',)) == '"a""b"'


def test_marking_escapes_everything_and_marks_the_words():
    """Issue 16: a highlighted excerpt, escaped (nothing a worker typed runs in a browser), with
    <mark> around the words found and their common endings."""
    html = mark('<script>alert("x")</script> School visits & visited', ("school", "visits"))
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;" in html
    assert "<mark>School</mark>" in html and "<mark>visits</mark>" in html and "<mark>visited</mark>" in html
    assert "<mark>alert</mark>" not in html


def test_excerpt_is_around_the_first_word_found():
    """Issue 16: the excerpt shows the words around the hit, cut at words, marked as cut."""
    text = "Opening words. " + "filler " * 80 + "The school rang. " + "more " * 80
    piece = excerpt_around(text, ("school",))
    assert "school rang" in piece and piece.startswith("…") and piece.endswith("…")
    assert len(piece) <= search.EXCERPT_CHARS + 2
    assert excerpt_around("Short note about school.", ("school",)) == "Short note about school."
    assert excerpt_around("## Heading\n- school run", ("school",)) == "Heading school run"


# --- finding notes ------------------------------------------------------------------------------

def test_school_is_found_in_title_or_text(worker, siblings):
    """Issue 16: search the notes (full text): "school" finds a note with "school" in its title and
    one with it in its text, on SQLite and PostgreSQL alike; a note without it is not found."""
    ada, ben = siblings
    in_title = _note(worker, [ada], title="Call from school", text="Attendance is poor.", day=D(2025, 6, 1))
    in_text = _note(worker, [ben], title="Home visit", text="Ben is happy at SCHOOL now.", day=D(2025, 6, 2))
    _note(worker, [ada], title="GP", text="Health visitor called.")
    page = search_notes(worker, "school")
    assert [h.note.pk for h in page.items] == [in_text.pk, in_title.pk]  # newest first
    assert page.total == 2 and not page.has_next and not page.has_previous
    assert "<mark>SCHOOL</mark>" in page.items[0].excerpt and "<mark>school</mark>" in page.items[1].title


def test_every_word_must_match_and_stems_common_to_both(worker, child):
    """Issue 16: every word typed must be in the note; a plural or past tense finds the same stem
    on both databases (Snowball and Porter agree on common words: visits/visited)."""
    both = _note(worker, [child], title="Visited home", text="School run with mother.")
    other = _note(worker, [child], title="Visited school", text="Teacher only.")
    assert _found(worker, "school mother") == [both.pk]
    assert set(_found(worker, "visits")) == {both.pk, other.pk}
    assert _found(worker, "the school and the mother") == [both.pk]  # stop words do not count
    assert _found(worker, "school dentist") == []
    assert search_notes(worker, "the and of").total == 0  # nothing left to search


def test_syntax_in_the_search_is_harmless(worker, child):
    """Issue 16 / OWASP injection: operators in the search neither fail nor widen it."""
    note = _note(worker, [child], title="School", text="Police attended.")
    assert _found(worker, 'school" OR "x') == []  # "x" is also required
    assert _found(worker, "school*") == [note.pk]
    assert _found(worker, "police:) AND (NOT") == [note.pk]  # "and", "not": stop words, not operators
    assert _found(worker, "text:police") == []  # "text" is a word here, not a column
    assert _found(worker, "';--") == []


def test_restricted_childrens_notes_are_not_found(worker, manager, siblings):
    """Issue 16: search for those who may open the child. ARCHITECTURE.md: every read starts from
    the access policy: a restricted child's notes are never found by someone it is not open to;
    a sibling's shared note is found, naming only the child the searcher may open."""
    ada, ben = siblings
    own = _note(worker, [ben], title="School meeting", text="Ben only.")
    shared = _note(worker, [ada, ben], title="School visit", text="Both children.")
    child_restrict(by=manager, child_id=ben.pk, restricted=True, reason="Staff member's own family")
    page = search_notes(worker, "school")
    assert [h.note.pk for h in page.items] == [shared.pk]
    assert [(c.id, c.name) for c in page.items[0].children] == [(ada.pk, "Ada Osei")]
    assert _found(worker, "school", child=ben) == []
    access_grant(by=manager, child_id=ben.pk, user_id=worker.pk, reason="Covering the case")
    opened = search_notes(worker, "school")
    assert {h.note.pk for h in opened.items} == {own.pk, shared.pk}
    assert [c.name for c in opened.items[0].children] == ["Ada Osei", "Ben Osei"]


def test_a_worker_of_another_team_finds_nothing(worker, la, child):
    """Access policy: children with no allocated worker are open to the front door only; a
    worker of another team finds none of their notes."""
    _note(worker, [child], title="School")
    other = User.objects.create_user(
        username="sw9", password="x", role=User.Role.SOCIAL_WORKER, local_authority=la,
        team=Team.objects.create(local_authority=la, name="CIN 2", service="Children in need"))
    assert _found(other, "school") == []
    assert search_notes(other, "school").total == 0


def test_notes_recorded_in_error_are_never_found(worker, manager, child):
    """Issue 16 (corrections, never deletions): a note recorded in error leaves the everyday view,
    so search never finds it, for a manager either."""
    wrong = _note(worker, [child], title="School", text="Wrong family.")
    note_mark_in_error(by=worker, note_id=wrong.pk, expected_version=1, reason="Wrong family")
    assert _found(worker, "school") == [] and _found(manager, "school") == []


def test_sensitive_notes_are_found_but_flagged(worker, child):
    """Issue 16: a note with third-party information is found, and flagged as sensitive."""
    _note(worker, [child], title="School", text="Neighbour's account.", sensitive=True)
    _note(worker, [child], title="School", text="Plain.", day=D(2025, 6, 1))
    assert [h.sensitive for h in search_notes(worker, "school").items] == [True, False]


def test_one_child_paging_and_total(worker, siblings):
    """Issue 16: results are paged with a total, newest first; the search may be kept to one child."""
    ada, ben = siblings
    notes = [_note(worker, [ada], title=f"School {i}", day=D(2025, 1, 1) + dt.timedelta(days=i))
             for i in range(5)]
    _note(worker, [ben], title="School", day=D(2024, 1, 1))
    first = search_notes(worker, "school", size=2)
    assert first.total == 6 and first.has_next
    assert [h.note.pk for h in first.items] == [notes[4].pk, notes[3].pk]
    last = search_notes(worker, "school", number=3, size=2)
    assert last.has_previous and not last.has_next and len(last.items) == 2
    assert search_notes(worker, "school", number=9, size=2).items == []
    assert search_notes(worker, "school", child=ben).total == 1
    assert search_notes(worker, "school", child=ada.pk, size=10).total == 5


def test_one_audit_row_per_child_shown(worker, make_child):
    """ARCHITECTURE.md: a list that names children writes an audit row per child
    (audit_children), action "search"; no row for a search that shows nobody."""
    a, b, c = make_child(), make_child(), make_child()
    _note(worker, [a, b], title="School")
    _note(worker, [b], title="School again")
    _note(worker, [c], title="Dentist")
    search_notes(worker, "school")
    rows = AuditEvent.objects.filter(action="search")
    assert sorted(rows.values_list("child_id", flat=True)) == sorted([a.pk, b.pk])
    assert {(r.object_type, r.actor_id) for r in rows} == {("casework.CaseNote", worker.pk)}
    search_notes(worker, "nothing")
    assert AuditEvent.objects.filter(action="search").count() == 2


def test_fixed_number_of_queries_per_page(worker, make_child):
    """Issue 16 (speed): a page of results is a fixed number of queries, whatever it holds: the
    count, the page, the children named, the audit."""
    kids = [make_child() for _ in range(3)]
    _note(worker, kids[:1], title="Dentist once")
    for i in range(8):
        _note(worker, kids, title=f"School {i}", text="Long " * 500)
    search_notes(worker, "warm")  # the user's teams, read once per request
    with CaptureQueriesContext(connection) as one:
        assert len(search_notes(worker, "dentist").items) == 1
    with CaptureQueriesContext(connection) as many:
        assert len(search_notes(worker, "school").items) == 8
    assert len(one) == len(many) <= 5


# --- the index kept in step ---------------------------------------------------------------------

def test_corrected_words_are_searched(worker, child):
    """Issue 16 (corrections): a corrected note is found by its new words, not its old ones."""
    note = _note(worker, [child], title="School", text="Mentioned the dentist.")
    note_correct(by=worker, note_id=note.pk, expected_version=1, reason="Wrong word",
                 text="Mentioned the optician.")
    assert _found(worker, "optician") == [note.pk] and _found(worker, "dentist") == []


def test_bulk_created_notes_are_indexed(worker, child):
    """Issue 16: the generator writes notes in bulk (bulk_create, plain INSERTs); they are indexed
    (SQLite's triggers fire for each row; PostgreSQL keeps its index itself)."""
    notes = CaseNote.objects.bulk_create(
        [CaseNote(kind="phone_call", occurred_on=D(2025, 6, i + 1), title=f"Bulk {i}", text="Zebra crossing")
         for i in range(3)])
    ids = [n.pk or CaseNote.objects.get(title=n.title).pk for n in notes]
    CaseNoteChild.objects.bulk_create([CaseNoteChild(note_id=pk, child=child) for pk in ids])
    assert sorted(_found(worker, "zebra")) == sorted(ids)
    CaseNoteChild.objects.filter(note_id=ids[0]).delete()
    CaseNote.objects.filter(pk=ids[0]).delete()  # the database's DELETE (no service deletes a note)
    assert sorted(_found(worker, "zebra")) == sorted(ids[1:])
    CaseNote.objects.filter(pk=ids[1]).update(text="Horse")
    assert _found(worker, "zebra") == [ids[2]] and _found(worker, "horse") == [ids[1]]


@on_sqlite
def test_sqlite_index_matches_the_notes_and_survives_migrations(worker, child):
    """Issue 16: the FTS5 index and its triggers are in place after every migration (a later
    migration that remakes casework_casenote would drop them), and agree with the notes."""
    _note(worker, [child], title="School", text="Words")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                       [migration.TABLE])
        assert set(migration.SQLITE_TRIGGERS) <= {r[0] for r in cursor.fetchall()}
        cursor.execute(f"INSERT INTO {migration.FTS}({migration.FTS}) VALUES ('integrity-check')")


@on_sqlite
def test_sqlite_rebuild_puts_back_lost_triggers(worker, child):
    """Issue 16: after a bulk load or a table remade by a migration, rebuild() re-indexes every
    note and puts the triggers back."""
    with connection.cursor() as cursor:
        for name in migration.SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")
    lost = _note(worker, [child], title="School", text="Unindexed")
    assert _found(worker, "unindexed") == []
    rebuild()
    assert _found(worker, "unindexed") == [lost.pk]
    later = _note(worker, [child], title="School", text="Indexed again")
    assert _found(worker, "indexed") == [later.pk]


@on_postgres
def test_postgres_search_uses_the_gin_index(worker, child):
    """Issue 16 (speed): the search's expression is the indexed one, so PostgreSQL uses the GIN
    index; rebuild() runs after a bulk load."""
    _note(worker, [child], title="School", text="Words")
    rebuild()
    notes = CaseNote.objects.filter(search._matching(("school",)))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = notes.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(r[0] for r in cursor.fetchall())
    assert migration.INDEX in plan


@on_postgres
def test_stop_words_are_postgres_own(db):
    """Issue 16: the stop words dropped on both databases are ones PostgreSQL's English
    configuration never indexes, so a search with them finds the same notes on each."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_tsvector('english', %s)::text", [" ".join(sorted(STOP_WORDS))])
        assert cursor.fetchone()[0] == ""


class _Editor:
    """Enough of a schema editor to run the migration's functions on the test connection."""

    connection = connection

    def execute(self, sql, params=None):
        with connection.cursor() as cursor:
            cursor.execute(sql)


def test_migration_is_reversible(worker, child):
    """Issue 16: the index's migration branches on the database and can be undone and redone."""
    note = _note(worker, [child], title="School")
    if connection.vendor == "postgresql":  # DDL after this transaction's inserts: check their keys now
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    migration.backwards(None, _Editor())
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 - the table or index is gone
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"SELECT count(*) FROM {migration.FTS}")
            else:
                cursor.execute("SELECT %s::regclass", [migration.INDEX])
    migration.forwards(None, _Editor())
    assert _found(worker, "school") == [note.pk]
