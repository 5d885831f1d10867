"""Child protection services: happy paths, every rule enforced at entry, and edit conflicts.

Each refused save is checked to leave the database exactly as it was."""

from __future__ import annotations

import datetime as dt

import pytest

from safeguard.assessment.models import CINPlan
from safeguard.audit.models import AuditEvent
from safeguard.child_protection import services as cp
from safeguard.child_protection.models import (
    ChildProtectionPlan,
    Conference,
    CoreGroupMeeting,
    Section47Enquiry,
    StrategyDiscussion,
)
from safeguard.core.errors import EditConflict, RecordInvalid
from safeguard.front_door.models import Referral

D = dt.date
REF = D(2024, 1, 8)  # Monday
MON_15, TUE_16, MON_22, SAT_13 = D(2024, 1, 15), D(2024, 1, 16), D(2024, 1, 22), D(2024, 1, 13)
TUE_9 = D(2024, 1, 9)


def snapshot() -> tuple:
    """Everything a refused save must leave untouched."""
    return (
        StrategyDiscussion.objects.count(), Section47Enquiry.objects.count(),
        Conference.objects.count(), ChildProtectionPlan.objects.count(),
        CoreGroupMeeting.objects.count(), AuditEvent.objects.count(),
        tuple(Section47Enquiry.objects.order_by("pk").values_list("version", "end_date",
                                                                 "icpc_not_required")),
        tuple(ChildProtectionPlan.objects.order_by("pk").values_list("version", "end_date",
                                                                    "latest_category")),
        tuple(Conference.objects.order_by("pk").values_list("version", "cp_plan_id")),
    )


def refused(rule: str, fn, **kwargs) -> RecordInvalid:
    before = snapshot()
    with pytest.raises(RecordInvalid) as exc:
        fn(**kwargs)
    assert rule in exc.value.rules, exc.value.rules
    assert snapshot() == before
    return exc.value


RATIONALE = "Decided on the enquiry's findings."


def chair():
    """The IRO / CP chair who chairs a conference and records its decision (Working Together
    2023 ch. 3): conferences and the plans they decide are recorded by them."""
    from safeguard.workforce.models import LocalAuthority, User

    user, _ = User.objects.get_or_create(username="chair1", defaults={
        "role": User.Role.IRO, "local_authority": LocalAuthority.objects.first()})
    return user


def boss():
    """The team manager who decides a section 47 enquiry's outcome (Working Together 2023)."""
    from safeguard.workforce.models import LocalAuthority, User

    user, _ = User.objects.get_or_create(username="boss1", defaults={
        "role": User.Role.TEAM_MANAGER, "local_authority": LocalAuthority.objects.first()})
    return user


@pytest.fixture
def referral(child):
    return Referral.objects.create(child=child, referral_date=REF, source="6")


def close(referral: Referral, on: dt.date, reason: str = "RC7") -> None:
    Referral.objects.filter(pk=referral.pk).update(closure_date=on, reason_for_closure=reason)
    referral.refresh_from_db()


def s47_with_icpc(worker, referral, start=TUE_9, icpc=MON_15, plan_required=True):
    s47 = cp.section47_start(by=worker, referral_id=referral.pk, start_date=start)
    conf = cp.conference_record(by=chair(), chair=chair(), referral_id=referral.pk, kind="initial",
                                held_on=icpc,
                                section47_id=s47.pk, plan_required=plan_required)
    return s47, conf


def plan_from_icpc(worker, referral, icpc=MON_15, category="NEG"):
    s47_with_icpc(worker, referral, icpc=icpc)
    return cp.cp_plan_start(by=chair(), referral_id=referral.pk, start_date=icpc,
                            initial_category=category)


# --- happy paths -----------------------------------------------------------------------------

