"""Every read of case file audits: the sample a programme draws from the record, the audits and
actions a user may see, and the audit scorecard. Each takes the user; children are named only
where the access policy opens them (`policy.children_visible_to`)."""

from __future__ import annotations

import calendar
import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from safeguard.access import policy
from safeguard.child_protection.models import StrategyDiscussion
from safeguard.core.errors import today
from safeguard.looked_after.models import MissingEpisode
from safeguard.people.models import Child
from safeguard.workforce.models import Allocation

from . import rules
from .models import (
    GOOD_OR_BETTER,
    ActionStatus,
    AuditAction,
    AuditProgramme,
    AuditStatus,
    AuditTool,
    CaseAudit,
    DomainGrade,
    Grade,
    GradeRole,
    ProgrammeKind,
    Theme,
)


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


# --- the sample ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sampled:
    child_id: int
    team_id: int | None
    worker_id: int | None


def _held_at(day: dt.date) -> QuerySet:
    """Social-worker allocations open at the end of `day`: whose case it was then."""
    return Allocation.objects.filter(kind=Allocation.Kind.SOCIAL_WORKER, start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=day))


def _theme_children(theme: str, month: dt.date) -> QuerySet:
    end = month_end(month)
    if theme == Theme.STRATEGY_DISCUSSIONS:
        return StrategyDiscussion.objects.filter(held_on__range=(month, end)).values("referral__child_id")
    if theme == Theme.RETURN_HOME:
        return MissingEpisode.objects.filter(start_date__range=(month, end)).values("child_id")
    raise ValueError(f"no theme {theme!r}")


def sample_frame(user, *, kind: str, month: dt.date, team_ids, theme: str = "") -> dict:
    """The children a programme may draw, by team: for a monthly sample, each team's open cases at
    the month's end; for a theme, the children the theme finds in the month (by the team holding
    their case then, or all together when no team is named). Restricted records are never drawn
    (they need a grant of their own). Keys: team id (None for "all"); values: sorted `Sampled`."""
    if not rules.can_run_programme(user):
        raise PermissionDenied("audit programmes are run by team managers")
    end = month_end(month)
    children = Child.objects.filter(local_authority_id=user.local_authority_id, is_restricted=False)
    if kind != ProgrammeKind.MONTHLY:
        children = children.filter(pk__in=_theme_children(theme, month))
    held = {
        child_id: (team_id, worker_id)
        for child_id, team_id, worker_id in _held_at(end)
        .filter(child__in=children)
        .order_by("start_date", "pk")
        .values_list("child_id", "team_id", "worker_id")
    }
    teams = set(team_ids or ())
    frame: dict = defaultdict(list)
    if kind == ProgrammeKind.MONTHLY or teams:
        for child_id, (team_id, worker_id) in held.items():
            if team_id in teams:
                frame[team_id].append(Sampled(child_id, team_id, worker_id))
    else:
        for child_id in children.values_list("pk", flat=True):
            team_id, worker_id = held.get(child_id, (None, None))
            frame[None].append(Sampled(child_id, team_id, worker_id))
    return {key: sorted(rows, key=lambda s: s.child_id) for key, rows in frame.items()}


def draw(frame: dict, *, per_team: int, seed: int) -> list[Sampled]:
    """A reproducible random sample: `per_team` from each group, the same for the same frame and seed."""
    out: list[Sampled] = []
    for key in sorted(frame, key=lambda k: (k is None, k or 0)):
        rows = frame[key]
        rng = random.Random(f"{seed}:{key}")
        out.extend(rng.sample(rows, min(per_team, len(rows))))
    return sorted(out, key=lambda s: s.child_id)


# --- programmes, audits, actions ----------------------------------------------------------------


def tools() -> QuerySet:
    return AuditTool.objects.filter(active=True).order_by("name")


def programmes(user) -> QuerySet:
    """The council's programmes, newest month first (names no child)."""
    if not rules.can_see_audits(user):
        return AuditProgramme.objects.none()
    return (AuditProgramme.objects.filter(local_authority_id=user.local_authority_id)
            .select_related("tool", "auditor", "moderator", "run_by"))


def programme(user, programme_id: int) -> AuditProgramme:
    found = programmes(user).filter(pk=programme_id).first()
    if found is None:
        raise PermissionDenied("no such programme, or not open to you")
    return found


def _audits() -> QuerySet:
    return CaseAudit.objects.select_related(
        "child", "team", "worker", "auditor", "moderator", "programme", "programme__tool")


