"""The words of a child's plans (CIN, CP, care and pathway plans) and the plan as it stood at each
review: the pure checks, the services (`plan_write`, `plan_review_record`) and the reads."""

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.assessment.models import CINPlan
from safeguard.audit.models import AuditEvent
from safeguard.casework.models import Plan, PlanAction, PlanOutcome, PlanReview
from safeguard.casework.plans import (
    check_plan_review_record,
    check_plan_write,
    plan_as_at,
    plan_of,
    plan_review_record,
    plan_reviews,
    plan_write,
)
from safeguard.child_protection.models import ChildProtectionPlan, Conference, CoreGroupMeeting
from safeguard.core.errors import Checks, EditConflict, RecordInvalid
from safeguard.front_door.models import Referral
from safeguard.looked_after.models import LookedAfterReview, PeriodOfCare
from safeguard.record.history import ChildHistory
from safeguard.workforce.models import User

D = dt.date
REFERRAL_DAY, PLAN_START = D(2024, 1, 10), D(2024, 2, 1)
BORN = D(2015, 6, 1)


# --- the records the plans belong to ---------------------------------------------------------------

def _referral(child) -> Referral:
    return Referral.objects.create(child=child, referral_date=REFERRAL_DAY, source="6")


@pytest.fixture
def cin_plan(child) -> CINPlan:
    return CINPlan.objects.create(referral=_referral(child), start_date=PLAN_START)


@pytest.fixture
def cp_plan(child) -> ChildProtectionPlan:
    return ChildProtectionPlan.objects.create(referral=_referral(child), start_date=PLAN_START,
                                              initial_category="NEG", latest_category="NEG")


@pytest.fixture
def period(child) -> PeriodOfCare:
    return PeriodOfCare.objects.create(child=child, start_date=PLAN_START)


def _actions(n: int = 3) -> list[dict]:
    people = ["Mother", "School nurse", "Social worker", "Father", "Health visitor"]
    return [dict(what=f"Action {i + 1}: attend the appointment", who=people[i % len(people)],
                 by_when=D(2024, 3, 1) + dt.timedelta(days=i), status="not_started",
                 outcome_index=i % 2) for i in range(n)]


def _write(by, child, cin_plan, **fields) -> Plan:
    values = dict(kind="cin", cin_plan_id=cin_plan.pk,
                  contingency="If the home stays unsafe, a strategy discussion is held.",
                  outcomes=["Ada goes to school every day", "The home is warm and safe"],
                  actions=_actions())
    values.update(fields)
    return plan_write(by=by, child_id=child.pk, **values)


def _stored() -> tuple[int, int, int, int, int]:
    return (Plan.objects.count(), PlanOutcome.objects.count(), PlanAction.objects.count(),
            PlanReview.objects.count(), AuditEvent.objects.filter(
                detail__event__in=["plan_write", "plan_review_record"]).count())


def _fields(exc) -> set[str]:
    return {v.field for v in exc.value.violations}


# --- the pure checks -------------------------------------------------------------------------------

class _History:
    """Just what the plan checks read of a child's history."""

    def __init__(self, *, cin_plans=(), cp_plans=(), periods=(), conferences=(), core_groups=(),
                 la_reviews=(), born=BORN):
        self.child = type("Child", (), {"date_of_birth": born})()
        self.cin_plans, self.cp_plans, self.periods = list(cin_plans), list(cp_plans), list(periods)
        self.conferences, self.core_groups = list(conferences), list(core_groups)
        self.la_reviews = list(la_reviews)


def _cin(pk=5, start=PLAN_START, end=None) -> CINPlan:
    return CINPlan(pk=pk, referral_id=1, start_date=start, end_date=end)


def _action(**fields) -> dict:
    values = dict(id=None, what="Take Ada to the dentist", who="Mother", by_when=D(2024, 3, 1),
                  status="not_started", outcome_index=0)
    values.update(fields)
    return values


