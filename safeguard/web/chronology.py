"""A child's chronology: every dated event on the record, newest first, with who recorded it.
Built from the `ChildHistory` already loaded for the page (access checked and audited by then)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

KINDS = {
    "front_door": "Contacts and referrals",
    "assessment": "Assessments and plans",
    "protection": "Child protection",
    "care": "Looked after",
    "visit": "Visits",
    "allocation": "Allocations",
}


@dataclass(frozen=True)
class Entry:
    date: dt.date
    kind: str
    text: str
    recorded_by: object


def _d(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def entries(h) -> list[Entry]:
    """Every entry, with the staff named fetched in one query rather than one per entry."""
    from safeguard.workforce.models import User

    ids = {a.worker_id for a in h.allocations}
    for name in (
        "contacts",
        "referrals",
        "assessments",
        "cin_plans",
        "strategy_discussions",
        "section47s",
        "conferences",
        "cp_plans",
        "periods",
        "la_reviews",
        "visits",
        "allocations",
    ):
        ids |= {x.recorded_by_id for x in getattr(h, name) if x.recorded_by_id}
    names = ("pk", "username", "first_name", "last_name")  # all the chronology shows of them
    staff = {u.pk: u for u in User.objects.filter(pk__in=ids).only(*names)} if ids else {}
    out = _entries(h, staff)
    return [Entry(e.date, e.kind, e.text, staff.get(e.recorded_by)) for e in out]


def _entries(h, staff: dict) -> list[Entry]:
    out: list[Entry] = []

    def add(date, kind, text, obj):
        if date is not None:
            out.append(Entry(_d(date), kind, text, getattr(obj, "recorded_by_id", None)))

    for c in h.contacts:
        add(c.received_at, "front_door", f"Contact from {c.get_source_display()}: {c.summary}".strip(": "), c)
        if c.decision:
            add(c.decided_at, "front_door", f"Contact decision: {c.get_decision_display()}", c)
    for r in h.referrals:
        add(r.referral_date, "front_door", f"Referral ({r.get_source_display()})", r)
        if r.response:
            add(r.response_date, "front_door", f"Response to referral: {r.get_response_display()}", r)
        if r.closure_date:
            add(
                r.closure_date,
                "front_door",
                f"Episode closed ({r.reason_for_closure}): {r.closure_rationale}",
                r,
            )
    for a in h.assessments:
        add(a.start_date, "assessment", "Assessment started", a)
        if a.authorisation_date:
            add(a.authorisation_date, "assessment", "Assessment authorised", a)
    for p in h.cin_plans:
        add(p.start_date, "assessment", "Child in need plan started", p)
        if p.end_date:
            add(p.end_date, "assessment", "Child in need plan ended", p)
    for s in h.strategy_discussions:
        add(
            s.held_on,
            "protection",
            "Strategy discussion" + (": section 47 enquiries started" if s.s47_initiated else ""),
            s,
        )
    for s in h.section47s:
        add(s.start_date, "protection", "Section 47 enquiry started", s)
        if s.end_date:
            add(s.end_date, "protection", f"Section 47 outcome: {s.get_outcome_display()}", s)
    for c in h.conferences:
        add(c.held_on, "protection", c.get_kind_display(), c)
    for p in h.cp_plans:
        add(p.start_date, "protection", f"Child protection plan started ({p.initial_category})", p)
        if p.end_date:
            add(p.end_date, "protection", "Child protection plan ended", p)
    for p in h.periods:
        add(p.start_date, "care", "Became looked after", p)
        if p.end_date:
            add(p.end_date, "care", "Ceased to be looked after", p)
    for r in h.la_reviews:
        add(getattr(r, "review_date", None), "care", "Looked-after review", r)
    for v in h.visits:
        add(
            v.visit_date,
            "visit",
            "Visit" + (" (seen alone)" if v.seen_alone else " (seen)" if v.seen else " (not seen)"),
            v,
        )
    for a in h.allocations:
        add(a.start_date, "allocation", f"{a.get_kind_display()}: {staff.get(a.worker_id, '')}", a)
    out.sort(key=lambda e: e.date, reverse=True)
    return out
