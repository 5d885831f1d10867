"""The child's page, read for showing it. `ChildHistory.load` reads all 31 lists of the record
because a save's checks may need any of them; the page shows the status, the current plans, the
steps that apply and one page of the chronology, which need 12 lists, of the longest (visits,
looked-after reviews) only the newest rows. One query per list read, none per row.

Access is decided and the view audited before anything here runs: callers pass the child and the
basis `safeguard.access.selectors.child_open` returned."""

from __future__ import annotations

from django.apps import apps
from django.db.models import Exists, OuterRef

from safeguard.access import policy
from safeguard.access import selectors as access
from safeguard.assessment import selectors as oversight
from safeguard.assurance.audits import selectors as case_audits
from safeguard.casework import chronology
from safeguard.casework import selectors as casework
from safeguard.iro import selectors as iro
from safeguard.people import selectors as family
from safeguard.record.history import _SOURCES, ChildHistory
from safeguard.timescales.models import Clock

from . import steps

# The lists the status badges, current plans and the steps on offer read whole.
STATUS = (
    "contacts", "referrals", "assessments", "cin_plans", "section47s", "conferences", "cp_plans", "periods"
)
# The lists the case summary reads: the episode in force (legal status, placement), disabilities,
# missing episodes still open.
SUMMARY = ("episodes", "disabilities", "missing")
# Columns read of the lists that grow longest; the page shows none of the rest (a visit's notes).
_COLUMNS = {"visits": ("id", "child_id", "visit_date", "seen", "seen_alone", "recorded_by_id",
                       "created_at")}
DUE_SHOWN = 10
# Lists hung off these of the child's own lists (e.g. assessments off referrals).
_PARENTS = {"referral": "referrals", "period_of_care": "periods"}


def _hung_off(name: str) -> tuple[str, str] | None:
    """The list a list hangs off and the key to it, e.g. ("referrals", "referral_id") for assessments."""
    parent, _, rest = _SOURCES[name][1].partition("__")
    return (_PARENTS[parent], f"{parent}_id") if rest == "child" and parent in _PARENTS else None


def _rows(name: str, **where):
    label, _ = _SOURCES[name]
    rows = apps.get_model(label).objects.filter(**where)
    if name in _COLUMNS:
        rows = rows.only(*_COLUMNS[name])
    if name == "allocations":
        rows = rows.select_related("worker")  # the page names the open allocations' workers
    return rows


def _history(child, names, *, newest: int) -> ChildHistory:
    """A `ChildHistory` holding only the lists named (for showing, never for a save's checks); of
    `chronology.ONE_ENTRY_EACH` only the `newest` rows, which is all one page of entries can use.

    A list hung off referrals or periods of care that are read too is read by their keys, without
    a join, and only from those that have any: each parent row says which of its lists are not
    empty (an EXISTS each), so a child with no child protection history costs no query for it."""
    h = ChildHistory(child=child)
    names = list(dict.fromkeys(names))
    hung = {n: link for n in names if (link := _hung_off(n)) and link[0] in names}
    for name in sorted(names, key=lambda n: n in hung):  # parents first
        if name in hung:
            parent, key = hung[name]
            keys = [x.pk for x in getattr(h, parent) if getattr(x, f"has_{name}")]
            if not keys:
                continue
            rows = _rows(name, **{f"{key}__in": keys})
        else:
            rows = _rows(name, **{f"{_SOURCES[name][1]}_id": child.pk})
            flags = {
                f"has_{n}": Exists(_rows(n, **{key: OuterRef("pk")}))
                for n, (parent, key) in hung.items()
                if parent == name
            }
            rows = rows.annotate(**flags) if flags else rows
        dated = chronology.ONE_ENTRY_EACH.get(name)
        if dated:
            # The newest first, ties by key as in the chronology; then back in key order.
            picked = list(rows.order_by(f"-{dated}", "pk")[:newest])
            setattr(h, name, sorted(picked, key=lambda x: x.pk))
        else:
            setattr(h, name, list(rows.order_by("pk")))
    return h


