"""Each statutory clock against its worked example (INDICATORS.md Part A). Records are made with the
ORM so these tests check the clock derivation alone; the services' own tests check validation."""

import datetime as dt

import pytest

from safeguard.assessment.models import Assessment
from safeguard.child_protection.models import (
    ChildProtectionPlan,
    Conference,
    CoreGroupMeeting,
    Section47Enquiry,
    StrategyDiscussion,
)
from safeguard.front_door.models import PrivateFosteringArrangement, Referral
from safeguard.looked_after.models import (
    Episode,
    HealthAssessment,
    LookedAfterReview,
    MissingEpisode,
    PeriodOfCare,
)
from safeguard.people.models import Visit
from safeguard.record.change import rederive_clocks
from safeguard.timescales import calendar
from safeguard.timescales.models import Clock
from safeguard.timescales.services import calendar_add_holiday

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_calendar():
    calendar.invalidate()
    yield
    calendar.invalidate()


def clocks(child, code):
    rederive_clocks(child.pk)
    return list(Clock.objects.filter(child=child, code=code).order_by("subject_id", "sequence"))


def referral(child, on, **kw):
    return Referral.objects.create(child=child, referral_date=on, source="6", **kw)


def test_t01_referral_decision_within_one_working_day_over_easter(child):
    """Working Together 2023: decide the response within one working day (Good Friday and Easter
    Monday 2026 are not working days)."""
    ref = referral(child, D(2026, 4, 2))
    [clock] = clocks(child, "T01")
    assert clock.due_date == D(2026, 4, 7)
    ref.response, ref.response_date = "assessment", D(2026, 4, 7)
    ref.save()
    [clock] = clocks(child, "T01")
    assert clock.met_date == D(2026, 4, 7) and clock.on_time is True


def test_t02_assessment_45_working_days_from_referral(child):
    """Working Together 2023: assessment within 45 working days from the point of referral;
    a re-assessment in the same episode runs from its own start."""
    ref = referral(child, D(2025, 12, 17))
    first = Assessment.objects.create(referral=ref, start_date=D(2025, 12, 19))
    [clock] = clocks(child, "T02")
    # 17/12/2025 + 45 working days, skipping 25-26 Dec and 1 Jan: 23 February 2026.
    assert clock.start_date == D(2025, 12, 17) and clock.due_date == D(2026, 2, 23)
    first.authorisation_date = D(2026, 2, 24)
    first.save()
    second = Assessment.objects.create(referral=ref, start_date=D(2026, 3, 2))
    late, again = clocks(child, "T02")
    assert late.on_time is False
    assert again.subject_id == second.pk and again.start_date == D(2026, 3, 2)


def test_t02_stops_when_the_episode_closes(child):
    ref = referral(child, D(2025, 6, 2))
    Assessment.objects.create(referral=ref, start_date=D(2025, 6, 3))
    ref.closure_date, ref.reason_for_closure = D(2025, 6, 20), "RC5"
    ref.save()
    [clock] = clocks(child, "T02")
    assert not clock.is_open and clock.stopped_reason == "episode closed"


def test_t05_icpc_15_working_days_from_strategy_discussion_across_state_funeral(child):
    """Working Together 2023 / CIN census InitialCPCtarget: ICPC within 15 working days of the
    strategy discussion that started the S47; 19 September 2022 was a one-off bank holiday."""
    ref = referral(child, D(2022, 9, 7))
    sd = StrategyDiscussion.objects.create(referral=ref, held_on=D(2022, 9, 8), s47_initiated=True)
    s47 = Section47Enquiry.objects.create(referral=ref, strategy_discussion=sd,
                                          start_date=D(2022, 9, 9))
    [clock] = clocks(child, "T05")
    assert clock.start_date == D(2022, 9, 8) and clock.due_date == D(2022, 9, 30)
    Conference.objects.create(referral=ref, kind="initial", section47=s47, held_on=D(2022, 9, 30))
    [clock] = clocks(child, "T05")
    assert clock.on_time is True


def test_t05_no_clock_when_icpc_not_required_or_already_on_a_plan(child):
    """INDICATORS.md T05 edge cases (a) ICPCnotRequired and (e) S47 on a child already on a plan."""
    ref = referral(child, D(2025, 1, 6))
    Section47Enquiry.objects.create(referral=ref, start_date=D(2025, 1, 7), icpc_not_required=True)
    ChildProtectionPlan.objects.create(referral=ref, start_date=D(2025, 2, 3),
                                       initial_category="NEG", latest_category="NEG")
    Section47Enquiry.objects.create(referral=ref, start_date=D(2025, 3, 3))
    assert clocks(child, "T05") == []


def test_t05_s47_without_conference_outcome_stops_clock(child):
    ref = referral(child, D(2025, 1, 6))
    Section47Enquiry.objects.create(referral=ref, start_date=D(2025, 1, 7), end_date=D(2025, 1, 20),
                                    outcome="nfa")
    [clock] = clocks(child, "T05")
    assert clock.stopped_date == D(2025, 1, 20)


