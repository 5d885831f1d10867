"""Recording allegations against adults who work with children (KCSIE Part 4; Working Together 2023).

Every function checks the acting user may record allegations, validates everything with `Checks`
(all violations together), saves, re-derives the T16 clocks and audits, in one transaction: a
refused save changes nothing. The import uses `check_allegation` too, so both refuse the same data.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from safeguard.audit.services import audit_record
from safeguard.core.errors import Checks
from safeguard.core.records import lock_for_edit

from .access import require_record
from .clocks import sync_allegation_clocks
from .models import (
    Allegation,
    CategoryOfHarm,
    EmployerAction,
    EmployingAgency,
    Outcome,
    ReferringAgency,
    Response,
    Review,
    Setting,
    StrategyMeeting,
)

RECORD_FIELDS = (
    "employer_aware_date", "employing_agency", "setting", "role", "category_of_harm", "response",
    "response_date", "police_involved", "court_proceedings", "disability", "non_recent",
)
CLOSE_FIELDS = ("closure_date", "outcome", "employer_action")
UPDATE_FIELDS = ("reference", "referral_date", "referring_agency", *RECORD_FIELDS, *CLOSE_FIELDS)


def check_allegation(a: Allegation, checks: Checks, *, meetings: list[dt.date],
                     reviews: list[dt.date]) -> None:
    """Every rule an allegation must meet at entry, whether typed, imported or corrected."""
    checks.require(bool(a.reference and a.reference.strip()), "reference", "local",
                   "the LADO reference is required")
    if a.reference and a.local_authority_id:
        clash = Allegation.objects.filter(local_authority_id=a.local_authority_id,
                                          reference=a.reference).exclude(pk=a.pk)
        checks.require(not clash.exists(), "reference", "local",
                       f"reference {a.reference} is already used for another allegation")
    checks.require(a.referral_date is not None, "referral_date", "local",
                   "the date the referral was received is required")
    checks.not_future(a.referral_date, "referral_date", "local", "Referral date")
    checks.not_future(a.employer_aware_date, "employer_aware_date", "local",
                      "Date the employer became aware")
    referral = a.referral_date
    if referral and a.employer_aware_date:
        checks.require(a.employer_aware_date <= referral, "employer_aware_date", "local",
                       "the employer cannot become aware after the referral was received")
    checks.code(a.referring_agency, ReferringAgency, "referring_agency", "local", "Referring agency")
    checks.code(a.employing_agency, EmployingAgency, "employing_agency", "local", "Employing agency",
                required=False)
    checks.code(a.setting, Setting, "setting", "local", "Setting", required=False)
    checks.code(a.category_of_harm, CategoryOfHarm, "category_of_harm", "local", "Category of harm",
                required=False)
    checks.require(len(a.role or "") <= 100, "role", "local", "the role may be at most 100 characters")
    checks.code(a.response, Response, "response", "local", "LADO response", required=False)
    checks.code(a.outcome, Outcome, "outcome", "KCSIE", "Outcome", required=False)
    checks.code(a.employer_action, EmployerAction, "employer_action", "local", "Employer action",
                required=False)

    if a.response_date:
        checks.require(bool(a.response), "response_date", "local",
                       "a threshold decision date needs the LADO's response")
        checks.not_future(a.response_date, "response_date", "local", "Threshold decision date")
        if referral:
            checks.require(a.response_date >= referral, "response_date", "local",
                           "the threshold decision cannot be before the referral was received")

    earliest_meeting = a.response_date or referral
    if meetings:
        checks.require(a.response == Response.THRESHOLD_MET, "held_on", "local",
                       "a LADO strategy meeting is held only when the threshold is met")
    for held in meetings:
        checks.not_future(held, "held_on", "local", "Strategy meeting date")
        if earliest_meeting:
            checks.require(held >= earliest_meeting, "held_on", "local",
                           f"strategy meeting {held} is before the referral or threshold decision")
        if a.closure_date:
            checks.require(held <= a.closure_date, "held_on", "local",
                           f"strategy meeting {held} is after the allegation was closed")
    for held in reviews:
        checks.not_future(held, "held_on", "local", "Review date")
        checks.require(bool(meetings) and held >= min(meetings), "held_on", "local",
                       f"review {held} needs an earlier strategy meeting to review")
        if a.closure_date:
            checks.require(held <= a.closure_date, "held_on", "local",
                           f"review {held} is after the allegation was closed")

    if a.closure_date:
        checks.not_future(a.closure_date, "closure_date", "local", "Closure date")
        checks.require(bool(a.response), "closure_date", "local",
                       "an allegation is closed only after the LADO has decided the response")
        if referral:
            checks.require(a.closure_date >= referral, "closure_date", "local",
                           "the closure date cannot be before the referral was received")
        if a.response_date:
            checks.require(a.closure_date >= a.response_date, "closure_date", "local",
                           "the closure date cannot be before the threshold decision")
        if a.threshold_met:
            checks.require(bool(a.outcome), "outcome", "KCSIE",
                           "an allegation that met the threshold needs an outcome when it is concluded")
    if a.outcome:
        checks.require(a.closure_date is not None, "outcome", "KCSIE",
                       "the outcome is recorded when the allegation is concluded (give a closure date)")
        checks.require(a.threshold_met, "outcome", "KCSIE",
                       "an outcome is recorded only for an allegation that met the threshold")
    if a.employer_action:
        checks.require(a.closure_date is not None, "employer_action", "local",
                       "the employer's action is recorded when the allegation is concluded")


def _meetings(a: Allegation) -> list[dt.date]:
    return list(a.strategy_meetings.values_list("held_on", flat=True)) if a.pk else []


def _reviews(a: Allegation) -> list[dt.date]:
    return list(a.reviews.values_list("held_on", flat=True)) if a.pk else []


def _validate(a: Allegation, meetings=None, reviews=None) -> None:
    checks = Checks()
    check_allegation(a, checks, meetings=_meetings(a) if meetings is None else meetings,
                     reviews=_reviews(a) if reviews is None else reviews)
    checks.raise_if_any()


def _unknown(fields: dict, allowed) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unknown allegation fields: {sorted(unknown)}")


@transaction.atomic
def allegation_record(*, by, local_authority, reference: str, referral_date: dt.date,
                      referring_agency: str, **fields) -> Allegation:
    """Record a new referral to the LADO (and, if already made, the threshold decision)."""
    require_record(by)
    _unknown(fields, RECORD_FIELDS)
    a = Allegation(local_authority=local_authority, reference=(reference or "").strip(),
                   referral_date=referral_date, referring_agency=referring_agency, recorded_by=by,
                   **fields)
    _validate(a, [], [])
    a.save()
    sync_allegation_clocks(a)
    audit_record(actor=by, action="create", obj=a)
    return a


@transaction.atomic
def allegation_update(*, by, allegation_id: int, expected_version: int | None, **changes) -> Allegation:
    """Correct or complete an allegation's details."""
    require_record(by)
    _unknown(changes, UPDATE_FIELDS)
    a = lock_for_edit(Allegation, allegation_id, expected_version)
    for field, value in changes.items():
        setattr(a, field, value)
    _validate(a)
    a.recorded_by = by
    a.save()
    sync_allegation_clocks(a)
    audit_record(actor=by, action="update", obj=a, detail={"fields": sorted(changes)})
    return a