def chronology_page(child, *, kind: str = "", number: int = 1) -> chronology.Page:
    """One page of the chronology (the page's filter): only the lists of that kind are read."""
    h = _history(child, chronology.sources_for(kind), newest=number * chronology.PAGE_SIZE + 1)
    return chronology.page(h, kind=kind, number=number, notes=_significant(child, kind))


def _significant(child, kind: str):
    return casework.significant_events(child) if kind in ("", "note") else ()


def badges(h) -> list[tuple[str, str]]:
    out = []
    if any(r.closure_date is None for r in h.referrals):
        out.append(("CIN", "blue"))
    if any(p.end_date is None for p in h.cp_plans):
        out.append(("Child protection plan", "red"))
    if any(p.end_date is None for p in h.periods):
        out.append(("Looked after", "purple"))
    if h.child.is_restricted:
        out.append(("Restricted", "grey"))
    if h.child.is_unborn:
        out.append(("Unborn", "yellow"))
    return out


def current_plans(h) -> list[tuple[str, object]]:
    return (
        [("Child in need plan", p.start_date) for p in h.cin_plans if p.end_date is None]
        + [
            (f"Child protection plan ({p.latest_category})", p.start_date)
            for p in h.cp_plans
            if p.end_date is None
        ]
        + [("Looked after", p.start_date) for p in h.periods if p.end_date is None]
    )


def summary(h, home, warnings) -> dict:
    """The case summary at the top of the child's page (issue 16): identity, address and household,
    legal status and placement, and the warnings everyone opening the record must see."""
    open_period = next((p for p in h.periods if p.end_date is None), None)
    episode = next((e for e in reversed(h.episodes)
                    if open_period is not None and e.period_of_care_id == open_period.pk and e.dec is None),
                   None)
    shown = [(w.get_kind_display(), w.detail, w.start_date) for w in warnings]
    shown += [("Missing now" if m.kind == "M" else "Away without authorisation now",
               "Reported missing; not yet returned", m.start_date)
              for m in h.missing if m.end_date is None]
    address, household, members = home
    open_referral = next((r for r in reversed(h.referrals) if r.closure_date is None), None)
    return {
        "episode_since": open_referral.referral_date if open_referral else None,
        "care_since": open_period.start_date if open_period else None,
        "episode": episode,
        "disabilities": [d.get_code_display() for d in h.disabilities],
        "address": address,
        "household": household,
        "household_members": [m for m in members if m.child_id != h.child.pk],
        "warnings": shown,
    }


def child_page(user, child, basis, *, kind: str = "", number: int = 1) -> dict:
    """What web/child.html shows of one child to this user."""
    names = STATUS + SUMMARY + ("allocations",) + chronology.sources_for(kind)
    h = _history(child, names, newest=number * chronology.PAGE_SIZE + 1)
    due = (
        Clock.objects.filter(child_id=child.pk, met_date__isnull=True, stopped_date__isnull=True)
        .only("id", "code", "child_id", "due_date")
        .order_by("due_date")[:DUE_SHOWN]
    )
    return {
        "child": child,
        "basis": basis,
        "badges": badges(h),
        "summary": summary(h, family.home(child), family.warnings_of(child)),
        "allocations": [a for a in h.allocations if a.end_date is None],
        "plans": current_plans(h),
        "due": list(due),
        "audit_actions": list(case_audits.actions_for(user, child=child)[:DUE_SHOWN]),
        "page": chronology.page(h, kind=kind, number=number, notes=_significant(child, kind)),
        "kind": kind,
        "kinds": chronology.KINDS,
        "drift": oversight.drift([child.pk]),
        "practice_alerts": iro.open_alerts_for_child(user, child.pk),
        "viewers": access.child_viewers(user, child),
        "steps": steps.available(h, user) if policy.can_change_child(user, child) else [],
        "can_export": policy.can_export_child(user, child),
        "can_change": policy.can_change_child(user, child),
        "can_grant": policy.can_grant(user),
    }
