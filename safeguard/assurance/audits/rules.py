"""Who may do what with case file audits. The child's record itself is opened only by the access
policy: an auditor and moderator get a manager's grant with the reason "case audit: <programme>"
(`access.services.access_grant`), so each view of the child is audited with that reason."""

from __future__ import annotations

from safeguard.access import policy

#: Grants for the auditor and moderator last this long from the draw (a month to grade, then
#: moderation and responses).
GRANT_DAYS = 90
#: The most children drawn from one team (or one theme) in one programme.
MAX_PER_TEAM = 20


def can_run_programme(user) -> bool:
    """A team manager runs a programme: they give the auditors their grants (`access_grant`)."""
    return policy.can_grant(user) and bool(user.local_authority_id)


def can_audit(user) -> bool:
    """Auditors and moderators: practitioners who may open a child's record under a grant."""
    return policy.role_of(user) in policy.CHILD_READERS and bool(user.local_authority_id)


def can_see_audits(user) -> bool:
    """The audits pages: practitioners (their own audits and actions), analysts (the scorecard)."""
    return policy.role_of(user) in (policy.CHILD_READERS | policy.AGGREGATE_READERS) and bool(
        user.local_authority_id)


def can_see_scorecard(user) -> bool:
    return policy.can_see_aggregates(user) and bool(user.local_authority_id)


def is_team_manager_of(user, team_id) -> bool:
    return bool(team_id) and policy.role_of(user) == policy.TEAM_MANAGER and team_id in policy.team_ids(user)


def party(user, audit) -> bool:
    """The auditor, the moderator, the worker whose case it is, or the manager of its team."""
    return user.pk in (audit.auditor_id, audit.moderator_id, audit.worker_id) or is_team_manager_of(
        user, audit.team_id)


def can_see_audit(user, audit, *, child_visible: bool) -> bool:
    """An audit names a child and quotes the record: open to its parties (the auditor and moderator
    hold a grant to the record; the worker and their manager hold the case) and to whoever the
    access policy opens the child's record to (`child_visible`); never across councils."""
    if policy.role_of(user) not in policy.CHILD_READERS:
        return False
    if audit.child.local_authority_id != user.local_authority_id:
        return False
    return party(user, audit) or child_visible


def can_grade(user, audit) -> bool:
    return user.pk == audit.auditor_id and audit.status in ("assigned", "graded")


def can_moderate(user, audit) -> bool:
    return user.pk == audit.moderator_id and audit.status == "graded"


def response_role(user, audit) -> str:
    """"worker" or "manager" when the user may answer the audit, else ""."""
    if audit.status == "assigned":
        return ""
    if user.pk == audit.worker_id:
        return "worker"
    if is_team_manager_of(user, audit.team_id):
        return "manager"
    return ""


def can_add_action(user, audit) -> bool:
    return audit.status != "assigned" and (
        user.pk in (audit.auditor_id, audit.moderator_id) or is_team_manager_of(user, audit.team_id))


def can_complete_action(user, action, audit) -> bool:
    return action.status == "open" and (
        user.pk == action.assigned_to_id or is_team_manager_of(user, audit.team_id))


def can_enter_partner_grades(user, audit) -> bool:
    return user.pk == audit.auditor_id and audit.programme.kind == "multi_agency"
