"""Reads about the council and its staff, and the team manager's oversight of their team (issue 18,
item 2): each worker's caseload (weighted), the team's visits out of time, its children with no
allocated social worker, and the same figures per team across a service.

Lists that name children start from what `access.policy.children_visible_to` opens to the manager
(their teams' children and, at a front door, those no social worker holds), handed in as a `Scope`
by the caller: `access` reads this app's models, so this app does not import it back (no cycle
between apps, `.importlinter`). Caseload figures are counts
that name no child: they count every child a worker holds, a restricted record included, since the
worker carries it whether or not the manager may open it. Casework models (plans, periods of care,
episodes of need) sit above this layer and are reached through Django's app registry. Each read is
a fixed number of queries however many workers or children."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Concat

from safeguard.core.errors import RecordInvalid, Violation, today
from safeguard.core.paging import Page, page_of
from safeguard.timescales.models import Clock
from safeguard.timescales.rules import VISIT_CLOCKS

from .models import Allocation, LocalAuthority, Team, User


def council_for(by) -> LocalAuthority:
    """The council a return, report or forecast is for: the user's, or the only one on the record."""
    if by is not None and getattr(by, "local_authority_id", None):
        return by.local_authority
    councils = list(LocalAuthority.objects.all()[:2])
    if len(councils) != 1:
        raise RecordInvalid([Violation("local_authority", "local",
                                       "say which council: give a user who belongs to one "
                                       f"({len(councils)} councils on the record)")])
    return councils[0]


# --- the team manager's oversight (issue 18, item 2) ---------------------------------------------

#: [L] How heavy each kind of case is in a weighted caseload: a child counts once, in the heaviest
#: kind they are in (a child on a CP plan who is also looked after counts as CP). A council sets its
#: own weights here; the pages state them. Local choice: no statutory weighting exists (the
#: Standards for employers of social workers in England ask only for a "manageable" caseload).
CASE_WEIGHTS: tuple[tuple[str, str, Decimal], ...] = (
    ("cp", "Child protection plan", Decimal("1.5")),
    ("cla", "Looked after", Decimal("1.25")),
    ("cin", "Child in need (open episode)", Decimal("1.0")),
    ("other", "Other allocated child", Decimal("1.0")),
)
WEIGHTS = {key: weight for key, _label, weight in CASE_WEIGHTS}


#: Who may hold a social worker's allocation (workforce.services `_ROLES_FOR`): whom a manager
#: allocates to, and whose caseloads the team's page lists.
CASE_HOLDERS = (User.Role.SOCIAL_WORKER, User.Role.TEAM_MANAGER)

#: How many rows a page of a manager's list shows (the total is always shown beside it).
OVERSIGHT_PAGE = 50


def _open_case_flags(child: str, *, many: bool = False) -> dict:
    """Whether the child (the outer row's `child`) is on a CP plan, looked after or in an open
    episode of need: the three kinds a caseload is weighted by. For a team's few rows each is a
    look-up on the child's own rows; for `many` (a council's service page: thousands of
    allocations) a test of membership of the open cases, each set hashed once (a look-up per row
    cost five times as much there, and the hashing three times as much for one team).
    Casework models, from the registry."""
    referral = apps.get_model("front_door", "Referral")
    plan = apps.get_model("child_protection", "ChildProtectionPlan")
    period = apps.get_model("looked_after", "PeriodOfCare")
    open_cases = {
        "on_cp_plan": (plan.objects.filter(end_date__isnull=True), "referral__child"),
        "looked_after": (period.objects.filter(end_date__isnull=True), "child"),
        "in_need": (referral.objects.filter(closure_date__isnull=True), "child"),
    }
    if many:
        return {flag: ExpressionWrapper(Q(**{f"{child}__in": rows.values(f"{path}_id")}),
                                        output_field=BooleanField())
                for flag, (rows, path) in open_cases.items()}
    return {flag: Exists(rows.filter(**{path: OuterRef(child)})) for flag, (rows, path) in open_cases.items()}


