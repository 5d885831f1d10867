"""Search the case notes (issue 16, item 7: "Search the notes (full text, for those who may open the
child): PostgreSQL full-text search; SQLite FTS5 on the embedded default").

The index is made by migration 0002_note_search (a GIN index on PostgreSQL, an FTS5 table kept in
step by triggers on SQLite). A search:

- takes the words a worker typed, bounded (`MAX_CHARS`, `MAX_WORDS`), as plain words: letters and
  digits only, each quoted for FTS5 or handed to plainto_tsquery, so no search syntax a user types
  is ever passed through; every word must match (in the title or the text);
- starts from the access policy (ARCHITECTURE.md: "every read starts from the access policy"): a
  note is found only if it is about a child `children_visible_to(user)` opens, and names only
  those children; a note recorded in error is never found; a sensitive note is found but flagged;
- lists newest first (date it happened, then when it was recorded, as the child's notes do), not
  by rank: the two databases rank differently (bm25 and ts_rank), while dates order the same on
  both, and a worker reads a record as a chronology;
- is a fixed number of queries per page (the count, the page, the children named, the audit) and
  writes one audit row per child shown (action "search").

What differs between the databases: PostgreSQL stems with Snowball English, SQLite with Porter
(the same for common words, e.g. visit/visits/visited, school/schools; rare words may stem apart);
PostgreSQL's parser also indexes whole hyphenated words and e-mail addresses, which a search of
plain words does not need. English stop words ("the", "and" ...) are dropped from the search on both
(PostgreSQL's list, `STOP_WORDS`), so "the school" finds the same notes on each.
"""

from __future__ import annotations

import contextlib
import importlib
import re
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from safeguard.access.policy import children_visible_to
from safeguard.audit.services import audit_children

from .models import CaseNote, CaseNoteChild
from .text import excerpt as plain_excerpt

_index = importlib.import_module("safeguard.casework.migrations.0002_note_search")

#: How much of what a worker typed is searched: the first 200 characters, the first 10 words.
MAX_CHARS = 200
MAX_WORDS = 10
#: The most hits one page may show (a page of 20 is the default, as the child's notes).
MAX_PAGE_SIZE = 100
#: Characters of the note shown around the first hit.
EXCERPT_CHARS = 200

#: PostgreSQL's English stop words (tsearch_data/english.stop): dropped from a search on both
#: databases, since PostgreSQL never indexes them and FTS5 would otherwise require them.
STOP_WORDS = frozenset("""
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her
hers herself it its itself they them their theirs themselves what which who whom this that these
those am is are was were be been being have has had having do does did doing a an the and but if or
because as until while of at by for with about against between into through during before after
above below to from up down in out on off over under again further then once here there when where
why how all any both each few more most other some such no nor not only own same so than too very s
t can will just don should now
""".split())

#: A word as both indexes see it: a run of letters and digits (punctuation and "_" separate words).
_WORD = re.compile(r"[^\W_]+")
_LAST_WORD = re.compile(r"[^\W_]+$")
#: Endings dropped before comparing a word of the note with a word searched, to mark the hit.
_ENDINGS = ("ing", "ies", "ied", "es", "ed", "s", "ly")


@dataclass(frozen=True)
class ChildNamed:
    """A child a hit is about (only children the searcher may open are named)."""

    id: int
    name: str


@dataclass
class SearchHit:
    """One note found: the note, its children, and its title and excerpt with the hits marked."""

    note: CaseNote
    children: list[ChildNamed]
    title: SafeString  # escaped, <mark> around the words found
    excerpt: SafeString  # escaped, <mark> around the words found
    sensitive: bool  # third-party information: found, but flagged