def _write_violations(plan, history, *, outcomes=None, actions=None, **ids) -> set[tuple[str, str]]:
    checks = Checks()
    check_plan_write(history, plan, checks,
                     outcomes=[dict(id=None, text="Ada is safe at home")] if outcomes is None else outcomes,
                     actions=[_action()] if actions is None else actions, **ids)
    return {(v.field, v.rule) for v in checks.violations}


def test_a_complete_plan_passes():
    """Working Together 2023 ch. 3: a CIN plan sets out outcomes and the actions towards them,
    each with who does it and by when."""
    assert _write_violations(Plan(kind="cin", cin_plan_id=5), _History(cin_plans=[_cin()])) == set()


def test_at_least_one_outcome():
    """Working Together 2023 ch. 3: a plan says what should change for the child."""
    assert _write_violations(Plan(kind="cin", cin_plan_id=5), _History(cin_plans=[_cin()]),
                             outcomes=[], actions=[_action(outcome_index=None)]) == {("outcomes", "local")}
    blank = [dict(id=None, text="  ")]
    assert _write_violations(Plan(kind="cin", cin_plan_id=5), _History(cin_plans=[_cin()]),
                             outcomes=blank) == {("outcomes[0]", "local")}


def test_each_action_says_what_who_and_by_when():
    """Working Together 2023 ch. 3: each action names what is done, who does it and by when;
    the date cannot be before the plan started."""
    actions = [_action(), _action(what=" "), _action(who=""), _action(by_when=None),
               _action(by_when=D(2024, 1, 31)), _action(status="lost"), _action(outcome_index=3)]
    found = _write_violations(Plan(kind="cin", cin_plan_id=5), _History(cin_plans=[_cin()]),
                              actions=actions)
    assert {f for f, _ in found} == {"actions[1].what", "actions[2].who", "actions[3].by_when",
                                     "actions[4].by_when", "actions[5].status",
                                     "actions[6].outcome_index"}


def test_the_linked_record_is_the_childs_and_fits_the_kind():
    """Working Together 2023 ch. 3 / Care Planning Regulations 2010 reg 5: a plan's words belong to
    this child's own CIN plan, CP plan or period of care, and a pathway plan to the child alone
    (Care Leavers (England) Regulations 2010 reg 6)."""
    history = _History(cin_plans=[_cin()])
    assert _write_violations(Plan(kind="cin", cin_plan_id=6), history) == {("cin_plan", "local")}
    assert _write_violations(Plan(kind="cin"), history) == {("cin_plan", "local")}
    assert _write_violations(Plan(kind="cp", cin_plan_id=5), history) == \
        {("cin_plan", "local"), ("cp_plan", "local")}
    history.child.date_of_birth = D(2005, 6, 1)
    assert _write_violations(Plan(kind="pathway", period_of_care_id=2), history) == \
        {("period_of_care", "local")}
    assert _write_violations(Plan(kind="weekly"), history) == {("kind", "local")}


def test_unknown_or_repeated_ids_are_refused():
    """Issue: existing outcomes and actions are matched by their key; a key not on this plan is
    refused rather than quietly added."""
    found = _write_violations(Plan(kind="cin", cin_plan_id=5), _History(cin_plans=[_cin()]),
                              outcomes=[dict(id=9, text="Safe")],
                              actions=[_action(id=4), _action(id=4), _action(id=8)],
                              outcome_ids=frozenset({1}), action_ids=frozenset({4}))
    assert {f for f, _ in found} == {"outcomes[0].id", "actions[1].id", "actions[2].id"}


def test_pathway_plan_actions_not_before_the_16th_birthday():
    """Care Leavers (England) Regulations 2010 reg 6 / Children Act 1989 Sch 2 para 19B: a pathway
    plan is for a young person of 16 or over, so nothing in it falls due before then."""
    history = _History(born=D(2008, 2, 29))
    ok = _write_violations(Plan(kind="pathway"), history, actions=[_action(by_when=D(2024, 3, 1))])
    assert ok == set()
    early = _write_violations(Plan(kind="pathway"), history, actions=[_action(by_when=D(2024, 2, 28))])
    assert early == {("actions[0].by_when", "local")}


