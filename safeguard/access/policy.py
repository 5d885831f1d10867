"""Who may see and do what with a child's record: the council's policy, in one place.

- Social worker, personal adviser: children allocated to them (any kind of allocation), children
  whose social-worker allocation is held in their team. Children with no allocated social worker
  (new and closed cases alike) only for members of a front door (duty) team, which must find them
  before allocation; anyone else states a legitimate relationship to the child (a reason, audited
  and shown to their manager) to open one for a working day.
- Team manager: as a social worker, for their own team and every team they manage.
- IRO / CP chair: children they are allocated to as IRO, children whose conferences they chaired,
  and children awaiting an initial or transfer-in conference (open T05/T06 clock), since the chair
  prepares before it is held. Not every CP or looked-after child: the council chose least privilege.
- Performance analyst: every child of their council (read only, for returns and drill-down).
- LADO, administrator, councillor: no child's record (LADO: allegations only; administrator:
  users, teams, calendar; councillors: aggregates only).

Beyond the record, one rule per capability, used by pages, the API and commands alike: aggregate
figures (`can_see_aggregates`), the children behind a figure (`can_drill`: each child named only if
`children_visible_to` opens it), the forecast (`can_forecast`: it reads every child's episodes, so
analysts only) and placement costs (`can_set_costs`).

Restricted records (`Child.is_restricted`: a staff member's own family, an adoption) are closed to
everyone, allocation included, except holders of a live `AccessGrant` (a manager's reasoned,
time-limited grant, or the user's own break-glass). Everyone sees only their own council.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from django.apps import apps
from django.core.signals import request_finished, request_started
from django.db.models import Exists, Q, QuerySet
from django.utils import timezone

from safeguard.core.errors import today
from safeguard.people.models import Child
from safeguard.record.history import _BY_LABEL, _SOURCES
from safeguard.timescales.models import Clock
from safeguard.workforce.models import Allocation, Team, User

from .models import AccessGrant, DecisionDelegation, DecisionRule

SOCIAL_WORKER, TEAM_MANAGER, IRO = "social_worker", "team_manager", "iro"
PERSONAL_ADVISER, ANALYST = "personal_adviser", "analyst"
LADO, ADMINISTRATOR, COUNCILLOR = "lado", "administrator", "councillor"
#: Oversees the teams of one service: reads their figures (no child named), not their records.
HEAD_OF_SERVICE = "head_of_service"
#: Handles the council's complaints and representations procedure (assurance.complaints).
COMPLAINTS_MANAGER = "complaints_manager"

PRACTITIONERS = frozenset({SOCIAL_WORKER, TEAM_MANAGER, IRO, PERSONAL_ADVISER})
CHILD_READERS = PRACTITIONERS | {ANALYST}
RECORDERS = PRACTITIONERS
EXPORTERS = frozenset({SOCIAL_WORKER, TEAM_MANAGER, IRO, ANALYST})
AGGREGATE_READERS = frozenset({TEAM_MANAGER, HEAD_OF_SERVICE, ANALYST, ADMINISTRATOR, COUNCILLOR})
#: Those who may ask which children are behind a figure (councillors see the published scorecard only).
DRILLERS = frozenset({TEAM_MANAGER, ANALYST, ADMINISTRATOR, IRO})
FORECASTERS = frozenset({ANALYST})
COST_SETTERS = frozenset({ANALYST, ADMINISTRATOR})


def active(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def role_of(user) -> str:
    return getattr(user, "role", "") if active(user) else ""


def live_grants(user):
    now = timezone.now()
    return AccessGrant.objects.filter(
        user=user, revoked_at__isnull=True, starts_at__lte=now, expires_at__gt=now
    )


#: `Team.service` of the duty teams that see every child with no allocated social worker.
FRONT_DOOR_SERVICE = "front door"


def _teams(user) -> dict[int, str]:
    """The user's teams (a manager's own and those they manage) and each team's service, read
    once per request. The user's own team is kept as `user.team` too, which every page's header
    names: one read of it a page, not two."""
    cached = user.__dict__.get("_access_teams")
    if cached is None:
        role = role_of(user)
        q = Q(pk=user.team_id) if user.team_id else Q(pk__in=[])
        if role == TEAM_MANAGER:
            q |= Q(manager=user)
        teams = list(Team.objects.filter(q))
        own = next((t for t in teams if t.pk == user.team_id), None)
        if own is not None:
            User._meta.get_field("team").set_cached_value(user, own)
        cached = {t.pk: t.service for t in teams}
        user.__dict__["_access_teams"] = cached
    return cached


def team_ids(user) -> set[int]:
    """Teams whose cases this user holds: their own team and, for a team manager, every team they manage."""
    return set(_teams(user))


def at_front_door(user) -> bool:
    """A member (or manager) of a front door team: sees children with no allocated social worker."""
    return any((service or "").strip().lower() == FRONT_DOOR_SERVICE for service in _teams(user).values())


#: What the policy remembers for the length of one web request (nothing outside a request: a
#: service, command or test that changes allocations and asks again gets a fresh answer).
_REQUEST: ContextVar[dict | None] = ContextVar("safeguard_access_request", default=None)


def _request_begins(**_) -> None:
    _REQUEST.set({})


def _request_ends(**_) -> None:
    _REQUEST.set(None)


request_started.connect(_request_begins, dispatch_uid="safeguard.access.policy.request_begins")
request_finished.connect(_request_ends, dispatch_uid="safeguard.access.policy.request_ends")


def _relationship_ids(user) -> QuerySet | None:
    """The ids of the children this user's allocations, team or conferences open, as one query;
    None where the relationship is no such list (an analyst's is every child, a front door's every
    child with no allocated social worker). Conferences are casework, above this layer: reached
    through the app registry."""
    Conference = apps.get_model("child_protection", "Conference")  # noqa: N806

    role = role_of(user)
    open_allocations = Allocation.objects.filter(end_date__isnull=True)
    if role == IRO:
        chaired = Conference.objects.filter(chair=user).values("referral__child_id")
        awaiting = Clock.objects.filter(
            code__in=("T05", "T06"), met_date__isnull=True, stopped_date__isnull=True
        ).values("child_id")
        return open_allocations.filter(worker=user).values("child_id").union(chaired, awaiting)
    if role in (SOCIAL_WORKER, PERSONAL_ADVISER, TEAM_MANAGER) and not at_front_door(user):
        return _allocated_to(user)
    return None


def _allocated_to(user) -> QuerySet:
    """Children allocated to the user, or to a social worker of a team whose cases they hold."""
    return Allocation.objects.filter(end_date__isnull=True).filter(
        Q(worker=user) | Q(team_id__in=team_ids(user), kind=Allocation.Kind.SOCIAL_WORKER)
    ).values("child_id")


def _relationship_q(user) -> Q:
    """The children this user's role, team and allocations open (restriction not yet applied)."""
    role = role_of(user)
    if role == ANALYST:
        return Q()
    ids = _relationship_ids(user)
    if ids is not None:
        return Q(pk__in=ids)
    if role in (SOCIAL_WORKER, PERSONAL_ADVISER, TEAM_MANAGER):  # at the front door
        with_worker = Allocation.objects.filter(end_date__isnull=True, kind=Allocation.Kind.SOCIAL_WORKER)
        return Q(pk__in=_allocated_to(user)) | ~Q(pk__in=with_worker.values("child_id"))
    return Q(pk__in=[])


