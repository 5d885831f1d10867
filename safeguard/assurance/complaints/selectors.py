"""Every read of complaints: it starts from who handles them (`access.complaints_visible_to`) and
writes an audit row naming what was read. Each list is a fixed number of queries.

The complaints manager's worklist is the complaints with their running clocks, soonest due first;
a child's complaints (and their clocks) are read from the child's side as well."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, F, Q

from safeguard.access import policy
from safeguard.audit.services import audit_record
from safeguard.core.errors import today
from safeguard.core.paging import Page, within
from safeguard.timescales.models import Clock
from safeguard.timescales.rules import COMPLAINT_RULES
from safeguard.timescales.selectors import desk_list

from .access import complaints_visible_to, compliments_visible_to, is_complaints_manager
from .clocks import CODES, SUBJECT_TYPE
from .models import ComplainantKind, Complaint, ComplaintStage, Compliment, Outcome, Theme

PAGE_SIZE = 25


@dataclass(frozen=True, kw_only=True)
class ComplaintPage(Page):
    """One page of the worklist, with how many are open and overdue in all."""

    open_count: int
    overdue_count: int


def complaint_page(user, *, status: str = "open", due: str = "", page: int = 1, child_id: int | None = None,
                   as_at: dt.date | None = None, per_page: int = PAGE_SIZE) -> ComplaintPage:
    """The worklist: the user's complaints with their next clock, filtered by status and by when the
    next clock falls due (overdue, or within 7 or 28 days, overdue included), soonest due first.
    Three queries (the figures, the total, the page) whatever the number of complaints, and one
    audit row for the read."""
    as_at = as_at or today()
    qs = complaints_visible_to(user)
    if child_id is not None:
        qs = qs.filter(child_id=child_id)
    desk = desk_list(qs, subject_type=SUBJECT_TYPE, codes=CODES, closed_field="closed_on", status=status,
                     due=due, as_at=as_at)
    qs, status, due = desk.rows, desk.status, desk.due
    total = qs.count()
    page = within(page, total, per_page)
    rows = list(qs.select_related("child", "team").defer("summary", "learning", "child__nhs_number")
                .order_by(F("next_due").asc(nulls_last=True), "-received_on", "reference")
                [(page - 1) * per_page:page * per_page])
    _mark_restricted(user, rows)
    for r in rows:
        r.next_rule = COMPLAINT_RULES.get(r.next_code or "")
        r.overdue = r.next_due is not None and r.next_due < as_at
        r.days = (r.next_due - as_at).days if r.next_due else None
    audit_record(actor=user, action="view", object_type="complaints.Complaint", child_id=child_id, detail={
        "list": True, "count": total, "page": page, "status": status, "due": due,
        "shown": [c.pk for c in rows]})
    return ComplaintPage(rows=rows, total=total, page=page, per_page=per_page,
                         open_count=desk.open_count, overdue_count=desk.overdue_count)


def _mark_restricted(user, complaints: list[Complaint]) -> None:
    """A complaint's handler need not hold the child's case, but a restricted record's child is
    named only to those the access policy opens it to (`child_hidden`; one query at most)."""
    restricted = {c.child_id for c in complaints if c.child_id and c.child.is_restricted}
    opened = set(policy.children_visible_to(user).filter(pk__in=restricted).values_list("pk", flat=True)
                 ) if restricted else set()
    for c in complaints:
        c.child_hidden = c.child_id in restricted and c.child_id not in opened


def child_hidden(user, child) -> bool:
    """Whether this child's name is kept from the user on the complaints pages (see above)."""
    return bool(child.is_restricted) and not policy.children_visible_to(user).filter(pk=child.pk).exists()


@dataclass
class ComplaintView:
    complaint: Complaint
    stages: list[ComplaintStage]
    clocks: list[Clock]

    @property
    def current(self) -> ComplaintStage:
        return self.stages[-1]


def complaint_get(user, complaint_id: int, *, as_at: dt.date | None = None) -> ComplaintView:
    """One complaint with its stages and clocks (three queries), the view audited (on the child's
    trail too, when it is about a child). Not found alike for a complaint that does not exist and
    one the user does not handle."""
    complaint = complaints_visible_to(user).select_related("child", "team").get(pk=complaint_id)
    stages = list(complaint.stages.order_by("stage"))
    _mark_restricted(user, [complaint])
    as_at = as_at or today()
    clocks = list(Clock.objects.filter(subject_type=SUBJECT_TYPE, subject_id=complaint.pk)
                  .order_by("start_date", "pk"))
    for c in clocks:
        c.rule = COMPLAINT_RULES.get(c.code)
        c.overdue = c.is_open and c.due_date < as_at
        c.days = (c.due_date - as_at).days
    audit_record(actor=user, action="view", obj=complaint, child_id=complaint.child_id,
                 detail={"what": "complaint"})
    return ComplaintView(complaint=complaint, stages=stages, clocks=clocks)


def compliment_page(user, *, page: int = 1, per_page: int = PAGE_SIZE) -> Page:
    qs = compliments_visible_to(user).select_related("team").order_by("-received_on", "-pk")
    total = qs.count()
    page = within(page, total, per_page)
    rows = list(qs[(page - 1) * per_page:page * per_page])
    audit_record(actor=user, action="view", object_type="complaints.Compliment",
                 detail={"list": True, "count": total, "page": page})
    return Page(rows=rows, total=total, page=page, per_page=per_page)


