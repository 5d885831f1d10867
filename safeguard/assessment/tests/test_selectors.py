"""The manager's queue as a selector (issue 22: the closure rule was written inline in the view, and
excluded episodes whose child protection plan had *ended*). Working Together 2023: a case closes on
a manager's decision, never while a child protection or child in need plan is still running."""

import datetime as dt

import pytest

from safeguard.assessment import services as assessment
from safeguard.assessment.selectors import decisions_awaiting
from safeguard.assessment.tests.helpers import submit
from safeguard.front_door import services as front_door

pytestmark = pytest.mark.django_db
D = dt.date


def _referral(worker, child, day, response="", manager=None):
    ref = front_door.referral_open(by=worker, child_id=child.pk, referral_date=day, source="6",
                                   primary_need="N1")
    if response:
        ref = front_door.referral_record_response(by=manager, referral_id=ref.pk, expected_version=None,
                                                  response=response, response_date=day)
    return ref


def _no_support_found(worker, manager, ref, day):
    a = assessment.assessment_start(by=worker, referral_id=ref.pk, start_date=day)
    submit(worker, a, factors=["3B"], requires_support=False, outcome="nfa")
    assessment.assessment_authorise(by=manager, assessment_id=a.pk, expected_version=None,
                                    authorisation_date=day + dt.timedelta(days=20), factors=["3B"],
                                    requires_support=False)


def _cp_plan(ref, day, end=None):
    """A child protection plan on file (made directly: this queue reads plans, whoever decided
    them; the conference and plan rules are child_protection's tests)."""
    from safeguard.child_protection.models import ChildProtectionPlan

    return ChildProtectionPlan.objects.create(referral=ref, start_date=day, end_date=end,
                                              initial_category="NEG", latest_category="NEG")


def test_closures_offered_when_the_work_is_done_never_while_a_plan_runs(worker, manager, make_child):
    nfa = _referral(worker, make_child(), D(2025, 6, 2), response="nfa", manager=manager)
    awaiting = _referral(worker, make_child(), D(2025, 6, 3))
    plan_ended = _referral(worker, make_child(), D(2025, 1, 6), response="strategy", manager=manager)
    _cp_plan(plan_ended, D(2025, 1, 16), end=D(2025, 9, 1))
    _no_support_found(worker, manager, plan_ended, D(2025, 9, 2))
    plan_running = _referral(worker, make_child(), D(2025, 1, 7), response="strategy", manager=manager)
    _cp_plan(plan_running, D(2025, 1, 17))
    _no_support_found(worker, manager, plan_running, D(2025, 9, 2))

    queue = decisions_awaiting(manager)
    assert set(queue.closures.values_list("pk", flat=True)) == {nfa.pk, plan_ended.pk}
    assert awaiting.pk in set(queue.responses.values_list("pk", flat=True))
    assert queue.totals == {"contacts": 0, "responses": 1, "submissions": 0, "section47s": 0,
                            "closures": 2}


def test_the_queue_holds_only_children_the_manager_may_open(worker, manager, make_child, la):
    """Another team's manager, outside the front door, sees none of these unallocated children."""
    from safeguard.workforce.models import Team, User

    _referral(worker, make_child(), D(2025, 6, 2), response="nfa", manager=manager)
    other = User.objects.create_user(
        username="tm_cic", password="x", role=User.Role.TEAM_MANAGER, local_authority=la,
        team=Team.objects.create(local_authority=la, name="Children in Care", service="Children in care"),
    )
    queue = decisions_awaiting(other)
    assert not queue.closures.exists() and not queue.responses.exists()
    assert decisions_awaiting(manager).closures.exists()