def test_full_pathway_from_strategy_discussion_to_plan_end(worker, iro, referral):
    """Working Together 2023 ch.3: strategy discussion -> S47 -> ICPC -> CP plan -> core group
    -> review -> end. CIN census Section47/ChildProtectionPlans/Reviews items all recorded."""
    sd = cp.strategy_discussion_record(by=worker, referral_id=referral.pk, held_on=REF,
                                       s47_initiated=True, attendees="police, health")
    s47 = cp.section47_start(by=worker, referral_id=referral.pk, start_date=D(2024, 1, 9),
                             strategy_discussion_id=sd.pk)
    s47 = cp.section47_record_outcome(by=boss(), rationale=RATIONALE, section47_id=s47.pk,
                                      expected_version=s47.version,
                                      end_date=D(2024, 1, 12), outcome="icpc",
                                      icpc_not_required=False)
    icpc = cp.conference_record(by=iro, referral_id=referral.pk, kind="initial",
                                held_on=MON_15, section47_id=s47.pk, plan_required=True, chair=iro)
    plan = cp.cp_plan_start(by=iro, referral_id=referral.pk, start_date=MON_15,
                            initial_category="EMO")
    assert plan.latest_category == plan.initial_category == "EMO"
    assert plan.number_of_previous_cpp == 0
    icpc.refresh_from_db()
    assert icpc.cp_plan_id == plan.pk
    cp.core_group_record(by=worker, cp_plan_id=plan.pk, held_on=MON_22)
    cp.conference_record(by=iro, referral_id=referral.pk, kind="review",
                         held_on=D(2024, 4, 8), cp_plan_id=plan.pk, chair=iro)
    plan = cp.cp_plan_change_category(by=worker, cp_plan_id=plan.pk,
                                      expected_version=plan.version, latest_category="NEG")
    assert (plan.initial_category, plan.latest_category) == ("EMO", "NEG")
    plan = cp.cp_plan_end(by=chair(), end_reason="no_longer_at_risk", cp_plan_id=plan.pk,
                          expected_version=plan.version,
                          end_date=D(2024, 4, 8))
    assert plan.end_date == D(2024, 4, 8)
    actions = set(AuditEvent.objects.values_list("object_type", "action"))
    assert ("child_protection.ChildProtectionPlan", "update") in actions
    assert ("child_protection.Section47Enquiry", "create") in actions
    assert AuditEvent.objects.filter(child_id=referral.child_id).count() >= 10


def test_previous_plans_are_counted_when_not_given(worker, child, referral):
    """CIN census NumberOfPreviousCPP (N00106): derived from the child's earlier plans."""
    plan = plan_from_icpc(worker, referral)
    cp.cp_plan_end(by=chair(), end_reason="no_longer_at_risk", cp_plan_id=plan.pk,
                   expected_version=plan.version,
                   end_date=D(2024, 3, 1))
    close(referral, D(2024, 3, 1))
    second = Referral.objects.create(child=child, referral_date=D(2024, 3, 4), source="6")
    s47_with_icpc(worker, second, start=D(2024, 3, 5), icpc=D(2024, 3, 11))
    plan2 = cp.cp_plan_start(by=chair(), referral_id=second.pk, start_date=D(2024, 3, 11),
                             initial_category="PHY")
    assert plan2.number_of_previous_cpp == 1
    third_given = ChildProtectionPlan.objects.get(pk=plan2.pk)
    assert third_given.latest_category == "PHY"


def test_transfer_in_conference_starts_plan(worker, child):
    """Working Together 2023 (transfer-in conference, T06); CIN 2885 via CINdetails
    DateOfInitialCPC when there is no S47."""
    ref = Referral.objects.create(child=child, referral_date=REF, source="6",
                                  is_transfer_in_request=True)
    conf = cp.conference_record(by=chair(), chair=chair(), referral_id=ref.pk, kind="transfer_in",
                                held_on=MON_22, notification_date=REF, plan_required=True)
    plan = cp.cp_plan_start(by=chair(), referral_id=ref.pk, start_date=MON_22,
                            initial_category="MUL", conference_id=conf.pk,
                            number_of_previous_cpp=3)
    assert plan.number_of_previous_cpp == 3


def test_s47_without_conference_closes_with_icpc_not_required(worker, referral):
    """CIN census ICPCnotRequired (N00111): an enquiry ending without a conference."""
    s47 = cp.section47_start(by=worker, referral_id=referral.pk, start_date=REF)
    s47 = cp.section47_record_outcome(by=boss(), rationale=RATIONALE, section47_id=s47.pk, expected_version=1,
                                      end_date=MON_15, outcome="nfa", icpc_not_required=True)
    assert s47.icpc_not_required and s47.version == 2
    # a second enquiry may now start in the same episode (CIN 8839/8890 satisfied)
    cp.section47_start(by=worker, referral_id=referral.pk, start_date=MON_22)