#: Each kind of case as a condition on the flags: the heaviest kind wins, so each child counts once.
_KIND_OF = {
    "cp": Q(on_cp_plan=True),
    "cla": Q(on_cp_plan=False, looked_after=True),
    "cin": Q(on_cp_plan=False, looked_after=False, in_need=True),
    "other": Q(on_cp_plan=False, looked_after=False, in_need=False),
}


def case_kind(child) -> str:
    """The kind a child with `_open_case_flags` annotations counts as in a weighted caseload."""
    if child.on_cp_plan:
        return "cp"
    if child.looked_after:
        return "cla"
    return "cin" if child.in_need else "other"


@dataclass
class Figures:
    """A worker's (or a team's) caseload: children held, by kind, weighted, and their clocks."""

    children: int = 0
    cp: int = 0
    cla: int = 0
    cin: int = 0
    other: int = 0
    overdue: int = 0  # clocks of their children past due and not met
    visits_overdue: int = 0  # of which statutory visits (VISIT_CLOCKS)
    fte: Decimal = Decimal("0")
    staff: int = 0

    @property
    def weighted(self) -> Decimal:
        return sum((getattr(self, key) * weight for key, weight in WEIGHTS.items()), Decimal("0"))

    @property
    def weighted_shown(self) -> str:
        """The weighted caseload as a person writes it: 12.5, 10, 3.75."""
        text = f"{self.weighted:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text

    @property
    def breakdown(self) -> str:
        """The kinds that make up the caseload, as a manager reads it: "2 CP, 1 looked after"."""
        words = (("cp", "CP"), ("cla", "looked after"), ("cin", "child in need"), ("other", "other"))
        return ", ".join(f"{getattr(self, key)} {word}" for key, word in words if getattr(self, key))

    @property
    def weighted_per_fte(self) -> Decimal | None:
        return (self.weighted / self.fte).quantize(Decimal("0.1")) if self.fte else None


def _open_allocations() -> QuerySet:
    return Allocation.objects.filter(end_date__isnull=True, kind=Allocation.Kind.SOCIAL_WORKER)


def caseload_figures(allocations: QuerySet, by: str, *, as_at: dt.date | None = None,
                     many: bool = False) -> dict[int, Figures]:
    """The figures of these open social-worker allocations, grouped by `by` ("worker_id" or
    "team_id"): two queries (the children by kind; their overdue clocks) however many there are
    (`many`: a service's, read as `_open_case_flags` says)."""
    day = as_at or today()
    figures: dict[int, Figures] = {}
    kinds = {key: Count("pk", filter=condition) for key, condition in _KIND_OF.items()}
    for row in (allocations.annotate(**_open_case_flags("child_id", many=many)).values(by)
                .annotate(children=Count("pk"), **kinds).order_by()):
        key = row.pop(by)
        figures[key] = Figures(**row)
    holder = _open_allocations().filter(child=OuterRef("child_id")).values(by)[:1]
    late = (Clock.objects.filter(child_id__in=allocations.values("child_id"), met_date__isnull=True,
                                 stopped_date__isnull=True, due_date__lt=day)
            .annotate(holder=Subquery(holder)).values("holder")
            .annotate(overdue=Count("pk"), visits=Count("pk", filter=Q(code__in=VISIT_CLOCKS))).order_by())
    for row in late:
        f = figures.setdefault(row["holder"], Figures())
        f.overdue, f.visits_overdue = row["overdue"], row["visits"]
    return figures


@dataclass(frozen=True)
class Caseload:
    worker: User
    figures: Figures


@dataclass(frozen=True)
class Scope:
    """What the access policy opens to one manager: their teams (`policy.team_ids`) and the children
    they may see (`policy.children_visible_to`, a lazy queryset)."""

    team_ids: frozenset
    visible: QuerySet
    #: (key, child ids) -> those of them the policy opens, read once a request (`policy.visible_ids`).
    visible_ids: Callable[[str, Iterable], list[int]]


def team_staff(scope: Scope) -> QuerySet:
    """The active staff of the manager's teams who can hold a child's case, by name."""
    return (User.objects.filter(team_id__in=scope.team_ids, is_active=True, role__in=CASE_HOLDERS)
            .select_related("team").order_by("last_name", "first_name", "pk"))


