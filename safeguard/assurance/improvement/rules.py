"""Who may read and change the improvement plan. It names no child, so everyone who reads the
council's figures reads it (`access.policy.AGGREGATE_READERS`: councillors included, read only);
those who lead the work on it write: heads of service, team managers, administrators and analysts.
The owner of an action may also say how it is going."""

from __future__ import annotations

from safeguard.access import policy

WRITERS = frozenset({policy.HEAD_OF_SERVICE, policy.TEAM_MANAGER, policy.ADMINISTRATOR, policy.ANALYST})
READERS = policy.AGGREGATE_READERS | WRITERS


def can_read(user) -> bool:
    return policy.role_of(user) in READERS and bool(getattr(user, "local_authority_id", None))


def can_write(user) -> bool:
    return policy.role_of(user) in WRITERS and bool(getattr(user, "local_authority_id", None))


def can_update_action(user, action) -> bool:
    """A writer, or the action's owner where they read the plan."""
    return can_write(user) or (can_read(user) and action.owner_id == user.pk)
