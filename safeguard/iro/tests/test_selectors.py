"""The IRO's desk as read: the caseload, the alerts list, one child's alerts and the annual figures;
each through the access policy and in a fixed number of queries, whatever the record's length."""

import datetime as dt

import pytest

from safeguard.child_protection.models import ChildProtectionPlan, Conference, ConferenceMinutes
from safeguard.front_door.models import Referral
from safeguard.iro import selectors as sel
from safeguard.iro import services as s
from safeguard.iro.models import PracticeAlert
from safeguard.looked_after.models import LookedAfterReview
from safeguard.looked_after.services import period_of_care_start
from safeguard.people.models import Child
from safeguard.record.change import rederive_clocks
from safeguard.workforce.models import LocalAuthority

D = dt.date
AS_AT = D(2025, 7, 1)
IN_CARE = D(2025, 1, 10)
ICPC = D(2025, 2, 3)
LA_REVIEWS = ((D(2025, 2, 3), "PN1"), (D(2025, 6, 2), "PN7"))
CP_REVIEWS = (D(2025, 4, 28),)
RAISED = D(2025, 3, 3)


def looked_after(worker, child, reviews=LA_REVIEWS):
    """In care from 10 January 2025; the first review is within 20 working days (on time), the
    second after the 3 months allowed (late): Care Planning Regulations 2010 reg 33 (T10)."""
    period = period_of_care_start(by=worker, child_id=child.pk, decom=IN_CARE, legal_status="C2",
                                  category_of_need="N1", placement="U4", placement_provider="PR1",
                                  urn="SC123456", home_postcode="AB1 1AA", placement_postcode="CD2 2BB")
    for day, code in reviews:
        LookedAfterReview.objects.create(period_of_care=period, review_date=day, participation=code)
    rederive_clocks(child.pk)
    return period


def on_cp_plan(child, iro, reviews=CP_REVIEWS):
    """A CP plan from an ICPC on 3 February 2025, reviewed within 3 months (Working Together 2023,
    T08), the child speaking for themselves at the review."""
    referral = Referral.objects.create(child=child, referral_date=D(2025, 1, 6), source="6")
    plan = ChildProtectionPlan.objects.create(referral=referral, start_date=ICPC, initial_category="NEG",
                                              latest_category="NEG")
    Conference.objects.create(referral=referral, kind="initial", held_on=ICPC, cp_plan=plan,
                              plan_required=True, chair=iro)
    for day in reviews:
        conf = Conference.objects.create(referral=referral, kind="review", held_on=day, cp_plan=plan,
                                         chair=iro)
        ConferenceMinutes.objects.create(conference=conf, child_participation="spoke")
    rederive_clocks(child.pk)
    return plan


def alert(iro, child, on=RAISED, **fields):
    values = dict(by=iro, child_id=child.pk, raised_on=on, category="placement",
                  concern="Placement stability meeting not held.", raised_with_name="Team manager")
    values.update(fields)
    return s.practice_alert_raise(**values)


def escalate(iro, a, on):
    a.refresh_from_db()
    return s.practice_alert_escalate(by=iro, alert_id=a.pk, expected_version=a.version, escalated_on=on,
                                     raised_with_name="Manager at the next stage")


def resolve(iro, a, on, resolution="put_right"):
    a.refresh_from_db()
    return s.practice_alert_resolve(by=iro, alert_id=a.pk, expected_version=a.version, resolved_on=on,
                                    resolution=resolution)


@pytest.fixture
def caseload(iro, worker, make_child, allocate):
    """Two children allocated to the IRO (one looked after, one on a CP plan), one allocated to
    another worker only, and IRO work on each of the IRO's children."""
    cla, cpp, elsewhere = make_child(first_name="Cara"), make_child(first_name="Pip"), make_child()
    allocate(cla, iro)
    allocate(cpp, iro)
    looked_after(worker, cla)
    on_cp_plan(cpp, iro)
    s.monitoring_record(by=iro, child_id=cla.pk, held_on=D(2025, 3, 1), kind="child", note="Spoke to Cara.",
                        concern_found=True)
    s.monitoring_record(by=iro, child_id=cla.pk, held_on=D(2025, 5, 1), kind="carer", note="Carer call.")
    open_one = alert(iro, cla)
    resolve(iro, alert(iro, cla, on=D(2025, 3, 4)), D(2025, 3, 6))
    return dict(cla=cla, cpp=cpp, elsewhere=elsewhere, open=open_one)