# --- strategy discussions --------------------------------------------------------------------

def test_strategy_discussion_before_referral_refused(worker, referral):
    """Local rule (Working Together 2023: a strategy discussion follows a referral)."""
    refused("local", cp.strategy_discussion_record, by=worker, referral_id=referral.pk,
            held_on=D(2024, 1, 1), s47_initiated=True)


def test_strategy_discussion_in_future_refused(worker, referral):
    """Local rule: a meeting that has not happened cannot be recorded as held."""
    refused("local", cp.strategy_discussion_record, by=worker, referral_id=referral.pk,
            held_on=dt.date.today() + dt.timedelta(days=1), s47_initiated=False)


# --- section 47 ------------------------------------------------------------------------------

def test_s47_before_referral_refused(worker, referral):
    """CIN census rule 2889: the S47 start date cannot be before the referral date."""
    refused("CIN 2889", cp.section47_start, by=worker, referral_id=referral.pk,
            start_date=D(2024, 1, 5))


def test_s47_after_closure_refused(worker, referral):
    """CIN census rule 8565: activity shown after a case has been closed."""
    close(referral, D(2024, 2, 1))
    refused("CIN 8565", cp.section47_start, by=worker, referral_id=referral.pk,
            start_date=D(2024, 2, 2))


def test_s47_in_future_refused(worker, referral):
    """Local rule: an enquiry cannot start in the future."""
    refused("local", cp.section47_start, by=worker, referral_id=referral.pk,
            start_date=dt.date.today() + dt.timedelta(days=1))


def test_s47_on_nfa_referral_refused(worker, referral):
    """CIN census rule 8831: activity recorded against a referral with no further action."""
    Referral.objects.filter(pk=referral.pk).update(referral_nfa=True)
    refused("CIN 8831", cp.section47_start, by=worker, referral_id=referral.pk, start_date=REF)


def test_s47_on_rc8_episode_refused(worker, referral):
    """CIN census rule 2990: activity on a case closed after assessment, no further action."""
    close(referral, D(2024, 3, 1), "RC8")
    refused("CIN 2990", cp.section47_start, by=worker, referral_id=referral.pk,
            start_date=D(2024, 1, 10))


def test_s47_strategy_discussion_from_other_referral_refused(worker, child, referral):
    """Local rule: the strategy discussion must belong to the same episode of need."""
    other = Referral.objects.create(child=child, referral_date=D(2023, 6, 1), source="6")
    sd = StrategyDiscussion.objects.create(referral=other, held_on=D(2023, 6, 1),
                                           s47_initiated=True)
    refused("local", cp.section47_start, by=worker, referral_id=referral.pk, start_date=REF,
            strategy_discussion_id=sd.pk)


def test_s47_strategy_discussion_after_start_refused(worker, referral):
    """Local rule (T05 clock start): the strategy discussion precedes the S47 it started."""
    sd = StrategyDiscussion.objects.create(referral=referral, held_on=D(2024, 1, 10),
                                           s47_initiated=True)
    refused("local", cp.section47_start, by=worker, referral_id=referral.pk,
            start_date=D(2024, 1, 9), strategy_discussion_id=sd.pk)


def test_second_open_s47_refused(worker, referral):
    """CIN census rule 8839: two or more open S47 enquiries in one CINdetails group."""
    cp.section47_start(by=worker, referral_id=referral.pk, start_date=REF)
    refused("CIN 8839", cp.section47_start, by=worker, referral_id=referral.pk,
            start_date=D(2024, 1, 10))


def test_s47_starting_while_another_runs_to_its_icpc_refused(worker, referral):
    """CIN census rule 8890: an S47 starts while another S47 is ongoing (start to ICPC)."""
    s47_with_icpc(worker, referral, start=D(2024, 1, 9), icpc=MON_15)
    exc = refused("CIN 8890", cp.section47_start, by=worker, referral_id=referral.pk,
                  start_date=D(2024, 1, 12))
    assert "CIN 8839" not in exc.rules


