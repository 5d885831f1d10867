"""Clocks whose start or end is not just a date in the record (INDICATORS.md Part A T12, T13, T14,
T15): which period of care an assessment or PEP belongs to, 72 elapsed hours from the time a
child returned, and when a private fostering arrangement is deemed to begin. Records are made
through the services, so each clock is derived from the record in memory as the service saves
it, and again from the record re-read from the database."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from safeguard.front_door.services import private_fostering_notify
from safeguard.looked_after import services as ls
from safeguard.looked_after.events import missing_episode_start, return_interview_record
from safeguard.people.services import visit_record
from safeguard.record.change import rederive_clocks
from safeguard.timescales import calendar
from safeguard.timescales.models import Clock

D = dt.date
LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db

_SHOWN = ("start_date", "unit", "amount", "due_date", "met_date", "stopped_date")


@pytest.fixture(autouse=True)
def fresh_calendar():
    calendar.invalidate()
    yield
    calendar.invalidate()


def stored(child, code) -> list[tuple]:
    """The child's clocks of one kind as stored, in order."""
    return [
        tuple(getattr(c, f) for f in _SHOWN)
        for c in Clock.objects.filter(child=child, code=code).order_by("subject_id", "sequence")
    ]


def rederived(child, code) -> list[tuple]:
    """The same clocks derived again from the record re-read from the database."""
    rederive_clocks(child.pk)
    return stored(child, code)


def enter_care(worker, child, day):
    ls.period_of_care_start(
        by=worker, child_id=child.pk, decom=day, legal_status="C2", category_of_need="N1",
        placement="U4", placement_provider="PR1", urn="SC123456", home_postcode="CW1 1AA",
        placement_postcode="CW2 2BB",
    )


def leave_care(worker, child, day):
    ls.period_of_care_end(by=worker, child_id=child.pk, end_date=day, reason_ceased="E13")


# --- T12 / T13: each period of care has its own clocks -------------------------------------------


def test_t12_t13_a_later_period_of_care_does_not_meet_an_earlier_ones_clocks(worker, make_child):
    """T12 (Promoting the health of looked-after children 2015 [G: S7]: IHA within 20 working days;
    'clock starts on DECOM of period of care'; 'child ceases care before day 20 -> exclude') and
    T13 (PEP within 10 working days [G: S9]): a child in care from Monday 2 June 2025 to Tuesday
    1 July (IHA due 30 June, PEP due 16 June), back from Monday 7 July with the IHA and PEP done
    on the 10th: those belong to the second period. The first period's IHA and PEP were never
    done in it, so its clocks stop unmet when it ended (after the due dates: late), and the
    second period's are met on time. Taking the first assessment on or after the first period's
    start would meet the first period's clocks, late, and leave the second period's open."""
    child = make_child(date_of_birth=D(2014, 1, 1))
    enter_care(worker, child, D(2025, 6, 2))
    leave_care(worker, child, D(2025, 7, 1))
    enter_care(worker, child, D(2025, 7, 7))
    ls.health_assessment_record(by=worker, child_id=child.pk, kind="IHA",
                                requested_date=D(2025, 7, 7), completed_date=D(2025, 7, 10))
    ls.pep_record(by=worker, child_id=child.pk, plan_date=D(2025, 7, 10))

    ended = D(2025, 7, 1)
    iha = [
        (D(2025, 6, 2), "WD", 20, D(2025, 6, 30), None, ended),
        (D(2025, 7, 7), "WD", 20, D(2025, 8, 4), D(2025, 7, 10), None),
    ]
    pep = [
        (D(2025, 6, 2), "WD", 10, D(2025, 6, 16), None, ended),
        (D(2025, 7, 7), "WD", 10, D(2025, 7, 21), D(2025, 7, 10), None),
    ]
    request = [
        (D(2025, 6, 2), "WD", 2, D(2025, 6, 4), None, ended),
        (D(2025, 7, 7), "WD", 2, D(2025, 7, 9), D(2025, 7, 7), None),
    ]
    for code, want in (("T12I", iha), ("T13", pep), ("T12Q", request)):
        assert stored(child, code) == want, code
        assert rederived(child, code) == want, code