# --- the caseload --------------------------------------------------------------------------------------

def test_caseload_shows_each_allocated_child_with_review_status_and_iro_work(iro, caseload):
    """IRO Handbook 2010: the IRO's caseload; Care Planning Regulations 2010 reg 33 (T10) and
    Working Together 2023 (T08) for the next review; REVIEW_CODE for the child's participation."""
    load = sel.iro_caseload(iro, as_at=AS_AT)
    rows = {r.child_id: r for r in load.rows}
    assert set(rows) == {caseload["cla"].pk, caseload["cpp"].pk}
    cla, cpp = rows[caseload["cla"].pk], rows[caseload["cpp"].pk]
    assert (cla.looked_after, cla.on_cp_plan) == (True, False)
    assert (cla.last_review_on, cla.last_review_kind, cla.last_participation) == (
        D(2025, 6, 2), "looked_after_review", "PN7")
    assert (cla.next_review_code, cla.next_review_due) == ("T10", D(2025, 12, 2))
    assert (cla.open_alerts, cla.last_monitored_on) == (1, D(2025, 5, 1))
    assert (cpp.looked_after, cpp.on_cp_plan) == (False, True)
    assert (cpp.last_review_on, cpp.last_review_kind, cpp.last_participation) == (
        D(2025, 4, 28), "cp_conference", "spoke")
    assert (cpp.next_review_code, cpp.next_review_due) == ("T08", D(2025, 10, 28))
    assert (cpp.open_alerts, cpp.last_monitored_on) == (0, None)
    assert load.counts == dict(looked_after=1, child_protection=1, both=0, total=2)
    assert [r.child_id for r in load.rows] == [cpp.child_id, cla.child_id]  # next review due first


def test_caseload_is_empty_for_someone_with_no_iro_allocation(worker, caseload):
    """Access policy: the caseload is of the IRO's own allocations."""
    assert sel.iro_caseload(worker).rows == []


def test_caseload_reads_in_one_query_for_a_short_or_a_long_record(iro, worker, make_child, allocate,
                                                                  django_assert_num_queries):
    """Fast by design: one query, whatever the caseload's length and the records' length."""
    first = make_child()
    allocate(first, iro)
    with django_assert_num_queries(1):
        short = sel.iro_caseload(iro, as_at=AS_AT)
    assert len(short.rows) == 1
    for _ in range(3):
        child = make_child()
        allocate(child, iro)
        looked_after(worker, child, reviews=[(D(2025, 2, 3), "PN1"), (D(2025, 5, 1), "PN2"),
                                             (D(2025, 6, 2), "PN5")])
        on_cp_plan(child, iro, reviews=(D(2025, 4, 28), D(2025, 6, 20)))
        for day in range(1, 6):
            alert(iro, child, on=D(2025, 3, day + 2))
            s.monitoring_record(by=iro, child_id=child.pk, held_on=D(2025, 4, day), kind="midway_review",
                                note="File check.")
    with django_assert_num_queries(1):
        long = sel.iro_caseload(iro, as_at=AS_AT)
    assert len(long.rows) == 4
    assert {r.open_alerts for r in long.rows} == {0, 5}


# --- the alerts list and one child's alerts ---------------------------------------------------------------

def test_practice_alerts_filter_by_status_and_overdue(iro, caseload, django_assert_num_queries):
    """[L] local protocol: the IRO desk lists open alerts, those past their stage's due date first."""
    with django_assert_num_queries(1):
        every = list(sel.practice_alerts(iro, as_at=AS_AT))
    assert len(every) == 2 and every[0].resolved_on is None  # open first
    assert [a.pk for a in sel.practice_alerts(iro, status="open")] == [caseload["open"].pk]
    assert len(sel.practice_alerts(iro, status="resolved")) == 1
    open_pk = caseload["open"].pk
    assert [a.pk for a in sel.practice_alerts(iro, overdue=True, as_at=D(2025, 3, 11))] == [open_pk]
    assert [a.pk for a in sel.practice_alerts(iro, status="open", overdue=False, as_at=D(2025, 3, 10))] == [
        open_pk]
    assert list(sel.practice_alerts(iro, status="open", overdue=False, as_at=D(2025, 3, 11))) == []
    with pytest.raises(ValueError):
        sel.practice_alerts(iro, status="closed")