@dataclass
class SearchPage:
    """One page of a search, newest first, with the total found."""

    items: list[SearchHit]
    number: int
    size: int
    total: int
    has_next: bool
    words: tuple[str, ...] = ()  # the words searched (after the bounds and stop words)
    shortened: bool = False  # the search was cut to MAX_CHARS / MAX_WORDS
    ignored: tuple[str, ...] = ()  # stop words left out

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def search_words(text: str) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """The words to search for in what was typed: (words, stop words left out, shortened?).
    Lower-cased, each once, letters and digits only, at most MAX_WORDS from the first MAX_CHARS."""
    text = text or ""
    shortened = len(text) > MAX_CHARS
    head = text[:MAX_CHARS]
    if shortened and _WORD.match(text[MAX_CHARS]):
        head = _LAST_WORD.sub("", head)  # a word cut in two is not searched
    found = [w.lower() for w in _WORD.findall(head)]
    words: list[str] = []
    ignored: list[str] = []
    for word in found:
        if word in STOP_WORDS:
            if word not in ignored:
                ignored.append(word)
        elif word not in words:
            if len(words) == MAX_WORDS:
                shortened = True
                break
            words.append(word)
    return tuple(words), tuple(ignored), shortened


def fts5_query(words: tuple[str, ...]) -> str:
    """An FTS5 query that matches notes holding every word: each word a quoted string (a quote
    inside doubled), so nothing typed is read as FTS5 syntax (NEAR, OR, column:, *, ^)."""
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def _matching(words: tuple[str, ...]) -> RawSQL:
    """The notes holding every word, as a condition on casework_casenote, per database."""
    if connection.vendor == "postgresql":
        sql = _index.TSVECTOR.format(t=f'"{_index.TABLE}"') + " @@ plainto_tsquery('english', %s)"
        return RawSQL(sql, [" ".join(words)], output_field=BooleanField())
    if connection.vendor == "sqlite":
        sql = (f'"{_index.TABLE}"."id" IN (SELECT rowid FROM {_index.FTS} '
               f"WHERE {_index.FTS} MATCH %s)")
        return RawSQL(sql, [fts5_query(words)], output_field=BooleanField())
    raise ImproperlyConfigured(f"note search needs PostgreSQL or SQLite, not {connection.vendor}")


def _notes(user, words: tuple[str, ...], child) -> tuple[QuerySet, QuerySet]:
    """The notes found (not recorded in error, about a child the user may open) and those children."""
    visible = children_visible_to(user)
    if child is not None:
        visible = visible.filter(pk=getattr(child, "pk", child))
    about = CaseNoteChild.objects.filter(note=OuterRef("pk"), child__in=visible.values("pk"))
    notes = CaseNote.objects.filter(_matching(words), Exists(about), recorded_in_error=False)
    return notes, visible


def search_notes(user, text: str, *, child=None, number: int = 1, size: int = 20) -> SearchPage:
    """The notes holding every word typed, that the user may open, newest first, a page at a time,
    each with its children and its hits marked; one audit row per child shown. `child` (a Child or
    its key) keeps the search to one child's notes."""
    number = max(int(number or 1), 1)
    size = min(max(int(size or 20), 1), MAX_PAGE_SIZE)
    words, ignored, shortened = search_words(text)
    page = SearchPage(items=[], number=number, size=size, total=0, has_next=False, words=words,
                      shortened=shortened, ignored=ignored)
    if not words:
        return page
    notes, visible = _notes(user, words, child)
    page.total = notes.count()
    start = (number - 1) * size
    if start >= page.total:
        return page
    found = list(notes.order_by("-occurred_on", "-created_at", "-pk")[start:start + size + 1])
    page.has_next, found = len(found) > size, found[:size]
    named: dict[int, list[ChildNamed]] = {}
    links = (CaseNoteChild.objects.filter(note_id__in=[n.pk for n in found], child__in=visible.values("pk"))
             .select_related("child").only("note", "child", "child__first_name", "child__last_name")
             .order_by("child__last_name", "child__first_name", "child_id"))
    for link in links:
        named.setdefault(link.note_id, []).append(
            ChildNamed(id=link.child.pk, name=f"{link.child.first_name} {link.child.last_name}"))
    page.items = [SearchHit(note=n, children=named.get(n.pk, []), title=mark(n.title, words),
                            excerpt=mark(excerpt_around(n.text, words), words), sensitive=n.sensitive)
                  for n in found]
    shown = {c.id for hit in page.items for c in hit.children}
    audit_children(actor=user, action="search", child_ids=shown, object_type="casework.CaseNote",
                   detail={"what": "case note search", "page": number, "found": page.total})
    return page


