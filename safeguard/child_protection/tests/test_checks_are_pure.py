"""The child protection checks read only a loaded ChildHistory: zero queries, same rules.

The synthetic council generator runs these very checks on records held in memory, so each test
loads the history, then runs a check on a bad candidate with the database forbidden."""

from __future__ import annotations

import ast
import datetime as dt
import inspect

import pytest

from safeguard.access import policy
from safeguard.assessment.models import CINPlan
from safeguard.child_protection import checks as cpc
from safeguard.child_protection import services as cp
from safeguard.child_protection.models import (
    ChildProtectionPlan,
    Conference,
    EmergencyOrder,
    PreProceedings,
    Section47Enquiry,
)
from safeguard.core.errors import Checks
from safeguard.front_door.models import Referral
from safeguard.record.history import ChildHistory, edited

D = dt.date
REF = D(2024, 1, 8)  # Monday
ICPC = D(2024, 1, 15)  # Monday


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


@pytest.fixture
def plan(worker, referral):
    s47 = cp.section47_start(by=worker, referral_id=referral.pk, start_date=D(2024, 1, 9))
    cp.conference_record(by=chair(), chair=chair(), referral_id=referral.pk, kind="initial", held_on=ICPC,
                         section47_id=s47.pk, plan_required=True)
    return cp.cp_plan_start(by=chair(), referral_id=referral.pk, start_date=ICPC,
                            initial_category="NEG")


def rules_without_queries(django_assert_num_queries, check, history, candidate, **context):
    checks = Checks()
    with django_assert_num_queries(0):
        check(history, candidate, checks, **context)
    return {v.rule for v in checks.violations}


def test_second_s47_awaiting_icpc_is_checked_in_memory(worker, referral,
                                                       django_assert_num_queries):
    """CIN census rules 8839 and 8890 (one S47 awaiting its ICPC; no overlapping S47s)."""
    cp.section47_start(by=worker, referral_id=referral.pk, start_date=D(2024, 1, 9))
    history = ChildHistory.load(referral.child_id)
    candidate = Section47Enquiry(referral_id=referral.pk, start_date=D(2024, 1, 10))
    rules = rules_without_queries(django_assert_num_queries, cpc.check_section47_start,
                                  history, candidate)
    assert {"CIN 8839", "CIN 8890"} <= rules


def test_an_s47_a_later_census_keeps_open_ends_within_its_episode(worker, referral,
                                                                  django_assert_num_queries):
    """The CIN census carries no end date for an S47 enquiry that needed no ICPC: one a later
    census returns was still open on that year's first day, which the importer keeps as its end.
    That end must not precede the enquiry's start nor follow its episode's closure."""
    cp.section47_start(by=worker, referral_id=referral.pk, start_date=D(2024, 1, 9))
    history = ChildHistory.load(referral.child_id)
    held = history.section47s[0]
    year_began = edited(held, end_date=D(2024, 4, 1), icpc_not_required=True)

    def messages(candidate) -> list[str]:
        checks = Checks()
        with django_assert_num_queries(0):
            cpc.check_section47_still_open(history, candidate, checks)
        return [f"{v.field} {v.rule}: {v.message}" for v in checks.violations]

    assert messages(year_began) == []
    assert messages(edited(year_began, end_date=D(2024, 1, 8))) == [
        "end_date local: the S47 end date cannot be before its start date"]
    history.replace(edited(history.referrals[0], closure_date=D(2024, 3, 1)))
    assert messages(year_began) == [
        "end_date local: the S47 end date cannot be after the episode closed"]


def test_weekend_icpc_and_clash_with_plan_are_checked_in_memory(worker, referral, plan,
                                                                django_assert_num_queries):
    """CIN census rule 8875 (ICPC not at a weekend) / Working Together 2023 ch.3; a child already
    on a plan gets a review, not a second initial conference."""
    s47 = cp.section47_start(by=worker, referral_id=referral.pk, start_date=D(2024, 1, 16))
    history = ChildHistory.load(referral.child_id)
    candidate = Conference(referral_id=referral.pk, kind="initial", held_on=D(2024, 1, 20),
                           section47_id=s47.pk, plan_required=True)
    rules = rules_without_queries(django_assert_num_queries, cpc.check_conference_record,
                                  history, candidate)
    assert "CIN 8875" in rules
    assert "local" in rules


