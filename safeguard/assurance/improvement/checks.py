"""Pure checks of the plan's records: no database, each refusal naming the field and the rule
("local": the council's own rule; the self-assessment's structure follows Cheshire East's 2017
self-assessment against Ofsted's recommendations)."""

from __future__ import annotations

import datetime as dt

from safeguard.core.errors import Checks

from .models import ActionStatus, Judgement

#: A recommendation may be dated before the report it appears in (a review's letter, a draft),
#: but not by more than a year.
_YEAR = dt.timedelta(days=366)


def _required_text(checks: Checks, value, field: str, message: str) -> None:
    checks.require(bool((value or "").strip()), field, "local", message)


def _date(checks: Checks, value, field: str, label: str, *, past: bool = True) -> bool:
    if not checks.require(value is not None, field, "local", f"Enter the {label.lower()}"):
        return False
    if past:
        checks.not_future(value, field, "local", label)
    else:
        checks.not_before_1900(value, field, label)
    return True


def check_inspection(inspection, checks: Checks) -> None:
    _required_text(
        checks,
        inspection.source,
        "source",
        'Name the inspection or review, for example "Ofsted ILACS inspection"',
    )
    _date(checks, inspection.reported_on, "reported_on", "Date of the report")
    checks.free_text(inspection)


def check_recommendation(rec, checks: Checks, *, inspection) -> None:
    """A recommendation: its words, its number, its source, dated no earlier than the inspection."""
    _required_text(checks, rec.text, "text", "Enter the recommendation as the report words it")
    _required_text(checks, rec.source, "source", "Say where the recommendation comes from")
    checks.require(
        bool(rec.number) and rec.number >= 1,
        "number",
        "local",
        "The recommendation's number is a whole number from 1",
    )
    if _date(checks, rec.made_on, "made_on", "Date of the recommendation") and inspection is not None:
        checks.require(
            rec.made_on >= inspection.reported_on - _YEAR,
            "made_on",
            "local",
            "The recommendation cannot be dated more than a year before the inspection's "
            f"report ({inspection.reported_on:%-d %B %Y})",
        )
    checks.free_text(rec)


def check_action(action, checks: Checks) -> None:
    """An action: what, who owns it, by when."""
    _required_text(checks, action.what, "what", "Say what is to be done")
    if not any(v.field == "owner" for v in checks.violations):  # the service may have said why already
        checks.require(action.owner_id is not None, "owner", "local", "Choose who owns the action")
    _date(checks, action.due_date, "due_date", "Due date", past=False)
    check_action_status(action, checks)


def check_action_status(action, checks: Checks) -> None:
    """Done has a date (not in the future); not done has none."""
    checks.require(action.status in ActionStatus.values, "status", "local", "Choose the action's status")
    if action.status == ActionStatus.DONE:
        _date(checks, action.done_on, "done_on", "Date it was done")
    else:
        checks.require(
            action.done_on is None,
            "done_on",
            "local",
            'Only a done action has the date it was done: choose "Done" or clear the date',
        )
    checks.free_text(action)


def check_judgement(j, checks: Checks, *, recommendation) -> None:
    """A self-assessment judgement: one of the three, dated, agreed by someone, with its reasons,
    and, until met, where the recommendation is monitored."""
    checks.require(
        j.judgement in Judgement.values, "judgement", "local", "Choose met, partly met or not yet met"
    )
    if _date(checks, j.judged_on, "judged_on", "Date of the judgement") and recommendation is not None:
        checks.require(
            j.judged_on >= recommendation.made_on,
            "judged_on",
            "local",
            "The judgement cannot be dated before the recommendation was made "
            f"({recommendation.made_on:%-d %B %Y})",
        )
    _required_text(checks, j.agreed_by, "agreed_by", "Say who agreed the judgement (a person or a board)")
    _required_text(checks, j.commentary, "commentary", "Give the evaluation: why this judgement")
    if j.judgement in (Judgement.PARTLY_MET, Judgement.NOT_YET_MET):
        _required_text(
            checks,
            j.monitored_by,
            "monitored_by",
            "Say where the recommendation is monitored until it is met (a board or committee)",
        )
    checks.free_text(j)
