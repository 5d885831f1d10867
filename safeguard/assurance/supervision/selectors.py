"""Every read of supervision. The reflective discussion is read by `reflection_of` alone, and only
for the session's supervisor or supervisee: every other read defers the field, so no list, page or
manager's view carries it. Compliance reads a fixed number of queries whatever the team's size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, Subquery

from safeguard.access import policy
from safeguard.audit.services import audit_record
from safeguard.core.errors import today
from safeguard.timescales.rules import due_date
from safeguard.workforce.models import Allocation, Team, User

from .models import SupervisionArrangement, SupervisionDecision, SupervisionFrequency, SupervisionSession
from .rules import DEFAULT_FREQUENCIES, SUPERVISED_ROLES

#: Who reads compliance across the whole council (a team manager reads their own teams').
COUNCIL_READERS = frozenset({policy.ADMINISTRATOR, policy.ANALYST})


def is_party(user, session: SupervisionSession) -> bool:
    """The two whose supervision it was."""
    return policy.active(user) and user.pk in (session.supervisor_id, session.supervisee_id)


def _sessions_for(user):
    """Sessions the user may know of: their own (as supervisor or supervisee), and those of the
    workers in the teams they manage; never another council's."""
    qs = SupervisionSession.objects.filter(local_authority_id=getattr(user, "local_authority_id", None))
    mine = Q(supervisor_id=user.pk) | Q(supervisee_id=user.pk)
    role = policy.role_of(user)
    if role == policy.TEAM_MANAGER:
        mine |= Q(supervisee__team_id__in=policy.team_ids(user))
    elif role in COUNCIL_READERS:
        mine = Q()
    elif not role:
        return qs.none()
    return qs.filter(mine).defer("reflective")


def session_get(user, session_id: int) -> SupervisionSession:
    """One session without its reflective discussion (DoesNotExist alike for one that does not
    exist and one the user may not know of); the view audited."""
    session = _sessions_for(user).select_related("supervisor", "supervisee").get(pk=session_id)
    audit_record(actor=user, action="view", obj=session, detail={"what": "supervision session"})
    return session


def reflection_of(user, session: SupervisionSession) -> str | None:
    """The reflective discussion, for the supervisor and the supervisee only; None for anyone else,
    their managers and administrators included."""
    if not is_party(user, session):
        return None
    return (SupervisionSession.objects.filter(pk=session.pk, supervisor_id=session.supervisor_id,
                                              supervisee_id=session.supervisee_id)
            .values_list("reflective", flat=True).first())


def decisions_of(user, session: SupervisionSession) -> list[dict]:
    """The session's case decisions, each naming its child only when the policy opens the child to
    the user (otherwise "a child you cannot open"). Two queries."""
    links = list(SupervisionDecision.objects.filter(session=session).select_related("note")
                 .only("child_id", "note__title", "note__text", "note__occurred_on").order_by("pk"))
    visible = {c.pk: c for c in policy.children_visible_to(user).filter(pk__in=[d.child_id for d in links])
               .only("pk", "first_name", "last_name")}
    return [{"child": visible.get(d.child_id), "note": d.note if d.child_id in visible else None}
            for d in links]


def sessions_of(user, worker_id: int, *, limit: int = 24) -> list[SupervisionSession]:
    """A worker's latest sessions (never their reflections)."""
    return list(_sessions_for(user).filter(supervisee_id=worker_id).select_related("supervisor")
                .annotate(decision_count=Count("decisions")).order_by("-held_on", "-pk")[:limit])


def frequencies() -> list[SupervisionFrequency]:
    """The council's table; the defaults [L] (unsaved) if the table is empty, e.g. a database
    flushed after its migrations ran, so compliance is never judged against nothing."""
    rows = list(SupervisionFrequency.objects.order_by("role", "asye_from_weeks", "key"))
    return rows or [SupervisionFrequency(key=key, description=description, role=role, asye_from_weeks=start,
                                         asye_until_weeks=until, unit=unit, amount=amount, source=source)
                    for key, description, role, start, until, unit, amount, source in DEFAULT_FREQUENCIES]


def expected_for(rows: list[SupervisionFrequency], role: str, asye_started_on: dt.date | None,
                 day: dt.date) -> SupervisionFrequency | None:
    """The row that applies to a worker of `role` on `day`: their ASYE band's, if they are in one,
    or the role's."""
    if asye_started_on is not None:
        weeks = (day - asye_started_on).days // 7
        for r in rows:
            if (r.role == role and r.asye_from_weeks is not None and r.asye_until_weeks is not None
                    and r.asye_from_weeks <= weeks < r.asye_until_weeks):
                return r
    return next((r for r in rows if r.role == role and r.asye_from_weeks is None), None)