def _review_violations(review, plan, history, updates=(), action_ids=frozenset({1, 2})):
    checks = Checks()
    check_plan_review_record(history, review, checks, plan=plan, updates=list(updates),
                             action_ids=action_ids)
    return {(v.field, v.rule) for v in checks.violations}


def _review(**fields) -> PlanReview:
    values = dict(held_on=D(2024, 5, 1), meeting_kind="cin_review", progress="Good progress.")
    values.update(fields)
    return PlanReview(**values)


def test_review_at_a_meeting_that_reviews_this_kind_of_plan():
    """Working Together 2023 ch. 3: a CIN plan is reviewed at CIN reviews, a CP plan by the core
    group and at review conferences; Care Planning Regulations 2010 Part 6: a care plan at the
    looked-after review."""
    history, plan = _History(cin_plans=[_cin()]), Plan(kind="cin", cin_plan_id=5)
    assert _review_violations(_review(), plan, history) == set()
    assert _review_violations(_review(meeting_kind="core_group"), plan, history) == \
        {("meeting_kind", "local")}
    assert _review_violations(_review(meeting_kind="tea"), plan, history) == {("meeting_kind", "local")}
    assert _review_violations(_review(progress=" "), plan, history) == {("progress", "local")}


def test_review_within_the_plans_life():
    """Working Together 2023 ch. 3: a review reviews a plan in force: not before it began, not
    after it ended, not in the future."""
    history = _History(cin_plans=[_cin(end=D(2024, 6, 1))])
    plan = Plan(kind="cin", cin_plan_id=5)
    for day in (D(2024, 1, 31), D(2024, 6, 2), None):
        assert _review_violations(_review(held_on=day), plan, history) == {("held_on", "local")}


def test_review_updates_name_the_action():
    """Issue: each review records progress against each action; an action not on the plan, given
    twice or with an unknown status is refused by its position."""
    history, plan = _History(cin_plans=[_cin()]), Plan(kind="cin", cin_plan_id=5)
    updates = [dict(action_id=1, status="done", progress=""), dict(action_id=7, status="done"),
               dict(action_id=1, status="done"), dict(action_id=2, status="finished")]
    assert _review_violations(_review(), plan, history, updates) == {
        ("action_updates[1].action_id", "local"), ("action_updates[2].action_id", "local"),
        ("action_updates[3].status", "local")}


def test_the_meeting_named_is_this_childs_about_this_plan_and_on_the_day():
    """Working Together 2023 ch. 3: a core group reviews the CP plan it was convened for."""
    cp = ChildProtectionPlan(pk=3, referral_id=1, start_date=PLAN_START)
    ours = CoreGroupMeeting(pk=11, cp_plan_id=3, held_on=D(2024, 3, 5))
    other = CoreGroupMeeting(pk=12, cp_plan_id=4, held_on=D(2024, 3, 5))
    history, plan = _History(cp_plans=[cp], core_groups=[ours, other]), Plan(kind="cp", cp_plan_id=3)
    named = dict(meeting_kind="core_group", meeting_label="child_protection.CoreGroupMeeting",
                 held_on=D(2024, 3, 5))
    assert _review_violations(_review(meeting_id=11, **named), plan, history) == set()
    assert _review_violations(_review(meeting_id=12, **named), plan, history) == {("meeting", "local")}
    assert _review_violations(_review(meeting_id=99, **named), plan, history) == {("meeting", "local")}
    moved = dict(named, held_on=D(2024, 3, 6))
    assert _review_violations(_review(meeting_id=11, **moved), plan, history) == {("held_on", "local")}
    assert _review_violations(_review(meeting_id=None, **named), plan, history) == {("meeting", "local")}
    wrong_kind = dict(named, meeting_kind="review_conference")
    assert _review_violations(_review(meeting_id=11, **wrong_kind), plan, history) == \
        {("meeting_kind", "local")}


