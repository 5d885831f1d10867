"""The chronology for court: a child's significant events, oldest first, as a PDF for a care
proceedings bundle (Family Procedure Rules 2010 PD 12A, the Public Law Outline: the local
authority files a chronology with its application; court bundles read forward, so the oldest
event comes first, each dated, with who recorded it and when it was written down).

Built from the same entries as the child's own chronology (`casework.chronology`), filtered by
dates and kinds; significant case notes carry a short summary of their words. Reading is checked
by the access policy (an export) and audited as one export row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.utils import timezone

from safeguard.access import policy
from safeguard.audit.services import audit_record
from safeguard.core.errors import today
from safeguard.people.models import Child
from safeguard.record.history import ChildHistory

from . import chronology
from .selectors import significant_events
from .text import excerpt

#: How much of a significant note's words the court chronology quotes (the note itself is in the
#: record and may be disclosed in full; the chronology only says what happened).
SUMMARY_LENGTH = 300

TITLE = "Chronology of significant events — prepared for court"


@dataclass(frozen=True)
class CourtEntry:
    """One numbered row of the court chronology."""

    number: int
    date: dt.date
    kind: str  # a `chronology.KINDS` key
    event: str  # what happened, as the chronology words it
    recorded_by: str  # who recorded it ("" for an imported record)
    recorded_on: dt.date | None  # when it was written down (None for a later decision's date)
    note_kind: str = ""  # a significant case note's kind ("Home visit", "Significant event" …)
    summary: str = ""  # a significant case note's words, the first 300 characters
    sensitive: bool = False  # the note holds third-party information: review before filing
    note_id: int | None = None

    @property
    def kind_label(self) -> str:
        return chronology.KINDS.get(self.kind, self.kind)


def _kinds(kinds: list[str] | None) -> list[str]:
    """The kinds asked for, in the chronology's order; none (or an empty list) means every kind."""
    if not kinds:
        return list(chronology.KINDS)
    unknown = sorted(set(kinds) - set(chronology.KINDS))
    if unknown:
        raise ValueError(f"unknown chronology kinds: {', '.join(unknown)}")
    return [k for k in chronology.KINDS if k in set(kinds)]


def _local_date(value: dt.datetime | None) -> dt.date | None:
    if value is None:
        return None
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


def _open(by, child_id: int, since: dt.date | None, until: dt.date | None) -> Child:
    """The child, if this user may export their record; the dates asked for must make a range."""
    if since is not None and until is not None and since > until:
        raise ValueError("the chronology's start date is after its end date")
    child = Child.objects.select_related("local_authority").get(pk=child_id)
    if not policy.can_export_child(by, child):
        raise PermissionDenied("You may not export this child's record")
    return child


def _entries(child: Child, since, until, kinds: list[str]) -> list[CourtEntry]:
    """The rows, oldest first: the record's events (same-day events in the chronology's order),
    then on each day the significant notes in the order they happened. A fixed number of queries:
    the history, the staff named, the notes (with their authors)."""
    rows: list[tuple[dt.date, int, dict]] = []
    record_kinds = [k for k in kinds if k != "note"]
    if record_kinds:
        history = ChildHistory.load(child.pk, lock=False)
        for e in chronology.entries(history):  # newest first; the stable sort below turns it
            if e.kind in record_kinds and (since is None or e.date >= since) and (
                until is None or e.date <= until
            ):
                rows.append((e.date, 0, dict(kind=e.kind, event=e.text, recorded_by=str(e.recorded_by or ""),
                                             recorded_on=e.recorded_on)))
    if "note" in kinds:
        for n in significant_events(child, since=since, until=until):  # oldest first, never in error
            rows.append((n.occurred_on, 1, dict(
                kind="note", event=f"{n.get_kind_display()}: {n.title}",
                recorded_by=str(n.recorded_by or ""), recorded_on=_local_date(n.created_at),
                note_kind=n.get_kind_display(), summary=excerpt(n.text, SUMMARY_LENGTH),
                sensitive=n.sensitive, note_id=n.pk)))
    rows.sort(key=lambda r: (r[0], r[1]))  # stable: each source keeps its own order within a day
    return [CourtEntry(number=i, date=date, **fields) for i, (date, _, fields) in enumerate(rows, 1)]


def court_chronology_entries(*, by, child_id: int, since: dt.date | None = None,
                             until: dt.date | None = None,
                             kinds: list[str] | None = None) -> list[CourtEntry]:
    """The court chronology's numbered rows, oldest first, for a user who may export the child's
    record (PermissionDenied otherwise). Not audited here: `court_chronology` audits the export;
    a page that shows these rows audits its view."""
    child = _open(by, child_id, since, until)
    return _entries(child, since, until, _kinds(kinds))


def render_html(child: Child, entries: list[CourtEntry], *, since: dt.date | None = None,
                until: dt.date | None = None, kinds: list[str] | None = None,
                prepared_by=None, prepared_on: dt.date | None = None) -> str:
    """The chronology as the HTML WeasyPrint prints (A4 portrait, "Page x of y"). Pure: the
    caller has checked access; the words are escaped by the template."""
    chosen = _kinds(kinds)
    return render_to_string("casework/court_chronology.html", {
        "title": TITLE,
        "child": child,
        "council": child.local_authority,
        "entries": entries,
        "since": since,
        "until": until,
        "all_kinds": len(chosen) == len(chronology.KINDS),
        "kinds": [chronology.KINDS[k] for k in chosen],
        "prepared_by": str(prepared_by or ""),
        "prepared_on": prepared_on or today(),
        "any_sensitive": any(e.sensitive for e in entries),
    })


def court_chronology(*, by, child_id: int, since: dt.date | None = None, until: dt.date | None = None,
                     kinds: list[str] | None = None) -> bytes:
    """The court chronology as a PDF, for a user who may export the child's record (a social
    worker, manager or IRO who may open it: PermissionDenied otherwise); one audit row says what
    was exported, with the dates and kinds asked for. ValueError for an unknown kind or a start
    after the end."""
    child = _open(by, child_id, since, until)
    chosen = _kinds(kinds)
    entries = _entries(child, since, until, chosen)
    html = render_html(child, entries, since=since, until=until, kinds=chosen, prepared_by=by)
    from weasyprint import HTML  # lazy: heavy (and needs pango); only a PDF needs it

    pdf = HTML(string=html).write_pdf()
    audit_record(actor=by, action="export", obj=child, child_id=child.pk, detail={
        "what": "court chronology",
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "kinds": chosen,
    })
    return pdf