def test_review_while_cin_plan_open_is_checked_in_memory(worker, referral, plan,
                                                         django_assert_num_queries):
    """CIN census rule 4003: no CP review while a CIN plan is open."""
    CINPlan.objects.create(referral=referral, start_date=D(2024, 2, 1))
    history = ChildHistory.load(referral.child_id)
    candidate = Conference(referral_id=referral.pk, kind="review", held_on=D(2024, 3, 1),
                           cp_plan_id=plan.pk)
    rules = rules_without_queries(django_assert_num_queries, cpc.check_conference_record,
                                  history, candidate)
    assert "CIN 4003" in rules


def test_second_open_plan_is_checked_in_memory(referral, plan, django_assert_num_queries):
    """CIN census rules 8935 (one open CP plan), 8940 (no overlap) and 2885 (plan starts at the
    deciding conference)."""
    history = ChildHistory.load(referral.child_id)
    candidate = ChildProtectionPlan(referral_id=referral.pk, start_date=D(2024, 1, 12),
                                    initial_category="XYZ", latest_category="XYZ")
    rules = rules_without_queries(django_assert_num_queries, cpc.check_cp_plan_start,
                                  history, candidate, conference_id=None)
    assert {"CIN 8935", "CIN 8940", "CIN 2885", "CIN 8905"} <= rules


def test_plan_end_around_a_cin_plan_is_checked_in_memory(referral, plan,
                                                         django_assert_num_queries):
    """CIN census rules 4016 (no CIN plan starting inside a CP plan) and 8840 (no same-day
    start and end)."""
    CINPlan.objects.create(referral=referral, start_date=D(2024, 2, 1), end_date=D(2024, 2, 2))
    history = ChildHistory.load(referral.child_id)
    candidate = history.for_edit("cp_plans", plan.pk, plan.version)
    candidate.end_date = D(2024, 3, 1)
    rules = rules_without_queries(django_assert_num_queries, cpc.check_cp_plan_end,
                                  history, candidate)
    assert "CIN 4016" in rules
    candidate.end_date = candidate.start_date
    rules = rules_without_queries(django_assert_num_queries, cpc.check_cp_plan_end,
                                  history, candidate)
    assert "CIN 8840" in rules


def test_overlapping_emergency_order_is_checked_in_memory(worker, child,
                                                          django_assert_num_queries):
    """Children Act 1989 s46(6): police protection lasts at most 72 hours, and two orders of
    one kind cannot overlap (local rule; Annex A List 7)."""
    cp.emergency_order_record(by=worker, child_id=child.pk, kind="PPO", start_date=D(2024, 1, 10))
    history = ChildHistory.load(child.pk)
    candidate = EmergencyOrder(child_id=child.pk, kind="PPO", start_date=D(2024, 1, 11),
                               end_date=D(2024, 1, 20))
    checks = Checks()
    with django_assert_num_queries(0):
        cpc.check_emergency_order_record(history, candidate, checks)
    assert {("start_date", "local"), ("end_date", "local")} <= {
        (v.field, v.rule) for v in checks.violations}


def test_pre_proceedings_step_decision_needs_a_manager_in_memory(worker, referral,
                                                                 django_assert_num_queries):
    """Public Law Outline (2014) / Working Together 2023: one undecided pre-proceedings per
    episode, and issuing or stepping down is a manager's decision (local rules)."""
    pp = cp.pre_proceedings_start(by=worker, referral_id=referral.pk, start_date=D(2024, 1, 10))
    history = ChildHistory.load(referral.child_id)
    decider = policy.decider(worker, policy.PRE_PROCEEDINGS_DECISION)  # as the service reads it
    checks = Checks()
    with django_assert_num_queries(0):
        cpc.check_pre_proceedings_start(
            history, PreProceedings(referral_id=referral.pk, start_date=D(2024, 1, 12)), checks)
    assert [(v.field, v.rule) for v in checks.violations] == [("start_date", "local")]
    candidate = history.for_edit("pre_proceedings", pp.pk, pp.version)
    candidate.step_decision_date = D(2024, 1, 20)
    checks = Checks()
    with django_assert_num_queries(0):
        cpc.check_pre_proceedings_update(history, candidate, checks, by=worker,
                                         changed={"step_decision_date"}, decider=decider)
    assert [(v.field, v.rule) for v in checks.violations] == [("step_decision_date", "local")]


def test_checks_module_never_touches_the_orm():
    """Guard for the refactor: no manager or queryset calls in checks.py."""
    tree = ast.parse(inspect.getsource(cpc))
    forbidden = {"objects", "filter", "exclude", "exists", "get", "all", "select_related",
                 "refresh_from_db", "save"}
    used = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    # dict.get on the limits table is the one allowed `.get`
    assert used & forbidden <= {"get"}
    gets = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "get"]
    assert all(isinstance(n.value, ast.Name) and n.value.id == "EMERGENCY_ORDER_MAX_DAYS"
               for n in gets)
