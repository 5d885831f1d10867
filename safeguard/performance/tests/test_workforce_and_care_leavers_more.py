"""Care leavers (INDICATORS.md B8 CL-01), workforce (B10 WF-02, WF-03A, WF-03C, WF-05) and private
fostering (B12 PF-01B, PF-03; Part A T15; Part F F2) on hand-built cases: each figure exact, with
the edges of the definitions (age 25, FTE and staff holding no cases, agency staff, the as-at
date, 6- and 12-week visit intervals) and the drill-down listing what is counted."""

import datetime as dt
from decimal import Decimal

import pytest

from safeguard.front_door.services import private_fostering_end, private_fostering_notify
from safeguard.looked_after import services as ls
from safeguard.people.services import visit_record
from safeguard.performance import catalogue as cat
from safeguard.performance.scorecard import build_scorecard
from safeguard.performance.services import manual_value_record
from safeguard.workforce.models import Allocation, LocalAuthority, User
from safeguard.workforce.services import allocation_start

from .conftest import drill, figure, period
from .test_child_protection import plan
from .test_looked_after import start

D = dt.date
AT = period(D(2026, 3, 31), D(2026, 3, 31))
Q2 = period(D(2025, 7, 1), D(2025, 9, 30))
Q4 = period(D(2026, 1, 1), D(2026, 3, 31))
IRO = Allocation.Kind.IRO


def _staff(la, username, role, *, fte="1", agency=False, active=True, team=None):
    return User.objects.create_user(username=username, password="x", role=role, local_authority=la, team=team,
                                    fte=Decimal(fte), is_agency=agency, is_active=active)


# --- B8 care leavers ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_care_leavers_supported_at_the_date_are_relevant_or_former_relevant_and_under_25(
    la, worker, make_child
):
    """CL-01 (INDICATORS.md B8; Children (Leaving Care) Act 2000 s23A/s23C): a snapshot at 31 March
    2026 of relevant and former relevant young people under 25. One whose 25th birthday is the
    as-at date is out and one turning 25 the next day is in; a qualifying care leaver (s24) is
    not counted; nor is one who left care only after the date."""

    def leaver(dob, care_from, care_to, eligibility, since):
        young = make_child(date_of_birth=dob)
        start(worker, young, care_from)
        ls.period_of_care_end(by=worker, child_id=young.pk, end_date=care_to, reason_ceased="E4A")
        ls.care_leaver_eligibility_record(by=worker, child_id=young.pk, eligibility=eligibility,
                                          since_date=since)
        return young

    turns_25_next_day = leaver(D(2001, 4, 1), D(2016, 6, 6), D(2018, 6, 4), "former_relevant", D(2019, 4, 1))
    leaver(D(2001, 3, 31), D(2016, 6, 6), D(2018, 6, 4), "former_relevant", D(2019, 3, 31))  # 25 on the day
    relevant = leaver(D(2008, 9, 1), D(2023, 1, 9), D(2025, 12, 1), "relevant", D(2025, 12, 1))
    leaver(D(2008, 1, 1), D(2025, 1, 6), D(2025, 2, 3), "qualifying", D(2025, 2, 3))  # 4 weeks in care
    leaver(D(2008, 6, 1), D(2024, 1, 8), D(2026, 4, 10), "relevant", D(2026, 4, 10))  # left in April
    result = figure("CL-01", la, AT)
    assert (result.value, result.numerator, result.denominator) == (2, 2, None)
    assert {r["k_child"] for r in drill("CL-01", la, AT)} == {turns_25_next_day.pk, relevant.pk}
    assert figure("CL-01", la, period(D(2026, 4, 1), D(2026, 4, 1))).value == 1  # 25 on 1 April


