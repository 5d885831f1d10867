"""The access policy below the pages: `visible_to` for any model of the record, and the rules on
grants and break-glass (ARCHITECTURE.md "Least privilege, fully audited")."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext

from safeguard.access import policy, services
from safeguard.access.models import AccessGrant
from safeguard.audit.models import AuditEvent
from safeguard.core.errors import RecordInvalid
from safeguard.notifications.models import Notification
from safeguard.workforce.models import Allocation

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
    told = Notification.objects.filter(kind="break_glass", child_id=grant.child_id)
    assert set(told.values_list("to__username", flat=True)) == {"tm_b"}
    row = AuditEvent.objects.get(object_type="access.AccessGrant", object_id=str(grant.pk))
    assert row.child_id == world.restricted.pk and row.reason.startswith("break-glass:")
    assert policy.can_view_child(world.tm_a, world.restricted)
    assert not policy.can_view_child(world.tm_b, world.restricted)


def test_basis_names_the_relationship(world):
    assert policy.basis(world.sw_a, world.own).reason == "allocated (allocated social worker)"
    assert policy.basis(world.sw_a2, world.own).reason == "team's case"
    assert policy.basis(world.sw_a, world.unallocated).reason == "front door (no allocated worker)"
    assert not policy.basis(world.sw_b, world.unallocated).allowed  # not at the front door
    assert policy.basis(world.iro, world.iro_child).reason == "allocated (independent reviewing officer)"
    assert not policy.basis(world.sw_a, world.restricted).allowed


def test_a_case_no_social_worker_holds_is_open_to_the_front_door_only(world):
    """Issue 15, finding 10: "children with no allocated social worker are visible to every social
    worker" opened about 91% of a council's children (closed cases are unallocated). Now only the
    front door (duty) team sees them; the rest of the service does not, in lists or by id."""
    assert policy.at_front_door(world.sw_a) and not policy.at_front_door(world.sw_b)
    assert policy.can_view_child(world.sw_a, world.unallocated)  # front door
    assert policy.can_view_child(world.tm_a, world.unallocated)  # manages the front door
    for user in (world.sw_b, world.tm_b):
        assert not policy.can_view_child(user, world.unallocated)
        assert not policy.children_visible_to(user).filter(pk=world.unallocated.pk).exists()
    assert policy.children_visible_to(world.sw_b).filter(pk=world.other_team.pk).exists()


def test_stating_a_relationship_opens_the_case_for_a_day_audited_and_told_to_the_manager(world):
    """Issue 15, finding 10 (Mosaic's "legitimate relationship"): anyone else who needs a closed
    record states why; the reason is audited and shown to their manager."""
    with pytest.raises(RecordInvalid) as refused:
        services.relationship_state(by=world.sw_b, child_id=world.unallocated.pk, reason="need")
    assert [v.field for v in refused.value.violations] == ["reason"]
    for user, child in ((world.sw_b, world.restricted), (world.sw_a, world.unallocated),
                        (world.councillor, world.unallocated), (world.sw_x, world.unallocated)):
        with pytest.raises(RecordInvalid):  # restricted (break-glass), open already, no role, other council
            services.relationship_state(by=user, child_id=child.pk, reason="I hold the sibling's case")
    assert not AccessGrant.objects.exists() and not Notification.objects.filter(kind="break_glass").exists()

    grant = services.relationship_state(
        by=world.sw_b, child_id=world.unallocated.pk, reason="I hold the sibling's case"
    )
    assert grant.kind == "relationship"
    assert 479 <= (grant.expires_at - grant.starts_at).total_seconds() / 60 <= 480
    assert policy.basis(world.sw_b, world.unallocated).reason.startswith("legitimate relationship: I hold")
    alert = Notification.objects.get(kind="break_glass", child=world.unallocated)
    assert alert.to == world.tm_b and "I hold the sibling's case" in alert.text
    row = AuditEvent.objects.get(object_type="access.AccessGrant", object_id=str(grant.pk))
    assert row.child_id == world.unallocated.pk and row.reason.startswith("legitimate relationship:")


def test_visible_ids_are_read_once_a_request_and_forgotten_when_the_basis_changes(world):
    """A tray asks for a worker's children for its rows, counts and tabs: within one web request
    the ids are read once; outside a request, or once `policy.forget` is told the basis changed (an
    allocation made in the request), they are read again, so a page never shows a child the
    worker may no longer open (ARCHITECTURE.md "Least privilege, fully audited")."""
    sw = world.sw_a

    def held():  # the worker's allocations, read afresh
        return Allocation.objects.filter(worker=sw, end_date__isnull=True).values_list("child_id", flat=True)

    mine = [world.own.pk]  # the restricted child sw_a holds is not opened by the allocation alone
    assert policy.visible_ids(sw, "mine", held()) == mine
    with CaptureQueriesContext(connection) as outside:
        policy.visible_ids(sw, "mine", held())
    assert outside.captured_queries  # no request: nothing remembered

    with a_web_request():
        assert policy.visible_ids(sw, "mine", held()) == mine
        with CaptureQueriesContext(connection) as again:
            assert policy.visible_ids(sw, "mine", held()) == mine
        assert len(again.captured_queries) == 0
        world.allocate(world.unallocated, sw)
        policy.forget(sw)
        with CaptureQueriesContext(connection) as after:
            assert policy.visible_ids(sw, "mine", held()) == sorted(mine + [world.unallocated.pk])
        assert after.captured_queries


@contextmanager
def a_web_request():
    """The signals of a web request's start and end, as Django's test client sends them: without
    closing the test's database connection (which ends the test's transaction on PostgreSQL)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    request_started.send(sender=None)
    try:
        yield
    finally:
        request_finished.send(sender=None)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
