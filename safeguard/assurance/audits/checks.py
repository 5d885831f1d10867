"""Pure checks of an audit's records, run by the record's unit of work before anything is saved
(`Change.new`/`Change.edit` hand them the child's history, the candidate and the `Checks`)."""

from __future__ import annotations

from safeguard.core.errors import Checks, today

from .models import Grade


def check_grade(history, grade, checks: Checks, *, field: str = "grade") -> None:
    """A domain graded on the four-point scale, with the evidence for it."""
    checks.require(grade.grade in Grade.values, field, "local", "Choose a grade")
    checks.require(bool((grade.evidence or "").strip()), field.replace("grade", "evidence"), "local",
                   "Say what on the record supports this grade")


def check_graded_audit(history, audit, checks: Checks) -> None:
    checks.require(audit.overall in Grade.values, "overall", "local", "Choose the overall grade")
    checks.require(bool(audit.graded_on and audit.graded_on <= today()), "graded_on", "local",
                   "an audit cannot be graded in the future")


def check_moderated_audit(history, audit, checks: Checks) -> None:
    checks.require(audit.moderated_overall in Grade.values, "moderated_overall", "local",
                   "Choose the overall grade after moderation")
    checks.require(bool((audit.moderation_note or "").strip()), "moderation_note", "local",
                   "Record the moderation: what you looked at and what you concluded")


def check_action(history, action, checks: Checks) -> None:
    """An action arising: what, by whom, by when (not already past)."""
    checks.require(bool((action.what or "").strip()), "what", "local", "Say what is to be done")
    checks.require(action.due_date is not None, "due_date", "local", "Enter the date it is due")
    if action.due_date is not None and action.pk is None:
        checks.require(action.due_date >= today(), "due_date", "local", "The due date cannot be in the past")


def check_action_done(history, action, checks: Checks) -> None:
    checks.require(bool((action.done_note or "").strip()), "done_note", "local", "Say what was done")
    checks.require(action.done_on is not None and action.done_on <= today(), "done_on", "local",
                   "The date it was done cannot be in the future")
