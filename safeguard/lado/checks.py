"""Validation at entry for allegations against adults (KCSIE Part 4; local LADO procedures): pure
functions over the allegation as it would be saved and the dates of its meetings and reviews, shared
by the services and the import so both refuse the same data.

Nothing here touches the database. The one rule across allegations (a LADO reference is used once
in a council) has to read it, so it lives in services.py (`_check_reference_free`), which runs it
after these checks.
"""

from __future__ import annotations

import datetime as dt

from safeguard.core.errors import Checks

from .models import (
    Allegation,
    CategoryOfHarm,
    EmployerAction,
    EmployingAgency,
    Outcome,
    ReferringAgency,
    Response,
    Setting,
)


def check_allegation(a: Allegation, checks: Checks, *, meetings: list[dt.date],
                     reviews: list[dt.date]) -> None:
    """Every rule an allegation must meet at entry, whether typed, imported or corrected (but the
    reference's uniqueness, which reads the database: see services.py)."""
    checks.require(bool(a.reference and a.reference.strip()), "reference", "local",
                   "the LADO reference is required")
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
    for name, what in (("adult_name", "the adult's name"), ("employer_name", "the employer's name")):
        checks.require(len(getattr(a, name) or "") <= 200, name, "local",
                       f"{what} may be at most 200 characters")
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
