"""Validation at entry for the IRO's desk, as pure checks over a `ChildHistory`: they read the
history, the candidate record and what the service hands them (the alert as it stood, the `by`
user), never the database.

Sources: Children Act 1989 s25B (the IRO monitors the council's performance in the child's case and
may refer it to Cafcass, s25B(3)); IRO Handbook 2010 ch. 3-4 (monitoring between reviews) and ch. 6
(informal resolution first, then the council's dispute resolution process). The stages and their
working-day limits are local [L] (`iro.rules`); "local" marks rules with no DfE code behind them.
"""

from __future__ import annotations

import datetime as dt

from safeguard.core.errors import Checks
from safeguard.record.history import ChildHistory
from safeguard.workforce.models import User

from . import rules
from .models import (
    AlertCategory,
    AlertStage,
    IROMonitoring,
    MonitoringKind,
    PracticeAlert,
    PracticeAlertStep,
    Resolution,
)

IRO = User.Role.IRO


def _fmt(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _by_iro(checks: Checks, by, field: str, doing: str) -> None:
    """Live entry only (importers pass no `by`): the IRO's own decisions are the IRO's."""
    if by is not None:
        checks.require(getattr(by, "role", None) == IRO, field, "local",
                       f"only an IRO {doing} (IRO Handbook 2010 ch. 6: the IRO raises a concern "
                       "and takes it through the dispute resolution process)")


def _dated(checks: Checks, history: ChildHistory, day, field: str, label: str) -> bool:
    """A date that is given, not in the future and not before the child was born."""
    if not checks.require(isinstance(day, dt.date), field, "local", f"Enter {label.lower()}"):
        return False
    checks.not_future(day, field, "local", label)
    born = getattr(history.child, "date_of_birth", None)
    if born is not None:
        checks.require(day >= born, field, "local", f"{label} cannot be before the child was born")
    return True


def _raised_with(checks: Checks, record, by) -> None:
    """Each stage is taken to someone: a user of the system, or named (e.g. a director)."""
    if record.stage == AlertStage.CAFCASS:
        return
    who_given = record.raised_with_id is not None or bool((record.raised_with_name or "").strip())
    if checks.require(who_given, "raised_with", "local",
                      "Say who the concern is raised with (at this stage: "
                      f"{rules.BY_STAGE[record.stage].raised_with})"):
        checks.require(by is None or record.raised_with_id is None
                       or record.raised_with_id != getattr(by, "pk", None), "raised_with", "local",
                       "The IRO raises the concern with someone else, not with themselves")


# --- monitoring ------------------------------------------------------------------------------------

def check_monitoring_record(history: ChildHistory, candidate: IROMonitoring, checks: Checks, *,
                            by=None) -> None:
    """The IRO's monitoring between reviews (IRO Handbook 2010 ch. 3-4), by an IRO, dated, with
    what was found."""
    if by is not None:
        checks.require(getattr(by, "role", None) == IRO, "iro", "local",
                       "only an IRO records the IRO's monitoring of the child's case "
                       "(Children Act 1989 s25B(1))")
    checks.code(candidate.kind, MonitoringKind, "kind", "local", "The kind of monitoring")
    _dated(checks, history, candidate.held_on, "held_on", "The date")
    checks.require(bool((candidate.note or "").strip()), "note", "local",
                   "Say what the IRO found")


# --- practice alerts -------------------------------------------------------------------------------

def check_practice_alert_raise(history: ChildHistory, candidate: PracticeAlert, checks: Checks, *,
                               by=None, monitoring: IROMonitoring | None = None) -> None:
    """A concern raised by an IRO, informally first (IRO Handbook 2010 ch. 6), with its category,
    in words, dated, and taken to someone; if it came from the IRO's monitoring, that monitoring
    found a concern about this child, on or before the day the alert was raised."""
    _by_iro(checks, by, "raised_by", "raises a practice alert")
    checks.code(candidate.category, AlertCategory, "category", "local", "The concern's category")
    checks.require(bool((candidate.concern or "").strip()), "concern", "local",
                   "Say what the concern is")
    checks.require(candidate.stage == rules.FIRST_STAGE, "stage", "local",
                   f"A practice alert starts at {rules.stage_label(rules.FIRST_STAGE).lower()}: "
                   "the stages are taken in order")
    _dated(checks, history, candidate.raised_on, "raised_on", "The date the alert was raised")
    _raised_with(checks, candidate, by)
    if monitoring is not None:
        checks.require(monitoring.child_id == history.child.pk, "monitoring", "local",
                       "The monitoring is not on this child's record")
        checks.require(monitoring.concern_found, "monitoring", "local",
                       "That monitoring found no concern")
        if isinstance(candidate.raised_on, dt.date):
            checks.require(monitoring.held_on <= candidate.raised_on, "monitoring", "local",
                           f"The alert cannot be raised before the monitoring that found the "
                           f"concern ({_fmt(monitoring.held_on)})")


def check_practice_alert_escalate(history: ChildHistory, candidate: PracticeAlert, checks: Checks, *,
                                  before: PracticeAlert, by=None) -> None:
    """Escalation to the next stage only (informal, then stages 1 to 4, then Cafcass: the local
    [L] protocol's order, `iro.rules.DISPUTE_STAGES`), of an alert not yet resolved, dated on or
    after the stage it leaves began and not in the future."""
    _by_iro(checks, by, "raised_by", "escalates a practice alert")
    if not checks.require(before.resolved_on is None, "stage", "local",
                          f"This alert was resolved on {_fmt(before.resolved_on or before.raised_on)}: "
                          "a resolved alert is not escalated"):
        return
    expected = rules.next_stage(before.stage)
    if not checks.require(expected is not None, "stage", "local",
                          "A referral to Cafcass is the last stage (Children Act 1989 s25B(3)): "
                          "the alert cannot be escalated further"):
        return
    checks.require(candidate.stage == expected, "stage", "local",
                   f"The stages go in order: from {rules.stage_label(before.stage).lower()} the "
                   f"alert goes to {rules.stage_label(expected).lower()}")
    if _dated(checks, history, candidate.stage_started_on, "stage_started_on", "The date of escalation"):
        checks.require(candidate.stage_started_on >= before.stage_started_on, "stage_started_on", "local",
                       "The alert cannot be escalated before the stage it leaves began "
                       f"({_fmt(before.stage_started_on)})")
        checks.require(candidate.stage_started_on >= before.raised_on, "stage_started_on", "local",
                       f"The alert cannot be escalated before it was raised ({_fmt(before.raised_on)})")
    if candidate.stage in AlertStage.values:
        _raised_with(checks, candidate, by)


def check_practice_alert_respond(history: ChildHistory, candidate: PracticeAlertStep, checks: Checks,
                                 *, alert: PracticeAlert, by=None) -> None:
    """The response to one stage, in words and dated (on or after the stage began, not in the
    future), recorded by the IRO, the person it was raised with, or a team manager."""
    if by is not None:
        checks.require(getattr(by, "role", None) == IRO or getattr(by, "can_authorise", False)
                       or (candidate.raised_with_id is not None and candidate.raised_with_id == by.pk),
                       "response", "local",
                       "The response is recorded by the IRO, the person the concern was raised with, "
                       "or a team manager")
    checks.require(candidate.alert_id == alert.pk, "alert", "local", "That stage is not of this alert")
    checks.require(bool((candidate.response or "").strip()), "response", "local", "Enter the response")
    if _dated(checks, history, candidate.responded_on, "responded_on", "The date of the response"):
        checks.require(candidate.responded_on >= candidate.started_on, "responded_on", "local",
                       f"The response cannot be before the stage began ({_fmt(candidate.started_on)})")


def check_practice_alert_resolve(history: ChildHistory, candidate: PracticeAlert, checks: Checks, *,
                                 before: PracticeAlert, by=None) -> None:
    """The IRO says the concern is resolved, how, and when: not in the future, not before the
    alert was raised nor before its current stage began; once only."""
    _by_iro(checks, by, "raised_by", "decides a practice alert is resolved")
    if not checks.require(before.resolved_on is None, "resolved_on", "local",
                          "This alert was already resolved on "
                          f"{_fmt(before.resolved_on or before.raised_on)}"):
        return
    checks.code(candidate.resolution, Resolution, "resolution", "local", "How it was resolved")
    if candidate.resolution == Resolution.CAFCASS:
        checks.require(before.stage == AlertStage.CAFCASS, "resolution", "local",
                       "The alert was not referred to Cafcass")
    if _dated(checks, history, candidate.resolved_on, "resolved_on", "The date it was resolved"):
        checks.require(candidate.resolved_on >= before.raised_on, "resolved_on", "local",
                       f"It cannot be resolved before the alert was raised ({_fmt(before.raised_on)})")
        checks.require(candidate.resolved_on >= before.stage_started_on, "resolved_on", "local",
                       "It cannot be resolved before its current stage began "
                       f"({_fmt(before.stage_started_on)})")


def within_timescale(resolved_on: dt.date, due_on: dt.date | None) -> bool | None:
    """Resolved by the current stage's due date; None at a stage with no local limit (Cafcass)."""
    return None if due_on is None else resolved_on <= due_on
