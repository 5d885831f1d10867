"""Giving and taking access beyond the usual: a manager's grant, break-glass (which notifies the
manager: `notifications.services.notify`); an administrator's second factor at sign-in. Each writes
its audit rows in the same transaction: a grant and its notifications in the record's one shape
(`audit.services.audit_detail`); a second factor in its own, which names the factor and never its
secret."""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from safeguard.audit.services import audit_detail, audit_record
from safeguard.core.errors import Checks, RecordInvalid, Violation, today
from safeguard.notifications.services import Kind, notify
from safeguard.people.models import Child
from safeguard.workforce.models import User

from . import policy, totp
from .models import AccessGrant, DecisionDelegation, DecisionRule, SecondFactor

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
        detail=audit_detail("access_grant", None, grant),
    )
    return grant


def _managers_to_alert(user):
    """The user's team manager; a manager breaking the glass alerts the other managers."""
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
    return _self_grant(
        by=by, child_id=child_id, reason=reason, kind=AccessGrant.Kind.BREAK_GLASS, event="break_glass",
        may=policy.can_break_glass, refusal="you may not break the glass on this record",
        minutes=settings.SAFEGUARD_BREAK_GLASS_MINUTES, done="broke the glass on", label="break-glass",
    )


@transaction.atomic
def relationship_state(*, by, child_id: int, reason: str) -> AccessGrant:
    """Open a record that no social worker holds (a closed or not yet allocated case) by stating
    your legitimate relationship to the child: the reason is audited, your manager is told, and
    access lasts SAFEGUARD_RELATIONSHIP_MINUTES. Restricted records need break-glass instead."""
    return _self_grant(
        by=by, child_id=child_id, reason=reason, kind=AccessGrant.Kind.RELATIONSHIP,
        event="relationship_state",
        may=policy.can_state_relationship,
        refusal="this record is open to you already, restricted, or not of your council",
        minutes=settings.SAFEGUARD_RELATIONSHIP_MINUTES, done="stated a relationship to open",
        label="legitimate relationship",
    )


def _self_grant(*, by, child_id, reason, kind, event, may, refusal, minutes, done, label) -> AccessGrant:
    """Access a user takes for themself with a reason: a short grant, an alert to their manager
    and an audit row for each, in the caller's transaction."""
    child = Child.objects.filter(pk=child_id).first()
    checks = Checks()
    checks.require(child is not None and may(by, child), "child", "local", refusal)
    reason = _check_reason(reason, checks)
    checks.raise_if_any()
    now = timezone.now()
    grant = AccessGrant.objects.create(
        child=child, user=by, kind=kind, reason=reason, starts_at=now,
        expires_at=now + dt.timedelta(minutes=minutes),
    )
    policy.forget(by)
    audit_record(actor=by, action="create", obj=grant, child_id=child.pk, reason=f"{label}: {reason}",
                 detail=audit_detail(event, None, grant))
    # The manager is told who and why, and where to look (the audit of this child); the child is
    # named on their page only if the record is open to them (a restricted record stays unnamed).
    notify(_managers_to_alert(by), Kind.BREAK_GLASS,
           f"{by} {done} a child's record at {timezone.localtime(now):%H:%M}: {reason}",
           f"{reverse('web:audit')}?child={child.pk}", child, by=by)
    return grant


# --- the table of decisions and a manager's delegation (issue 17) -------------------------------

#: The longest a manager's decisions are delegated at once (local choice, as for a grant).
DELEGATION_MAX_DAYS = 366


def _decision_rule_for_update(code: str) -> DecisionRule | None:
    """The row, locked; a code the table lost (only its default stands) gets its row back first."""
    default = next((d for d in policy.DECISION_DEFAULTS if d.code == code), None)
    if default is None:
        return None
    row, _ = DecisionRule.objects.select_for_update().get_or_create(code=code, defaults=dict(
        label=default.label, roles=list(default.roles), changeable=default.changeable,
        local=default.local, source=default.source))
    return row


@transaction.atomic
def decision_rule_change(*, by, code: str, roles, reason: str) -> DecisionRule:
    """An administrator changes who takes one decision (e.g. lets the social worker close a
    referral, or an IRO end a plan too): only a local rule, never one the law fixes, and never
    to nobody. The reason is kept with the row's history and in the audit."""
    checks = Checks()
    checks.require(policy.role_of(by) == policy.ADMINISTRATOR, "code", "local",
                   "only an administrator changes who takes a decision")
    row = _decision_rule_for_update(code)
    if checks.require(row is not None, "code", "local", f"there is no decision {code!r} in the table"):
        checks.require(row.changeable, "code", "local",
                       f"{row.label}: who decides is set by law ({row.source}) and cannot be changed")
    roles = [roles] if isinstance(roles, str) else list(roles or ())
    unknown = sorted(set(roles) - policy.DECIDING_ROLES)
    checks.require(not unknown, "roles", "local",
                   f"only practitioners take decisions on a child's record, not: {', '.join(unknown)}")
    checks.require(bool(set(roles) & policy.DECIDING_ROLES), "roles", "local",
                   "name at least one role who takes this decision")
    roles = sorted(set(roles), key=lambda r: (r != policy.IRO, r))
    if row is not None:
        checks.require(set(roles) != set(row.roles), "roles", "local", "nothing was changed")
    reason = _check_reason(reason, checks)
    checks.raise_if_any()
    before = DecisionRule.objects.get(pk=row.pk)
    row.roles, row.changed_by, row.changed_at = roles, by, timezone.now()
    row._change_reason, row._history_user = reason, by  # kept in the row's history (simple_history)
    row.save()
    policy.forget(by)
    audit_record(actor=by, action="update", obj=row, reason=reason,
                 detail=audit_detail("decision_rule_change", before, row))
    return row


