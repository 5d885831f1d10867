"""Recording the IRO's desk: monitoring between reviews, and practice alerts from informal
resolution through the council's dispute resolution stages to a referral to Cafcass.

Each function is one `Change` to the child's record (record/change.py): the records are the
child's but not held in the history (no statutory check or clock reads them), so a new one is
staged with `change.new` and a stored one opened with `change.attached` (locked, refused on a stale
version) and edited with `change.edit`; the `Change` checks them by the pure checks in `checks.py`,
saves them (simple_history keeps every version), audits each one and refreshes the clocks, in one
transaction. A refused change stores nothing.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction

from safeguard.access import policy
from safeguard.record.change import Change
from safeguard.workforce.models import User

from . import checks as c
from . import rules
from .models import IROMonitoring, PracticeAlert, PracticeAlertStep


def _open(child_id: int, *, by, event: str) -> Change:
    """A change to the child's record, by someone the policy lets change it."""
    change = Change.of_child(child_id, by=by, event=event)  # locks the child: one writer at a time
    if not policy.can_change_child(by, change.child):
        raise PermissionDenied("You may not record on this child's record")
    return change


def _alert_change(alert_id: int, *, by, event: str, expected_version: int | None):
    child_id = PracticeAlert.objects.filter(pk=alert_id).values_list("child_id", flat=True).first()
    if child_id is None:
        raise PracticeAlert.DoesNotExist(f"practice alert {alert_id} does not exist")
    change = _open(child_id, by=by, event=event)
    return change, change.attached(PracticeAlert, alert_id, expected_version)


def _check_raised_with(change: Change, raised_with_id: int | None) -> None:
    """Someone the concern is taken to on the system is a member of staff of the child's council
    (a rule that reads the database, so the service adds it to the change's checks itself)."""
    if raised_with_id is None:
        return
    staff = User.objects.filter(pk=raised_with_id, is_active=True,
                                local_authority_id=change.child.local_authority_id)
    change.checks.require(staff.exists(), "raised_with", "local",
                          "The person the concern is raised with is not a member of this council's staff")


def _current_step(alert: PracticeAlert) -> PracticeAlertStep | None:
    return PracticeAlertStep.objects.filter(alert_id=alert.pk, stage=alert.stage).first()


def _due(stage: str, started_on) -> dt.date | None:
    """The stage's due date, or None when the date or stage is not one a check has let through."""
    if stage not in rules.BY_STAGE or not isinstance(started_on, dt.date):
        return None
    return rules.due_on(stage, started_on)


# --- monitoring ------------------------------------------------------------------------------------

@transaction.atomic
def monitoring_record(*, by, child_id: int, held_on: dt.date, kind: str, note: str,
                      concern_found: bool = False) -> IROMonitoring:
    """Record the IRO's monitoring of the child's case between reviews (a midway review or file
    check, a conversation with the child, social worker or carer): IRO Handbook 2010 ch. 3-4."""
    change = _open(child_id, by=by, event="iro_monitoring_record")
    record = change.new(IROMonitoring(child=change.child, iro=by, held_on=held_on, kind=kind,
                                      note=(note or "").strip(), concern_found=bool(concern_found)),
                        c.check_monitoring_record, by=by)
    return change.save(record)


# --- practice alerts -------------------------------------------------------------------------------

