"""Every write of case file audits. A programme is the council's (saved and audited here); each
sampled child's audit, its grades and the actions arising are the child's, written through the
record's unit of work (`record.change.Change`): the child is locked, the records checked, saved
(versioned by simple_history) and audited with the child's id, in one transaction.

The auditor and moderator open each sampled child's record under a manager's grant whose reason
is "case audit: <programme>" (`access.services.access_grant`), so the child's "who has viewed"
and the audit trail say why they looked."""

from __future__ import annotations

import datetime as dt
import zlib

from django.core.exceptions import PermissionDenied
from django.db import transaction

from safeguard.access import policy
from safeguard.access.services import access_grant
from safeguard.audit.services import audit_detail, audit_record
from safeguard.core.errors import Checks, RecordInvalid, Violation, today
from safeguard.record.change import Change
from safeguard.workforce.models import Team, User

from . import defaults, rules, selectors
from .checks import check_action, check_action_done, check_grade, check_graded_audit, check_moderated_audit
from .models import (
    ActionStatus,
    AuditAction,
    AuditDomain,
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


def tools_load_defaults() -> int:
    """Put the shipped tools back if they are missing (a council that emptied the table)."""
    return defaults.load(AuditTool, AuditDomain)


def _seed(month: dt.date, title: str) -> int:
    return zlib.crc32(f"{month:%Y-%m}:{title}".encode()) % 1_000_000_000


def _council_user(user_id, la_id, field: str, label: str, checks: Checks, *, required=True):
    if user_id in (None, ""):
        checks.require(not required, field, "local", f"Choose the {label}")
        return None
    user = User.objects.filter(pk=user_id, local_authority_id=la_id, is_active=True).first()
    checks.require(user is not None and rules.can_audit(user), field, "local",
                   f"The {label} must be a practitioner of the council who may open children's records")
    return user


@transaction.atomic
def programme_run(*, by, title: str, kind: str, tool_id: int, month: dt.date, team_ids=(), per_team: int = 2,
                  auditor_id: int, moderator_id: int | None = None, theme: str = "",
                  seed: int | None = None) -> AuditProgramme:
    """Run a programme: draw the sample from the record (reproducibly, from `seed`), make each
    child's audit, and grant the auditor and moderator access to each sampled record for a case
    audit. A monthly sample needs the teams; a theme needs its theme."""
    if not rules.can_run_programme(by):
        raise PermissionDenied("audit programmes are run by team managers")
    la_id = by.local_authority_id
    checks = Checks()
    title = (title or "").strip()
    checks.require(bool(title), "title", "local", "Enter a title for the programme")
    checks.require(kind in ProgrammeKind.values, "kind", "local", "Choose the kind of programme")
    tool = AuditTool.objects.filter(pk=tool_id, active=True).first()
    checks.require(tool is not None, "tool", "local", "Choose the audit tool")
    checks.require(isinstance(month, dt.date), "month", "local", "Enter the month audited")
    if isinstance(month, dt.date):
        month = month.replace(day=1)
        checks.require(month <= today(), "month", "local", "The month audited cannot be in the future")
    teams = list(Team.objects.filter(pk__in=[int(t) for t in team_ids or ()], local_authority_id=la_id))
    checks.require(len(teams) == len(set(team_ids or ())), "teams", "local", "Choose teams of your council")
    if kind == ProgrammeKind.MONTHLY:
        checks.require(bool(teams), "teams", "local", "Choose at least one team to sample")
        theme = ""
    else:
        checks.require(theme in Theme.values, "theme", "local", "Choose the theme the sample is drawn by")
    checks.require(1 <= int(per_team or 0) <= rules.MAX_PER_TEAM, "per_team", "local",
                   f"Draw from 1 to {rules.MAX_PER_TEAM} children from each team")
    auditor = _council_user(auditor_id, la_id, "auditor", "auditor", checks)
    moderator = _council_user(moderator_id, la_id, "moderator", "moderator", checks, required=False)
    if auditor and moderator:
        checks.require(auditor.pk != moderator.pk, "moderator", "local",
                       "The moderator is a second grader: choose someone other than the auditor")
    checks.raise_if_any()
    prog = AuditProgramme.objects.create(
        local_authority_id=la_id, title=title, kind=kind, theme=theme, tool=tool, month=month,
        per_team=int(per_team), seed=seed if seed is not None else _seed(month, title), run_by=by,
        auditor=auditor, moderator=moderator, recorded_by=by)
    prog.teams.set(teams)
    audit_record(actor=by, action="create", obj=prog, detail=audit_detail("audit_programme_run", None, prog))
    frame = selectors.sample_frame(by, kind=kind, month=month, team_ids=[t.pk for t in teams], theme=theme)
    sample = selectors.draw(frame, per_team=prog.per_team, seed=prog.seed)
    if not sample:
        raise RecordInvalid([Violation(
            "teams", "local", "No child matches this programme's filter in that month: nothing to audit")])
    reason = f"case audit: {title}"[:200]
    for s in sample:  # ascending child ids: locks taken in primary-key order
        change = Change.of_child(s.child_id, by=by, event="case_audit_sample", reason=reason)
        change.new(CaseAudit(programme=prog, child_id=s.child_id, team_id=s.team_id, worker_id=s.worker_id,
                             auditor=auditor, moderator=moderator))
        change.save()
        for user in filter(None, (auditor, moderator)):
            access_grant(by=by, child_id=s.child_id, user_id=user.pk, reason=reason, days=rules.GRANT_DAYS)
    return prog


def _open(audit_id: int, *, by, event: str, expected_version: int | None, reason: str = ""):
    """The audit's child locked (its unit of work opened) and the audit as stored, refused if
    someone saved it after the user read `expected_version`."""
    child_id = CaseAudit.objects.filter(pk=audit_id).values_list("child_id", flat=True).first()
    if child_id is None:
        raise CaseAudit.DoesNotExist(f"case audit {audit_id} does not exist")
    change = Change.of_child(child_id, by=by, event=event, reason=reason)
    audit = change.attached(CaseAudit, audit_id, expected_version)
    return change, audit


def _grades_of(audit, role: str) -> dict[int, DomainGrade]:
    return {g.domain_id: g for g in DomainGrade.objects.filter(audit=audit, role=role)}


def _set_grade(change: Change, audit, domain, role: str, grade: str, evidence: str, held: dict,
               agency: str = "") -> None:
    field = f"grade_{domain.pk}"
    existing = held.get(domain.pk)
    if existing is None:
        change.new(DomainGrade(audit=audit, domain=domain, role=role, grade=grade or "",
                               evidence=(evidence or "").strip(), agency=agency), check_grade, field=field)
    else:
        to = {k: v for k, v in {"grade": grade or "", "evidence": (evidence or "").strip()}.items()
              if getattr(existing, k) != v}
        change.edit(change.attached(DomainGrade, existing.pk, None), check_grade, to=to, field=field)


@transaction.atomic
def audit_grade(*, by, audit_id: int, expected_version: int, grades: dict, overall: str,
                summary: str = "") -> CaseAudit:
    """The auditor grades each domain of the tool with its evidence, and the case overall. May be
    revised until a moderator has looked at it."""
    change, audit = _open(audit_id, by=by, event="case_audit_grade", expected_version=expected_version)
    if not rules.can_grade(by, audit):
        raise PermissionDenied("only the audit's auditor grades it, before moderation")
    held = _grades_of(audit, GradeRole.AUDITOR)
    for domain in audit.programme.tool.domains.order_by("order"):
        grade, evidence = grades.get(domain.pk) or grades.get(str(domain.pk)) or ("", "")
        _set_grade(change, audit, domain, GradeRole.AUDITOR, grade, evidence, held)
    graded = change.edit(audit, check_graded_audit, to={
        "overall": overall or "", "summary": (summary or "").strip(), "status": AuditStatus.GRADED,
        "graded_on": today()})
    return change.save(graded)


@transaction.atomic
def audit_moderate(*, by, audit_id: int, expected_version: int, grades: dict, agreed: dict, overall: str,
                   note: str) -> CaseAudit:
    """A second grader grades each domain. Where they differ from the auditor, the grade agreed
    between them and why are recorded (the scorecard counts the agreed grade)."""
    change, audit = _open(audit_id, by=by, event="case_audit_moderate", expected_version=expected_version)
    if not rules.can_moderate(by, audit):
        raise PermissionDenied("only the audit's moderator moderates it, once graded")
    first = _grades_of(audit, GradeRole.AUDITOR)
    mine = _grades_of(audit, GradeRole.MODERATOR)
    settled = _grades_of(audit, GradeRole.AGREED)
    for domain in audit.programme.tool.domains.order_by("order"):
        grade, comment = grades.get(domain.pk) or grades.get(str(domain.pk)) or ("", "")
        _set_grade(change, audit, domain, GradeRole.MODERATOR, grade, comment, mine)
        auditors = first.get(domain.pk)
        if grade and auditors is not None and grade != auditors.grade:
            agreed_grade, why = agreed.get(domain.pk) or agreed.get(str(domain.pk)) or ("", "")
            change.checks.require(agreed_grade in Grade.values, f"agreed_{domain.pk}", "local",
                                  f"{domain.title}: you and the auditor differ; record the grade you agreed")
            change.checks.require(bool((why or "").strip()), f"agreed_reason_{domain.pk}", "local",
                                  f"{domain.title}: say how the difference was resolved")
            if agreed_grade in Grade.values and (why or "").strip():
                _set_grade(change, audit, domain, GradeRole.AGREED, agreed_grade, why, settled)
    moderated = change.edit(audit, check_moderated_audit, to={
        "moderated_overall": overall or "", "moderation_note": (note or "").strip(),
        "status": AuditStatus.MODERATED, "moderated_on": today()})
    return change.save(moderated)


@transaction.atomic
def audit_respond(*, by, audit_id: int, expected_version: int, response: str) -> CaseAudit:
    """The worker's or their manager's response to the findings (each answers once; a second
    answer replaces the first, and the history keeps both)."""
    change, audit = _open(audit_id, by=by, event="case_audit_respond", expected_version=expected_version)
    role = rules.response_role(by, audit)
    if not role:
        raise PermissionDenied("the worker whose case it is, or their manager, responds once it is graded")
    response = (response or "").strip()
    change.checks.require(bool(response), "response", "local", "Enter your response")
    answered = change.edit(audit, to={f"{role}_response": response})
    return change.save(answered)


@transaction.atomic
def partner_grade(*, by, audit_id: int, expected_version: int, agency: str, grades: dict) -> CaseAudit:
    """A multi-agency audit: a partner agency's grades, entered by the auditor."""
    change, audit = _open(audit_id, by=by, event="case_audit_partner_grade",
                          expected_version=expected_version)
    if not rules.can_enter_partner_grades(by, audit):
        raise PermissionDenied("the auditor of a multi-agency audit enters partners' grades")
    agency = (agency or "").strip()
    change.checks.require(bool(agency), "agency", "local", "Name the partner agency")
    held = {g.domain_id: g for g in DomainGrade.objects.filter(audit=audit, role=GradeRole.PARTNER,
                                                                agency=agency)}
    for domain in audit.programme.tool.domains.order_by("order"):
        grade, evidence = grades.get(domain.pk) or grades.get(str(domain.pk)) or ("", "")
        if grade:
            _set_grade(change, audit, domain, GradeRole.PARTNER, grade, evidence, held, agency=agency)
    return change.save(change.edit(audit, to={}))


@transaction.atomic
def action_add(*, by, audit_id: int, what: str, assigned_to_id: int, due_date: dt.date) -> AuditAction:
    """An action arising, on the child's record: assigned to a practitioner who may record on the
    child, due on a date."""
    change, audit = _open(audit_id, by=by, event="audit_action_add", expected_version=None)
    if not rules.can_add_action(by, audit):
        raise PermissionDenied("the auditor, moderator or team manager sets actions once the audit is graded")
    assignee = User.objects.filter(pk=assigned_to_id, local_authority_id=audit.child.local_authority_id,
                                   is_active=True).first()
    change.checks.require(assignee is not None and policy.can_change_child(assignee, change.child),
                          "assigned_to", "local",
                          "Choose someone who may record on the child's record (their worker or team)")
    action = AuditAction(audit=audit, child=change.child, what=(what or "").strip(), assigned_to=assignee,
                         due_date=due_date)
    change.new(action, check_action)
    return change.save(action)


@transaction.atomic
def action_complete(*, by, action_id: int, expected_version: int, note: str,
                    done_on: dt.date | None = None) -> AuditAction:
    """The action done: when and what was done, on the child's record."""
    child_id = AuditAction.objects.filter(pk=action_id).values_list("child_id", flat=True).first()
    if child_id is None:
        raise AuditAction.DoesNotExist(f"audit action {action_id} does not exist")
    change = Change.of_child(child_id, by=by, event="audit_action_complete")
    action = change.attached(AuditAction, action_id, expected_version)
    if not rules.can_complete_action(by, action, action.audit):
        raise PermissionDenied("the person the action is assigned to, or their manager, marks it done")
    done = change.edit(action, check_action_done, to={
        "status": ActionStatus.DONE, "done_on": done_on or today(), "done_note": (note or "").strip()})
    return change.save(done)