@transaction.atomic
def decision_delegate(*, by, delegate_id: int, starts_on: dt.date, ends_on: dt.date,
                      reason: str) -> DecisionDelegation:
    """A team manager delegates their decisions to a named colleague for a period (their leave):
    from `starts_on` to `ends_on`, the delegate takes every decision the table gives team managers."""
    delegate = User.objects.filter(pk=delegate_id).first()
    checks = Checks()
    checks.require(policy.role_of(by) == policy.TEAM_MANAGER, "manager", "local",
                   "only a team manager delegates their decisions")
    if checks.require(delegate is not None and delegate.is_active
                      and delegate.local_authority_id == by.local_authority_id, "delegate", "local",
                      "choose a colleague of your council"):
        checks.require(delegate.pk != by.pk, "delegate", "local", "choose someone other than yourself")
        checks.require(policy.role_of(delegate) in policy.DECIDING_ROLES, "delegate", "local",
                       f"a {delegate.get_role_display()} does not take decisions on a child's record")
    if checks.require(starts_on is not None and ends_on is not None, "ends_on", "local",
                      "give the first and last day of the delegation"):
        checks.require(ends_on >= starts_on, "ends_on", "local", "the last day cannot be before the first")
        checks.require(ends_on >= today(), "ends_on", "local", "the delegation cannot end in the past")
        checks.require((ends_on - starts_on).days < DELEGATION_MAX_DAYS, "ends_on", "local",
                       f"a delegation lasts at most {DELEGATION_MAX_DAYS} days")
    reason = _check_reason(reason, checks)
    checks.raise_if_any()
    delegation = DecisionDelegation.objects.create(
        manager=by, delegate=delegate, starts_on=starts_on, ends_on=ends_on, reason=reason)
    policy.forget(delegate)
    audit_record(actor=by, action="create", obj=delegation, reason=reason,
                 detail=audit_detail("decision_delegate", None, delegation))
    return delegation


@transaction.atomic
def decision_delegation_end(*, by, delegation_id: int) -> DecisionDelegation:
    """The manager (or an administrator) ends a delegation early; the row stays."""
    delegation = DecisionDelegation.objects.select_for_update().filter(pk=delegation_id).first()
    checks = Checks()
    checks.require(delegation is not None and (
        delegation.manager_id == by.pk or policy.role_of(by) == policy.ADMINISTRATOR), "delegation", "local",
        "only the manager who delegated, or an administrator, ends a delegation")
    if delegation is not None:
        checks.require(delegation.revoked_at is None, "delegation", "local", "this delegation has ended")
    checks.raise_if_any()
    before = DecisionDelegation.objects.get(pk=delegation.pk)
    delegation.revoked_at = timezone.now()
    delegation.save(update_fields=["revoked_at"])
    audit_record(actor=by, action="update", obj=delegation,
                 detail=audit_detail("decision_delegation_end", before, delegation))
    return delegation


# --- an administrator's second factor (RFC 6238 one-time codes) ----------------------------------
# Each function below writes its audit row in the same transaction as its change; a refused code
# is audited (and committed) before the refusal is raised, like a refused record in child_open.

SECOND_FACTOR_RULE = "second-factor"
_WRONG_CODE = "the code is not right: use the 6-digit code your authenticator app shows now"


def _second_factor_audit(factor: SecondFactor, *, actor, action: str, reason: str, **detail) -> None:
    """The factor's row is named, never its secret."""
    audit_record(
        actor=actor,
        action=action,
        object_type="access.SecondFactor",
        object_id=str(factor.pk),
        reason=reason,
        detail={"user": factor.user_id, **detail},
    )


def _live_factor(user_id: int, *, confirmed: bool) -> SecondFactor | None:
    return (
        SecondFactor.objects.select_for_update()
        .filter(user_id=user_id, revoked_at__isnull=True, confirmed_at__isnull=not confirmed)
        .first()
    )


def _code_outcome(factor: SecondFactor, code: str, at: float | None) -> tuple[int | None, str]:
    """(step, "accepted") for a fresh right code, else (None, "wrong" or "replayed"): a replay of
    the last accepted step (or an earlier one) is refused, as RFC 6238 §5.2 requires."""
    step = totp.matching_step(factor.secret, code, at=time.time() if at is None else at)
    if step is None:
        return None, "wrong"
    if factor.last_used_step is not None and step <= factor.last_used_step:
        return None, "replayed"
    return step, "accepted"


