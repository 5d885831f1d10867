"""A made-up LADO caseload for the demo council: about six years of referrals recorded through the
services, so the annual report has comparison years and the worklist has clocks due and overdue.
References, roles, adults' and employers' names are all invented (synthetic), drawn in turn from
short lists rather than the random stream, so the rest of the caseload is as before."""

from __future__ import annotations

import datetime as dt
import random

from safeguard.timescales import calendar

from . import services
from .models import (
    CategoryOfHarm,
    EmployerAction,
    EmployingAgency,
    Outcome,
    ReferringAgency,
    Response,
    Setting,
)

ROLES = ["Teaching assistant", "Class teacher", "Foster carer", "Nursery practitioner",
         "Residential support worker", "Taxi driver", "Football coach", "Youth worker",
         "Health care assistant", "Childminder", "Escort", "Swimming instructor"]
FIRST_NAMES = ["Alex", "Sam", "Jordan", "Casey", "Robin", "Jamie", "Morgan", "Taylor", "Drew", "Rowan",
               "Ellis"]
LAST_NAMES = ["Fenwick", "Ashdown", "Marlowe", "Thistlewood", "Brackley", "Ormsby", "Kettering", "Halloway",
              "Penrose", "Wilmot", "Castlemere", "Dunmore", "Ridley"]
EMPLOYERS = ["Riverside Primary School", "Oakfield Academy", "Little Acorns Nursery", "Hilltop House",
             "Northshire Fostering", "Bright Futures Fostering", "Town Cabs", "Eastgate Youth Club",
             "St Anne's Football Club", "Meadow View Care Home", "Northshire Leisure"]
AGENCY_TO_SETTING = {
    EmployingAgency.EARLY_YEARS: Setting.EARLY_YEARS, EmployingAgency.EDUCATION: Setting.EDUCATION,
    EmployingAgency.FOSTERING_LA: Setting.FOSTER_CARER,
    EmployingAgency.FOSTERING_NON_LA: Setting.FOSTER_CARER,
    EmployingAgency.RESIDENTIAL: Setting.RESIDENTIAL, EmployingAgency.SOCIAL_CARE: Setting.SOCIAL_CARE,
    EmployingAgency.LEISURE_LA: Setting.SPORTS, EmployingAgency.SELF_EMPLOYED: Setting.SELF_EMPLOYED,
    EmployingAgency.TRANSPORT: Setting.TRANSPORT, EmployingAgency.VOLUNTARY: Setting.VOLUNTARY,
    EmployingAgency.HEALTH: Setting.SOCIAL_CARE, EmployingAgency.OTHER: Setting.VOLUNTARY,
}


def _working_after(cal, day: dt.date, n: int, today: dt.date) -> dt.date | None:
    try:
        d = cal.add_working_days(day, n)
    except ValueError:
        return None
    return d if d <= today else None


def load_demo_lado(la, lado_user, today: dt.date, *, years: int = 6, per_year: int = 30,
                   seed: int = 2026) -> int:
    """Record `per_year` referrals a year for `years` years back from `today`; returns the count."""
    rng = random.Random(seed)
    cal = calendar.current()
    first = today - dt.timedelta(days=365 * years)
    total = years * per_year
    created = 0
    for n in range(total):
        referral = first + dt.timedelta(days=int((today - first).days * (n + rng.random()) / total))
        referral = min(referral, today)
        aware = referral - dt.timedelta(days=rng.choice([0, 0, 1, 1, 2, 4]))
        agency = rng.choice(list(EmployingAgency))
        response = rng.choices(list(Response), weights=[45, 20, 35])[0]
        decided = _working_after(cal, referral, rng.choice([0, 1, 1, 2]), today)
        a = services.allegation_record(
            by=lado_user, local_authority=la, reference=f"LADO-{referral:%Y}-{n + 1:04d}",
            referral_date=referral, employer_aware_date=aware,
            referring_agency=rng.choice(list(ReferringAgency)), employing_agency=agency,
            setting=AGENCY_TO_SETTING[agency], role=rng.choice(ROLES),
            adult_name=f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[n % len(LAST_NAMES)]}",
            employer_name=f"{EMPLOYERS[n % len(EMPLOYERS)]} (synthetic)",
            category_of_harm=rng.choices(list(CategoryOfHarm), weights=[15, 20, 35, 20, 10])[0],
            police_involved=rng.random() < 0.3, court_proceedings=rng.random() < 0.05,
            disability=rng.random() < 0.12, non_recent=rng.random() < 0.1,
        )
        created += 1
        recent = (today - referral).days < 60  # the live caseload: some undecided, none concluded
        if decided is None or (recent and rng.random() < 0.3):
            continue  # still awaiting the LADO's decision
        a = services.allegation_record_response(by=lado_user, allegation_id=a.pk,
                                                expected_version=a.version, response=response,
                                                response_date=decided)
        if response != Response.THRESHOLD_MET:
            closed = _working_after(cal, decided, rng.choice([0, 1, 2]), today)
            if closed:
                services.allegation_close(by=lado_user, allegation_id=a.pk,
                                          expected_version=a.version, closure_date=closed)
            continue
        meeting = _working_after(cal, decided, rng.choice([2, 3, 4, 5, 5, 7]), today)
        if meeting is None:
            continue
        services.strategy_meeting_record(by=lado_user, allegation_id=a.pk, expected_version=None,
                                         held_on=meeting)
        length = rng.choice([12, 20, 25, 40, 60, 80, 100, 150, 220, 400])
        closure = meeting + dt.timedelta(days=length)
        review = meeting + dt.timedelta(days=rng.choice([26, 28, 30]))
        while review < min(closure, today):
            services.review_record(by=lado_user, allegation_id=a.pk, expected_version=None,
                                   held_on=review)
            review += dt.timedelta(days=rng.choice([25, 28, 28, 33]))
        if closure <= today and not recent:
            a.refresh_from_db()
            services.allegation_close(
                by=lado_user, allegation_id=a.pk, expected_version=a.version, closure_date=closure,
                outcome=rng.choices(list(Outcome), weights=[30, 35, 20, 8, 7])[0],
                employer_action=rng.choice(list(EmployerAction)),
            )
    return created
