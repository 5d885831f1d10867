"""The access policy below the pages: `visible_to` for any model of the record, and the rules on
grants and break-glass (ARCHITECTURE.md "Least privilege, fully audited")."""

from __future__ import annotations

import pytest

from safeguard.access import policy, services
from safeguard.access.models import AccessGrant, Alert
from safeguard.audit.models import AuditEvent
from safeguard.core.errors import RecordInvalid

pytestmark = pytest.mark.django_db


def test_visible_to_follows_the_child_for_every_model(world):
    from safeguard.workforce.models import Allocation

    own = set(policy.visible_to(world.sw_a, Allocation).values_list("child_id", flat=True))
    assert world.own.pk in own and world.team.pk in own
    assert world.other_team.pk not in own and world.restricted.pk not in own
    assert not policy.visible_to(world.councillor, Allocation).exists()
    assert set(policy.visible_to(world.sw_x, Allocation).values_list("child_id", flat=True)) <= {
        world.other_la_child.pk
    }


def test_only_a_team_manager_grants_with_a_reason(world):
    with pytest.raises(RecordInvalid) as refused:
        services.access_grant(
            by=world.sw_a, child_id=world.restricted.pk, user_id=world.sw_a2.pk, reason="short"
        )
    assert {v.field for v in refused.value.violations} == {"granted_by", "reason"}
    with pytest.raises(RecordInvalid) as refused:
        services.access_grant(
            by=world.tm_a,
            child_id=world.restricted.pk,
            user_id=world.councillor.pk,
            reason="Councillor asked to see the file",
        )
    assert [v.field for v in refused.value.violations] == ["user"]
    with pytest.raises(RecordInvalid):
        services.access_grant(
            by=world.tm_a,
            child_id=world.restricted.pk,
            user_id=world.sw_x.pk,
            reason="Another council's worker wants it",
        )
    assert not AccessGrant.objects.exists()


def test_a_managers_break_glass_alerts_the_other_managers(world):
    grant = services.break_glass(
        by=world.tm_a, child_id=world.restricted.pk, reason="Out of hours call from the police"
    )
    assert set(Alert.objects.filter(grant=grant).values_list("to__username", flat=True)) == {"tm_b"}
    row = AuditEvent.objects.get(object_type="access.AccessGrant", object_id=str(grant.pk))
    assert row.child_id == world.restricted.pk and row.reason.startswith("break-glass:")
    assert policy.can_view_child(world.tm_a, world.restricted)
    assert not policy.can_view_child(world.tm_b, world.restricted)


def test_basis_names_the_relationship(world):
    assert policy.basis(world.sw_a, world.own).reason == "allocated (allocated social worker)"
    assert policy.basis(world.sw_a2, world.own).reason == "team's case"
    assert policy.basis(world.sw_b, world.unallocated).reason == "front door (no allocated worker)"
    assert policy.basis(world.iro, world.iro_child).reason == "allocated (independent reviewing officer)"
    assert not policy.basis(world.sw_a, world.restricted).allowed