@transaction.atomic
def second_factor_begin(*, user) -> SecondFactor:
    """Start setting up an authenticator app, or resume a set-up already begun (so a page reload
    keeps the secret already scanned). The factor counts only once confirmed with a code."""
    checks = Checks()
    checks.require(
        policy.role_of(user) == policy.ADMINISTRATOR, "user", SECOND_FACTOR_RULE,
        "a second factor is for administrators",
    )
    checks.require(
        _live_factor(user.pk, confirmed=True) is None,
        "user", SECOND_FACTOR_RULE, "you already have an authenticator app: turn it off first to change it",
    )
    checks.raise_if_any()
    factor = _live_factor(user.pk, confirmed=False)
    if factor is None:
        try:
            with transaction.atomic():
                factor = SecondFactor.objects.create(user=user, secret=totp.new_secret())
        except IntegrityError:  # the same set-up begun at the same moment in another tab
            return _live_factor(user.pk, confirmed=False)
        _second_factor_audit(factor, actor=user, action="create", reason="second factor: set-up begun")
    return factor


def second_factor_confirm(*, user, code: str, at: float | None = None) -> SecondFactor:
    """Enrolment completes only when a code from the app is typed: proof that the app holds the
    secret, before sign-in starts to depend on it."""
    factor, outcome = _second_factor_confirm(user=user, code=code, at=at)
    if outcome != "accepted":
        raise RecordInvalid([Violation("code", SECOND_FACTOR_RULE, _WRONG_CODE if factor else outcome)])
    return factor


@transaction.atomic
def _second_factor_confirm(*, user, code: str, at: float | None) -> tuple[SecondFactor | None, str]:
    factor = _live_factor(user.pk, confirmed=False)
    if factor is None:
        return None, "set-up has not begun, or is already complete"
    step, outcome = _code_outcome(factor, code, at)
    if step is None:
        _second_factor_audit(factor, actor=user, action="update", reason="second factor: set-up code refused",
                             outcome=outcome)
        return factor, outcome
    factor.confirmed_at = timezone.now()
    factor.last_used_step = step
    factor.save(update_fields=["confirmed_at", "last_used_step"])
    _second_factor_audit(factor, actor=user, action="update", reason="second factor: enrolled")
    return factor, outcome


@transaction.atomic
def second_factor_verify(*, user, code: str, at: float | None = None) -> bool:
    """Check a code at sign-in. Whether it was accepted is returned, not raised, so that the audit
    row of a refused code is committed too; the caller counts a refusal towards the lockout."""
    factor = _live_factor(user.pk, confirmed=True)
    if factor is None:
        return False
    step, outcome = _code_outcome(factor, code, at)
    if step is not None:
        factor.last_used_step = step
        factor.save(update_fields=["last_used_step"])
    _second_factor_audit(
        factor, actor=user, action="update", outcome=outcome,
        reason=f"second factor: sign-in code {'accepted' if step is not None else 'refused'}",
    )
    return step is not None


def second_factor_revoke(*, by, user_id: int, code: str = "", at: float | None = None) -> SecondFactor:
    """Turn an authenticator app off. The user themself proves it is them with a current code (and
    may not while the council requires a second factor); another administrator of the same council
    may reset it without one, for a lost phone, and the audit names them."""
    factor, violations = _second_factor_revoke(by=by, user_id=user_id, code=code, at=at)
    if violations:
        raise RecordInvalid(violations)
    return factor


@transaction.atomic
def _second_factor_revoke(*, by, user_id: int, code: str, at: float | None):
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return None, [Violation("user", SECOND_FACTOR_RULE, "there is no such member of staff")]
    factor = _live_factor(user_id, confirmed=True) or _live_factor(user_id, confirmed=False)
    checks = Checks()
    checks.require(
        factor is not None, "user", SECOND_FACTOR_RULE, "there is no authenticator app to turn off"
    )
    if by.pk == user.pk:
        checks.require(
            settings.SAFEGUARD_ADMIN_SECOND_FACTOR != "required",
            "user", SECOND_FACTOR_RULE,
            "your council requires a second factor for administrators: ask another administrator to reset it",
        )
    else:
        checks.require(
            policy.role_of(by) == policy.ADMINISTRATOR and by.local_authority_id == user.local_authority_id,
            "user", SECOND_FACTOR_RULE,
            "only an administrator of the same council may reset someone's second factor",
        )
    if checks.violations:
        return factor, checks.violations
    if by.pk == user.pk and factor.confirmed_at is not None:
        step, outcome = _code_outcome(factor, code, at)
        if step is None:
            _second_factor_audit(factor, actor=by, action="update",
                                 reason="second factor: code refused when turning off", outcome=outcome)
            return factor, [Violation("code", SECOND_FACTOR_RULE, _WRONG_CODE)]
    factor.secret = ""
    factor.revoked_at = timezone.now()
    factor.save(update_fields=["secret", "revoked_at"])
    _second_factor_audit(
        factor, actor=by, action="delete",
        reason="second factor: turned off" if by.pk == user.pk else f"second factor: reset by {by.username}",
    )
    return factor, []