def team_caseloads(scope: Scope) -> list[Caseload]:
    """Each worker of the manager's teams with their caseload: three queries however large the team."""
    workers = list(team_staff(scope))
    figures = caseload_figures(_open_allocations().filter(worker__in=[w.pk for w in workers]), "worker_id")
    return [Caseload(w, figures.get(w.pk, Figures())) for w in workers]


def worker_figures(worker: User) -> Figures:
    """One worker's caseload figures (two queries)."""
    return caseload_figures(_open_allocations().filter(worker=worker), "worker_id").get(worker.pk, Figures())


def team_worker(scope: Scope, worker_id) -> User | None:
    """A worker of the manager's teams (None for anyone else's, or a malformed id)."""
    if not str(worker_id).isdigit():
        return None
    return team_staff(scope).filter(pk=int(worker_id)).first()


def team_children(scope: Scope) -> QuerySet:
    """The children the manager's teams' social workers hold, among those the policy opens."""
    held = _open_allocations().filter(team_id__in=scope.team_ids)
    # The teams' children are read first, then each tested against the policy (a look-up each), once
    # a request: the tabs' counts and the page's list each start from them.
    return scope.visible.model.objects.filter(
        pk__in=scope.visible_ids("team_children", held.values_list("child_id", flat=True)))


def worker_cases(scope: Scope, worker: User, *, page: int = 1, per_page: int = OVERSIGHT_PAGE) -> Page:
    """The children allocated to one of the manager's workers, as the worker's *My cases* shows
    them (status, last visit, next due, overdue), among those the policy opens to the manager:
    the most overdue first. Two queries however long the caseload."""
    day = today()
    visit = apps.get_model("people", "Visit")
    open_clocks = Clock.objects.filter(child=OuterRef("pk"), met_date__isnull=True, stopped_date__isnull=True)
    overdue = (open_clocks.filter(due_date__lt=day).order_by().values("child")
               .annotate(n=Count("pk")).values("n"))
    children = (
        team_children(scope).filter(pk__in=_open_allocations().filter(worker=worker).values("child_id"))
        .annotate(**_open_case_flags("pk"),
                  last_visit=Subquery(visit.objects.filter(child=OuterRef("pk")).order_by("-visit_date")
                                      .values("visit_date")[:1]),
                  next_due=Subquery(open_clocks.order_by("due_date").values("due_date")[:1]),
                  overdue=Coalesce(Subquery(overdue), 0, output_field=IntegerField()))
        .only("pk", "first_name", "last_name", "la_child_id")
        .order_by("-overdue", F("next_due").asc(nulls_last=True), "last_name", "pk")
    )
    result = page_of(children, page=page, per_page=per_page)
    for child in result.rows:
        child.kind = case_kind(child)
    return result


def _holder_name() -> Subquery:
    return Subquery(_open_allocations().filter(child=OuterRef("child_id")).annotate(
        name=Concat("worker__first_name", Value(" "), "worker__last_name")).values("name")[:1])


def holders(child_ids) -> dict[int, str]:
    """The name of the social worker holding each of these children now (one query)."""
    return {row["child_id"]: f"{row['worker__first_name']} {row['worker__last_name']}".strip()
            for row in _open_allocations().filter(child_id__in=child_ids)
            .values("child_id", "worker__first_name", "worker__last_name")}


def visits_out_of_time(scope: Scope, *, page: int = 1, per_page: int = OVERSIGHT_PAGE) -> Page:
    """The statutory visits of the team's children that are overdue (CP, looked-after and private
    fostering visit clocks past due and not met), the longest overdue first, each with the worker
    who holds the child. Two queries however many."""
    clocks = (Clock.objects.filter(child__in=team_children(scope), code__in=VISIT_CLOCKS,
                                   met_date__isnull=True, stopped_date__isnull=True, due_date__lt=today())
              .annotate(worker_name=_holder_name())
              .select_related("child").only("code", "due_date", "child__first_name", "child__last_name",
                                            "child__la_child_id")
              .order_by("due_date", "child_id", "pk"))
    return page_of(clocks, page=page, per_page=per_page)