def test_t12_review_health_assessments_follow_the_iha_of_their_own_period(worker, make_child):
    """T12 (RHA 6-monthly under 5 [G: S7]; F1 'chains stop at ... period-of-care end'): a toddler
    in care 6 January - 3 February 2025 with no IHA, back from 10 March with the IHA on the 20th
    and a review on 15 September: the review chain runs from that IHA in the second period only;
    the first period, with no IHA of its own, has no review chain (not one anchored on a later
    period's IHA and stopped before it began)."""
    child = make_child(date_of_birth=D(2023, 1, 1))
    enter_care(worker, child, D(2025, 1, 6))
    leave_care(worker, child, D(2025, 2, 3))
    enter_care(worker, child, D(2025, 3, 10))
    ls.health_assessment_record(by=worker, child_id=child.pk, kind="IHA", completed_date=D(2025, 3, 20))
    ls.health_assessment_record(by=worker, child_id=child.pk, kind="RHA", completed_date=D(2025, 9, 15))
    want = [
        (D(2025, 3, 20), "M", 6, D(2025, 9, 20), D(2025, 9, 15), None),
        (D(2025, 9, 15), "M", 6, D(2026, 3, 15), None, None),
    ]
    assert stored(child, "T12R") == want
    assert rederived(child, "T12R") == want
    assert stored(child, "T12I") == [
        (D(2025, 1, 6), "WD", 20, D(2025, 2, 3), None, D(2025, 2, 3)),
        (D(2025, 3, 10), "WD", 20, D(2025, 4, 7), D(2025, 3, 20), None),
    ]


# --- T14: 72 elapsed hours from the time of return -----------------------------------------------


def _missing_and_offer(worker, child, back: dt.datetime, offered: dt.datetime | None):
    ep = missing_episode_start(by=worker, child_id=child.pk, kind="M",
                               start_date=back.date() - dt.timedelta(days=1), end_date=back.date(),
                               returned_at=back)
    if offered is not None:
        return_interview_record(by=worker, missing_id=ep.pk, expected_version=None, offered_at=offered)


@pytest.mark.parametrize(
    ("back", "offered", "due", "on_time"),
    [
        # 71 hours: in time on the 72 hours' last date.
        (dt.datetime(2025, 7, 1, 10), dt.datetime(2025, 7, 4, 9), D(2025, 7, 4), True),
        # 77 hours, on that same date: late; a date-only Clock shows it by a due date the day before.
        (dt.datetime(2025, 7, 8, 10), dt.datetime(2025, 7, 11, 15), D(2025, 7, 10), False),
        # 00:30 BST is 23:30 UTC the day before: the dates are London's.
        (dt.datetime(2025, 7, 16, 0, 30), dt.datetime(2025, 7, 19, 0, 15), D(2025, 7, 19), True),
        # Clocks go forward on 30 March 2025: 72 elapsed hours from 10:00 GMT on the 29th end at
        # 11:00 BST on 1 April, so 10:30 is in time (by the wall clock it would be late).
        (dt.datetime(2025, 3, 29, 10), dt.datetime(2025, 4, 1, 10, 30), D(2025, 4, 1), True),
        # Clocks go back on 26 October 2025: from 10:00 BST on the 25th the 72 hours end at 09:00
        # GMT on the 28th, so 09:30 is late (by the wall clock it would be in time).
        (dt.datetime(2025, 10, 25, 10), dt.datetime(2025, 10, 28, 9, 30), D(2025, 10, 27), False),
    ],
)
def test_t14_return_interview_within_72_elapsed_hours_in_london_time(
    worker, make_child, back, offered, due, on_time
):
    """T14 (DfE 2014 missing guidance [G: S8]: return interview offered within 72 hours;
    INDICATORS.md §0.4: '72 hours' = 72 elapsed hours from the timestamp of return): the clock
    is timed to the hour (unit H), its dates are the council's (Europe/London) dates, and it is
    the same derived from the record in memory as re-read (in UTC) from the database."""
    child = make_child(date_of_birth=D(2010, 1, 1))
    enter_care(worker, child, D(2025, 1, 6))
    back, offered = back.replace(tzinfo=LONDON), offered.replace(tzinfo=LONDON)
    _missing_and_offer(worker, child, back, offered)
    want = [(back.date(), "H", 72, due, offered.date(), None)]
    assert stored(child, "T14") == want
    assert rederived(child, "T14") == want
    [clock] = Clock.objects.filter(child=child, code="T14")
    assert clock.on_time is on_time