# --- B10 workforce --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_iro_caseload_is_looked_after_children_over_fte_of_all_the_councils_iros(la, worker, iro, make_child):
    """WF-02 (INDICATORS.md B10 WF-02: "Num: looked-after children allocated to IROs at as_at.
    Den: FTE IROs"; IRO Handbook): looked-after children with an IRO at the date over the FTE of
    all the council's IROs, not only those holding a looked-after child. An IRO with no children
    and one whose only child has left care add their FTE; an IRO who has left (inactive), one in
    another council and a social worker do not; a child who changes IRO on the as-at date counts
    once, with the new one; an IRO allocated after the date does not count.
    3 children / (1.0 + 0.8 + 0.5 + 1.0) FTE = 0.9 (holders only, 1.8 FTE, would give 1.7)."""
    part_time = _staff(la, "iro2", User.Role.IRO, fte="0.8")
    _staff(la, "iro3", User.Role.IRO, fte="0.5")  # holds no cases
    only_left = _staff(la, "iro4", User.Role.IRO)
    _staff(la, "iro_gone", User.Role.IRO, active=False)
    other = LocalAuthority.objects.create(code="E06000050", la_number=896, name="Cheshire West and Chester")
    _staff(other, "iro_elsewhere", User.Role.IRO)
    a, b, c, left, late = (make_child() for _ in range(5))
    for child in (a, b, left):
        start(worker, child, D(2025, 4, 7))
    start(worker, c, D(2025, 9, 1))
    start(worker, late, D(2026, 3, 2))

    def give(child, to, day):
        allocation_start(by=worker, child_id=child.pk, worker_id=to.pk, start_date=day, kind=IRO)

    give(a, iro, D(2025, 4, 14))
    give(b, iro, D(2025, 4, 14))
    give(b, part_time, AT.end)  # the change ends iro1's allocation on 30 March
    give(c, part_time, D(2025, 9, 8))
    give(left, only_left, D(2025, 4, 14))
    ls.period_of_care_end(by=worker, child_id=left.pk, end_date=D(2026, 2, 2), reason_ceased="E4A")
    give(late, iro, D(2026, 4, 1))
    result = figure("WF-02", la, AT)
    assert (result.numerator, result.denominator, result.value) == (3, 3.3, 0.9)
    held = {(r["k_child"], r["worker_name"]) for r in drill("WF-02", la, AT)}
    assert held == {(a.pk, "iro1"), (b.pk, "iro2"), (c.pk, "iro2")}


@pytest.mark.django_db
def test_agency_rate_is_a_share_of_fte_of_social_workers_and_managers(la, team, worker, manager):
    """WF-03A (INDICATORS.md B10 WF-03; DfE workforce S14: agency FTE / (employed + agency FTE)):
    weighted by FTE, not headcount (1.5 of 3.5 FTE = 42.9%, where heads would give 2 of 4 = 50%).
    An agency IRO (not a social worker or manager), an agency worker who has left (inactive) and
    one in another council are outside."""
    _staff(la, "agency1", User.Role.SOCIAL_WORKER, agency=True, team=team)
    _staff(la, "agency2", User.Role.SOCIAL_WORKER, fte="0.5", agency=True, team=team)
    _staff(la, "agency_iro", User.Role.IRO, agency=True)
    _staff(la, "agency_gone", User.Role.SOCIAL_WORKER, agency=True, active=False)
    other = LocalAuthority.objects.create(code="E06000050", la_number=896, name="Cheshire West and Chester")
    _staff(other, "agency_elsewhere", User.Role.SOCIAL_WORKER, agency=True)
    result = figure("WF-03A", la, AT)
    assert (result.numerator, result.denominator, result.value) == (1.5, 3.5, 42.9)
    listed = {r["username"]: r["in_numerator"] for r in drill("WF-03A", la, AT)}
    assert listed == {"sw1": False, "tm1": False, "agency1": True, "agency2": True}