def programme_audits(user, prog: AuditProgramme) -> list[CaseAudit]:
    """The programme's audits the user may see, each marked `named` if the child is open to them."""
    rows = _named(user, list(_audits().filter(programme=prog)))
    return [a for a in rows if rules.can_see_audit(user, a, child_visible=a.child_visible)]


def _named(user, rows: list) -> list:
    """Mark each audit `child_visible` (the policy opens the record: one query for the list) and
    `named` (the page may name the child: the record is open, or the user grades it)."""
    ids = {a.child_id for a in rows}
    visible = set(policy.children_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    for a in rows:
        a.child_visible = a.child_id in visible
        a.named = a.child_visible or user.pk in (a.auditor_id, a.moderator_id)
    return rows


def case_audit(user, audit_id: int) -> CaseAudit:
    """One audit, with its grades and actions (a fixed number of queries)."""
    found = _audits().filter(pk=audit_id).first()
    visible = found is not None and policy.can_view_child(user, found.child)
    if found is None or not rules.can_see_audit(user, found, child_visible=visible):
        raise PermissionDenied("no such audit, or not open to you")
    found.grade_rows = list(DomainGrade.objects.filter(audit=found).select_related("domain"))
    found.action_rows = list(AuditAction.objects.filter(audit=found).select_related("assigned_to"))
    found.domain_rows = list(found.programme.tool.domains.order_by("order"))
    found.child_visible = visible
    found.named = found.child_visible or user.pk in (found.auditor_id, found.moderator_id)
    return found


def graded_domains(audit: CaseAudit) -> list[dict]:
    """Per domain of the tool: each grader's grade and evidence, and the grade that counts (the
    agreed one after moderation, else the moderator's when it matches, else the auditor's)."""
    by = defaultdict(dict)
    partners = defaultdict(list)
    for g in audit.grade_rows:
        if g.role == GradeRole.PARTNER:
            partners[g.domain_id].append(g)
        else:
            by[g.domain_id][g.role] = g
    out = []
    for d in audit.domain_rows:
        mine = by.get(d.pk, {})
        final = mine.get(GradeRole.AGREED) or mine.get(GradeRole.MODERATOR) or mine.get(GradeRole.AUDITOR)
        out.append({"domain": d, "auditor": mine.get(GradeRole.AUDITOR),
                    "moderator": mine.get(GradeRole.MODERATOR),
                    "agreed": mine.get(GradeRole.AGREED), "partners": partners.get(d.pk, []),
                    "final": final,
                    "disagreed": bool(mine.get(GradeRole.AUDITOR) and mine.get(GradeRole.MODERATOR)
                                      and mine[GradeRole.AUDITOR].grade != mine[GradeRole.MODERATOR].grade)})
    return out


def my_audits(user) -> list[CaseAudit]:
    """Audits waiting for this user: to grade, to moderate, or to answer (worker or manager)."""
    if not rules.can_audit(user):
        return []
    q = (Q(auditor=user, status=AuditStatus.ASSIGNED) | Q(moderator=user, status=AuditStatus.GRADED)
         | Q(worker=user, worker_response="") & ~Q(status=AuditStatus.ASSIGNED))
    team_ids = policy.team_ids(user) if policy.role_of(user) == policy.TEAM_MANAGER else set()
    if team_ids:
        q |= Q(team_id__in=team_ids, manager_response="") & ~Q(status=AuditStatus.ASSIGNED)
    rows = list(_audits().filter(q, child__local_authority_id=user.local_authority_id).order_by("pk")[:100])
    return _named(user, rows)


def actions_for(user, *, child=None, status: str = ActionStatus.OPEN) -> QuerySet:
    """Actions arising: on one child's record (open to this user by the access policy), or those
    assigned to the user; soonest due first."""
    qs = (AuditAction.objects.select_related("child", "assigned_to", "audit").filter(status=status)
          .annotate(overdue=ExpressionWrapper(Q(due_date__lt=today()), output_field=BooleanField())))
    if child is not None:
        if not policy.can_view_child(user, child):
            return qs.none()
        return qs.filter(child=child)
    return qs.filter(assigned_to=user, child__in=policy.children_visible_to(user))


def assignees(audit: CaseAudit) -> QuerySet:
    """Who an action may be given to: practitioners of the council who may record on the child."""
    from safeguard.workforce.models import User

    return User.objects.filter(
        local_authority_id=audit.child.local_authority_id, is_active=True,
        role__in=sorted(policy.RECORDERS)).order_by("first_name", "last_name")


# --- the scorecard ------------------------------------------------------------------------------

DIMENSIONS = {"domain": "Domain", "team": "Team", "theme": "Programme"}


@dataclass
class Cell:
    n: int = 0
    good: int = 0
    counts: dict = field(default_factory=lambda: {g: 0 for g in Grade.values})
    audit_ids: set = field(default_factory=set)
    month: dt.date | None = None

    def add(self, audit_id: int, grade: str) -> None:
        self.n += 1
        self.good += grade in GOOD_OR_BETTER
        self.counts[grade] += 1
        self.audit_ids.add(audit_id)

    @property
    def share(self) -> int | None:
        return round(100 * self.good / self.n) if self.n else None


@dataclass
class Row:
    key: str
    label: str
    months: list
    total: Cell


def _theme_key(kind: str, theme: str) -> tuple[str, str]:
    if theme:
        return theme, Theme(theme).label
    return kind, ProgrammeKind(kind).label


def scorecard_grades(user, *, first: dt.date, last: dt.date) -> list[dict]:
    """The grade that counts for each audited domain in months `first`..`last` (one query)."""
    if not rules.can_see_scorecard(user):
        raise PermissionDenied("the audit scorecard is for managers, analysts and leaders")
    rows = (DomainGrade.objects
            .filter(audit__programme__local_authority_id=user.local_authority_id,
                    audit__programme__month__range=(first, last),
                    audit__status__in=(AuditStatus.GRADED, AuditStatus.MODERATED),
                    role__in=(GradeRole.AUDITOR, GradeRole.MODERATOR, GradeRole.AGREED))
            .values_list("audit_id", "domain__code", "domain__title", "role", "grade", "audit__team_id",
                         "audit__team__name", "audit__programme__month", "audit__programme__kind",
                         "audit__programme__theme"))
    rank = {GradeRole.AUDITOR: 0, GradeRole.MODERATOR: 1, GradeRole.AGREED: 2}
    best: dict = {}
    for audit_id, code, title, role, grade, team_id, team, month, kind, theme in rows:
        key = (audit_id, code)
        if key not in best or rank[role] > best[key]["rank"]:
            theme_key, theme_label = _theme_key(kind, theme)
            best[key] = {"rank": rank[role], "audit_id": audit_id, "grade": grade, "month": month,
                         "domain": (code, title), "team": (str(team_id or ""), team or "No team"),
                         "theme": (theme_key, theme_label)}
    return list(best.values())


def scorecard(user, *, dimension: str, last_month: dt.date, months: int = 12) -> dict:
    """The share of graded domains judged good or better, by `dimension` (domain, team or
    programme theme) and month, with the grade counts over the period; every figure carries the
    audits behind it for the drill-down."""
    if dimension not in DIMENSIONS:
        dimension = "domain"
    month_list = []
    m = last_month.replace(day=1)
    for _ in range(months):
        month_list.append(m)
        m = (m - dt.timedelta(days=1)).replace(day=1)
    month_list.reverse()
    grades = scorecard_grades(user, first=month_list[0], last=month_list[-1])
    index = {mo: i for i, mo in enumerate(month_list)}
    rows: dict = {}
    overall = Row("", "All", [Cell(month=mo) for mo in month_list], Cell())
    for g in grades:
        key, label = g[dimension]
        row = rows.setdefault(key, Row(key, label, [Cell(month=mo) for mo in month_list], Cell()))
        for r in (row, overall):
            r.months[index[g["month"]]].add(g["audit_id"], g["grade"])
            r.total.add(g["audit_id"], g["grade"])
    ordered = sorted(rows.values(), key=lambda r: r.label)
    previous = (month_list[0] - dt.timedelta(days=1)).replace(day=1)
    return {"dimension": dimension, "months": month_list, "previous": previous, "rows": ordered,
            "overall": overall, "grades": Grade.choices}


def scorecard_audits(user, *, dimension: str, key: str, month: dt.date | None, last_month: dt.date,
                     grade: str = "") -> list[CaseAudit]:
    """The audits behind one figure of the scorecard (a month, or the whole year when `month` is
    None), each with the grade that counted; children named only where the policy opens them."""
    months = 1 if month else 12
    card_last = month or last_month
    first = card_last.replace(day=1)
    for _ in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    grades = [g for g in scorecard_grades(user, first=first, last=card_last)
              if (not key or g[dimension if dimension in DIMENSIONS else "domain"][0] == key)
              and (not grade or g["grade"] == grade)]
    counted = defaultdict(list)
    for g in grades:
        counted[g["audit_id"]].append(g)
    audits = list(_audits().filter(pk__in=counted).order_by("-programme__month", "pk"))
    for a in _named(user, audits):
        a.counted = sorted(counted[a.pk], key=lambda g: g["domain"][1])
        a.may_open = rules.can_see_audit(user, a, child_visible=a.child_visible)
    return audits