def test_s47_outcome_icpc_not_required_after_icpc_refused(worker, referral):
    """CIN census rule 8868: S47 with both an ICPC date and 'ICPC not required'."""
    s47, _ = s47_with_icpc(worker, referral)
    refused("CIN 8868", cp.section47_record_outcome, by=boss(), rationale=RATIONALE, section47_id=s47.pk,
            expected_version=s47.version, end_date=MON_15, outcome="nfa",
            icpc_not_required=True)


def test_s47_outcome_contradicting_flag_refused(worker, referral):
    """Local rule: outcome 'no conference' must carry ICPCnotRequired (CIN N00111)."""
    s47 = cp.section47_start(by=worker, referral_id=referral.pk, start_date=REF)
    refused("local", cp.section47_record_outcome, by=boss(), rationale=RATIONALE, section47_id=s47.pk,
            expected_version=1, end_date=MON_15, outcome="cin", icpc_not_required=False)


def test_s47_outcome_before_start_refused(worker, referral):
    """Local rule: an enquiry cannot end before it started."""
    s47 = cp.section47_start(by=worker, referral_id=referral.pk, start_date=MON_15)
    refused("local", cp.section47_record_outcome, by=boss(), rationale=RATIONALE, section47_id=s47.pk,
            expected_version=1, end_date=D(2024, 1, 10), outcome="nfa", icpc_not_required=True)


def test_s47_outcome_edit_conflict(worker, referral):
    """Two workers record the outcome from the same version: the second is refused."""
    s47 = cp.section47_start(by=worker, referral_id=referral.pk, start_date=REF)
    cp.section47_record_outcome(by=boss(), rationale=RATIONALE, section47_id=s47.pk, expected_version=1,
                                end_date=MON_15, outcome="nfa", icpc_not_required=True)
    with pytest.raises(EditConflict):
        cp.section47_record_outcome(by=boss(), rationale=RATIONALE, section47_id=s47.pk, expected_version=1,
                                    end_date=MON_22, outcome="cin", icpc_not_required=True)
    s47.refresh_from_db()
    assert (s47.end_date, s47.outcome) == (MON_15, "nfa")


# --- conferences -----------------------------------------------------------------------------

def test_icpc_before_referral_refused(worker, child):
    """CIN census rule 1104: the ICPC date cannot be before the referral date."""
    ref = Referral.objects.create(child=child, referral_date=MON_15, source="6")
    s47 = Section47Enquiry.objects.create(referral=ref, start_date=D(2024, 1, 9))
    refused("CIN 1104", cp.conference_record, by=chair(), chair=chair(), referral_id=ref.pk, kind="initial",
            held_on=D(2024, 1, 10), section47_id=s47.pk, plan_required=True)


def test_icpc_after_closure_refused(worker, referral):
    """CIN census rule 8565: DateOfInitialCPC after the case was closed."""
    s47 = cp.section47_start(by=worker, referral_id=referral.pk, start_date=REF)
    close(referral, D(2024, 1, 12))
    refused("CIN 8565", cp.conference_record, by=chair(), chair=chair(), referral_id=referral.pk,
            kind="initial", held_on=MON_15, section47_id=s47.pk, plan_required=False)


def test_icpc_on_weekend_refused(worker, referral):
    """CIN census rule 8875: the date of an ICPC cannot be a weekend."""
    s47 = cp.section47_start(by=worker, referral_id=referral.pk, start_date=REF)
    refused("CIN 8875", cp.conference_record, by=chair(), chair=chair(), referral_id=referral.pk,
            kind="initial", held_on=SAT_13, section47_id=s47.pk, plan_required=True)


def test_icpc_for_s47_marked_not_required_refused(worker, referral):
    """CIN census rule 8868: ICPC date and ICPCnotRequired on the same S47."""
    s47 = cp.section47_start(by=worker, referral_id=referral.pk, start_date=REF)
    cp.section47_record_outcome(by=boss(), rationale=RATIONALE, section47_id=s47.pk, expected_version=1,
                                end_date=D(2024, 1, 10), outcome="nfa", icpc_not_required=True)
    refused("CIN 8868", cp.conference_record, by=chair(), chair=chair(), referral_id=referral.pk,
            kind="initial", held_on=MON_15, section47_id=s47.pk, plan_required=True)