# --- marking the hits ---------------------------------------------------------------------------

def _root(word: str) -> str:
    """A word without a common English ending: enough to mark "visited" for a search of "visits".
    A guide for the eye only; which notes match is the database's stemmer's decision."""
    word = word.lower()
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def _hits(words: tuple[str, ...]):
    """Whether a word of the note is one searched for: the same word, or the same without its ending."""
    known = set(words) | {_root(w) for w in words}
    return lambda token: token.lower() in known or _root(token) in known


def excerpt_around(text: str, words: tuple[str, ...], n: int = EXCERPT_CHARS) -> str:
    """Plain text: about `n` characters of the note (markup dropped, one line) around the first
    word found, cut at words, with "…" where cut. The start of the note if no word is in the text
    (the hit was in the title)."""
    flat = plain_excerpt(text, n=CaseNote.NARRATIVE_LIMIT + 1)  # the whole note, on one line
    if len(flat) <= n:
        return flat
    is_hit = _hits(words)
    first = next((m.start() for m in _WORD.finditer(flat) if is_hit(m.group())), 0)
    start = max(first - n // 4, 0)
    if start:
        space = flat.find(" ", start, first)
        start = space + 1 if space != -1 else start
    end = min(start + n, len(flat))
    if end < len(flat):
        space = flat.rfind(" ", start, end)
        end = space if space > first else end
    piece = flat[start:end].strip()
    return ("…" if start else "") + piece + ("…" if end < len(flat) else "")


def mark(text: str, words: tuple[str, ...]) -> SafeString:
    """The plain text escaped, with <mark> around each word that matches a word searched. Every
    character of the text passes through `escape`; only our own <mark> tags are added."""
    is_hit = _hits(words)
    out: list[str] = []
    at = 0
    for m in _WORD.finditer(text or ""):
        out.append(escape(text[at:m.start()]))
        token = escape(m.group())
        out.append(f"<mark>{token}</mark>" if is_hit(m.group()) else token)
        at = m.end()
    out.append(escape((text or "")[at:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of the text was escaped above


# --- the index ------------------------------------------------------------------------------------

@contextlib.contextmanager
def bulk_load():
    """Around a bulk load of notes (the generator, an import): on SQLite the index is not kept
    note by note (the insert trigger goes; indexing each note as it lands tripled a small council's
    generation) but rebuilt once at the end, which takes about a second for 80,000 notes."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER IF EXISTS {_index.SQLITE_TRIGGERS[0]}")
    try:
        yield
    finally:
        rebuild()


def rebuild() -> None:
    """Put the index right after a bulk load or a restore (`safeguard shell -c "from
    safeguard.casework.search import rebuild; rebuild()"`). SQLite: re-create the FTS5 table and its
    triggers if missing (a later migration that remakes casework_casenote drops its triggers) and
    re-index every note. PostgreSQL: the GIN index is kept in step by the database itself; make it
    if missing, merge its pending list and refresh the planner's statistics."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for sql in _index.SQLITE:
                cursor.execute(sql)
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT to_regclass(%s)", [_index.INDEX])
            if cursor.fetchone()[0] is None:
                for sql in _index.POSTGRES:
                    cursor.execute(sql)
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [_index.INDEX])
            cursor.execute(f"ANALYZE {_index.TABLE}")
        else:
            raise ImproperlyConfigured(f"note search needs PostgreSQL or SQLite, not {connection.vendor}")
