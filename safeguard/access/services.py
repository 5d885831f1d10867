"""Giving and taking access beyond the usual: a manager's grant, break-glass, and their alerts.
Each writes its audit row in the same transaction."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from safeguard.audit.services import audit_record
from safeguard.core.errors import Checks

from . import policy
from .models import AccessGrant, Alert

MIN_REASON = 10


def _check_reason(reason: str, checks: Checks) -> str:
    reason = (reason or "").strip()
    checks.require(
        len(reason) >= MIN_REASON,
        "reason",
        "local",
        f"give the reason in at least {MIN_REASON} characters; it is kept in the audit",
    )
    return reason


@transaction.atomic
def access_grant(*, by, child_id: int, user_id: int, reason: str, days: int = 30) -> AccessGrant:
    """A team manager opens one child's (usually restricted) record to one user, for a time."""
    from safeguard.people.models import Child
    from safeguard.workforce.models import User

    child = Child.objects.get(pk=child_id)
    user = User.objects.get(pk=user_id)
    checks = Checks()
    checks.require(policy.can_grant(by), "granted_by", "local", "only a team manager may grant access")
    checks.require(
        child.local_authority_id == by.local_authority_id == user.local_authority_id,
        "user",
        "local",
        "grants stay within the council",
    )
    checks.require(
        policy.role_of(user) in policy.CHILD_READERS,
        "user",
        "local",
        f"a {user.get_role_display()} may not open children's records",
    )
    checks.require(1 <= days <= 366, "days", "local", "a grant lasts from 1 to 366 days")
    reason = _check_reason(reason, checks)
    checks.raise_if_any()
    now = timezone.now()
    grant = AccessGrant.objects.create(
        child=child,
        user=user,
        kind=AccessGrant.Kind.GRANT,
        reason=reason,
        granted_by=by,
        starts_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    policy.forget(user)
    audit_record(
        actor=by,
        action="create",
        obj=grant,
        child_id=child.pk,
        reason=reason,
        detail={"grant_to": user.pk, "days": days},
    )
    return grant


def _managers_to_alert(user):
    """The user's team manager; a manager breaking the glass alerts the other managers."""
    from safeguard.workforce.models import User

    if user.team_id and user.team.manager_id and user.team.manager_id != user.pk:
        return [user.team.manager]
    others = User.objects.filter(
        role=policy.TEAM_MANAGER, is_active=True, local_authority_id=user.local_authority_id
    ).exclude(pk=user.pk)
    return list(others)


@transaction.atomic
def break_glass(*, by, child_id: int, reason: str) -> AccessGrant:
    """Open a record closed to you, in an emergency: the reason is required, access lasts
    SAFEGUARD_BREAK_GLASS_MINUTES, and your manager is alerted at once."""
    from safeguard.people.models import Child

    child = Child.objects.filter(pk=child_id).first()
    checks = Checks()
    checks.require(
        child is not None and policy.can_break_glass(by, child),
        "child",
        "local",
        "you may not break the glass on this record",
    )
    reason = _check_reason(reason, checks)
    checks.raise_if_any()
    now = timezone.now()
    minutes = settings.SAFEGUARD_BREAK_GLASS_MINUTES
    grant = AccessGrant.objects.create(
        child=child,
        user=by,
        kind=AccessGrant.Kind.BREAK_GLASS,
        reason=reason,
        starts_at=now,
        expires_at=now + dt.timedelta(minutes=minutes),
    )
    policy.forget(by)
    for manager in _managers_to_alert(by):
        Alert.objects.create(
            to=manager,
            child=child,
            grant=grant,
            message=f"{by} broke the glass on {child} at {timezone.localtime(now):%H:%M}: {reason}"[:500],
        )
    audit_record(
        actor=by,
        action="create",
        obj=grant,
        child_id=child.pk,
        reason=f"break-glass: {reason}",
        detail={"minutes": minutes, "alerted": [m.pk for m in _managers_to_alert(by)]},
    )
    return grant


@transaction.atomic
def alert_mark_read(*, by, alert_id: int) -> Alert:
    alert = Alert.objects.select_for_update().get(pk=alert_id, to=by)
    if alert.read_at is None:
        alert.read_at = timezone.now()
        alert.save(update_fields=["read_at"])
    return alert