@dataclass
class WorkerCompliance:
    worker: User
    expected: SupervisionFrequency | None
    last: dt.date | None
    next_due: dt.date | None
    in_year: int
    supervisor: User | None

    @property
    def up_to_date(self) -> bool:
        return self.next_due is not None and self.next_due >= self.as_at

    as_at: dt.date = dt.date.min


@dataclass
class TeamCompliance:
    team: Team | None
    workers: list[WorkerCompliance]

    @property
    def up_to_date(self) -> int:
        return sum(w.up_to_date for w in self.workers)

    @property
    def share(self) -> int | None:
        return round(100 * self.up_to_date / len(self.workers)) if self.workers else None


def can_read_compliance(user) -> bool:
    return policy.role_of(user) in COUNCIL_READERS | {policy.TEAM_MANAGER}


def compliance(user, *, as_at: dt.date | None = None) -> list[TeamCompliance]:
    """Each supervised worker's last supervision, the next due by their expected frequency (the
    council's table, `rules.DEFAULT_FREQUENCIES` [L]), and sessions in the last year, grouped by
    team with the share up to date. A team manager reads their teams; an administrator or analyst
    the council. Three queries whatever the number of workers."""
    day = as_at or today()
    role = policy.role_of(user)
    if role not in COUNCIL_READERS | {policy.TEAM_MANAGER}:
        return []
    workers = User.objects.filter(is_active=True, role__in=SUPERVISED_ROLES,
                                  local_authority_id=user.local_authority_id)
    if role == policy.TEAM_MANAGER:
        workers = workers.filter(team_id__in=policy.team_ids(user))
    held = SupervisionSession.objects.filter(supervisee_id=OuterRef("pk"))
    workers = list(workers.select_related("team").annotate(
        last=Subquery(held.order_by("-held_on").values("held_on")[:1]),
        in_year=Subquery(held.filter(held_on__gt=day - dt.timedelta(days=365)).values("supervisee_id")
                         .annotate(n=Count("pk")).values("n")[:1]),
        asye=Subquery(SupervisionArrangement.objects.filter(supervisee_id=OuterRef("pk"))
                      .values("asye_started_on")[:1]),
        supervisor_id=Subquery(SupervisionArrangement.objects.filter(supervisee_id=OuterRef("pk"))
                               .values("supervisor_id")[:1]),
    ).order_by("team__name", "last_name", "first_name", "pk"))
    rows = frequencies()
    managers = {t.pk: t.manager for t in Team.objects.filter(pk__in={w.team_id for w in workers})
                .select_related("manager")}
    named = {w.supervisor_id for w in workers if w.supervisor_id}
    supervisors = {u.pk: u for u in User.objects.filter(pk__in=named)} if named else {}
    teams: dict[int | None, TeamCompliance] = {}
    for w in workers:
        expected = expected_for(rows, w.role, w.asye, day)
        if w.last is not None and expected is not None:
            next_due = due_date(w.last, expected.limit)
        else:
            next_due = None
        entry = WorkerCompliance(worker=w, expected=expected, last=w.last, next_due=next_due,
                                 in_year=w.in_year or 0, as_at=day,
                                 supervisor=supervisors.get(w.supervisor_id) or managers.get(w.team_id))
        teams.setdefault(w.team_id, TeamCompliance(team=w.team, workers=[])).workers.append(entry)
    return list(teams.values())



def discussable_children(user, supervisee: User) -> list:
    """The children a supervision may record a decision about: the supervisee's open allocations,
    among those the access policy opens to the supervisor. One query."""
    held = Allocation.objects.filter(worker=supervisee, end_date__isnull=True).values("child_id")
    return list(policy.children_visible_to(user).filter(pk__in=held)
                .only("pk", "first_name", "last_name", "la_child_id")
                .order_by("last_name", "first_name", "pk"))


def worker_for(user, worker_id: int) -> User | None:
    """A worker whose supervision the user may see: themself, one they supervise or whose team
    they manage, or anyone of the council for a council reader."""
    worker = User.objects.filter(pk=worker_id, local_authority_id=getattr(user, "local_authority_id", None),
                                 ).select_related("team").first()
    if worker is None or not policy.active(user):
        return None
    role = policy.role_of(user)
    if worker.pk == user.pk or role in COUNCIL_READERS:
        return worker
    if role == policy.TEAM_MANAGER and worker.team_id in policy.team_ids(user):
        return worker
    if SupervisionArrangement.objects.filter(supervisee=worker, supervisor=user).exists():
        return worker
    return None