@pytest.mark.django_db
def test_hand_entered_vacancy_rate_shows_for_its_own_period_only(la, analyst):
    """WF-03C (INDICATORS.md B10 WF-03; Part C): the vacancy rate is entered by hand per period
    (establishment is not recorded). Entered for Q2 2025-26 it is Q2's figure, not Q1's or Q3's,
    nor the turnover measure's (WF-03B); a snapshot entered as at 31 March 2025 is last year's
    year-end and Q4. The record holds nothing to drill into."""
    manual_value_record(by=analyst, local_authority=la, indicator_id="wf-03c", period_start=Q2.start,
                        period_end=Q2.end, value=12.5, numerator=5, denominator=40)
    manual_value_record(by=analyst, local_authority=la, indicator_id="WF-03C", period_start=D(2025, 3, 31),
                        period_end=D(2025, 3, 31), value=15.0)
    card = build_scorecard(la, 2026, 3, indicator_ids=["WF-03B", "WF-03C"])
    rows = {r.id: r for r in card.rows}
    vacancy, turnover = rows["WF-03C"], rows["WF-03B"]
    q2 = vacancy.columns["Q2"]
    assert (q2.value, q2.numerator, q2.denominator, q2.status) == (12.5, 5, 40, cat.HAND_ENTERED)
    assert vacancy.columns["Q1"].value is None and vacancy.columns["Q3"].value is None
    assert vacancy.value is None  # the current column is Q3
    assert (vacancy.previous_year_end, vacancy.q4_previous) == (15.0, 15.0)
    assert [turnover.columns[q].value for q in ("Q1", "Q2", "Q3")] == [None, None, None]
    assert turnover.previous_year_end is None
    assert build_scorecard(la, 2026, 2, indicator_ids=["WF-03C"]).rows[0].value == 12.5
    assert drill("WF-03C", la, Q2) == []


@pytest.mark.django_db
def test_children_on_a_plan_or_looked_after_with_an_allocated_social_worker(
    la, front, worker, iro, make_child
):
    """WF-05 (INDICATORS.md B10; [L] Darlington): children on a CP plan or looked after at 31 March
    2026, counted once if both; allocated means a social worker allocation open at the date (an
    IRO is not one; one starting the next day is too late). A plan ending on the as-at date, a
    child in need with no plan and a child on short breaks (V3, not looked after in the DfE
    figures) are outside the cohort."""
    on_plan, both, iro_only, next_day, plan_ended, in_need, breaks = (make_child() for _ in range(7))
    plan(iro, front, on_plan, D(2025, 6, 2), D(2025, 6, 16))
    plan(iro, front, both, D(2025, 6, 2), D(2025, 6, 16))
    start(worker, both, D(2025, 7, 7))
    start(worker, iro_only, D(2025, 7, 7))
    start(worker, next_day, D(2025, 7, 7))
    plan(iro, front, plan_ended, D(2025, 6, 2), D(2025, 6, 16), end=AT.end)
    front.refer(in_need, D(2025, 6, 2))
    start(worker, breaks, D(2025, 7, 7), legal_status="V3", placement="U6")
    for child in (on_plan, both, plan_ended, in_need, breaks):
        allocation_start(by=worker, child_id=child.pk, worker_id=worker.pk, start_date=D(2025, 6, 3))
    allocation_start(by=worker, child_id=iro_only.pk, worker_id=iro.pk, start_date=D(2025, 7, 8), kind=IRO)
    allocation_start(by=worker, child_id=next_day.pk, worker_id=worker.pk, start_date=D(2026, 4, 1))
    result = figure("WF-05", la, AT)
    assert (result.numerator, result.denominator, result.value) == (2, 4, 50.0)
    counted = {r["k_child"]: r["in_numerator"] for r in drill("WF-05", la, AT)}
    assert counted == {on_plan.pk: True, both.pk: True, iro_only.pk: False, next_day.pk: False}


# --- B12 private fostering ------------------------------------------------------------------------