def test_practice_alerts_follow_the_access_policy(other_iro, iro, caseload):
    """Access policy: an IRO sees alerts on the children allocated to them, not another IRO's."""
    assert list(sel.practice_alerts(other_iro)) == []
    assert sel.alerts_for_child(other_iro, caseload["cla"].pk) == []


def test_a_childs_alerts_come_with_their_stages_in_two_queries(iro, caseload, django_assert_num_queries):
    """IRO Handbook 2010 ch. 6: every stage of the dispute is kept and shown in order."""
    escalate(iro, caseload["open"], D(2025, 3, 11))
    escalate(iro, caseload["open"], D(2025, 3, 19))
    with django_assert_num_queries(2):
        alerts = sel.alerts_for_child(iro, caseload["cla"].pk)
        stages = [[step.stage for step in a.all_steps] for a in alerts]
    assert stages == [["informal"], ["informal", "stage_1", "stage_2"]]


# --- the annual report --------------------------------------------------------------------------------

def test_annual_figures_count_what_the_safeguarding_unit_reports(la, iro, caseload, make_child,
                                                                 django_assert_num_queries):
    """IRO Handbook 2010 ch. 7 (the IRO service's annual report): alerts by category and stage
    reached, resolved within timescale and informally; reviews on time (T08, T10); participation by
    REVIEW_CODE (SSDA903: PN1-PN6 took part, PN0 under 4); monitoring by kind. Only this council."""
    late = alert(iro, caseload["cpp"], on=D(2025, 4, 1), category="drift_delay")
    escalate(iro, late, D(2025, 4, 9))
    resolve(iro, late, D(2025, 5, 30))
    alert(iro, caseload["cpp"], on=D(2024, 3, 1))  # before the year
    away = make_child()
    other = LocalAuthority.objects.create(code="E09000001", la_number=201, name="Another council")
    Child.objects.filter(pk=away.pk).update(local_authority=other)
    PracticeAlert.objects.create(child=away, raised_by=iro, raised_on=D(2025, 5, 1), category="health",
                                 concern="Another council's child.", stage_started_on=D(2025, 5, 1))
    with django_assert_num_queries(5):
        f = sel.iro_annual_figures(la, D(2025, 1, 1), D(2025, 12, 31))
    assert f.alerts_raised == 3
    assert f.alerts_by_category["placement"] == 2 and f.alerts_by_category["drift_delay"] == 1
    assert f.alerts_by_category["health"] == 0
    assert f.alerts_by_stage_reached == dict(informal=2, stage_1=1, stage_2=0, stage_3=0, stage_4=0,
                                             cafcass=0)
    assert (f.alerts_resolved, f.alerts_open) == (2, 1)
    assert (f.resolved_within_timescale, f.resolved_with_a_timescale) == (1, 2)
    assert f.resolved_within_timescale_percent == 50.0
    assert (f.resolved_informally, f.resolved_informally_percent) == (1, 50.0)
    assert (f.looked_after_reviews_held, f.looked_after_reviews_on_time) == (2, 1)
    assert f.looked_after_reviews_on_time_percent == 50.0
    assert (f.cp_reviews_held, f.cp_reviews_on_time, f.cp_reviews_on_time_percent) == (1, 1, 100.0)
    assert f.participation == dict(PN0=0, PN1=1, PN2=0, PN3=0, PN4=0, PN5=0, PN6=0, PN7=1)
    assert (f.took_part, f.aged_four_or_over, f.took_part_percent) == (1, 2, 50.0)
    assert f.conference_participation["spoke"] == 1
    assert f.monitoring_by_kind == dict(midway_review=0, child=1, social_worker=0, carer=1, other=0)
    assert f.monitoring_concerns_found == 1
    assert "Cara" not in repr(f)  # aggregates only


def test_annual_figures_of_another_council_are_empty(iro, caseload):
    """Aggregates are the council's own."""
    other = LocalAuthority.objects.create(code="E09000001", la_number=201, name="Another council")
    f = sel.iro_annual_figures(other, D(2025, 1, 1), D(2025, 12, 31))
    assert (f.alerts_raised, f.looked_after_reviews_held, f.took_part_percent) == (0, 0, None)
