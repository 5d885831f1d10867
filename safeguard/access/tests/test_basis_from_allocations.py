"""The child page's one-query access decision must agree with the policy's general rule
(`_relationship_q`, the queryset every list and search uses) for every practitioner and child:
issue 6, "access follows the case"; Working Together 2023 (information shared on a need-to-know basis)."""

from __future__ import annotations

from safeguard.access import policy
from safeguard.people.models import Child
from safeguard.workforce.models import User


def test_one_query_decision_matches_the_general_rule(world):
    users = User.objects.filter(role__in=(policy.SOCIAL_WORKER, policy.PERSONAL_ADVISER, policy.TEAM_MANAGER))
    children = list(Child.objects.filter(is_restricted=False, local_authority=world.la))
    assert users.exists() and len(children) >= 3
    decided = set()
    for user in users:
        for child in children:
            fast = policy._basis_from_allocations(user, child, user.role)
            general = Child.objects.filter(pk=child.pk).filter(policy._relationship_q(user)).exists()
            assert fast.allowed is general, (user.username, child.pk, fast.reason)
            if general:
                assert fast.reason == policy._relationship_label(user, child), (user.username, child.pk)
            decided.add(fast.reason)
    assert {"team's case", "not allocated to you or your team"} <= decided
