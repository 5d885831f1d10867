"""Who may see and do what with a child's record: the council's policy, in one place.

- Social worker, personal adviser: children allocated to them (any kind of allocation), children
  whose social-worker allocation is held in their team, children with no allocated social worker
  (the front door must find them before allocation).
- Team manager: as a social worker, for their own team and every team they manage.
- IRO / CP chair: children they are allocated to as IRO, children whose conferences they chaired,
  and children awaiting an initial or transfer-in conference (open T05/T06 clock), since the chair
  prepares before it is held. Not every CP or looked-after child: the council chose least privilege.
- Performance analyst: every child of their council (read only, for returns and drill-down).
- LADO, administrator, councillor: no child's record (LADO: allegations only; administrator:
  users, teams, calendar; councillors: aggregates only).

Restricted records (`Child.is_restricted`: a staff member's own family, an adoption) are closed to
everyone, allocation included, except holders of a live `AccessGrant` (a manager's reasoned,
time-limited grant, or the user's own break-glass). Everyone sees only their own council.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

SOCIAL_WORKER, TEAM_MANAGER, IRO = "social_worker", "team_manager", "iro"
PERSONAL_ADVISER, ANALYST = "personal_adviser", "analyst"
LADO, ADMINISTRATOR, COUNCILLOR = "lado", "administrator", "councillor"

PRACTITIONERS = frozenset({SOCIAL_WORKER, TEAM_MANAGER, IRO, PERSONAL_ADVISER})
CHILD_READERS = PRACTITIONERS | {ANALYST}
RECORDERS = PRACTITIONERS
EXPORTERS = frozenset({SOCIAL_WORKER, TEAM_MANAGER, IRO, ANALYST})
AGGREGATE_READERS = frozenset({TEAM_MANAGER, ANALYST, ADMINISTRATOR, COUNCILLOR})


def active(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def role_of(user) -> str:
    return getattr(user, "role", "") if active(user) else ""


def live_grants(user):
    from .models import AccessGrant

    now = timezone.now()
    return AccessGrant.objects.filter(
        user=user, revoked_at__isnull=True, starts_at__lte=now, expires_at__gt=now
    )


def _team_ids(user) -> set[int]:
    from safeguard.workforce.models import Team

    ids = set(Team.objects.filter(manager=user).values_list("pk", flat=True))
    if user.team_id:
        ids.add(user.team_id)
    return ids


def _relationship_q(user) -> Q:
    """The children this user's role, team and allocations open (restriction not yet applied)."""
    from safeguard.child_protection.models import Conference
    from safeguard.timescales.models import Clock
    from safeguard.workforce.models import Allocation

    role = role_of(user)
    open_allocations = Allocation.objects.filter(end_date__isnull=True)
    if role == ANALYST:
        return Q()
    if role == IRO:
        chaired = Conference.objects.filter(chair=user).values("referral__child_id")
        awaiting = Clock.objects.filter(
            code__in=("T05", "T06"), met_date__isnull=True, stopped_date__isnull=True
        ).values("child_id")
        return (
            Q(pk__in=open_allocations.filter(worker=user).values("child_id"))
            | Q(pk__in=chaired)
            | Q(pk__in=awaiting)
        )
    if role in (SOCIAL_WORKER, PERSONAL_ADVISER, TEAM_MANAGER):
        teams = _team_ids(user) if role == TEAM_MANAGER else ({user.team_id} - {None})
        allocated = open_allocations.filter(Q(worker=user) | Q(team_id__in=teams, kind="social_worker"))
        with_worker = open_allocations.filter(kind="social_worker").values("child_id")
        return Q(pk__in=allocated.values("child_id")) | ~Q(pk__in=with_worker)
    return Q(pk__in=[])


def children_visible_to(user) -> QuerySet:
    """`visible_to(user)` for children: every list, search, export and drill-down starts here."""
    from safeguard.people.models import Child

    role = role_of(user)
    if role not in CHILD_READERS or not user.local_authority_id:
        return Child.objects.none()
    granted = live_grants(user).values("child_id")
    return Child.objects.filter(local_authority_id=user.local_authority_id).filter(
        (_relationship_q(user) & Q(is_restricted=False)) | Q(pk__in=granted)
    )


def visible_to(user, model) -> QuerySet:
    """`visible_to(user)` for any model of a child's record: rows whose child the user may open."""
    from safeguard.people.history import _BY_LABEL, _SOURCES

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


def _basis(user, child) -> Basis:
    role = role_of(user)
    if role not in CHILD_READERS or child.local_authority_id != user.local_authority_id:
        return Basis(False, f"{role or 'anonymous'} may not open children's records")
    grant = live_grants(user).filter(child=child).order_by("-expires_at").first()
    if grant is not None:
        if grant.kind == "break_glass":
            return Basis(True, f"break-glass: {grant.reason}", break_glass=True)
        return Basis(True, f"grant by {grant.granted_by}: {grant.reason}")
    if child.is_restricted:
        return Basis(False, "restricted record: needs a manager's grant or break-glass")
    if role in (SOCIAL_WORKER, PERSONAL_ADVISER, TEAM_MANAGER):
        return _basis_from_allocations(user, child, role)
    from safeguard.people.models import Child

    if not Child.objects.filter(pk=child.pk).filter(_relationship_q(user)).exists():
        return Basis(False, "not allocated to you or your team")
    return Basis(True, _relationship_label(user, child))


def _basis_from_allocations(user, child, role: str) -> Basis:
    """`_relationship_q` and `_relationship_label` for one child, decided from the child's open
    allocations in one query (the child page asks on every view; the rule is the same)."""
    from safeguard.workforce.models import Allocation

    open_allocations = list(
        Allocation.objects.filter(child=child, end_date__isnull=True)
        .order_by("pk")
        .only("pk", "worker_id", "team_id", "kind")
    )
    mine = next((a for a in open_allocations if a.worker_id == user.pk), None)
    if mine is not None:
        return Basis(True, f"allocated ({mine.get_kind_display().lower()})")
    teams = _team_ids(user) if role == TEAM_MANAGER else ({user.team_id} - {None})
    social_work = [a for a in open_allocations if a.kind == "social_worker"]
    if any(a.team_id in teams for a in social_work):
        return Basis(True, "team's case")
    if social_work:
        return Basis(False, "not allocated to you or your team")
    return Basis(True, "front door (no allocated worker)")


def _relationship_label(user, child) -> str:
    from safeguard.workforce.models import Allocation

    role = role_of(user)
    if role == ANALYST:
        return "performance analyst"
    mine = Allocation.objects.filter(child=child, worker=user, end_date__isnull=True).first()
    if mine is not None:
        return f"allocated ({mine.get_kind_display().lower()})"
    if role == IRO:
        return "conference chair"
    if Allocation.objects.filter(child=child, kind="social_worker", end_date__isnull=True).exists():
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


def can_authorise(user) -> bool:
    return role_of(user) == TEAM_MANAGER


def can_see_aggregates(user) -> bool:
    return role_of(user) in AGGREGATE_READERS


def can_search_audit(user) -> bool:
    return role_of(user) in (TEAM_MANAGER, ADMINISTRATOR)


def can_grant(user) -> bool:
    return role_of(user) == TEAM_MANAGER
