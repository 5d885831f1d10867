"""Allocating a child's case to a worker, IRO or personal adviser: allocations are part of the
child's record, so each function is one `Change` to it (record/change.py): checked, saved, audited
and the clocks refreshed in one transaction; a refused save changes nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from safeguard.core import codes
from safeguard.core.errors import Checks
from safeguard.record.change import Change
from safeguard.record.history import ChildHistory

from .models import Allocation, User

_ROLES_FOR = {"social_worker": ("social_worker", "team_manager"), "iro": ("iro",),
              "personal_adviser": ("personal_adviser", "social_worker")}


def current_allocation(history: ChildHistory, kind: str) -> Allocation | None:
    return next((a for a in history.allocations if a.kind == kind and a.end_date is None), None)


def check_allocation_start(history: ChildHistory, allocation: Allocation, worker: User,
                           change_reason: str, checks: Checks) -> None:
    """One allocation of each kind at a time, to someone whose role can hold it; a change of
    social worker gives the 903 reason (SW13STG1) and starts after the last (SW10STG2)."""
    checks.code(allocation.kind, Allocation.Kind, "kind", "local", "Allocation kind")
    checks.not_future(allocation.start_date, "start_date", "local", "An allocation")
    checks.require(worker.role in _ROLES_FOR.get(allocation.kind, ()), "worker", "local",
                   f"{worker} is a {worker.get_role_display()}, not able to hold this allocation")
    current = current_allocation(history, allocation.kind)
    if current is not None:
        checks.require(allocation.start_date > current.start_date, "start_date", "903 SW10STG2",
                       "a new allocation must start after the current one")
        checks.code(change_reason, codes.SocialWorkerChangeReason, "change_reason", "903 SW13STG1",
                    "Reason for change of worker", required=allocation.kind == "social_worker")


@transaction.atomic
def allocation_start(*, by, child_id: int, worker_id: int, start_date: dt.date,
                     kind: str = Allocation.Kind.SOCIAL_WORKER, change_reason: str = "") -> Allocation:
    """Allocate the case. Any open allocation of the same kind ends the day before with the
    reason given (903 SW_REASON), so a child always has one worker of each kind."""
    change = Change.of_child(child_id, by=by, event="allocation_start")
    worker = User.objects.get(pk=worker_id)
    allocation = Allocation(child=change.child, worker=worker, team=worker.team, kind=kind,
                            start_date=start_date)
    # Checked while the current allocation is still open; it is ended before the new one is
    # added, because the database holds one open allocation of each kind even for a moment.
    check_allocation_start(change.history, allocation, worker, change_reason, change.checks)
    current = current_allocation(change.history, kind)
    if current is not None:
        change.edit(current, to={"end_date": start_date - dt.timedelta(days=1),
                                 "end_reason": change_reason})
    change.new(allocation)
    return change.save(allocation)