def test_checks_run_without_queries(django_assert_num_queries, worker, child, cin_plan):
    """ARCHITECTURE.md: checks read the history they are handed and never the database."""
    history = ChildHistory.load(child.pk, lock=False)
    plan = Plan(kind="cin", cin_plan_id=cin_plan.pk)
    with django_assert_num_queries(0):
        checks = Checks()
        check_plan_write(history, plan, checks, outcomes=[dict(id=None, text="Safe")],
                         actions=[_action()])
        check_plan_review_record(history, _review(), checks, plan=plan, updates=[],
                                 action_ids=frozenset())
    assert checks.violations == []


# --- writing and revising ------------------------------------------------------------------------

def test_write_a_cin_plan(worker, child, cin_plan):
    """Working Together 2023 ch. 3: the CIN plan's outcomes, actions (what, who, by when, status)
    and contingency are recorded on the child's record, credited to who wrote them."""
    plan = _write(worker, child, cin_plan)
    assert (plan.kind, plan.cin_plan_id, plan.version, plan.recorded_by) == ("cin", cin_plan.pk, 1, worker)
    view = plan_of(child.pk, "cin", cin_plan_id=cin_plan.pk)
    assert [o.outcome.text for o in view.outcomes] == ["Ada goes to school every day",
                                                        "The home is warm and safe"]
    assert [[a.who for a in o.actions] for o in view.outcomes] == [["Mother", "Social worker"],
                                                                    ["School nurse"]]
    assert [a.status for a in view.actions] == ["not_started"] * 3
    assert view.plan.contingency.startswith("If the home stays unsafe")
    assert all(a.recorded_by == worker for a in view.actions)


def test_audit_in_the_one_shape_without_the_words(worker, child, cin_plan):
    """ARCHITECTURE.md "The audit's one shape": a row per record; the plan's words and the names
    of who does what never go into the append-only audit (UK GDPR art. 5(1)(c))."""
    _write(worker, child, cin_plan, actions=[dict(_actions(1)[0], who="Ms Tanaka")])
    rows = list(AuditEvent.objects.filter(detail__event="plan_write").order_by("pk"))
    assert [r.object_type for r in rows] == ["casework.Plan", "casework.PlanOutcome",
                                             "casework.PlanOutcome", "casework.PlanAction"]
    assert all(r.child_id == child.pk and r.actor == worker for r in rows)
    dumped = json.dumps([r.detail for r in rows])
    assert "Tanaka" not in dumped and "school every day" not in dumped and "strategy" not in dumped


def test_revise_the_plan(worker, child, cin_plan):
    """Issue: a plan is revised in one change: outcomes and actions given with their key are edited
    in place, new ones added, those left out marked removed (corrections, never deletions)."""
    plan = _write(worker, child, cin_plan)
    view = plan_of(child.pk, "cin")
    first, second = view.outcomes
    a1, a2, a3 = view.actions
    revised = plan_write(
        by=worker, child_id=child.pk, kind="cin", cin_plan_id=cin_plan.pk,
        expected_version=plan.version, contingency="Strategy discussion within a day.",
        outcomes=[dict(id=second.outcome.pk, text="The home is warm, safe and clean"),
                  "Ada sees the dentist"],
        actions=[dict(id=a2.pk, what=a2.what, who=a2.who, by_when=D(2024, 4, 1), status="in_progress",
                      outcome_index=0),
                 dict(id=a1.pk, what=a1.what, who=a1.who, by_when=a1.by_when, status=a1.status,
                      outcome_index=1),
                 dict(what="Book the dentist", who="Mother", by_when=D(2024, 3, 20),
                      status="not_started", outcome_index=1)])
    assert revised.version == 2
    view = plan_of(child.pk, "cin")
    assert [o.outcome.text for o in view.outcomes] == ["The home is warm, safe and clean",
                                                        "Ada sees the dentist"]
    assert view.outcomes[0].outcome.pk == second.outcome.pk
    assert [(a.pk, a.status) for a in view.outcomes[0].actions] == [(a2.pk, "in_progress")]
    assert [a.what for a in view.outcomes[1].actions] == [a1.what, "Book the dentist"]
    assert PlanOutcome.objects.get(pk=first.outcome.pk).removed
    assert PlanAction.objects.get(pk=a3.pk).removed
    assert PlanAction.objects.count() == 4 and PlanOutcome.objects.count() == 3  # nothing deleted
    assert PlanAction.objects.get(pk=a2.pk).history.count() == 2