@transaction.atomic
def allegation_record_response(*, by, allegation_id: int, expected_version: int | None,
                               response: str, response_date: dt.date) -> Allegation:
    """The LADO's decision: consultation, NFA after initial consideration, or threshold met."""
    require_record(by)
    a = lock_for_edit(Allegation, allegation_id, expected_version)
    a.response, a.response_date = response, response_date
    checks = Checks()
    checks.require(response_date is not None, "response_date", "local",
                   "the date of the threshold decision is required")
    check_allegation(a, checks, meetings=_meetings(a), reviews=_reviews(a))
    checks.raise_if_any()
    a.recorded_by = by
    a.save()
    sync_allegation_clocks(a)
    audit_record(actor=by, action="update", obj=a, detail={"response": response})
    return a


@transaction.atomic
def strategy_meeting_record(*, by, allegation_id: int, expected_version: int | None,
                            held_on: dt.date) -> StrategyMeeting:
    """A LADO strategy meeting held about a threshold-met allegation."""
    require_record(by)
    a = lock_for_edit(Allegation, allegation_id, expected_version)
    existing = _meetings(a)
    checks = Checks()
    checks.require(held_on is not None, "held_on", "local", "the meeting date is required")
    if held_on is not None:
        checks.require(held_on not in existing, "held_on", "local",
                       f"a strategy meeting on {held_on} is already recorded")
        check_allegation(a, checks, meetings=[*existing, held_on], reviews=_reviews(a))
    checks.raise_if_any()
    meeting = StrategyMeeting.objects.create(allegation=a, held_on=held_on, recorded_by=by)
    a.recorded_by = by
    a.save()  # the allegation's version moves so a stale form cannot overwrite the meeting
    sync_allegation_clocks(a)
    audit_record(actor=by, action="update", obj=a, detail={"strategy_meeting": held_on.isoformat()})
    return meeting


@transaction.atomic
def review_record(*, by, allegation_id: int, expected_version: int | None, held_on: dt.date) -> Review:
    """A LADO strategy review (local procedures: every 4 weeks while the allegation is open)."""
    require_record(by)
    a = lock_for_edit(Allegation, allegation_id, expected_version)
    existing = _reviews(a)
    checks = Checks()
    checks.require(held_on is not None, "held_on", "local", "the review date is required")
    if held_on is not None:
        checks.require(held_on not in existing, "held_on", "local",
                       f"a review on {held_on} is already recorded")
        check_allegation(a, checks, meetings=_meetings(a), reviews=[*existing, held_on])
    checks.raise_if_any()
    review = Review.objects.create(allegation=a, held_on=held_on, recorded_by=by)
    a.recorded_by = by
    a.save()
    sync_allegation_clocks(a)
    audit_record(actor=by, action="update", obj=a, detail={"review": held_on.isoformat()})
    return review


@transaction.atomic
def allegation_close(*, by, allegation_id: int, expected_version: int | None, closure_date: dt.date,
                     outcome: str = "", employer_action: str = "") -> Allegation:
    """Conclude an allegation with its outcome (KCSIE definitions) and the employer's action."""
    require_record(by)
    a = lock_for_edit(Allegation, allegation_id, expected_version)
    checks = Checks()
    checks.require(closure_date is not None, "closure_date", "local", "the closure date is required")
    checks.require(a.closure_date is None, "closure_date", "local",
                   f"the allegation was already closed on {a.closure_date}")
    a.closure_date, a.outcome, a.employer_action = closure_date, outcome or "", employer_action or ""
    check_allegation(a, checks, meetings=_meetings(a), reviews=_reviews(a))
    checks.raise_if_any()
    a.recorded_by = by
    a.save()
    sync_allegation_clocks(a)
    audit_record(actor=by, action="update", obj=a,
                 detail={"closed": closure_date.isoformat(), "outcome": a.outcome})
    return a
