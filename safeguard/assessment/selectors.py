"""What a team manager oversees (Working Together 2023: management oversight of every referral,
assessment and closure, and of drift): the decisions they owe, read for the manager's queue, and
the drift flags on a child's page and the queue. Only children the access policy opens to the
manager, of their own teams or held by no social worker, are listed."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import NamedTuple

from dateutil.relativedelta import relativedelta
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Concat, Least

from safeguard.access import policy
from safeguard.child_protection.models import ChildProtectionPlan, Section47Enquiry
from safeguard.core import paging
from safeguard.core.errors import today
from safeguard.core.paging import Page
from safeguard.front_door.models import Contact, Referral
from safeguard.looked_after.models import CareLeaverStatus, Episode, PeriodOfCare
from safeguard.people.models import Child, Relationship, Visit
from safeguard.timescales.models import Clock
from safeguard.timescales.rules import CIN_EPISODE_DRIFT_MONTHS, CP_PLAN_DRIFT_MONTHS, VISIT_CLOCKS
from safeguard.workforce.models import Allocation

from .models import (
    Assessment,
    AssessmentAmendment,
    AssessmentContent,
    AssessmentDecision,
    AssessmentFactorIdentified,
    CINPlan,
)

#: Responses to a referral that end the council's involvement at the front door.
NO_FURTHER_ACTION = ("nfa", "advice", "early_help")


@dataclass(frozen=True)
class DecisionsAwaiting:
    """Each kind a query in its tray's order, and each kind's total (known from the one read that
    found them, so no list is counted again)."""

    contacts: QuerySet  # contacts with no decision yet (whether each becomes a referral)
    responses: QuerySet  # referrals with no response yet (the next step is the manager's)
    submissions: QuerySet  # assessments submitted by the worker, awaiting return or sign-off
    section47s: QuerySet  # section 47 enquiries submitted, awaiting the manager's outcome
    closures: QuerySet  # open referrals that may now close, with a rationale
    totals: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.totals.values())


class _Read(NamedTuple):
    """Rows awaiting a decision, the path to their child, and whether they are the manager's only
    when their child is held by the manager's teams or by no one (the front door's)."""

    rows: QuerySet
    child: str
    by_holding_team: bool = True


def _waiting(user) -> dict[str, list[_Read]]:
    """Every row awaiting a manager's decision, of every child: each kind's reads, few among all
    the council's. A closure is proposed when the response was no
    further action, advice or early help, or an authorised assessment found no need of support;
    never while a child protection or child in need plan in that episode is still open (it must
    end first: CIN census 4001, 4004). A section 47 enquiry's outcome is owed by the manager of
    the team that holds the child or that submitted it, and only by one who may authorise."""
    open_referrals = Referral.objects.filter(closure_date__isnull=True)
    # Each test is asked of the one referral's rows (EXISTS on its index), never of every referral.
    ready = open_referrals.exclude(
        Exists(ChildProtectionPlan.objects.filter(referral=OuterRef("pk"), end_date__isnull=True))
        | Exists(CINPlan.objects.filter(referral=OuterRef("pk"), end_date__isnull=True)))
    found_no_need = Assessment.objects.filter(requires_support=False, authorisation_date__isnull=False)
    teams = policy.team_ids(user)
    held = Allocation.objects.filter(end_date__isnull=True, kind=Allocation.Kind.SOCIAL_WORKER,
                                     team_id__in=teams)
    section47s = (Section47Enquiry.objects.filter(outcome="", decision__submitted_at__isnull=False)
                  .filter(Q(decision__submitted_by__team_id__in=teams)
                          | Q(referral__child_id__in=held.values("child_id")))
                  if getattr(user, "can_authorise", False) else Section47Enquiry.objects.none())
    return {
        "contacts": [_Read(Contact.objects.filter(decision=""), "child_id")],
        "responses": [_Read(open_referrals.filter(response=""), "child_id")],
        "submissions": [_Read(Assessment.objects.filter(status=Assessment.Status.SUBMITTED,
                                                        authorisation_date__isnull=True),
                              "referral__child_id")],
        # Its own test of the teams (the holder's or the submitter's) is made above.
        "section47s": [_Read(section47s, "referral__child_id", by_holding_team=False)],
        # Two reads, each joined on its own index: one test of either on every open referral costs
        # twice both (20 ms against 10 ms on a large council).
        "closures": [_Read(ready.filter(response__in=NO_FURTHER_ACTION), "child_id"),
                     _Read(ready.filter(pk__in=found_no_need.values("referral_id")), "child_id")],
    }


def decisions_awaiting(user) -> DecisionsAwaiting:
    """The decisions this manager owes: rows of children the access policy opens to them and held by
    their teams' social workers or by no social worker at all (the front door's); a section 47
    enquiry's, of any child the policy opens to them. Two queries, however many: every kind's rows
    with their children are read at once, and those children tested against the policy at once
    (each on its own index: `policy.among_visible`), rather than every child the manager may open
    being found."""
    waiting = _waiting(user)
    kinds = [(kind, read) for kind, reads in waiting.items() for read in reads]
    reads = [read.rows.annotate(awaiting_kind=Value(n)).values_list("awaiting_kind", "pk", read.child)
             for n, (_kind, read) in enumerate(kinds)]
    found = list(reads[0].union(*reads[1:], all=True))
    held = Allocation.objects.filter(end_date__isnull=True, kind=Allocation.Kind.SOCIAL_WORKER)
    theirs = ExpressionWrapper(Q(pk__in=held.filter(team_id__in=policy.team_ids(user)).values("child_id"))
                               | ~Q(pk__in=held.values("child_id")), output_field=BooleanField())
    open_to = dict(policy.among_visible(user, {child for _n, _pk, child in found})
                   .annotate(theirs=theirs).values_list("pk", "theirs")) if found else {}
    ids: dict[str, dict[int, None]] = {kind: {} for kind in waiting}  # in order, each once
    for n, pk, child in found:
        kind, read = kinds[n]
        if child in open_to and (open_to[child] or not read.by_holding_team):
            ids[kind][pk] = None
    rows = {kind: reads[0].rows.model.objects.filter(pk__in=list(ids[kind]))
            for kind, reads in waiting.items()}
    pending = AssessmentDecision.objects.filter(assessment=OuterRef("pk"), outcome="").order_by("-pk")
    return DecisionsAwaiting(
        contacts=rows["contacts"].select_related("child").order_by("received_at", "pk"),
        responses=rows["responses"].select_related("child").order_by("referral_date", "pk"),
        submissions=rows["submissions"].annotate(
            submitted_at=Subquery(pending.values("submitted_at")[:1]),
            submitted_by_name=Subquery(pending.annotate(
                name=Concat("submitted_by__first_name", Value(" "), "submitted_by__last_name")
            ).values("name")[:1]),
        ).select_related("referral__child").order_by("submitted_at", "pk"),
        section47s=rows["section47s"].select_related("referral__child", "decision", "decision__submitted_by")
        .order_by("decision__submitted_at", "pk"),
        closures=rows["closures"].select_related("child").order_by("referral_date", "pk"),
        totals={kind: len(ids[kind]) for kind in waiting},
    )


@dataclass(frozen=True)
class AssessmentDetail:
    assessment: Assessment  # with its referral, child, who started and who authorised it
    content: AssessmentContent | None  # None until words are first saved (imported, generated)
    decisions: list[AssessmentDecision]  # each submission and the manager's decision, in order
    amendments: list[AssessmentAmendment]  # changes after authorisation, in order
    factors: list[str]  # the DfE factor codes authorised


def assessment_detail(assessment_id: int, *, user=None) -> AssessmentDetail:
    """An assessment with its words, the back-and-forth of its submissions and its amendments,
    in four queries whatever the record's length. Given a `user`, only an assessment of a child
    the access policy opens to them is found (else `Assessment.DoesNotExist`)."""
    rows = Assessment.objects.all()
    if user is not None:
        rows = rows.filter(referral__child__in=policy.children_visible_to(user))
    assessment = (
        rows.select_related("referral__child", "recorded_by", "authorised_by", "content")
        .prefetch_related(
            Prefetch("decisions", queryset=AssessmentDecision.objects.select_related(
                "submitted_by", "decided_by").order_by("pk")),
            Prefetch("amendments", queryset=AssessmentAmendment.objects.select_related(
                "amended_by").order_by("pk")),
            Prefetch("factors", queryset=AssessmentFactorIdentified.objects.order_by("pk")),
        )
        .get(pk=assessment_id)
    )
    try:
        content = assessment.content
    except AssessmentContent.DoesNotExist:
        content = None
    return AssessmentDetail(
        assessment=assessment, content=content, decisions=list(assessment.decisions.all()),
        amendments=list(assessment.amendments.all()),
        factors=[f.code for f in assessment.factors.all()],
    )


@dataclass(frozen=True)
class Drift:
    child_id: int
    kind: str  # "cp_plan_9m", "cp_plan_15m", "cp_plan_18m", "cin_6m", "visit_overdue"
    since: dt.date
    detail: str


@functools.lru_cache(maxsize=8192)
def _months_after(start: dt.date, months: int) -> dt.date:
    """A calendar month count on from a date (the month's last day where it is shorter): kept, as
    a service's page asks it of thousands of plans and episodes begun on far fewer days."""
    return start + relativedelta(months=months)


def drift(child_ids, as_at: dt.date | None = None, *, visits: bool = True) -> list[Drift]:
    """Drift flags for these children (INDICATORS.md T19d/T19e and visit intervals): CP plans open
    over 9, 15 and 18 months, episodes of need open over 6 months, visits out of interval (left out
    with `visits=False`: the manager's trays list visits out of time on their own). `child_ids` may
    be a subquery, so a team's or service's flags take a fixed number of queries however many."""
    as_at = as_at or today()
    flags: list[Drift] = []
    plans = ChildProtectionPlan.objects.filter(
        referral__child_id__in=child_ids, start_date__lte=as_at
    ).filter(Q(end_date__isnull=True) | Q(end_date__gt=as_at)).values_list(
        "referral__child_id", "start_date")
    longest_first = sorted(CP_PLAN_DRIFT_MONTHS, reverse=True)
    for child_id, start in plans:
        for months in longest_first:
            if as_at > _months_after(start, months):
                flags.append(Drift(child_id, f"cp_plan_{months}m", start,
                                   f"CP plan open over {months} months (since {start:%d/%m/%Y})"))
                break
    episodes = Referral.objects.filter(child_id__in=child_ids, referral_date__lte=as_at).filter(
        Q(closure_date__isnull=True) | Q(closure_date__gt=as_at)
    ).values_list("child_id", "referral_date")
    for child_id, start in episodes:
        if as_at > _months_after(start, CIN_EPISODE_DRIFT_MONTHS):
            flags.append(Drift(child_id, f"cin_{CIN_EPISODE_DRIFT_MONTHS}m", start,
                               f"episode of need open over {CIN_EPISODE_DRIFT_MONTHS} months"))
    if not visits:
        return flags
    late_visits = Clock.objects.filter(
        child_id__in=child_ids, code__in=VISIT_CLOCKS, met_date__isnull=True,
        stopped_date__isnull=True, due_date__lt=as_at,
    ).values_list("child_id", "due_date", "code")
    for child_id, due, code in late_visits:
        flags.append(Drift(child_id, "visit_overdue", due,
                           f"no qualifying visit since it fell due on {due:%d/%m/%Y} ({code})"))
    return flags


# --- a worker's trays (issue 18) --------------------------------------------------------------------

#: How many children a page of a tray shows (the total is always shown beside it).
TRAY_PAGE = 50


@dataclass(frozen=True, kw_only=True)
class MyCases(Page):
    """Children, each annotated as `my_cases` says, and how many of all have a clock overdue."""

    overdue_children: int


#: The allocations that make a child one of the worker's cases: their social worker's, or their
#: personal adviser's (a care leaver's case is held by the PA, Children Act 1989 s23D). An IRO's
#: children are on the IRO's desk.
CASE_HOLDING = (Allocation.Kind.SOCIAL_WORKER, Allocation.Kind.PERSONAL_ADVISER)


def my_children_ids(user) -> list[int]:
    """The ids of the children whose case this worker holds now, among those the policy opens to
    them (a restricted record stays out until a grant opens it): read once a request."""
    mine = Allocation.objects.filter(worker=user, end_date__isnull=True, kind__in=CASE_HOLDING)
    return policy.visible_ids(user, "my_children", mine.values_list("child_id", flat=True))


def my_children(user) -> QuerySet:
    """The children of `my_children_ids`."""
    return Child.objects.filter(pk__in=my_children_ids(user))


def my_cases(user, *, page: int = 1, per_page: int = TRAY_PAGE) -> MyCases:
    """Every child allocated to this worker now (Liquidlogic's "My cases"), whether or not a clock
    is due: each with the status the worker needs at a glance (an open episode of need, a CP plan,
    looked after and the legal status, a care leaver's category), the last visit, the next clock
    due and how many are overdue; the most overdue first, then the next due. Two queries (the
    counts, the page) whatever the caseload."""
    day = today()
    open_clocks = Clock.objects.filter(child=OuterRef("pk"), met_date__isnull=True, stopped_date__isnull=True)
    overdue = (open_clocks.filter(due_date__lt=day).order_by().values("child")
               .annotate(n=Count("pk")).values("n"))
    children = (
        my_children(user)
        .annotate(
            in_need=Exists(Referral.objects.filter(child=OuterRef("pk"), closure_date__isnull=True)),
            on_cp_plan=Exists(ChildProtectionPlan.objects.filter(referral__child=OuterRef("pk"),
                                                                 end_date__isnull=True)),
            looked_after=Exists(PeriodOfCare.objects.filter(child=OuterRef("pk"), end_date__isnull=True)),
            care_leaver=Subquery(CareLeaverStatus.objects.filter(child=OuterRef("pk")).values("eligibility")[:1]),
            legal_status=Subquery(Episode.objects.filter(period_of_care__child=OuterRef("pk"),
                                                         dec__isnull=True)
                                  .order_by("-decom").values("legal_status")[:1]),
            last_visit=Subquery(Visit.objects.filter(child=OuterRef("pk")).order_by("-visit_date")
                                .values("visit_date")[:1]),
            next_due=Subquery(open_clocks.order_by("due_date").values("due_date")[:1]),
            overdue=Coalesce(Subquery(overdue), 0),
        )
        .only("pk", "first_name", "last_name", "la_child_id", "date_of_birth")
    )
    counts = children.aggregate(total=Count("pk"), overdue_children=Count("pk", filter=Q(overdue__gt=0)))
    # Siblings on the caseload sit together (one visit, one family): each child's `family` is the
    # lowest id among them and the siblings recorded either way round; the family is placed by its
    # most urgent child, and then each child by their own urgency.
    mine = my_children(user).values("pk")
    sibling_kinds = (Relationship.Kind.SIBLING, Relationship.Kind.HALF_SIBLING)
    siblings = Relationship.objects.filter(kind__in=sibling_kinds, recorded_in_error=False)
    lowest_relative = (siblings.filter(child=OuterRef("pk"), relative__in=mine).order_by("relative_id")
                       .values("relative_id")[:1])
    lowest_child = (siblings.filter(relative=OuterRef("pk"), child__in=mine).order_by("child_id")
                    .values("child_id")[:1])
    as_id = {"output_field": BigIntegerField()}
    children = children.annotate(family=Least(
        Cast("pk", **as_id), Coalesce(Subquery(lowest_relative), "pk", **as_id),
        Coalesce(Subquery(lowest_child), "pk", **as_id), **as_id))
    family = {"partition_by": [F("family")]}
    children = children.annotate(
        family_overdue=Window(Max("overdue"), **family), family_next_due=Window(Min("next_due"), **family),
        family_size=Window(Count("pk"), **family))
    page = paging.within(page, counts["total"], per_page)
    start = (page - 1) * per_page
    rows = list(children.order_by("-family_overdue", F("family_next_due").asc(nulls_last=True), "family",
                                  "-overdue", F("next_due").asc(nulls_last=True), "last_name", "pk")
                [start:start + per_page])
    return MyCases(rows=rows, total=counts["total"], page=page, per_page=per_page,
                   overdue_children=counts["overdue_children"])


#: How the *To do* tray groups clocks by urgency: (key, heading, due within this many days of today;
#: None is "later"). Overdue is anything due before today.
URGENCY = (("overdue", "Overdue"), ("week", "Due within 7 days"), ("month", "Due within 28 days"),
           ("later", "Due later"))
_URGENCY_DAYS = {"week": 7, "month": 28}


@dataclass(frozen=True, kw_only=True)
class ToDo(Page):
    """Clocks, each with `worker_id` (the child's social worker now) and `urgency`; `groups` counts
    the whole list (not just this page) by urgency."""

    groups: dict


def _urgency(due: dt.date, day: dt.date) -> str:
    if due < day:
        return "overdue"
    for key, days in _URGENCY_DAYS.items():
        if due <= day + dt.timedelta(days=days):
            return key
    return "later"


def to_do_children(user, scope: str) -> QuerySet:
    """Whose clocks are on the list: the worker's own children; a manager's team's (or their own);
    an IRO's children. Always among those the policy opens to the user."""
    open_now = Allocation.objects.filter(end_date__isnull=True)
    if scope == "team":
        held = open_now.filter(kind=Allocation.Kind.SOCIAL_WORKER, team_id__in=policy.team_ids(user))
    elif scope == "iro":
        held = open_now.filter(kind=Allocation.Kind.IRO, worker=user)
    else:
        held = open_now.filter(worker=user)
    return Child.objects.filter(pk__in=policy.visible_ids(user, f"to_do_{scope}",
                                                          held.values_list("child_id", flat=True)))


def to_do(user, *, scope: str = "mine", worker_id: int | None = None, code: str = "",
          within: str = "", page: int = 1, per_page: int = TRAY_PAGE, as_at: dt.date | None = None) -> ToDo:
    """Every open clock of the user's children, due or overdue, however far off (issue 18: a clock
    due in five weeks is work to plan now), soonest due first, grouped by urgency with the count of
    each group over the whole list. Filters: a worker of the team, a clock type, due within a week
    or 28 days, or overdue only. Three queries whatever the list's length."""
    from safeguard.timescales.rules import RULES

    day = as_at or today()
    children = to_do_children(user, scope)
    if worker_id:
        children = children.filter(pk__in=Allocation.objects.filter(
            end_date__isnull=True, kind=Allocation.Kind.SOCIAL_WORKER, worker_id=worker_id,
        ).values("child_id"))
    clocks = Clock.objects.filter(child__in=children, met_date__isnull=True, stopped_date__isnull=True)
    if scope == "iro":
        clocks = clocks.filter(code__in=[c for c, r in RULES.items() if r.iro])
    if code:
        clocks = clocks.filter(code=code)
    if within == "overdue":
        clocks = clocks.filter(due_date__lt=day)
    elif within in _URGENCY_DAYS:
        clocks = clocks.filter(due_date__lte=day + dt.timedelta(days=_URGENCY_DAYS[within]))
    week, month = day + dt.timedelta(days=7), day + dt.timedelta(days=28)
    counts = clocks.aggregate(
        total=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=day)),
        week=Count("pk", filter=Q(due_date__gte=day, due_date__lte=week)),
        month=Count("pk", filter=Q(due_date__gt=week, due_date__lte=month)),
        later=Count("pk", filter=Q(due_date__gt=month)))
    worker = Allocation.objects.filter(child=OuterRef("child_id"), end_date__isnull=True,
                                       kind=Allocation.Kind.SOCIAL_WORKER).values("worker_id")[:1]
    total = counts.pop("total")
    page = paging.within(page, total, per_page)
    start = (page - 1) * per_page
    rows = list(
        clocks.annotate(worker_id=Subquery(worker))
        .select_related("child").only("code", "child_id", "subject_type", "subject_id", "due_date",
                                      "child__first_name", "child__last_name")
        .order_by("due_date", "code", "child_id")[start:start + per_page])
    for r in rows:
        r.urgency = _urgency(r.due_date, day)
    return ToDo(rows=rows, total=total, page=page, per_page=per_page, groups=counts)