def children_visible_to(user) -> QuerySet:
    """`visible_to(user)` for children: every list, search, export and drill-down starts here.
    Within a web request it is built once per user and each caller gets a copy (a tray page asks
    six times, and building the query costs more than running it); `forget` drops it."""
    memo = _REQUEST.get()
    if memo is None or not active(user):
        return _children_visible_to(user)
    key = ("children", user.pk)
    if key not in memo:
        memo[key] = _children_visible_to(user)
    return memo[key].all()


def _children_visible_to(user) -> QuerySet:
    role = role_of(user)
    if role not in CHILD_READERS or not user.local_authority_id:
        return Child.objects.none()
    granted = live_grants(user).values("child_id")
    council = Child.objects.filter(local_authority_id=user.local_authority_id)
    ids = _relationship_ids(user)
    if ids is not None:
        # The same rule, (related and not restricted) or granted, written so that the database
        # starts from the few children named and looks each up, rather than testing every child
        # of the council (a search by name: 29 ms against 1 ms on a large council).
        return council.filter(pk__in=ids.union(granted)).filter(Q(is_restricted=False) | Q(pk__in=granted))
    return council.filter((_relationship_q(user) & Q(is_restricted=False)) | Q(pk__in=granted))


def among_visible(user, child_ids) -> QuerySet:
    """Those of these children (a worker's caseload, a team's, the children of a list's few open
    rows) the user may open. The ids are read first and handed to the policy as a list, so each is
    tested on its own (an index look-up) rather than the policy first finding every child the user
    may open (for a front door team most of the council: 170 ms against 0.5 ms on a large council)."""
    return children_visible_to(user).filter(pk__in=sorted(set(child_ids)))