def test_icpc_before_s47_start_refused(worker, referral):
    """Local rule (DfE excludes ICPCs dated before the S47 start, CIN C4 / metric 3217)."""
    s47 = cp.section47_start(by=worker, referral_id=referral.pk, start_date=MON_15)
    refused("local", cp.conference_record, by=chair(), chair=chair(), referral_id=referral.pk, kind="initial",
            held_on=D(2024, 1, 10), section47_id=s47.pk, plan_required=True)


def test_icpc_without_s47_refused(worker, referral):
    """Local rule: an initial conference follows a section 47 enquiry (CIN Section47 module)."""
    refused("local", cp.conference_record, by=chair(), chair=chair(), referral_id=referral.pk, kind="initial",
            held_on=MON_15, plan_required=True)


def test_icpc_on_nfa_referral_refused(worker, referral):
    """CIN census rule 8831: DateOfInitialCPC on a referral with no further action."""
    s47 = Section47Enquiry.objects.create(referral=referral, start_date=REF)
    Referral.objects.filter(pk=referral.pk).update(referral_nfa=True)
    refused("CIN 8831", cp.conference_record, by=chair(), chair=chair(), referral_id=referral.pk,
            kind="initial", held_on=MON_15, section47_id=s47.pk, plan_required=True)


def test_transfer_in_without_notification_refused(worker, referral):
    """Local rule (T06 clock starts at written notification from the transferring LA)."""
    refused("local", cp.conference_record, by=chair(), chair=chair(), referral_id=referral.pk,
            kind="transfer_in", held_on=MON_22, plan_required=True)


def test_review_on_plan_start_day_refused(worker, referral):
    """CIN census rule 8841: a review cannot be on or before the CP plan start date."""
    plan = plan_from_icpc(worker, referral)
    refused("CIN 8841", cp.conference_record, by=chair(), chair=chair(), referral_id=referral.pk,
            kind="review", held_on=MON_15, cp_plan_id=plan.pk)


def test_review_without_plan_refused(worker, referral):
    """Local rule (T08): a review conference reviews a CP plan."""
    refused("local", cp.conference_record, by=chair(), chair=chair(), referral_id=referral.pk, kind="review",
            held_on=MON_22)


def test_review_of_ended_plan_refused(worker, referral):
    """Local rule (T08): no reviews once the plan has ended."""
    plan = plan_from_icpc(worker, referral)
    cp.cp_plan_end(by=chair(), end_reason="no_longer_at_risk", cp_plan_id=plan.pk,
                   expected_version=plan.version,
                   end_date=D(2024, 2, 1))
    refused("local", cp.conference_record, by=chair(), chair=chair(), referral_id=referral.pk, kind="review",
            held_on=D(2024, 3, 1), cp_plan_id=plan.pk)


def test_review_during_open_cin_plan_refused(worker, referral):
    """CIN census rule 4003: a CPP review date falls inside an open CIN plan."""
    plan = plan_from_icpc(worker, referral)
    CINPlan.objects.create(referral=referral, start_date=D(2024, 2, 1))
    refused("CIN 4003", cp.conference_record, by=chair(), chair=chair(), referral_id=referral.pk,
            kind="review", held_on=D(2024, 3, 1), cp_plan_id=plan.pk)


# --- CP plans --------------------------------------------------------------------------------

def test_plan_invalid_initial_category_refused(worker, referral):
    """CIN census rule 8905: initial category of abuse missing or invalid."""
    s47_with_icpc(worker, referral)
    refused("CIN 8905", cp.cp_plan_start, by=chair(), referral_id=referral.pk,
            start_date=MON_15, initial_category="XYZ")


def test_plan_not_on_conference_date_refused(worker, referral):
    """CIN census rule 2885: CP plan starting a different day to the ICPC."""
    _, conf = s47_with_icpc(worker, referral)
    refused("CIN 2885", cp.cp_plan_start, by=chair(), referral_id=referral.pk,
            start_date=TUE_16, initial_category="NEG", conference_id=conf.pk)


