"""Allocating a child's case to a worker, IRO or personal adviser."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from safeguard.audit.services import audit_record
from safeguard.core import codes
from safeguard.core.errors import Checks, today
from safeguard.people.models import Child

from .models import Allocation, User


@transaction.atomic
def allocation_start(*, by, child_id: int, worker_id: int, start_date: dt.date,
                     kind: str = Allocation.Kind.SOCIAL_WORKER, change_reason: str = "") -> Allocation:
    """Allocate the case. Any open allocation of the same kind ends the day before with the
    reason given (903 SW_REASON), so a child always has one worker of each kind."""
    child = Child.objects.get(pk=child_id)
    worker = User.objects.get(pk=worker_id)
    checks = Checks()
    checks.code(kind, Allocation.Kind, "kind", "local", "Allocation kind")
    checks.require(start_date <= today(), "start_date", "local",
                   "an allocation cannot start in the future")
    expected_role = {"social_worker": ("social_worker", "team_manager"), "iro": ("iro",),
                     "personal_adviser": ("personal_adviser", "social_worker")}.get(kind, ())
    checks.require(worker.role in expected_role, "worker", "local",
                   f"{worker} is a {worker.get_role_display()}, not able to hold this allocation")
    current = Allocation.objects.select_for_update().filter(
        child=child, kind=kind, end_date__isnull=True).first()
    if current is not None:
        checks.require(start_date > current.start_date, "start_date", "903 SW10STG2",
                       "a new allocation must start after the current one")
        checks.code(change_reason, codes.SocialWorkerChangeReason, "change_reason", "903 SW13STG1",
                    "Reason for change of worker", required=kind == "social_worker")
    checks.raise_if_any()
    if current is not None:
        current.end_date = start_date - dt.timedelta(days=1)
        current.end_reason = change_reason
        current.save()
        audit_record(actor=by, action="update", obj=current)
    allocation = Allocation.objects.create(child=child, worker=worker, team=worker.team, kind=kind,
                                           start_date=start_date, recorded_by=by)
    audit_record(actor=by, action="create", obj=allocation)
    return allocation