# --- the annual report ----------------------------------------------------------------------------


def financial_year(day: dt.date) -> int:
    """The year a financial year starts in (1 April): annual complaints reports run April to March."""
    return day.year if day.month >= 4 else day.year - 1


@dataclass
class StageFigures:
    stage: int
    started: int = 0
    responded: int = 0
    in_time: int = 0
    extended: int = 0
    outcomes: dict = field(default_factory=dict)

    @property
    def in_time_share(self) -> int | None:
        return round(100 * self.in_time / self.responded) if self.responded else None


@dataclass
class AnnualReport:
    year: int
    first: dt.date
    last: dt.date
    received: int
    stages: list[StageFigures]
    themes: list[tuple[str, int]]
    complainants: list[tuple[str, int]]
    child_complainants: int
    advocacy_offered: int
    advocacy_accepted: int
    closed: int
    withdrawn: int
    compliments: int
    compliments_by_team: list[tuple[str, int]]
    learning: list[Complaint]


def annual_report(user, *, year: int) -> AnnualReport:
    """The year's figures for the annual complaints report (Getting the Best from Complaints: the
    council publishes one each year): complaints received, each stage started, answered, answered
    in time (the clock met by its due date) and extended, the outcomes, the themes, who complained,
    advocacy offered and accepted to children, compliments; and, for the complaints manager, the
    learning recorded on closure. A fixed number of queries; aggregates only, one audit row."""
    first, last = dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
    la = getattr(user, "local_authority_id", None)
    complaints = Complaint.objects.filter(local_authority_id=la)
    received = complaints.filter(received_on__gte=first, received_on__lte=last)
    counts = received.aggregate(
        total=Count("pk"), child=Count("pk", filter=Q(complainant_kind=ComplainantKind.CHILD)),
        offered=Count("pk", filter=Q(complainant_kind=ComplainantKind.CHILD, advocacy_offered=True)),
        accepted=Count("pk", filter=Q(complainant_kind=ComplainantKind.CHILD, advocacy_accepted=True)))
    closing = complaints.filter(closed_on__gte=first, closed_on__lte=last).aggregate(
        closed=Count("pk"), withdrawn=Count("pk", filter=Q(withdrawn=True)))
    themes = Counter(dict(received.values_list("theme").annotate(n=Count("pk")).values_list("theme", "n")))
    kinds = Counter(dict(received.values_list("complainant_kind").annotate(n=Count("pk"))
                         .values_list("complainant_kind", "n")))
    stage_rows = ComplaintStage.objects.filter(complaint__local_authority_id=la)
    figures = {n: StageFigures(stage=n) for n in (1, 2, 3)}
    for row in (stage_rows.filter(requested_on__gte=first, requested_on__lte=last).values("stage")
                .annotate(n=Count("pk"), ext=Count("pk", filter=Q(extended_on__isnull=False)))):
        figures[row["stage"]].started, figures[row["stage"]].extended = row["n"], row["ext"]
    for row in (stage_rows.filter(responded_on__gte=first, responded_on__lte=last)
                .values("stage", "outcome").annotate(n=Count("pk"))):
        f = figures[row["stage"]]
        f.responded += row["n"]
        if row["outcome"]:
            f.outcomes[row["outcome"]] = f.outcomes.get(row["outcome"], 0) + row["n"]
    stage_of = {"CMP1": 1, "CMP2": 2, "CMP3D": 3}
    for row in (Clock.objects.filter(subject_type=SUBJECT_TYPE, code__in=stage_of, met_date__gte=first,
                                     met_date__lte=last, subject_id__in=complaints.values("pk"))
                .values("code").annotate(n=Count("pk", filter=Q(met_date__lte=F("due_date"))))):
        figures[stage_of[row["code"]]].in_time = row["n"]
    for f in figures.values():
        f.outcomes = [(label, f.outcomes.get(value, 0)) for value, label in Outcome.choices]
    compliments = (Compliment.objects.filter(local_authority_id=la, received_on__gte=first,
                                             received_on__lte=last)
                   .values("team__name").annotate(n=Count("pk")).order_by("-n", "team__name"))
    by_team = [(r["team__name"] or "No team named", r["n"]) for r in compliments]
    learning = []
    if is_complaints_manager(user):
        learning = list(complaints.filter(closed_on__gte=first, closed_on__lte=last).exclude(learning="")
                        .only("reference", "theme", "learning", "closed_on").order_by("closed_on", "pk"))
    audit_record(actor=user, action="view", object_type="complaints.Complaint",
                 detail={"what": "annual complaints report", "year": year})
    return AnnualReport(
        year=year, first=first, last=last, received=counts["total"], stages=list(figures.values()),
        themes=[(label, themes.get(value, 0)) for value, label in Theme.choices],
        complainants=[(label, kinds.get(value, 0)) for value, label in ComplainantKind.choices],
        child_complainants=counts["child"], advocacy_offered=counts["offered"],
        advocacy_accepted=counts["accepted"], closed=closing["closed"], withdrawn=closing["withdrawn"],
        compliments=sum(n for _, n in by_team), compliments_by_team=by_team, learning=learning)