def test_plan_with_no_conference_refused(worker, referral):
    """CIN census rule 2885: no ICPC on the CP plan start date."""
    refused("CIN 2885", cp.cp_plan_start, by=chair(), referral_id=referral.pk,
            start_date=MON_15, initial_category="NEG")


def test_plan_before_referral_refused(worker, child):
    """CIN census rule 1105: CP plan start date cannot be before the referral date."""
    ref = Referral.objects.create(child=child, referral_date=MON_22, source="6")
    refused("CIN 1105", cp.cp_plan_start, by=chair(), referral_id=ref.pk, start_date=MON_15,
            initial_category="NEG")


def test_plan_after_closure_refused(worker, referral):
    """CIN census rule 8565: activity shown after a case has been closed."""
    s47_with_icpc(worker, referral)
    close(referral, D(2024, 1, 12))
    refused("CIN 8565", cp.cp_plan_start, by=chair(), referral_id=referral.pk,
            start_date=MON_15, initial_category="NEG")


def test_plan_on_nfa_referral_refused(worker, referral):
    """CIN census rule 8832: child protection details for a referral with no further action."""
    s47_with_icpc(worker, referral)
    Referral.objects.filter(pk=referral.pk).update(referral_nfa=True)
    refused("CIN 8832", cp.cp_plan_start, by=chair(), referral_id=referral.pk,
            start_date=MON_15, initial_category="NEG")


def test_plan_on_rc8_episode_refused(worker, referral):
    """CIN census rule 2990: CP plan on a case closed after assessment, no further action."""
    s47_with_icpc(worker, referral)
    close(referral, D(2024, 3, 1), "RC8")
    refused("CIN 2990", cp.cp_plan_start, by=chair(), referral_id=referral.pk,
            start_date=MON_15, initial_category="NEG")


def test_second_open_plan_refused(worker, child, referral):
    """CIN census rule 8935: more than one open CP plan for the child."""
    plan_from_icpc(worker, referral)
    other = Referral.objects.create(child=child, referral_date=D(2024, 2, 1), source="6")
    conf = Conference.objects.create(referral=other, kind="transfer_in", held_on=D(2024, 2, 5),
                                     notification_date=D(2024, 2, 1), plan_required=True)
    refused("CIN 8935", cp.cp_plan_start, by=chair(), referral_id=other.pk,
            start_date=D(2024, 2, 5), initial_category="NEG", conference_id=conf.pk)


def test_overlapping_plan_refused(worker, child, referral):
    """CIN census rule 8940: CP plan data contains overlapping dates (start on the previous
    plan's end date counts as overlapping)."""
    ChildProtectionPlan.objects.create(referral=referral, start_date=D(2023, 6, 1),
                                       end_date=MON_15, initial_category="NEG",
                                       latest_category="NEG")
    s47_with_icpc(worker, referral)
    exc = refused("CIN 8940", cp.cp_plan_start, by=chair(), referral_id=referral.pk,
                  start_date=MON_15, initial_category="NEG")
    assert "CIN 8935" not in exc.rules


def test_plan_starting_inside_cin_plan_refused(worker, referral):
    """CIN census rule 4017: a CP plan starts while a CIN plan is open."""
    CINPlan.objects.create(referral=referral, start_date=REF, end_date=D(2024, 2, 1))
    s47_with_icpc(worker, referral)
    exc = refused("CIN 4017", cp.cp_plan_start, by=chair(), referral_id=referral.pk,
                  start_date=MON_15, initial_category="NEG")
    assert "CIN 4001" not in exc.rules


def test_plan_alongside_open_cin_plan_refused(worker, referral):
    """CIN census rule 4001: a CIN plan cannot run concurrently with a CP plan."""
    CINPlan.objects.create(referral=referral, start_date=REF)
    s47_with_icpc(worker, referral)
    refused("CIN 4001", cp.cp_plan_start, by=chair(), referral_id=referral.pk,
            start_date=MON_15, initial_category="NEG")