@pytest.mark.django_db
def test_private_fostering_arrangements_open_at_the_date(la, worker, make_child):
    """PF-01B (INDICATORS.md B12 PF-01; T15): arrangements open at 31 March 2026, by their start
    date, not their notification: one starting on the date counts, a proposed one notified before
    it but starting after does not (it is a notification, PF-01); one ending on the date does not,
    one ending the day after does. A child whose first arrangement ended counts once, for the new
    one."""
    kids = [make_child(date_of_birth=D(2011, 1, 1)) for _ in range(6)]

    def notify(child, notified, starts=None):
        return private_fostering_notify(by=worker, child_id=child.pk, notified_date=notified,
                                        start_date=starts or notified, carer_name="A Friend")

    def end(arrangement, day):
        private_fostering_end(by=worker, arrangement_id=arrangement.pk, expected_version=None, end_date=day)

    notify(kids[0], D(2025, 10, 6))
    notify(kids[1], D(2026, 3, 20), D(2026, 3, 31))  # starts on the date
    notify(kids[2], D(2026, 3, 25), D(2026, 4, 6))  # proposed
    end(notify(kids[3], D(2025, 11, 3)), AT.end)
    end(notify(kids[4], D(2025, 11, 3)), D(2026, 4, 1))
    end(notify(kids[5], D(2025, 4, 7)), D(2025, 10, 1))
    notify(kids[5], D(2025, 12, 1))
    result = figure("PF-01B", la, AT)
    assert (result.value, result.numerator, result.denominator) == (4, 4, None)
    counted = sorted((r["k_child"], r["start_date"]) for r in drill("PF-01B", la, AT))
    assert counted == [(kids[0].pk, D(2025, 10, 6)), (kids[1].pk, D(2026, 3, 31)),
                       (kids[4].pk, D(2025, 11, 3)), (kids[5].pk, D(2025, 12, 1))]
    assert figure("PF-01", la, Q4).value == 2  # notified in January-March: kids 1 and 2


@pytest.mark.django_db
def test_privately_fostered_children_visited_6_weekly_then_12_weekly(la, worker, make_child):
    """PF-03 (INDICATORS.md B12; reg 8 of SI 2005/1533 [G: S2]; T15; F2): visits at most 6 weeks
    (42 days) apart in the arrangement's first year and 12 weeks (84 days) after. In Q2 2025-26: a
    visit on day 42 is in time, day 43 late; a visit where the child is not seen does not count; a
    second-year gap of 84 days is in time; a deadline falling on the quarter's last day and not
    yet met is not missed. An arrangement ending on that last day is not open at its end."""
    exact, day_43, unseen, second_year, due_last_day, ended = (
        make_child(date_of_birth=D(2011, 1, 1)) for _ in range(6)
    )

    def notify(child, day):
        return private_fostering_notify(by=worker, child_id=child.pk, notified_date=day, start_date=day,
                                        carer_name="A Friend")

    def visits(child, *days, seen=True):
        for day in days:
            visit_record(by=worker, child_id=child.pk, visit_date=day, seen=seen)

    arrangements = {}
    for child in (exact, day_43, unseen, due_last_day, ended):
        arrangements[child] = notify(child, D(2025, 6, 2))
        visits(child, D(2025, 6, 4))  # within 7 working days
    visits(exact, D(2025, 7, 16), D(2025, 8, 27))  # 42 days, then 42 again
    visits(day_43, D(2025, 7, 17), D(2025, 8, 28))
    visits(unseen, D(2025, 7, 16), seen=False)
    visits(unseen, D(2025, 8, 27))
    visits(due_last_day, D(2025, 7, 16), D(2025, 8, 19))  # next due 30 September
    private_fostering_end(by=worker, arrangement_id=arrangements[ended].pk, expected_version=None,
                          end_date=Q2.end)  # never visited after June, but not open on 30 September

    notify(second_year, D(2024, 6, 3))
    day = D(2024, 6, 10)
    while day < D(2025, 6, 3):  # 6-weekly through the first year
        visits(second_year, day)
        day += dt.timedelta(days=42)
    visits(second_year, D(2025, 6, 23), D(2025, 9, 15))  # 84 days: 6-weekly would be due 4 August
    assert D(2025, 6, 23) + dt.timedelta(days=84) == D(2025, 9, 15)

    result = figure("PF-03", la, Q2)
    assert (result.numerator, result.denominator, result.value) == (3, 5, 60.0)
    counted = {r["k_child"]: r["in_numerator"] for r in drill("PF-03", la, Q2)}
    assert counted == {exact.pk: True, day_43.pk: False, unseen.pk: False, second_year.pk: True,
                       due_last_day.pk: True}