def test_t14_open_clock_falls_due_on_the_london_date_the_72_hours_end(worker, make_child):
    """T14 (§0.4): a child back at 00:30 BST on Wednesday 16 July 2025 (23:30 UTC on the 15th) and
    not yet offered an interview is due on Saturday 19 July (00:30 BST), not the 18th (UTC), on
    the worker's list; an episode whose return is held only as a date runs 3 calendar days
    (unit D: lower precision)."""
    child = make_child(date_of_birth=D(2010, 1, 1))
    enter_care(worker, child, D(2025, 1, 6))
    _missing_and_offer(worker, child, dt.datetime(2025, 7, 16, 0, 30, tzinfo=LONDON), None)
    missing_episode_start(by=worker, child_id=child.pk, kind="M", start_date=D(2025, 8, 4),
                          end_date=D(2025, 8, 5))
    want = [
        (D(2025, 7, 16), "H", 72, D(2025, 7, 19), None, None),
        (D(2025, 8, 5), "D", 3, D(2025, 8, 8), None, None),
    ]
    assert stored(child, "T14") == want
    assert rederived(child, "T14") == want


# --- T15: the arrangement begins when the council learns of it -----------------------------------


def test_t15_first_year_runs_from_notification_of_an_arrangement_already_running(worker, make_child):
    """T15 (Children (Private Arrangements for Fostering) Regulations 2005 reg 8(1) and 8(6)
    [G: S2]: visits at most 6-weekly in the first year of the arrangement, 12-weekly after; 'the
    private fostering arrangement is deemed to begin when the local authority become aware of
    it'): an arrangement running since 8 January 2024 notified on 2 June 2025 is in its first
    year until 2 June 2026. Visited 4 June 2025 (first visit, within 7 working days), the next
    visit on 20 August 2025 was due within 42 days (16 July), so late; counting the year from the
    start date would have allowed 84 days (27 August)."""
    child = make_child(date_of_birth=D(2012, 1, 1))
    private_fostering_notify(by=worker, child_id=child.pk, notified_date=D(2025, 6, 2),
                             start_date=D(2024, 1, 8), carer_name="A Carer")
    visit_record(by=worker, child_id=child.pk, visit_date=D(2025, 6, 4))
    visit_record(by=worker, child_id=child.pk, visit_date=D(2025, 8, 20))
    want = [
        (D(2025, 6, 2), "WD", 7, D(2025, 6, 11), D(2025, 6, 4), None),
        (D(2025, 6, 4), "D", 42, D(2025, 7, 16), D(2025, 8, 20), None),
        (D(2025, 8, 20), "D", 42, D(2025, 10, 1), None, None),
    ]
    assert stored(child, "T15") == want
    assert rederived(child, "T15") == want
    assert [c.on_time for c in Clock.objects.filter(child=child, code="T15").order_by("sequence")] == [
        True, False, None,
    ]


def test_t15_first_year_of_an_arrangement_notified_in_advance_runs_from_its_start(worker, make_child):
    """T15 (SI 2005/1533 reg 3(1): notice at least six weeks before the arrangement begins; reg
    8(1)/(6) [G: S2]): notified on 1 May 2025 of an arrangement beginning 2 June 2025, the first
    year is counted from 2 June, the later of the two dates (the arrangement does not exist before
    it starts): the interval from a visit on 1 June 2026 is still 6-weekly, and from one on
    2 June 2026 12-weekly."""
    child = make_child(date_of_birth=D(2012, 1, 1))
    private_fostering_notify(by=worker, child_id=child.pk, notified_date=D(2025, 5, 1),
                             start_date=D(2025, 6, 2), carer_name="A Carer")
    for day in (D(2025, 5, 9), D(2026, 6, 1), D(2026, 6, 2)):
        visit_record(by=worker, child_id=child.pk, visit_date=day)
    links = stored(child, "T15")
    assert [(start, unit, amount) for start, unit, amount, *_ in links] == [
        (D(2025, 5, 1), "WD", 7),
        (D(2025, 5, 9), "D", 42),
        (D(2026, 6, 1), "D", 42),
        (D(2026, 6, 2), "D", 84),
    ]
    assert rederived(child, "T15") == links