def test_outcomes_given_as_words_keep_their_record(worker, child, cin_plan):
    """Issue: a plan posted again as words keeps the outcomes it already had (no removal and
    re-adding of the same outcome)."""
    plan = _write(worker, child, cin_plan)
    before = set(PlanOutcome.objects.values_list("pk", flat=True))
    _write(worker, child, cin_plan, expected_version=plan.version,
           actions=[dict(a, id=a_pk) for a, a_pk in
                    zip(_actions(), PlanAction.objects.order_by("pk").values_list("pk", flat=True),
                        strict=True)])
    assert set(PlanOutcome.objects.filter(removed=False).values_list("pk", flat=True)) == before
    assert not PlanAction.objects.filter(removed=True).exists()


def test_stale_or_doubled_writes_are_refused(worker, child, cin_plan):
    """ARCHITECTURE.md: no silent overwrite: a form built from an older version, or a second "new"
    plan for the same CIN plan, is refused and changes nothing."""
    plan = _write(worker, child, cin_plan)
    _write(worker, child, cin_plan, expected_version=plan.version)
    with pytest.raises(EditConflict):
        _write(worker, child, cin_plan, expected_version=plan.version)
    with pytest.raises(EditConflict):
        _write(worker, child, cin_plan)
    assert Plan.objects.get().version == 2


def test_refused_input_names_the_field_and_stores_nothing(worker, child, cin_plan):
    """Working Together 2023 ch. 3: every action has a by-when date on or after the plan's start;
    a refusal names the action by its position and nothing at all is stored."""
    actions = _actions()
    actions[2]["by_when"] = D(2024, 1, 15)
    with pytest.raises(RecordInvalid) as refused:
        _write(worker, child, cin_plan, actions=actions)
    assert _fields(refused) == {"actions[2].by_when"}
    assert "01/02/2024" in str(refused.value)
    assert _stored() == (0, 0, 0, 0, 0)
    with pytest.raises(RecordInvalid) as refused:
        _write(worker, child, cin_plan, outcomes=[], actions=[])
    assert _fields(refused) == {"outcomes"}
    with pytest.raises(RecordInvalid) as refused:
        _write(worker, child, cin_plan, contingency="x\x00y")
    assert _fields(refused) == {"contingency"}
    assert _stored() == (0, 0, 0, 0, 0)


def test_refused_revision_changes_nothing(worker, child, cin_plan):
    """Issue: a refused revision leaves the plan, its outcomes and actions as they were."""
    plan = _write(worker, child, cin_plan)
    before = (_stored(), list(PlanAction.objects.order_by("pk").values_list("version", "removed")))
    with pytest.raises(RecordInvalid) as refused:
        _write(worker, child, cin_plan, expected_version=plan.version,
               actions=[dict(what="New", who="", by_when=D(2024, 3, 1), status="done", outcome_index=0)])
    assert _fields(refused) == {"actions[0].who"}
    assert (_stored(), list(PlanAction.objects.order_by("pk").values_list("version", "removed"))) == before


def test_the_linked_plan_must_be_this_childs(worker, child, make_child, cin_plan):
    """Working Together 2023 ch. 3: a child's plan is written against that child's own CIN plan."""
    other = make_child(first_name="Ben")
    with pytest.raises(RecordInvalid) as refused:
        _write(worker, other, cin_plan)
    assert _fields(refused) == {"cin_plan"}
    assert _stored() == (0, 0, 0, 0, 0)