def visible_ids(user, key: str, child_ids) -> list[int]:
    """The ids of those of these children (`child_ids`: a query or a list) the user may open,
    sorted; within a web request read once under `key` (a tray asks for the worker's caseload for
    its rows, its counts and its tabs, and a short list of ids costs each query less to build than
    the policy itself)."""
    memo = _REQUEST.get() if active(user) else None
    if memo is not None and (key, user.pk) in memo:
        return memo[(key, user.pk)]
    ids = sorted(among_visible(user, child_ids).values_list("pk", flat=True))
    if memo is not None:
        memo[(key, user.pk)] = ids
    return ids


def visible_to(user, model) -> QuerySet:
    """`visible_to(user)` for any model of a child's record: rows whose child the user may open."""
    if model._meta.label == "people.Child":
        return children_visible_to(user)
    path = _SOURCES[_BY_LABEL[model._meta.label]][1]
    return model.objects.filter(**{f"{path}__in": children_visible_to(user)})


@dataclass(frozen=True)
class Basis:
    """Why this user may open this child: written into the audit row of every view."""

    allowed: bool
    reason: str
    break_glass: bool = False


def basis(user, child) -> Basis:
    """Decide (and explain) one user's access to one child. Remembered on the user object for
    the rest of the request (a page asks several times); grants and break-glass forget it."""
    cache = user.__dict__.setdefault("_access_basis", {}) if active(user) else {}
    key = (child.pk, child.is_restricted, child.local_authority_id)
    if key not in cache:
        cache[key] = _basis(user, child)
    return cache[key]


def forget(user) -> None:
    user.__dict__.pop("_access_basis", None)
    memo = _REQUEST.get()
    if memo is not None:
        for key in [k for k in memo if k[1] == getattr(user, "pk", None)]:
            del memo[key]
    user.__dict__.pop("_access_teams", None)
    user.__dict__.pop("_decision_rules", None)


def _basis(user, child) -> Basis:
    role = role_of(user)
    if role not in CHILD_READERS or child.local_authority_id != user.local_authority_id:
        return Basis(False, f"{role or 'anonymous'} may not open children's records")
    grant = live_grants(user).filter(child=child).order_by("-expires_at").first()
    if grant is not None:
        if grant.kind == "break_glass":
            return Basis(True, f"break-glass: {grant.reason}", break_glass=True)
        if grant.kind == "relationship":
            return Basis(True, f"legitimate relationship: {grant.reason}")
        return Basis(True, f"grant by {grant.granted_by}: {grant.reason}")
    if child.is_restricted:
        return Basis(False, "restricted record: needs a manager's grant or break-glass")
    if role in (SOCIAL_WORKER, PERSONAL_ADVISER, TEAM_MANAGER):
        return _basis_from_allocations(user, child, role)

    if not Child.objects.filter(pk=child.pk).filter(_relationship_q(user)).exists():
        return Basis(False, "not allocated to you or your team")
    return Basis(True, _relationship_label(user, child))