def visits_out_of_time_count(scope: Scope) -> int:
    return Clock.objects.filter(child__in=team_children(scope), code__in=VISIT_CLOCKS, met_date__isnull=True,
                                stopped_date__isnull=True, due_date__lt=today()).count()


def unallocated(scope: Scope) -> QuerySet:
    """Open cases no social worker holds (an open episode of need or period of care), among the
    children the policy opens to the user: a front door team sees every one (policy), any other
    team only those opened to them by a grant. Oldest referral first: the longest waiting."""
    referral = apps.get_model("front_door", "Referral")
    period = apps.get_model("looked_after", "PeriodOfCare")
    first_open = (referral.objects.filter(child=OuterRef("pk"), closure_date__isnull=True)
                  .order_by("referral_date").values("referral_date")[:1])
    # The open cases no one holds are found from the open episodes' side (a few thousand rows
    # in a large council, each tested on an index) and only then tested against the policy:
    # starting from the children would test every child the council ever had.
    held = _open_allocations().filter(child=OuterRef("child_id"))
    waiting = set(referral.objects.filter(closure_date__isnull=True).exclude(Exists(held))
                  .values_list("child_id", flat=True))
    waiting |= set(period.objects.filter(end_date__isnull=True).exclude(Exists(held))
                   .values_list("child_id", flat=True))
    return (scope.visible.filter(pk__in=sorted(waiting))
            .annotate(**_open_case_flags("pk"), referred=Subquery(first_open))
            .only("pk", "first_name", "last_name", "la_child_id", "date_of_birth")
            .order_by(F("referred").asc(nulls_last=True), "pk"))


def unallocated_page(scope: Scope, *, page: int = 1, per_page: int = OVERSIGHT_PAGE) -> Page:
    result = page_of(unallocated(scope), page=page, per_page=per_page)
    for child in result.rows:
        child.kind = case_kind(child)
    return result


def unallocated_child(scope: Scope, child_id):
    """One child of the user's Unallocated list, or None: allocated meanwhile, closed, or not theirs."""
    if not str(child_id).isdigit():
        return None
    return unallocated(scope).filter(pk=int(child_id)).first()


# --- the service: the same figures for each team (heads of service, analysts, administrators) ------


def service_teams(council_id: int, *, teams_of: set[int] | None = None,
                  service: str | None = None) -> list[Team]:
    """The teams a service page shows: the whole council's (for analysts and administrators), or,
    given a manager's teams (`teams_of`), those teams and every team of their services (their own
    teams only when those name no service); one service of them if named."""
    teams = Team.objects.filter(local_authority_id=council_id)
    if teams_of is not None:
        services = {s for s in Team.objects.filter(pk__in=teams_of).values_list("service", flat=True) if s}
        teams = teams.filter(Q(pk__in=teams_of) | Q(service__in=services))
    if service is not None:
        teams = teams.filter(service=service)
    return list(teams.select_related("manager").order_by("service", "name", "pk"))


def team_figures(teams: list[Team], *, as_at: dt.date | None = None,
                 many: bool = False) -> dict[int, Figures]:
    """Each team's figures (its staff and FTE, children held by kind, weighted, overdue clocks and
    visits): three queries however many teams (`many`: the whole council's, read as
    `_open_case_flags` says)."""
    ids = [t.pk for t in teams]
    figures = caseload_figures(_open_allocations().filter(team_id__in=ids), "team_id", as_at=as_at, many=many)
    staff = (User.objects.filter(team_id__in=ids, is_active=True, role__in=CASE_HOLDERS).values("team_id")
             .annotate(n=Count("pk"), fte=Coalesce(Sum("fte"), Decimal("0"))).order_by())
    for row in staff:
        f = figures.setdefault(row["team_id"], Figures())
        f.staff, f.fte = row["n"], Decimal(row["fte"])
    return {t.pk: figures.get(t.pk, Figures()) for t in teams}


def service_children(teams: list[Team]) -> QuerySet:
    """The ids of the children these teams' social workers hold (a subquery, for the drift flags):
    for figures only, never listed by name."""
    return _open_allocations().filter(team_id__in=[t.pk for t in teams]).values("child_id")