@transaction.atomic
def practice_alert_raise(*, by, child_id: int, raised_on: dt.date, category: str, concern: str,
                         raised_with_id: int | None = None, raised_with_name: str = "",
                         monitoring_id: int | None = None) -> PracticeAlert:
    """The IRO raises a concern about the child's case, informally first (IRO Handbook 2010 ch. 6),
    with the social worker or team manager; the informal stage's response is due within its [L]
    limit in working days (`iro.rules`). `monitoring_id`: the IRO's monitoring that found it."""
    change = _open(child_id, by=by, event="practice_alert_raise")
    monitoring = None
    if monitoring_id is not None:
        monitoring = IROMonitoring.objects.filter(pk=monitoring_id).first()
        if monitoring is None:
            raise IROMonitoring.DoesNotExist(f"IRO monitoring {monitoring_id} does not exist")
    stage = rules.FIRST_STAGE
    _check_raised_with(change, raised_with_id)
    alert = change.new(PracticeAlert(
        child=change.child, raised_by=by, raised_on=raised_on, category=category,
        concern=(concern or "").strip(), monitoring=monitoring, stage=stage, stage_started_on=raised_on,
        raised_with_id=raised_with_id, raised_with_name=(raised_with_name or "").strip()),
        c.check_practice_alert_raise, by=by, monitoring=monitoring)
    if not change.violations:
        alert.due_on = _due(stage, raised_on)
        change.new(PracticeAlertStep(alert=alert, stage=stage, started_on=raised_on, due_on=alert.due_on,
                                     raised_with_id=alert.raised_with_id,
                                     raised_with_name=alert.raised_with_name))
    return change.save(alert)


@transaction.atomic
def practice_alert_escalate(*, by, alert_id: int, expected_version: int | None, escalated_on: dt.date,
                            to_stage: str | None = None, raised_with_id: int | None = None,
                            raised_with_name: str = "") -> PracticeAlert:
    """The IRO takes an unresolved alert to the next stage of the dispute resolution process
    (`to_stage`, by default the next in `iro.rules.DISPUTE_STAGES`), with whom, from when: a new
    step, due within that stage's [L] limit in working days; a referral to Cafcass (Children Act 1989
    s25B(3)) is the last. `expected_version` is the alert's, as the IRO read it."""
    change, held = _alert_change(alert_id, by=by, event="practice_alert_escalate",
                                 expected_version=expected_version)
    stage = to_stage or rules.next_stage(held.stage) or held.stage
    _check_raised_with(change, raised_with_id)
    alert = change.edit(held, c.check_practice_alert_escalate, before=held, by=by, to=dict(
        stage=stage, stage_started_on=escalated_on, raised_with_id=raised_with_id,
        raised_with_name=(raised_with_name or "").strip(), due_on=None))
    if not change.violations:
        alert.due_on = _due(stage, escalated_on)
        change.new(PracticeAlertStep(alert=alert, stage=stage, started_on=escalated_on, due_on=alert.due_on,
                                     raised_with_id=raised_with_id,
                                     raised_with_name=alert.raised_with_name))
    return change.save(alert)


@transaction.atomic
def practice_alert_respond(*, by, alert_id: int, expected_version: int | None, response: str,
                           responded_on: dt.date) -> PracticeAlertStep:
    """Record the response to the alert's current stage (or correct it). `expected_version` is the
    step's, as read (None when no response was recorded yet)."""
    change, alert = _alert_change(alert_id, by=by, event="practice_alert_respond", expected_version=None)
    step = _current_step(alert)
    if step is None:
        raise PracticeAlertStep.DoesNotExist(f"practice alert {alert_id} has no current stage")
    held = change.attached(PracticeAlertStep, step.pk, expected_version)
    step = change.edit(held, c.check_practice_alert_respond, alert=alert, by=by,
                       to=dict(response=(response or "").strip(), responded_on=responded_on))
    return change.save(step)


@transaction.atomic
def practice_alert_resolve(*, by, alert_id: int, expected_version: int | None, resolved_on: dt.date,
                           resolution: str, resolution_note: str = "") -> PracticeAlert:
    """The IRO records that the concern is resolved, how and when; whether that was within the
    current stage's timescale is kept with it (what the annual report counts)."""
    change, held = _alert_change(alert_id, by=by, event="practice_alert_resolve",
                                 expected_version=expected_version)
    within = c.within_timescale(resolved_on, held.due_on) if isinstance(resolved_on, dt.date) else None
    alert = change.edit(held, c.check_practice_alert_resolve, before=held, by=by, to=dict(
        resolved_on=resolved_on, resolution=resolution or "",
        resolution_note=(resolution_note or "").strip(), resolved_within_timescale=within))
    return change.save(alert)