def _basis_from_allocations(user, child, role: str) -> Basis:
    """`_relationship_q` and `_relationship_label` for one child, decided from the child's open
    allocations in one query (the child page asks on every view; the rule is the same)."""
    open_allocations = list(
        Allocation.objects.filter(child=child, end_date__isnull=True)
        .order_by("pk")
        .only("pk", "worker_id", "team_id", "kind")
    )
    mine = next((a for a in open_allocations if a.worker_id == user.pk), None)
    if mine is not None:
        return Basis(True, f"allocated ({mine.get_kind_display().lower()})")
    social_work = [a for a in open_allocations if a.kind == Allocation.Kind.SOCIAL_WORKER]
    if any(a.team_id in team_ids(user) for a in social_work):
        return Basis(True, "team's case")
    if social_work:
        return Basis(False, "not allocated to you or your team")
    if at_front_door(user):
        return Basis(True, "front door (no allocated worker)")
    return Basis(False, UNALLOCATED_REFUSAL)


UNALLOCATED_REFUSAL = "no allocated social worker: open to the front door team, or state your relationship"


def _relationship_label(user, child) -> str:
    role = role_of(user)
    if role == ANALYST:
        return "performance analyst"
    mine = Allocation.objects.filter(child=child, worker=user, end_date__isnull=True).first()
    if mine is not None:
        return f"allocated ({mine.get_kind_display().lower()})"
    if role == IRO:
        return "conference chair"
    held = Allocation.objects.filter(child=child, kind=Allocation.Kind.SOCIAL_WORKER, end_date__isnull=True)
    if held.exists():
        return "team's case"
    return "front door (no allocated worker)"


def can_view_child(user, child) -> bool:
    return basis(user, child).allowed


def can_change_child(user, child) -> bool:
    return role_of(user) in RECORDERS and basis(user, child).allowed


def can_export_child(user, child) -> bool:
    return role_of(user) in EXPORTERS and basis(user, child).allowed


def can_break_glass(user, child) -> bool:
    """Practitioners of the child's council may break the glass on a record closed to them."""
    return role_of(user) in PRACTITIONERS and child.local_authority_id == user.local_authority_id


def can_state_relationship(user, child) -> bool:
    """A practitioner of the child's council may state a legitimate relationship to a record closed
    to them only because no social worker holds it (never a restricted one: that is break-glass)."""
    return (
        role_of(user) in PRACTITIONERS
        and child.local_authority_id == user.local_authority_id
        and not child.is_restricted
        and not basis(user, child).allowed
    )


def can_authorise(user) -> bool:
    return role_of(user) == TEAM_MANAGER


def can_see_aggregates(user) -> bool:
    return role_of(user) in AGGREGATE_READERS


def can_drill(user) -> bool:
    return role_of(user) in DRILLERS


def can_forecast(user) -> bool:
    return role_of(user) in FORECASTERS


def can_set_costs(user) -> bool:
    return role_of(user) in COST_SETTERS


def can_search_audit(user) -> bool:
    return role_of(user) in (TEAM_MANAGER, ADMINISTRATOR)


def can_grant(user) -> bool:
    return role_of(user) == TEAM_MANAGER


