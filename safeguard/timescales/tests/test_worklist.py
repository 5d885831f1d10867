"""Worklists and drift: what a worker, a team and an IRO see as due and overdue."""

import datetime as dt

import pytest

from safeguard.assessment.selectors import drift, to_do
from safeguard.child_protection.models import ChildProtectionPlan
from safeguard.front_door.models import Referral
from safeguard.record.change import rederive_clocks
from safeguard.timescales import calendar
from safeguard.timescales.rules import RULES
from safeguard.workforce.models import Allocation

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_calendar():
    calendar.invalidate()


def allocate(child, user, kind="social_worker", team=None):
    return Allocation.objects.create(child=child, worker=user, kind=kind, team=team,
                                     start_date=D(2025, 1, 1))


def test_worker_sees_own_overdue_clocks_first_and_not_others(make_child, worker, manager, team):
    mine, theirs = make_child(), make_child()
    allocate(mine, worker, team=team)
    allocate(theirs, manager)
    Referral.objects.create(child=mine, referral_date=D(2025, 6, 2), source="6")
    Referral.objects.create(child=theirs, referral_date=D(2025, 6, 2), source="6")
    rederive_clocks(mine.pk)
    rederive_clocks(theirs.pk)
    items = to_do(worker, as_at=D(2025, 6, 20)).rows
    assert {c.child_id for c in items} == {mine.pk}
    assert [c.code for c in items][0] == "T01"  # due 3 June: most overdue first
    assert items[0].urgency == "overdue"


def test_team_scope_and_iro_scope(make_child, worker, manager, iro, team):
    child = make_child()
    allocate(child, worker, team=team)
    allocate(child, iro, kind="iro")
    ref = Referral.objects.create(child=child, referral_date=D(2025, 1, 6), source="6")
    ChildProtectionPlan.objects.create(referral=ref, start_date=D(2025, 2, 3),
                                       initial_category="NEG", latest_category="NEG")
    rederive_clocks(child.pk)
    manager.team = team
    assert {c.child_id for c in to_do(manager, scope="team", as_at=D(2025, 6, 1)).rows} == {child.pk}
    iro_codes = {c.code for c in to_do(iro, scope="iro", as_at=D(2025, 6, 1)).rows}
    assert "T08" in iro_codes and all(RULES[code].iro for code in iro_codes)


def test_drift_flags_cp_plan_and_cin_episode_and_visits(child):
    """Council scorecards (INDICATORS.md T19d/T19e): CP plans over 9/15/18 months; CIN episodes
    over 6 months; a child not seen within the visit interval."""
    ref = Referral.objects.create(child=child, referral_date=D(2024, 1, 8), source="6")
    ChildProtectionPlan.objects.create(referral=ref, start_date=D(2024, 3, 1),
                                       initial_category="NEG", latest_category="NEG")
    rederive_clocks(child.pk)
    kinds = {f.kind for f in drift([child.pk], as_at=D(2025, 7, 1))}
    assert kinds == {"cp_plan_15m", "cin_6m", "visit_overdue"}
    assert {f.kind for f in drift([child.pk], as_at=D(2024, 3, 5))} == set()
