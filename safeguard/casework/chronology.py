"""A child's chronology: every dated event on the record, newest first, with who recorded it.
Built from a `ChildHistory` already loaded (access checked and audited by then): the whole record
for the CSV export, or only the sources one page needs (`safeguard.web.child_page`).

Decisions (issue 17) show who decided and why: the contact decision, the response to a referral,
an assessment's submissions, returns (with the manager's comments) and authorisation, the outcome
of a section 47 enquiry and its rationale, a conference's decision and reasons (and its chair), a
plan's end and its reason, and a closure with its rationale. The words are attached to the records,
not held in the history: they are read here in one query per kind of decision, only when the
history holds a record that can have them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.db.models import CharField, DateTimeField, F, IntegerField, Value
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


#: The longest part of a manager's comments or rationale shown in an entry (the record keeps all).
WORDS_SHOWN = 300


def _said(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= WORDS_SHOWN else text[: WORDS_SHOWN - 1].rstrip() + "…"


@dataclass(frozen=True)
class _Words:
    """One attached decision record, read in the chronology's one query of decisions."""

    outcome: str  # an assessment round's outcome, an S47's proposed outcome, a conference's decision
    words: str  # the manager's comments or rationale, the conference's reasons
    submitted_by_id: int | None
    submitted_at: dt.datetime | None
    decided_by_id: int | None
    decided_at: dt.datetime | None


_COLUMNS = ("c_kind", "c_parent", "c_outcome", "c_words", "c_submitted_by", "c_submitted_at",
            "c_decided_by", "c_decided_at", "c_pk")


def _label(model: str, field: str, code: str) -> str:
    """A code's words, from the model's choices (a code no longer listed shows as it is)."""
    return dict(apps.get_model(model)._meta.get_field(field).choices or ()).get(code, code)


def _branch(label: str, kind: str, parent: str, ids, outcome: str, words: str, people: bool):
    """One table's rows in the shape of `_COLUMNS`, for the union."""
    def none(field):
        return Value(None, output_field=field)

    return apps.get_model(label).objects.filter(**{f"{parent}__in": ids}).annotate(
        c_kind=Value(kind, output_field=CharField()), c_parent=F(parent), c_outcome=F(outcome),
        c_words=F(words),
        c_submitted_by=F("submitted_by_id") if people else none(IntegerField()),
        c_submitted_at=F("submitted_at") if people else none(DateTimeField()),
        c_decided_by=F("decided_by_id") if people else none(IntegerField()),
        c_decided_at=F("decided_at") if people else none(DateTimeField()),
        c_pk=F("pk"),
    ).values(*_COLUMNS)


def _attached(h, wanted: set[str]) -> dict[str, dict]:
    """The decisions' words for the records held, in one query (a union): the assessments' rounds
    (submitted, returned, authorised), the section 47 decisions, the conferences' minutes. They
    belong to casework apps of the same layer, reached through the app registry (as the record
    does) so that none of them comes to depend on this one. No query when none can exist."""
    got: dict[str, dict] = {"a": {}, "s": {}, "c": {}}
    branches = []
    if "assessments" in wanted:
        ids = [a.pk for a in h.assessments if getattr(a, "status", "draft") != "draft"]
        if ids:
            branches.append(_branch("assessment.AssessmentDecision", "a", "assessment_id", ids,
                                    "outcome", "comments", True))
    if "section47s" in wanted and h.section47s:
        branches.append(_branch("child_protection.Section47Decision", "s", "section47_id",
                                [s.pk for s in h.section47s], "proposed_outcome", "rationale", True))
    if "conferences" in wanted and h.conferences:
        branches.append(_branch("child_protection.ConferenceMinutes", "c", "conference_id",
                                [c.pk for c in h.conferences], "decision", "decision_reasons", False))
    if not branches:
        return got
    rows = branches[0].union(*branches[1:], all=True) if len(branches) > 1 else branches[0]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    for r in sorted(rows, key=lambda r: (r["c_submitted_at"] or far, r["c_pk"])):
        words = _Words(r["c_outcome"] or "", r["c_words"] or "", r["c_submitted_by"],
                       r["c_submitted_at"], r["c_decided_by"], r["c_decided_at"])
        if r["c_kind"] == "a":
            got["a"].setdefault(r["c_parent"], []).append(words)
        else:
            got[r["c_kind"]][r["c_parent"]] = words
    return got


def _entries(h, kind: str = "", notes=()) -> list[_Raw]:
    out: list[_Raw] = []
    wanted = set(sources_for(kind))
    words = _attached(h, wanted)

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
        signed_off = ""
        for d in words["a"].get(a.pk, ()):
            add(d.submitted_at, "assessment", "Assessment submitted for the manager's decision", a,
                by=d.submitted_by_id)
            if d.outcome == "returned":
                add(d.decided_at, "assessment", f"Assessment returned to the worker: {_said(d.words)}", a,
                    by=d.decided_by_id)
            elif d.outcome == "authorised" and d.words:
                signed_off = f": {_said(d.words)}"
        if a.authorisation_date:
            add(a.authorisation_date, "assessment", f"Assessment authorised{signed_off}", a,
                by=a.authorised_by_id)
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
        d = words["s"].get(s.pk)
        if d is not None and d.submitted_at:
            proposed = _label("child_protection.Section47Decision", "proposed_outcome", d.outcome)
            proposed = f" (proposed: {proposed})" if d.outcome else ""
            add(d.submitted_at, "protection", f"Section 47 findings submitted for the manager's decision"
                f"{proposed}", s, by=d.submitted_by_id)
        if s.end_date:
            rationale = f": {_said(d.words)}" if d is not None and d.words else ""
            add(s.end_date, "protection", f"Section 47 outcome: {s.get_outcome_display()}{rationale}", s,
                by=d.decided_by_id if d is not None else None)
    for c in rows("conferences"):
        m = words["c"].get(c.pk)
        text = c.get_kind_display()
        if m is not None and m.outcome:
            text += ": " + _label("child_protection.ConferenceMinutes", "decision", m.outcome)
            if m.words:
                text += f" ({_said(m.words)})"
        elif c.plan_required is not None and c.kind != "review":
            text += ": a child protection plan is needed" if c.plan_required else ": no plan needed"
        chair_id = getattr(c, "chair_id", None)
        add(c.held_on, "protection", f"{text}; chaired by " if chair_id else text, c, worker_id=chair_id)
    for p in rows("cp_plans"):
        add(p.start_date, "protection", f"Child protection plan started ({p.initial_category})", p)
        if p.end_date:
            reason = p.get_end_reason_display() if p.end_reason else ""
            if p.end_detail:
                reason = f"{reason}: {p.end_detail}" if reason else p.end_detail
            # Decided at the review conference that ended it: credit its chair when it is on file.
            ending = next((c for c in getattr(h, "conferences", ()) if c.kind == "review"
                           and c.cp_plan_id == p.pk and c.held_on == p.end_date
                           and getattr(c, "chair_id", None)), None)
            add(p.end_date, "protection", "Child protection plan ended" + (f": {reason}" if reason else ""),
                p, by=ending.chair_id if ending is not None else None)
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