# --- who decides (issue 17): the council's table of decisions ---------------------------------
# The codes of `DecisionRule`. The defaults below seed the table (migration 0004) and stand in for
# a row missing from it (a table emptied by a test's clean-up), so the rule never silently opens.
CONTACT_DECISION, REFERRAL_RESPONSE = "contact_decision", "referral_response"
ASSESSMENT_AUTHORISATION, SECTION47_OUTCOME = "assessment_authorisation", "section47_outcome"
REFERRAL_CLOSURE, PRE_PROCEEDINGS_DECISION = "referral_closure", "pre_proceedings_decision"
CONFERENCE, CP_PLAN_START, CP_PLAN_END = "conference", "cp_plan_start", "cp_plan_end"
LOOKED_AFTER_REVIEW = "looked_after_review"

#: The roles a rule may name: those who record on a child's record.
DECIDING_ROLES = RECORDERS

_WT2 = "Working Together to Safeguard Children 2023, ch. 2"
_WT3 = "Working Together to Safeguard Children 2023, ch. 3"


@dataclass(frozen=True)
class DecisionDefault:
    code: str
    label: str
    roles: tuple[str, ...]
    changeable: bool
    local: bool
    source: str


DECISION_DEFAULTS: tuple[DecisionDefault, ...] = (
    DecisionDefault(CONTACT_DECISION, "The decision on a contact (whether it becomes a referral)",
                    (TEAM_MANAGER,), True, True,
                    f"[L] {_WT2}: a local authority social worker should acknowledge receipt and make a "
                    "decision about next steps, with management oversight"),
    DecisionDefault(REFERRAL_RESPONSE, "The response to a referral (its type, or no further action)",
                    (TEAM_MANAGER,), True, True, f"[L] {_WT2}: management oversight of the decision"),
    DecisionDefault(ASSESSMENT_AUTHORISATION, "Authorising (or returning) an assessment",
                    (TEAM_MANAGER,), True, True, f"[L] {_WT2}: management oversight of assessments"),
    DecisionDefault(SECTION47_OUTCOME, "The outcome of a section 47 enquiry",
                    (TEAM_MANAGER,), True, True, f"[L] {_WT3}: section 47 enquiries"),
    DecisionDefault(REFERRAL_CLOSURE, "Closing an episode of need (with the management rationale)",
                    (TEAM_MANAGER,), True, True, "[L] the council's closure and step-down procedure"),
    DecisionDefault(PRE_PROCEEDINGS_DECISION, "Issuing care proceedings or stepping down from "
                    "pre-proceedings", (TEAM_MANAGER,), True, True,
                    "[L] the council's legal planning (gateway) meeting; Court orders and "
                    "pre-proceedings (DfE, 2014)"),
    DecisionDefault(CONFERENCE, "Recording a child protection conference and its decision (initial, "
                    "review, transfer-in)", (IRO,), False, False,
                    f"{_WT3}: the conference is chaired by a professional independent of operational "
                    "or line management responsibility for the case"),
    DecisionDefault(CP_PLAN_START, "Starting a child protection plan (from the conference's decision)",
                    (IRO,), False, False, f"{_WT3}: only the conference decides a child protection plan"),
    DecisionDefault(CP_PLAN_END, "Ending a child protection plan (with its reason)",
                    (IRO, TEAM_MANAGER), True, True,
                    f"[L] {_WT3}: a plan ends when a review conference decides the child is no "
                    "longer at risk of significant harm"),
    DecisionDefault(LOOKED_AFTER_REVIEW, "Chairing a looked-after child's review and recording its "
                    "decisions", (IRO,), False, False,
                    "Children Act 1989 ss. 25A-25B: the child's independent reviewing officer"),
)
_DEFAULTS = {d.code: d for d in DECISION_DEFAULTS}

_ROLE_NOUNS = {
    TEAM_MANAGER: "a team manager",
    IRO: "the IRO or CP chair",
    SOCIAL_WORKER: "a social worker",
    PERSONAL_ADVISER: "a personal adviser",
}