def test_only_those_who_may_change_the_record_write_plans(worker, child, cin_plan, la):
    """Access policy: only someone who may change the child's record writes or reviews its plan."""
    analyst = User.objects.create_user(username="an1", password="x", role=User.Role.ANALYST,
                                       local_authority=la)
    with pytest.raises(PermissionDenied):
        _write(analyst, child, cin_plan)
    plan = _write(worker, child, cin_plan)
    with pytest.raises(PermissionDenied):
        plan_review_record(by=analyst, child_id=child.pk, plan_id=plan.pk, held_on=D(2024, 4, 1),
                           meeting_kind="cin_review", progress="Seen", action_updates=[])
    assert PlanReview.objects.count() == 0


# --- reviews and the plan as it stood -------------------------------------------------------------

def test_a_review_keeps_the_plan_as_it_stood(worker, child, cin_plan):
    """Working Together 2023 ch. 3: each review records progress against the plan; the plan as it
    stood at each review is kept, so the earlier review still shows the earlier state after the
    plan is revised and reviewed again."""
    plan = _write(worker, child, cin_plan)
    a1, a2, a3 = plan_of(child.pk, "cin").actions
    first = plan_review_record(
        by=worker, child_id=child.pk, plan_id=plan.pk, held_on=D(2024, 4, 1),
        meeting_kind="cin_review", progress="Attendance is up; the boiler is fixed.",
        action_updates=[dict(action_id=a1.pk, status="done", progress="Went to every appointment"),
                        dict(action_id=a2.pk, status="in_progress", progress="")],
        expected_version=plan.version)
    assert PlanAction.objects.get(pk=a1.pk).status == "done"
    assert PlanAction.objects.get(pk=a2.pk).status == "in_progress"
    assert PlanAction.objects.get(pk=a3.pk).status == "not_started"
    plan.refresh_from_db()
    assert (plan.version, plan.last_reviewed_on) == (2, D(2024, 4, 1))

    plan_write(by=worker, child_id=child.pk, kind="cin", cin_plan_id=cin_plan.pk,
               expected_version=plan.version, contingency="A new contingency.",
               outcomes=["Ada goes to school every day"],
               actions=[dict(id=a2.pk, what="Changed words", who="Father", by_when=D(2024, 6, 1),
                             status="in_progress", outcome_index=0)])
    second = plan_review_record(by=worker, child_id=child.pk, plan_id=plan.pk, held_on=D(2024, 7, 1),
                                meeting_kind="cin_review", progress="Nearly there.",
                                action_updates=[dict(action_id=a2.pk, status="done")])

    then = plan_as_at(first.pk)
    assert then.contingency.startswith("If the home stays unsafe")
    assert [o["text"] for o in then.outcomes] == ["Ada goes to school every day",
                                                   "The home is warm and safe"]
    assert [(a["id"], a["status"], a["status_before"]) for a in then.actions] == [
        (a1.pk, "done", "not_started"), (a2.pk, "in_progress", "not_started"),
        (a3.pk, "not_started", "not_started")]
    assert then.actions[0]["progress"] == "Went to every appointment"
    assert then.actions[1]["who"] == "School nurse" and then.actions[1]["by_when"] == D(2024, 3, 2)
    assert then.plan_version == 2

    now = plan_as_at(second.pk)
    assert now.contingency == "A new contingency."
    assert [(a["id"], a["who"], a["status"]) for a in now.actions] == [(a2.pk, "Father", "done")]
    assert [r.pk for r in plan_reviews(plan.pk)] == [second.pk, first.pk]
    assert plan_of(child.pk, "cin").reviews[0].pk == second.pk