@dataclass(frozen=True)
class Incoming:
    allocated: list  # this worker's allocations that began in the last INCOMING_DAYS days
    returned: list  # assessments returned to this worker with comments, awaiting amendment
    decisions: int  # decisions awaiting this user (a manager or their delegate)

    @property
    def total(self) -> int:
        return len(self.allocated) + len(self.returned) + self.decisions


#: How long a new allocation stays in *Incoming* (local [L]: a fortnight to read in and visit).
INCOMING_DAYS = 14


def incoming(user) -> Incoming:
    """What has arrived for the user: children allocated to them lately, assessments returned to
    them for amendment (the last decision on them was a return and the user submitted it, or holds
    the child), and, for a manager or a delegate, how many decisions await them. A fixed number of
    queries."""
    day = today()
    visible = policy.children_visible_to(user)
    allocated = list(
        Allocation.objects.filter(worker=user, end_date__isnull=True,
                                  start_date__gte=day - dt.timedelta(days=INCOMING_DAYS),
                                  child__in=visible)
        .select_related("child").only("kind", "start_date", "child__first_name", "child__last_name")
        .order_by("-start_date", "pk"))
    last = AssessmentDecision.objects.filter(assessment=OuterRef("pk")).order_by("-pk")
    returned = list(
        Assessment.objects.filter(status=Assessment.Status.RETURNED, referral__child__in=visible)
        .annotate(returned_at=Subquery(last.values("decided_at")[:1]),
                  comments=Subquery(last.values("comments")[:1]),
                  submitter=Subquery(last.values("submitted_by_id")[:1]))
        .filter(Q(submitter=user.pk) | Q(referral__child__in=my_children(user)))
        .select_related("referral__child").order_by("returned_at", "pk"))
    decisions = 0
    if policy.may_decide(user, "assessment_authorisation"):
        totals = decisions_awaiting(user).totals
        decisions = totals["contacts"] + totals["responses"] + totals["submissions"]
    return Incoming(allocated=allocated, returned=returned, decisions=decisions)


def team_workers(user) -> QuerySet:
    """The active staff of the manager's teams, by name: whom the *To do* tray filters by."""
    from safeguard.workforce.models import User

    return (User.objects.filter(team_id__in=policy.team_ids(user), is_active=True)
            .only("first_name", "last_name", "username").order_by("last_name", "first_name", "pk"))