def test_plan_may_start_on_cin_plan_end_date(worker, referral):
    """CIN census rule 4017 exception: CPP start equal to the CIN plan end date is allowed."""
    CINPlan.objects.create(referral=referral, start_date=REF, end_date=MON_15)
    plan = plan_from_icpc(worker, referral)
    assert plan.start_date == MON_15


def test_negative_previous_plans_refused(worker, referral):
    """CIN census rule 8730: NumberOfPreviousCPP must be zero or more."""
    s47_with_icpc(worker, referral)
    refused("CIN 8730", cp.cp_plan_start, by=chair(), referral_id=referral.pk,
            start_date=MON_15, initial_category="NEG", number_of_previous_cpp=-1)


def test_change_to_invalid_latest_category_refused(worker, referral):
    """CIN census rule 8910: latest category of abuse missing or invalid."""
    plan = plan_from_icpc(worker, referral)
    refused("CIN 8910", cp.cp_plan_change_category, by=worker, cp_plan_id=plan.pk,
            expected_version=plan.version, latest_category="")


def test_change_category_edit_conflict(worker, referral):
    """Two users change the category from the same version: the second is refused."""
    plan = plan_from_icpc(worker, referral)
    v = plan.version
    cp.cp_plan_change_category(by=worker, cp_plan_id=plan.pk, expected_version=v,
                               latest_category="PHY")
    with pytest.raises(EditConflict):
        cp.cp_plan_change_category(by=worker, cp_plan_id=plan.pk, expected_version=v,
                                   latest_category="SAB")
    plan.refresh_from_db()
    assert plan.latest_category == "PHY"


def test_plan_end_before_start_refused(worker, referral):
    """CIN census rule 8925: CP plan end date earlier than start date."""
    plan = plan_from_icpc(worker, referral)
    refused("CIN 8925", cp.cp_plan_end, by=chair(), end_reason="no_longer_at_risk", cp_plan_id=plan.pk,
            expected_version=plan.version, end_date=D(2024, 1, 10))


def test_plan_end_same_day_refused(worker, referral):
    """CIN census rule 8840: a CP plan cannot start and end on the same day."""
    plan = plan_from_icpc(worker, referral)
    refused("CIN 8840", cp.cp_plan_end, by=chair(), end_reason="no_longer_at_risk", cp_plan_id=plan.pk,
            expected_version=plan.version, end_date=MON_15)


def test_plan_end_in_future_refused(worker, referral):
    """Local rule: a plan cannot be recorded as ended in the future."""
    plan = plan_from_icpc(worker, referral)
    refused("local", cp.cp_plan_end, by=chair(), end_reason="no_longer_at_risk", cp_plan_id=plan.pk,
            expected_version=plan.version, end_date=dt.date.today() + dt.timedelta(days=1))


def test_plan_end_after_closure_refused(worker, referral):
    """CIN census rule 8565: CPPendDate after the CIN closure date."""
    plan = plan_from_icpc(worker, referral)
    close(referral, D(2024, 2, 1))
    refused("CIN 8565", cp.cp_plan_end, by=chair(), end_reason="no_longer_at_risk", cp_plan_id=plan.pk,
            expected_version=plan.version, end_date=D(2024, 2, 2))


def test_plan_end_leaving_cin_plan_inside_refused(worker, referral):
    """CIN census rule 4016: a CIN plan reported as open at the same time as a CP plan."""
    plan = plan_from_icpc(worker, referral)
    CINPlan.objects.create(referral=referral, start_date=D(2024, 2, 1))
    refused("CIN 4016", cp.cp_plan_end, by=chair(), end_reason="no_longer_at_risk", cp_plan_id=plan.pk,
            expected_version=plan.version, end_date=D(2024, 3, 1))


def test_plan_end_overlapping_later_plan_refused(worker, child, referral):
    """CIN census rule 8940: moving an end date onto a later plan makes the plans overlap."""
    plan = plan_from_icpc(worker, referral)
    cp.cp_plan_end(by=chair(), end_reason="no_longer_at_risk", cp_plan_id=plan.pk,
                   expected_version=plan.version,
                   end_date=D(2024, 2, 1))
    ChildProtectionPlan.objects.create(referral=referral, start_date=D(2024, 3, 1),
                                       initial_category="NEG", latest_category="NEG")
    plan.refresh_from_db()
    refused("CIN 8940", cp.cp_plan_end, by=chair(), end_reason="no_longer_at_risk", cp_plan_id=plan.pk,
            expected_version=plan.version, end_date=D(2024, 3, 1))