def holding_teams(teams: list[Team]) -> dict[int, int]:
    """The team holding each child these teams' social workers hold (one query, no list of ids)."""
    held = _open_allocations().filter(team_id__in=[t.pk for t in teams])
    return dict(held.values_list("child_id", "team_id"))


@dataclass
class ServiceRow:
    team: Team
    figures: Figures
    drift: dict = field(default_factory=dict)  # drift kind -> children of the team flagged


def totals(rows: list[ServiceRow]) -> ServiceRow:
    """The service's (or council's) row: each figure summed over its teams."""
    total = Figures()
    drift: dict = {}
    for r in rows:
        for name in ("children", "cp", "cla", "cin", "other", "overdue", "visits_overdue", "fte", "staff"):
            setattr(total, name, getattr(total, name) + getattr(r.figures, name))
        for kind, n in r.drift.items():
            drift[kind] = drift.get(kind, 0) + n
    return ServiceRow(team=Team(name="Total"), figures=total, drift=drift)


# --- reads for the administration pages and the set-up commands --------------------------------------
# Scoped to one council (the administrator's), each a fixed number of queries whatever its size.

STAFF_PAGE_SIZE = 25


def staff_list(council_id: int, *, team_id: int | None = None, role: str = "", active: bool | None = None,
               page: int = 1) -> Page:
    """One page of the council's staff, filtered, with the total: two queries."""
    qs = User.objects.filter(local_authority_id=council_id)
    if team_id:
        qs = qs.filter(team_id=team_id)
    if role:
        qs = qs.filter(role=role)
    if active is not None:
        qs = qs.filter(is_active=active)
    return page_of(qs.select_related("team").order_by("last_name", "first_name", "username"),
                   page=page, per_page=STAFF_PAGE_SIZE)


def teams_of(council_id: int) -> list[Team]:
    """The council's teams by service, each with its manager and count of active staff: one query."""
    return list(Team.objects.filter(local_authority_id=council_id).select_related("manager")
                .annotate(members=Count("user", filter=Q(user__is_active=True)))
                .order_by("service", "name"))


def team_of(council_id: int, team_id: int) -> Team | None:
    return Team.objects.filter(local_authority_id=council_id, pk=team_id).first()


def staff_member(council_id: int, user_id: int) -> User | None:
    return User.objects.filter(local_authority_id=council_id, pk=user_id).select_related("team").first()


def managers_of(council_id: int):
    """Who may manage a team: the council's active team managers."""
    return User.objects.filter(local_authority_id=council_id, is_active=True,
                               role=User.Role.TEAM_MANAGER).order_by("last_name", "first_name")


def council_summary(council_id: int) -> dict:
    """The counts on the administration index: teams, services and staff (two queries)."""
    teams = Team.objects.filter(local_authority_id=council_id).aggregate(
        teams=Count("pk"), services=Count("service", distinct=True, filter=~Q(service="")))
    staff = User.objects.filter(local_authority_id=council_id).aggregate(
        active=Count("pk", filter=Q(is_active=True)), inactive=Count("pk", filter=Q(is_active=False)))
    return {**teams, **staff}


def council_named(key: str = "") -> LocalAuthority:
    """The council a command is for: by ONS code or LA number, or the only one on record."""
    key = (key or "").strip()
    if key:
        found = LocalAuthority.objects.filter(
            Q(code__iexact=key) | Q(la_number=int(key) if key.isdigit() and len(key) <= 4 else -1)).first()
        if found is None:
            raise RecordInvalid([Violation("council", "local",
                                           f"no council with ONS code or LA number {key}")])
        return found
    councils = list(LocalAuthority.objects.order_by("pk")[:2])
    if len(councils) != 1:
        raise RecordInvalid([Violation("council", "local", "say which council with --council (ONS code or "
                                       f"LA number): {len(councils)} councils are on record")])
    return councils[0]


def staff_by_username(username: str) -> User:
    user = User.objects.filter(username__iexact=(username or "").strip(), is_active=True).first()
    if user is None:
        raise RecordInvalid([Violation("username", "local",
                                       f"no active member of staff called {username!r}")])
    return user
