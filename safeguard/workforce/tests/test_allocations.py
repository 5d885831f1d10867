"""Allocating cases: one worker of each kind at a time, with the 903 reason for a change of social
worker (SSDA903 social worker episodes, rules SW10STG2 and SW13STG1)."""

import datetime as dt

import pytest

from safeguard.core.errors import RecordInvalid
from safeguard.workforce.models import Allocation
from safeguard.workforce.services import allocation_start

D = dt.date
pytestmark = pytest.mark.django_db


def test_new_worker_ends_the_previous_allocation_with_its_reason(child, worker, manager):
    first = allocation_start(by=manager, child_id=child.pk, worker_id=worker.pk, start_date=D(2025, 1, 6))
    allocation_start(by=manager, child_id=child.pk, worker_id=manager.pk, start_date=D(2025, 3, 3),
                     change_reason="LEFTRL")
    first.refresh_from_db()
    assert first.end_date == D(2025, 3, 2) and first.end_reason == "LEFTRL"
    assert Allocation.objects.filter(child=child, end_date__isnull=True).count() == 1


def test_change_of_social_worker_needs_a_valid_reason_and_a_later_start(child, worker, manager):
    """903 SW13STG1 (reason for change valid) and SW10STG2 (no overlapping worker episodes)."""
    allocation_start(by=manager, child_id=child.pk, worker_id=worker.pk, start_date=D(2025, 1, 6))
    with pytest.raises(RecordInvalid) as exc:
        allocation_start(by=manager, child_id=child.pk, worker_id=manager.pk,
                         start_date=D(2025, 1, 6), change_reason="BOGUS")
    assert {"903 SW13STG1", "903 SW10STG2"} <= exc.value.rules
    assert Allocation.objects.filter(child=child).count() == 1


def test_only_an_iro_can_hold_an_iro_allocation(child, worker, manager):
    with pytest.raises(RecordInvalid) as exc:
        allocation_start(by=manager, child_id=child.pk, worker_id=worker.pk,
                         start_date=D(2025, 1, 6), kind="iro")
    assert "worker" in exc.value.message_dict
    assert not Allocation.objects.exists()
