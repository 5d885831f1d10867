"""Visit-interval compliance (INDICATORS.md F2: CP-13, PF-02) and missing children (MS-01, MS-02)
on hand-built cases."""

import datetime as dt

import pytest

from safeguard.front_door.services import private_fostering_notify
from safeguard.looked_after.events import missing_episode_start
from safeguard.people.services import visit_record
from safeguard.timescales import calendar

from .conftest import drill, figure, period
from .test_child_protection import plan
from .test_looked_after import start

D = dt.date
Q2 = period(D(2025, 7, 1), D(2025, 9, 30))


@pytest.mark.django_db
def test_children_on_a_plan_seen_every_10_working_days(la, front, worker, iro, make_child):
    """CP-13 (local CP procedures; T09, F2): each visit where the child is seen restarts a 10
    working-day clock; one deadline missed in the quarter makes the child late. Unborn children are
    outside the cohort."""
    cal = calendar.current()
    kept, missed = make_child(), make_child()
    plan(iro, front, kept, D(2025, 6, 2), D(2025, 6, 16))
    plan(iro, front, missed, D(2025, 6, 2), D(2025, 6, 16))
    day, n = D(2025, 6, 16), 0
    while day < D(2025, 10, 1):
        day, n = cal.add_working_days(day, 10), n + 1
        visit_record(by=worker, child_id=kept.pk, visit_date=day)
        if n != 4:  # the visit due on 11 August is missed
            visit_record(by=worker, child_id=missed.pk, visit_date=day)
    result = figure("CP-13", la, Q2)
    assert (result.numerator, result.denominator) == (1, 2)
    counted = {r["k_child"]: r["in_numerator"] for r in drill("CP-13", la, Q2)}
    assert counted == {kept.pk: True, missed.pk: False}


@pytest.mark.django_db
def test_private_fostering_first_visit_within_7_working_days(la, worker, make_child):
    """PF-02 ([council report]; T15): notified Thursday 14 August 2025, the bank holiday on Monday
    25 August makes 26 August day 7 (in time) and 27 August late."""
    on_time, late = make_child(date_of_birth=D(2011, 1, 1)), make_child(date_of_birth=D(2011, 1, 1))
    for child, seen in ((on_time, D(2025, 8, 26)), (late, D(2025, 8, 27))):
        private_fostering_notify(by=worker, child_id=child.pk, notified_date=D(2025, 8, 14),
                                 start_date=D(2025, 8, 14), carer_name="A Friend")
        visit_record(by=worker, child_id=child.pk, visit_date=seen)
    assert calendar.current().add_working_days(D(2025, 8, 14), 7) == D(2025, 8, 26)
    result = figure("PF-02", la, Q2)
    assert (result.numerator, result.denominator) == (1, 2)
    assert figure("PF-01", la, Q2).value == 2


@pytest.mark.django_db
def test_missing_five_or_more_times_and_looked_after_children_missing(la, worker, make_child):
    """MS-01 ([council report]: 5+ missing episodes, M only, in the period) and MS-02 (DfE CLA
    missing: looked-after children with a missing episode while looked after)."""
    often, once, never = (make_child(date_of_birth=D(2010, 1, 1)) for _ in range(3))
    for child in (often, once, never):
        start(worker, child, D(2025, 4, 1))
    for n in range(5):
        missing_episode_start(by=worker, child_id=often.pk, kind="M", start_date=D(2025, 7, 1 + 3 * n),
                              end_date=D(2025, 7, 2 + 3 * n))
    for kind, day in (("M", D(2025, 8, 4)), ("A", D(2025, 8, 9))):
        missing_episode_start(by=worker, child_id=once.pk, kind=kind, start_date=day, end_date=day)
    assert figure("MS-01", la, Q2).value == 1
    result = figure("MS-02", la, period(D(2025, 4, 1), D(2026, 3, 31)))
    assert (result.numerator, result.denominator) == (2, 3)
