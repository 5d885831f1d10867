"""Who may see allegations: the LADO, their team manager and administrators, nobody else.

Allegations concern adults' employment and are kept apart from children's records (KCSIE Part 4:
confidentiality of allegations), so the usual "view_*" permissions do not open them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from safeguard.workforce.models import User

LADO, MANAGER, ADMINISTRATOR = "lado", "team_manager", "administrator"


def can_see_allegations(user) -> bool:
    """True for an active LADO, an administrator, or the team manager of a team with a LADO in it."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    role = getattr(user, "role", "")
    if role in (LADO, ADMINISTRATOR):
        return True
    if role == MANAGER and user.team_id:
        return User.objects.filter(team_id=user.team_id, role=LADO, is_active=True).exists()
    return False


def can_record_allegations(user) -> bool:
    """Recording is the LADO's (and an administrator's, for imports and corrections)."""
    return can_see_allegations(user) and user.role in (LADO, ADMINISTRATOR)


def require_see(user) -> None:
    if not can_see_allegations(user):
        raise PermissionDenied("only the LADO, their manager and administrators may see allegations")


def require_record(user) -> None:
    if not can_record_allegations(user):
        raise PermissionDenied("only the LADO or an administrator may record allegations")