@dataclass(frozen=True)
class Decider:
    """Whether one user may take one decision, with the words to refuse them: what the service
    hands the pure check (which never reads the table itself)."""

    code: str
    label: str
    who: str  # "a team manager (or their delegate)"
    allowed: bool

    @property
    def message(self) -> str:
        return f"{self.label[:1].lower()}{self.label[1:]} is decided by {self.who}"


def who_decides(roles) -> str:
    """Names the deciders as a social worker would: "the IRO or CP chair, or a team manager (or
    their delegate)". A team manager's decisions may be delegated (`DecisionDelegation`)."""
    nouns = [_ROLE_NOUNS.get(r, r) for r in _ordered(roles)]
    text = ", or ".join(nouns) if nouns else "no one"
    return text + (" (or their delegate)" if TEAM_MANAGER in roles else "")


def _rows(extra=None) -> dict[str, dict]:
    """The table as {code: {"label", "roles", ...}}, defaults filling any code with no row."""
    qs = DecisionRule.objects.all()
    if extra is not None:
        qs = qs.annotate(_extra=extra)
    rows = {d.code: {"label": d.label, "roles": list(d.roles), "_extra": None} for d in DECISION_DEFAULTS}
    fields = ("code", "label", "roles") + (("_extra",) if extra is not None else ())
    for row in qs.values(*fields):
        rows[row["code"]] = {"_extra": None, **row}
    return rows


def live_delegations(user):
    """Delegations to `user` running today (the council's day), from a manager still a manager."""
    day = today()
    return DecisionDelegation.objects.filter(
        delegate=user, revoked_at__isnull=True, starts_on__lte=day, ends_on__gte=day,
        manager__role=TEAM_MANAGER, manager__is_active=True,
    )


def _table_for(user) -> tuple[dict[str, dict], bool]:
    """The table and whether the user holds a manager's delegation today: one query, remembered on
    the user object for the rest of the request (`forget` drops it, as a rule change does)."""
    cached = user.__dict__.get("_decision_rules")
    if cached is None:
        delegations = live_delegations(user)
        rows = _rows(Exists(delegations))
        if any(r["_extra"] is not None for r in rows.values()):
            delegated = any(r["_extra"] for r in rows.values())
        else:  # no row on file (only the defaults): ask on its own
            delegated = delegations.exists()
        cached = (rows, delegated)
        user.__dict__["_decision_rules"] = cached
    return cached


def decider(user, code: str) -> Decider:
    """May `user` take the decision `code`? Their role is named in the table's row, or the row
    names team managers and a manager's decisions are delegated to them today."""
    if code not in _DEFAULTS:
        raise KeyError(f"no decision {code!r} in the table of decisions")
    if not active(user):
        row = _rows()[code]
        return Decider(code, row["label"], who_decides(row["roles"]), False)
    rows, delegated = _table_for(user)
    row = rows[code]
    roles = set(row["roles"])
    allowed = role_of(user) in roles or (delegated and TEAM_MANAGER in roles)
    return Decider(code, row["label"], who_decides(roles), allowed)


def may_decide(user, code: str) -> bool:
    """The one answer to "may this user take this decision?" (the table of decisions)."""
    return decider(user, code).allowed


def deciders(code: str) -> str:
    """For messages: "this decision is a team manager's (or their delegate's)"."""
    roles = _rows()[code]["roles"] if code in _DEFAULTS else ()
    nouns = [f"{_ROLE_NOUNS.get(r, r)}'s" for r in _ordered(roles)]
    return "this decision is " + (" or ".join(nouns) or "no one's") + (
        " (or their delegate's)" if TEAM_MANAGER in roles else "")


def _ordered(roles) -> list[str]:
    return sorted(roles, key=lambda r: (r != IRO, r))


def require_decider(checks, field: str, decider: Decider | None) -> bool:
    """In a pure check: refuse a decision taken by someone the table does not name. No `decider`
    (an importer, the generator) means no rule, as a return carries no staff."""
    if decider is None:
        return True
    return checks.require(decider.allowed, field, "local", decider.message)
