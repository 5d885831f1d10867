"""Who may handle complaints and read their report: one rule per capability, used by the pages,
the services and the demo alike.

- The complaints manager (role `complaints_manager`): every
  complaint and compliment of their council; they run the procedure (Getting the Best from
  Complaints gives each council a complaints manager).
- A team manager: complaints about their teams (their own team and those they manage), since
  stage 1 local resolution is theirs to answer.
- The annual report (aggregates): those who read aggregates (`access.policy.AGGREGATE_READERS`) and
  the complaints manager; the learning's words only to the complaints manager.
Nobody else, social workers included (the worker may be the one complained about)."""

from __future__ import annotations

from django.db.models import QuerySet

from safeguard.access import policy

from .models import Complaint, Compliment

COMPLAINTS_MANAGER = policy.COMPLAINTS_MANAGER


def is_complaints_manager(user) -> bool:
    return policy.role_of(user) == COMPLAINTS_MANAGER


def can_handle_complaints(user) -> bool:
    return policy.role_of(user) in (COMPLAINTS_MANAGER, policy.TEAM_MANAGER)


def complaints_visible_to(user) -> QuerySet:
    """The complaints this user handles; none for anyone else."""
    role = policy.role_of(user)
    mine = Complaint.objects.filter(local_authority_id=getattr(user, "local_authority_id", None))
    if role == COMPLAINTS_MANAGER:
        return mine
    if role == policy.TEAM_MANAGER:
        return mine.filter(team_id__in=policy.team_ids(user))
    return Complaint.objects.none()


def compliments_visible_to(user) -> QuerySet:
    role = policy.role_of(user)
    mine = Compliment.objects.filter(local_authority_id=getattr(user, "local_authority_id", None))
    if role == COMPLAINTS_MANAGER:
        return mine
    if role == policy.TEAM_MANAGER:
        return mine.filter(team_id__in=policy.team_ids(user))
    return Compliment.objects.none()


def may_file_for_team(user, team_id: int | None) -> bool:
    """A complaints manager files any complaint; a team manager only one about their own teams."""
    if is_complaints_manager(user):
        return True
    return policy.role_of(user) == policy.TEAM_MANAGER and team_id in policy.team_ids(user)


def can_read_report(user) -> bool:
    return policy.role_of(user) in (policy.AGGREGATE_READERS | {COMPLAINTS_MANAGER})
