"""Who may do what with scorecard sets and the committee pack (issue 21, item 8, "Who"): every
aggregate reader (access policy `AGGREGATE_READERS`) reads and downloads; the head of service, the
analyst and the administrator write the sets and the pack's words. No child is named in either."""

from __future__ import annotations

from safeguard.access import policy

WRITERS = frozenset({policy.HEAD_OF_SERVICE, policy.ANALYST, policy.ADMINISTRATOR})


def can_read(user) -> bool:
    return policy.can_see_aggregates(user) and bool(getattr(user, "local_authority_id", None))


def can_write(user) -> bool:
    return can_read(user) and policy.role_of(user) in WRITERS
