"""Assessment indicators (INDICATORS.md B2): 45 working days with the start date as day 0, across
the Christmas and New Year bank holidays; DfE C2 duration bands; open assessments beyond 45 days."""

import datetime as dt

import pytest

from safeguard.assessment.services import assessment_authorise, assessment_start
from safeguard.assessment.tests.helpers import submit
from safeguard.timescales import calendar

from .conftest import figure, period

D = dt.date
YEAR = period(D(2025, 4, 1), D(2026, 3, 31))


def assess(front, worker, manager, child, start, authorised=None):
    ref = front.refer(child, start)
    a = assessment_start(by=worker, referral_id=ref.pk, start_date=start)
    if authorised:
        submit(worker, a, factors=["1A"])
        assessment_authorise(by=manager, assessment_id=a.pk, expected_version=None,
                             authorisation_date=authorised, factors=["1A"], requires_support=True)
    return a


@pytest.mark.django_db
def test_45_working_days_across_christmas(la, front, worker, manager, make_child):
    """AS-02 (Working Together 2023; DfE C2): from 1 December 2025, with 25, 26 December and
    1 January not working days, day 45 is 5 February 2026; 6 February is day 46. AS-04 bands them
    41-45 and 46-50; a same-day assessment is 'same day'."""
    cal = calendar.current()
    assert cal.add_working_days(D(2025, 12, 1), 45) == D(2026, 2, 5)
    assess(front, worker, manager, make_child(), D(2025, 12, 1), D(2026, 2, 5))
    assess(front, worker, manager, make_child(), D(2025, 12, 1), D(2026, 2, 6))
    assess(front, worker, manager, make_child(), D(2025, 12, 2), D(2025, 12, 2))
    result = figure("AS-02", la, YEAR)
    assert (result.numerator, result.denominator) == (2, 3)
    assert figure("AS-04", la, YEAR).breakdown == {"41-45": 1, "46-50": 1, "same day": 1}


@pytest.mark.django_db
def test_open_assessments_beyond_45_working_days(la, front, worker, manager, make_child):
    """AS-05 [L] (cf. DfE 8670Q): open at 31 March 2026 and past day 45 (counted to the date)."""
    assess(front, worker, manager, make_child(), D(2026, 1, 20))  # day 50 at 31 March (Easter 2026 is after)
    assess(front, worker, manager, make_child(), D(2026, 2, 2))
    assess(front, worker, manager, make_child(), D(2025, 10, 1), D(2025, 11, 3))  # authorised: not open
    assert calendar.current().working_days_between(D(2026, 1, 20), D(2026, 3, 31)) == 50
    result = figure("AS-05", la, period(D(2026, 3, 31), D(2026, 3, 31)))
    assert (result.numerator, result.denominator) == (1, 2)