def test_plan_end_before_recorded_review_refused(worker, referral):
    """Local rule (T08): a plan cannot end before a review already held on it."""
    plan = plan_from_icpc(worker, referral)
    cp.conference_record(by=chair(), chair=chair(), referral_id=referral.pk, kind="review",
                         held_on=D(2024, 4, 8), cp_plan_id=plan.pk)
    refused("local", cp.cp_plan_end, by=chair(), end_reason="no_longer_at_risk", cp_plan_id=plan.pk,
            expected_version=plan.version, end_date=D(2024, 3, 1))


def test_plan_end_edit_conflict(worker, referral):
    """Two users end the plan from the same version: the second is refused."""
    plan = plan_from_icpc(worker, referral)
    v = plan.version
    cp.cp_plan_end(by=chair(), end_reason="no_longer_at_risk", cp_plan_id=plan.pk, expected_version=v,
                   end_date=D(2024, 2, 1))
    with pytest.raises(EditConflict):
        cp.cp_plan_end(by=chair(), end_reason="no_longer_at_risk", cp_plan_id=plan.pk,
                       expected_version=v, end_date=D(2024, 3, 1))
    plan.refresh_from_db()
    assert plan.end_date == D(2024, 2, 1)


# --- core groups -----------------------------------------------------------------------------

def test_core_group_before_plan_refused(worker, referral):
    """Local rule (T07): the core group meets after the ICPC that set up the plan."""
    plan = plan_from_icpc(worker, referral)
    refused("local", cp.core_group_record, by=worker, cp_plan_id=plan.pk,
            held_on=D(2024, 1, 12))


def test_core_group_after_plan_end_refused(worker, referral):
    """Local rule (T07): no core group once the plan has ended."""
    plan = plan_from_icpc(worker, referral)
    cp.cp_plan_end(by=chair(), end_reason="no_longer_at_risk", cp_plan_id=plan.pk,
                   expected_version=plan.version,
                   end_date=D(2024, 2, 1))
    refused("local", cp.core_group_record, by=worker, cp_plan_id=plan.pk,
            held_on=D(2024, 2, 5))


# --- further local rules ---------------------------------------------------------------------

def test_s47_from_discussion_that_did_not_initiate_it_refused(worker, referral):
    """Local rule (T05): the ICPC clock runs from the discussion that initiated S47 enquiries."""
    sd = cp.strategy_discussion_record(by=worker, referral_id=referral.pk, held_on=REF,
                                       s47_initiated=False)
    refused("local", cp.section47_start, by=worker, referral_id=referral.pk, start_date=TUE_9,
            strategy_discussion_id=sd.pk)


def test_second_icpc_for_same_s47_refused(worker, referral):
    """Local rule: one DateOfInitialCPC per Section47 group (CIN census Section47 module)."""
    s47, _ = s47_with_icpc(worker, referral, plan_required=False)
    refused("local", cp.conference_record, by=chair(), chair=chair(), referral_id=referral.pk, kind="initial",
            held_on=MON_22, section47_id=s47.pk, plan_required=True)


def test_icpc_while_child_on_plan_refused(worker, referral):
    """Local rule (INDICATORS T05 edge case e): a child already on a plan gets a review."""
    plan_from_icpc(worker, referral)
    s47 = Section47Enquiry.objects.create(referral=referral, start_date=MON_22,
                                          icpc_not_required=False)
    refused("local", cp.conference_record, by=chair(), chair=chair(), referral_id=referral.pk, kind="initial",
            held_on=D(2024, 1, 24), section47_id=s47.pk, plan_required=True)


def test_plan_from_conference_that_decided_no_plan_refused(worker, referral):
    """Local rule (Annex A List 5: 'did the ICPC result in a CP plan')."""
    _, conf = s47_with_icpc(worker, referral, plan_required=False)
    refused("local", cp.cp_plan_start, by=chair(), referral_id=referral.pk, start_date=MON_15,
            initial_category="NEG", conference_id=conf.pk)
