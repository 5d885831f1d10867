"""A child's chronology: every dated event on the record, newest first, with who recorded it.
Built from a `ChildHistory` already loaded (access checked and audited by then): the whole record
for the CSV export, or only the sources one page needs (`safeguard.web.child_page`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from safeguard.workforce.models import User

KINDS = {
    "front_door": "Contacts and referrals",
    "assessment": "Assessments and plans",
    "protection": "Child protection",
    "care": "Looked after",
    "visit": "Visits",
    "allocation": "Allocations",
    "note": "Significant events",
}

# Which lists of the history give entries of each kind, in the order their entries are added
# (entries on the same day keep this order, then the order of the records' primary keys).
SOURCES = {
    "front_door": ("contacts", "referrals"),
    "assessment": ("assessments", "cin_plans"),
    "protection": ("strategy_discussions", "section47s", "conferences", "cp_plans"),
    "care": ("periods", "la_reviews"),
    "visit": ("visits",),
    "allocation": ("allocations",),
    "note": (),  # significant case notes: not held in the history, handed in (`notes`)
}

# Lists whose records each give exactly one entry, dated by this field: for the first n entries
# of the chronology only their n newest records (by date, then primary key) can be needed.
ONE_ENTRY_EACH = {"visits": "visit_date", "la_reviews": "review_date"}

PAGE_SIZE = 50


@dataclass(frozen=True)
class Entry:
    date: dt.date
    kind: str
    text: str
    recorded_by: object
    recorded_on: dt.date | None = None  # when it was written down (the court asks both)


@dataclass(frozen=True)
class Page:
    """One page of the chronology (newest first) and whether there are older or newer entries."""

    items: list[Entry]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def sources_for(kind: str = "") -> tuple[str, ...]:
    """The history lists the chronology reads, for one kind or (no kind) all of them."""
    if not kind:
        return tuple(name for names in SOURCES.values() for name in names)
    return SOURCES.get(kind, ())


def _d(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def entries(h, kind: str = "", notes=()) -> list[Entry]:
    """Every entry (of one kind, if given), with the staff named fetched in one query. `notes`:
    the child's significant case notes (casework.selectors.significant_events)."""
    return _named(_entries(h, kind, notes))


def page(h, *, kind: str = "", number: int = 1, size: int = PAGE_SIZE, notes=()) -> Page:
    """Entries (number - 1) * size + 1 to number * size, naming only the staff on this page.
    `h` needs the lists of `sources_for(kind)`; of `ONE_ENTRY_EACH` the newest number * size + 1
    records are enough."""
    raw = _entries(h, kind, notes)
    start = (number - 1) * size
    return Page(_named(raw[start : start + size]), number, len(raw) > start + size)


@dataclass(frozen=True)
class _Raw:
    date: dt.date
    kind: str
    text: str
    recorded_by_id: int | None
    worker_id: int | None = None  # an allocation's worker, named after the text
    recorded_on: dt.date | None = None


def _named(raw: list[_Raw]) -> list[Entry]:
    ids = {e.recorded_by_id for e in raw if e.recorded_by_id} | {e.worker_id for e in raw if e.worker_id}
    names = ("pk", "username", "first_name", "last_name")  # all the chronology shows of them
    staff = {u.pk: u for u in User.objects.filter(pk__in=ids).only(*names)} if ids else {}
    return [
        Entry(
            e.date,
            e.kind,
            e.text if e.worker_id is None else f"{e.text}{staff.get(e.worker_id, '')}",
            staff.get(e.recorded_by_id),
            e.recorded_on,
        )
        for e in raw
    ]


def _entries(h, kind: str = "", notes=()) -> list[_Raw]:
    out: list[_Raw] = []
    wanted = set(sources_for(kind))

    def add(date, kind, text, obj, worker_id=None, by=None):
        """`by`: who made a later decision on the record (not who first recorded it)."""
        if date is not None:
            who = by if by is not None else getattr(obj, "recorded_by_id", None)
            # A later decision on a record was written when it was made, not when the record was.
            written = None if by is not None else _d(getattr(obj, "created_at", None))
            out.append(_Raw(_d(date), kind, text, who, worker_id, written))

    def rows(name):
        return getattr(h, name) if name in wanted else ()

    for c in rows("contacts"):
        add(c.received_at, "front_door", f"Contact from {c.get_source_display()}: {c.summary}".strip(": "), c)
        if c.decision:
            add(c.decided_at, "front_door", f"Contact decision: {c.get_decision_display()}", c,
                by=c.decided_by_id)
    for r in rows("referrals"):
        add(r.referral_date, "front_door", f"Referral ({r.get_source_display()})", r)
        if r.response:
            add(r.response_date, "front_door", f"Response to referral: {r.get_response_display()}", r,
                by=r.response_by_id)
        if r.closure_date:
            add(
                r.closure_date,
                "front_door",
                f"Episode closed ({r.reason_for_closure}): {r.closure_rationale}",
                r,
                by=r.closure_authorised_by_id,
            )
    for a in rows("assessments"):
        add(a.start_date, "assessment", "Assessment started", a)
        if a.authorisation_date:
            add(a.authorisation_date, "assessment", "Assessment authorised", a, by=a.authorised_by_id)
    for p in rows("cin_plans"):
        add(p.start_date, "assessment", "Child in need plan started", p)
        if p.end_date:
            add(p.end_date, "assessment", "Child in need plan ended", p)
    for s in rows("strategy_discussions"):
        add(
            s.held_on,
            "protection",
            "Strategy discussion" + (": section 47 enquiries started" if s.s47_initiated else ""),
            s,
        )
    for s in rows("section47s"):
        add(s.start_date, "protection", "Section 47 enquiry started", s)
        if s.end_date:
            add(s.end_date, "protection", f"Section 47 outcome: {s.get_outcome_display()}", s)
    for c in rows("conferences"):
        add(c.held_on, "protection", c.get_kind_display(), c)
    for p in rows("cp_plans"):
        add(p.start_date, "protection", f"Child protection plan started ({p.initial_category})", p)
        if p.end_date:
            add(p.end_date, "protection", "Child protection plan ended", p)
    for p in rows("periods"):
        add(p.start_date, "care", "Became looked after", p)
        if p.end_date:
            add(p.end_date, "care", "Ceased to be looked after", p)
    for r in rows("la_reviews"):
        add(getattr(r, "review_date", None), "care", "Looked-after review", r)
    for v in rows("visits"):
        add(
            v.visit_date,
            "visit",
            "Visit" + (" (seen alone)" if v.seen_alone else " (seen)" if v.seen else " (not seen)"),
            v,
        )
    for n in notes if kind in ("", "note") else ():
        add(n.occurred_on, "note", f"{n.get_kind_display()}: {n.title}", n)
    for a in rows("allocations"):
        add(a.start_date, "allocation", f"{a.get_kind_display()}: ", a, worker_id=a.worker_id)
    out.sort(key=lambda e: e.date, reverse=True)  # stable: same-day entries keep the order above
    return out