def test_review_audit_keeps_the_words_out(worker, child, cin_plan):
    """ARCHITECTURE.md "The audit's one shape": the review, each action's status change and the
    plan's new version are audited; the snapshot's words and names are not."""
    plan = _write(worker, child, cin_plan)
    a1 = plan_of(child.pk, "cin").actions[0]
    plan_review_record(by=worker, child_id=child.pk, plan_id=plan.pk, held_on=D(2024, 4, 1),
                       meeting_kind="cin_review", progress="Mother engaged well.",
                       action_updates=[dict(action_id=a1.pk, status="done", progress="Kept all")])
    rows = list(AuditEvent.objects.filter(detail__event="plan_review_record").order_by("pk"))
    assert [r.object_type for r in rows] == ["casework.PlanReview", "casework.PlanAction",
                                             "casework.Plan"]
    assert rows[1].detail["changes"] == {"status": ["not_started", "done"]}
    dumped = json.dumps([r.detail for r in rows])
    assert "Mother" not in dumped and "Kept all" not in dumped and "school" not in dumped


def test_refused_review_names_the_field_and_stores_nothing(worker, child, cin_plan):
    """Working Together 2023 ch. 3: a review is dated within the plan's life and says what progress
    was made; a refusal names the field and changes nothing."""
    plan = _write(worker, child, cin_plan)
    a1 = plan_of(child.pk, "cin").actions[0]
    before = (_stored(), list(PlanAction.objects.order_by("pk").values_list("status", "version")))
    with pytest.raises(RecordInvalid) as refused:
        plan_review_record(by=worker, child_id=child.pk, plan_id=plan.pk, held_on=D(2024, 1, 20),
                           meeting_kind="core_group", progress="",
                           action_updates=[dict(action_id=a1.pk, status="done"),
                                           dict(action_id=a1.pk + 100, status="done")])
    assert _fields(refused) == {"held_on", "meeting_kind", "progress", "action_updates[1].action_id"}
    assert (_stored(), list(PlanAction.objects.order_by("pk").values_list("status", "version"))) == before
    with pytest.raises(EditConflict):
        plan_review_record(by=worker, child_id=child.pk, plan_id=plan.pk, held_on=D(2024, 4, 1),
                           meeting_kind="cin_review", progress="Fine", action_updates=[],
                           expected_version=plan.version + 1)


def test_cp_plan_reviewed_by_the_core_group_and_conference(worker, child, cp_plan):
    """Working Together 2023 ch. 3: the core group and the review conference review progress
    against the CP plan; the meeting's record is named and must be about this plan."""
    plan = plan_write(by=worker, child_id=child.pk, kind="cp", cp_plan_id=cp_plan.pk,
                      contingency="Legal planning meeting.", outcomes=["Ada is safe"],
                      actions=[dict(_actions(1)[0], outcome_index=0)])
    meeting = CoreGroupMeeting.objects.create(cp_plan=cp_plan, held_on=D(2024, 2, 20))
    conference = Conference.objects.create(referral=cp_plan.referral, kind="review",
                                           cp_plan=cp_plan, held_on=D(2024, 4, 25))
    core = plan_review_record(by=worker, child_id=child.pk, plan_id=plan.pk, held_on=D(2024, 2, 20),
                              meeting_kind="core_group",
                              meeting_label="child_protection.CoreGroupMeeting",
                              meeting_id=meeting.pk, progress="On track.", action_updates=[])
    assert (core.meeting_label, core.meeting_id) == ("child_protection.CoreGroupMeeting", meeting.pk)
    plan_review_record(by=worker, child_id=child.pk, plan_id=plan.pk, held_on=D(2024, 4, 25),
                       meeting_kind="review_conference", meeting_label="child_protection.Conference",
                       meeting_id=conference.pk, progress="Plan continues.", action_updates=[])
    with pytest.raises(RecordInvalid) as refused:
        plan_review_record(by=worker, child_id=child.pk, plan_id=plan.pk, held_on=D(2024, 2, 21),
                           meeting_kind="core_group", meeting_label="child_protection.CoreGroupMeeting",
                           meeting_id=meeting.pk, progress="On track.", action_updates=[])
    assert _fields(refused) == {"held_on"}
    assert PlanReview.objects.count() == 2