def test_t06_transfer_in_conference_separate_from_icpc(child):
    """Local CP procedures (Norfolk 3.8, Bolton): transfer-in conference within 15 working days of
    written notification; it is not an ICPC and starts no T05 clock."""
    ref = referral(child, D(2025, 5, 1), is_transfer_in_request=True)
    [clock] = clocks(child, "T06")
    assert clock.due_date == D(2025, 5, 23)  # early May bank holiday 5 May 2025
    Conference.objects.create(referral=ref, kind="transfer_in", notification_date=D(2025, 5, 1),
                              held_on=D(2025, 5, 22))
    [clock] = clocks(child, "T06")
    assert clock.on_time is True
    assert clocks(child, "T05") == []


def test_t07_first_core_group_within_10_working_days(child):
    ref = referral(child, D(2025, 6, 2))
    plan = ChildProtectionPlan.objects.create(referral=ref, start_date=D(2025, 6, 20),
                                              initial_category="EMO", latest_category="EMO")
    [clock] = clocks(child, "T07")
    assert clock.due_date == D(2025, 7, 4)
    CoreGroupMeeting.objects.create(cp_plan=plan, held_on=D(2025, 7, 1))
    assert clocks(child, "T07")[0].on_time is True


def test_t08_review_conferences_3_then_6_months_from_actual_dates_at_month_end(child):
    """Working Together 2023: first review within 3 months of the ICPC, then at most 6-monthly,
    each from the actual date of the previous conference; month ends clamp (31 Jan + 3 months = 30 Apr)."""
    ref = referral(child, D(2025, 1, 6))
    plan = ChildProtectionPlan.objects.create(referral=ref, start_date=D(2025, 1, 31),
                                              initial_category="NEG", latest_category="NEG")
    [first] = clocks(child, "T08")
    assert first.due_date == D(2025, 4, 30)
    Conference.objects.create(referral=ref, kind="review", cp_plan=plan, held_on=D(2025, 4, 25))
    Conference.objects.create(referral=ref, kind="review", cp_plan=plan, held_on=D(2025, 10, 31))
    links = clocks(child, "T08")
    assert [(c.due_date, c.met_date, c.on_time) for c in links] == [
        (D(2025, 4, 30), D(2025, 4, 25), True),
        (D(2025, 10, 25), D(2025, 10, 31), False),
        (D(2026, 4, 30), None, None),
    ]
    plan.end_date = D(2026, 2, 1)
    plan.save()
    assert clocks(child, "T08")[-1].stopped_reason == "plan ended"


def test_t09_cp_visits_unborn_child_has_no_visit_clock_until_birth(make_child):
    """INDICATORS.md T09: unborn children are not due a visit until birth; then every 10 working days."""
    unborn = make_child(date_of_birth=None, expected_date_of_birth=D(2025, 8, 1), sex="U")
    ref = referral(unborn, D(2025, 5, 1))
    ChildProtectionPlan.objects.create(referral=ref, start_date=D(2025, 6, 2),
                                       initial_category="NEG", latest_category="NEG")
    assert clocks(unborn, "T09") == []
    assert len(clocks(unborn, "T08")) == 1  # reviews still run for an unborn child
    unborn.date_of_birth, unborn.sex = D(2025, 7, 28), "M"
    unborn.save()
    [visit_clock] = clocks(unborn, "T09")
    assert visit_clock.start_date == D(2025, 7, 28) and visit_clock.due_date == D(2025, 8, 11)
    Visit.objects.create(child=unborn, visit_date=D(2025, 8, 8), seen=True)
    links = clocks(unborn, "T09")
    assert links[0].on_time is True and links[1].due_date == D(2025, 8, 22)


def start_care(child, on, placement="U6", ls="C2"):
    period = PeriodOfCare.objects.create(child=child, start_date=on)
    Episode.objects.create(period_of_care=period, decom=on, rne="S", legal_status=ls,
                           category_of_need="N1", placement=placement, placement_provider="PR1")
    return period


def test_t10_looked_after_reviews_20_working_days_3_months_6_months(child):
    """Care Planning, Placement and Case Review (England) Regulations 2010 reg 33: first review within
    20 working days of becoming looked after, second within 3 months, then 6-monthly."""
    period = start_care(child, D(2025, 12, 17))
    [first] = clocks(child, "T10")
    assert first.due_date == D(2026, 1, 19)  # over Christmas and New Year
    LookedAfterReview.objects.create(period_of_care=period, review_date=D(2026, 1, 15),
                                     participation="PN1")
    LookedAfterReview.objects.create(period_of_care=period, review_date=D(2026, 4, 20),
                                     participation="PN1")
    links = clocks(child, "T10")
    assert [(c.due_date, c.on_time) for c in links] == [
        (D(2026, 1, 19), True), (D(2026, 4, 15), False), (D(2026, 10, 20), None)]