def test_care_plan_reviewed_at_the_looked_after_review(worker, child, period):
    """Care Planning, Placement and Case Review (England) Regulations 2010 reg 5 and Part 6: the
    care plan (with its contingency) belongs to the period of care and is reviewed at the
    looked-after review."""
    plan = plan_write(by=worker, child_id=child.pk, kind="care", period_of_care_id=period.pk,
                      contingency="Return home if the parenting assessment is positive.",
                      outcomes=["Ada is settled in her placement"],
                      actions=[dict(_actions(1)[0], outcome_index=0)])
    review = LookedAfterReview.objects.create(period_of_care=period, review_date=D(2024, 3, 1),
                                              participation="PN1")
    done = plan_review_record(by=worker, child_id=child.pk, plan_id=plan.pk, held_on=D(2024, 3, 1),
                              meeting_kind="looked_after_review",
                              meeting_label="looked_after.LookedAfterReview", meeting_id=review.pk,
                              progress="Settled.", action_updates=[])
    assert plan_as_at(done.pk).kind == "care"
    assert plan_of(child.pk, "care", period_of_care_id=period.pk).plan.pk == plan.pk


def test_pathway_plan_belongs_to_the_child(worker, make_child):
    """Care Leavers (England) Regulations 2010 reg 6-7: the pathway plan is the young person's own
    (no dated record), one per young person, reviewed at a pathway plan review."""
    young = make_child(date_of_birth=D(2007, 5, 1))
    plan = plan_write(by=worker, child_id=young.pk, kind="pathway", contingency="",
                      outcomes=["Somewhere settled to live at 18"],
                      actions=[dict(what="Apply for housing", who="Personal adviser",
                                    by_when=D(2025, 1, 1), status="not_started", outcome_index=0)])
    assert (plan.cin_plan_id, plan.cp_plan_id, plan.period_of_care_id) == (None, None, None)
    with pytest.raises(RecordInvalid) as refused:
        plan_write(by=worker, child_id=young.pk, kind="pathway", expected_version=plan.version,
                   contingency="", outcomes=["Settled"],
                   actions=[dict(what="Open a bank account", who="Young person",
                                 by_when=D(2023, 4, 30), status="not_started", outcome_index=0)])
    assert _fields(refused) == {"actions[0].by_when"}
    review = plan_review_record(by=worker, child_id=young.pk, plan_id=plan.pk, held_on=D(2024, 6, 1),
                                meeting_kind="pathway_review", progress="Housing applied for.",
                                action_updates=[dict(action_id=plan_of(young.pk, "pathway").actions[0].pk,
                                                     status="in_progress")])
    assert plan_as_at(review.pk).actions[0]["status"] == "in_progress"


def test_plan_of_a_fixed_number_of_queries(worker, child, cin_plan):
    """ARCHITECTURE.md "Fast by design": the plan as it stands is read in a fixed number of
    queries, whatever the number of outcomes, actions and reviews."""
    plan = _write(worker, child, cin_plan, actions=_actions(2))

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            view = plan_of(child.pk, "cin", cin_plan_id=cin_plan.pk)
            _ = [(o.outcome.text, [a.what for a in o.actions]) for o in view.outcomes]
            _ = [(r.held_on, r.meeting_kind) for r in view.reviews]
        return len(ctx.captured_queries)

    small = count()
    plan_review_record(by=worker, child_id=child.pk, plan_id=plan.pk, held_on=D(2024, 3, 1),
                       meeting_kind="cin_review", progress="Fine.", action_updates=[])
    plan.refresh_from_db()
    plan = _write(worker, child, cin_plan, expected_version=plan.version, actions=_actions(12),
                  outcomes=[f"Outcome {i}" for i in range(6)])
    for month in (4, 5, 6):
        plan_review_record(by=worker, child_id=child.pk, plan_id=plan.pk, held_on=D(2024, month, 1),
                           meeting_kind="cin_review", progress="Fine.", action_updates=[])
    assert count() == small == 4
    assert len(plan_of(child.pk, "cin").actions) == 12
    with CaptureQueriesContext(connection) as ctx:
        assert len(plan_reviews(plan.pk)) == 4
    assert len(ctx.captured_queries) == 1
    assert plan_of(child.pk, "cp") is None