def test_t10_short_breaks_have_no_review_clock(child):
    """CPPCR reg 48: children under an agreed series of short breaks (V3/V4) follow other arrangements."""
    start_care(child, D(2025, 6, 2), placement="R1", ls="V3")
    assert clocks(child, "T10") == []


def test_t11_visit_within_a_week_then_six_weekly(child):
    """Care Planning Regulations 2010 reg 28: visit within 1 week of placement, then at most 6-weekly."""
    start_care(child, D(2025, 6, 2))
    [first] = clocks(child, "T11")
    assert first.due_date == D(2025, 6, 9)
    Visit.objects.create(child=child, visit_date=D(2025, 6, 5), seen=True)
    links = clocks(child, "T11")
    assert links[1].due_date == D(2025, 7, 17)


def test_t11_visit_not_seen_does_not_count(child):
    start_care(child, D(2025, 6, 2))
    Visit.objects.create(child=child, visit_date=D(2025, 6, 5), seen=False)
    assert len(clocks(child, "T11")) == 1


def test_t12_initial_and_review_health_assessments_by_age(make_child):
    """Promoting the health of looked-after children 2015: IHA within 20 working days; reviews
    6-monthly under 5 and annually from 5."""
    toddler = make_child(date_of_birth=D(2023, 3, 1))
    start_care(toddler, D(2025, 6, 2))
    [iha] = clocks(toddler, "T12I")
    assert iha.due_date == D(2025, 6, 30)
    HealthAssessment.objects.create(child=toddler, kind="IHA", requested_date=D(2025, 6, 3),
                                    completed_date=D(2025, 6, 20))
    [rha] = clocks(toddler, "T12R")
    assert rha.due_date == D(2025, 12, 20)
    assert clocks(toddler, "T12Q")[0].on_time is True
    older = make_child(date_of_birth=D(2015, 3, 1))
    start_care(older, D(2025, 6, 2))
    HealthAssessment.objects.create(child=older, kind="IHA", completed_date=D(2025, 6, 20))
    assert clocks(older, "T12R")[0].due_date == D(2026, 6, 20)


def test_t12_child_ceasing_care_before_day_20_stops_iha_clock(child):
    period = start_care(child, D(2025, 6, 2))
    period.end_date = D(2025, 6, 10)
    period.save()
    [iha] = clocks(child, "T12I")
    assert iha.stopped_date == D(2025, 6, 10)


def test_t13_pep_for_school_age_children_only(make_child):
    baby = make_child(date_of_birth=D(2024, 1, 1))
    start_care(baby, D(2025, 6, 2))
    assert clocks(baby, "T13") == []
    pupil = make_child(date_of_birth=D(2015, 1, 1))
    start_care(pupil, D(2025, 6, 2))
    assert clocks(pupil, "T13")[0].due_date == D(2025, 6, 16)


def test_t14_return_interview_within_72_hours(child):
    """Statutory guidance on children who run away or go missing 2014: return interview offered
    within 72 hours; a date-only return counts 3 calendar days."""
    MissingEpisode.objects.create(child=child, kind="M", start_date=D(2025, 6, 5),
                                  end_date=D(2025, 6, 6))
    [clock] = clocks(child, "T14")
    assert clock.due_date == D(2025, 6, 9)


def test_t15_private_fostering_visits(child):
    """Children (Private Arrangements for Fostering) Regulations 2005: initial visit within 7 working
    days, then 6-weekly in the first year."""
    PrivateFosteringArrangement.objects.create(child=child, notified_date=D(2025, 6, 2),
                                               start_date=D(2025, 5, 20), carer_name="A Carer")
    [first] = clocks(child, "T15")
    assert first.due_date == D(2025, 6, 11)
    Visit.objects.create(child=child, visit_date=D(2025, 6, 10), seen=True)
    assert clocks(child, "T15")[1].due_date == D(2025, 7, 22)


def test_new_bank_holiday_moves_due_dates(child, worker):
    """A newly proclaimed bank holiday (like 19 September 2022) moves every working-day due date
    that spans it, in one recalculation."""
    referral(child, D(2031, 6, 10))
    [before] = clocks(child, "T01")
    assert before.due_date == D(2031, 6, 11)
    calendar_add_holiday(by=worker, date=D(2031, 6, 11), name="One-off bank holiday")
    before.refresh_from_db()
    assert before.due_date == D(2031, 6, 12)


def test_record_change_rederives_clocks(child):
    """Correcting a date in the record moves the clock: the record is the truth."""
    ref = referral(child, D(2025, 6, 2))
    assert clocks(child, "T01")[0].due_date == D(2025, 6, 3)
    ref.referral_date = D(2025, 6, 6)
    ref.save()
    assert clocks(child, "T01")[0].due_date == D(2025, 6, 9)
