"""The team manager's oversight (issue 18, item 2): each worker's caseload weighted by kind of case,
the team's visits out of time, open cases with no allocated social worker, and the same figures per
team across a service. Working Together to Safeguard Children 2023 (management oversight of the
team's cases); Care Planning, Placement and Case Review (England) Regulations 2010 reg 28 (looked-
after children's visits); the council's [L] caseload weights. Each read takes a fixed number of
queries, whatever the size of the team."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.assessment import selectors as assessment_selectors
from safeguard.child_protection.models import ChildProtectionPlan
from safeguard.core.errors import today
from safeguard.front_door.models import Referral
from safeguard.looked_after.models import PeriodOfCare
from safeguard.timescales.models import Clock
from safeguard.web.team import can_see_service
from safeguard.web.team import oversight_scope as scope_of
from safeguard.web.tests.conftest import world as small_council
from safeguard.workforce import selectors as oversight
from safeguard.workforce.models import User

pytestmark = pytest.mark.django_db
#: The web tests' small council: two teams (A at the front door), staff in every role, and children
#: in each relationship to them.
world = small_council


def _in_need(child, days_ago: int = 10) -> Referral:
    return Referral.objects.create(child=child, referral_date=today() - dt.timedelta(days=days_ago),
                                   source="1A")


def _on_cp_plan(child, days_ago: int = 10) -> ChildProtectionPlan:
    return ChildProtectionPlan.objects.create(referral=_in_need(child, days_ago + 20),
                                              start_date=today() - dt.timedelta(days=days_ago),
                                              initial_category="NEG", latest_category="NEG")


def _looked_after(child) -> PeriodOfCare:
    _in_need(child, 60)
    return PeriodOfCare.objects.create(child=child, start_date=today() - dt.timedelta(days=30))


def _clock(child, code: str, due: dt.date) -> Clock:
    """An open clock due on a day (set directly: the figures read clocks, whatever started them)."""
    return Clock.objects.create(child=child, code=code, subject_type="test", subject_id=child.pk,
                                sequence=Clock.objects.count() + 1, start_date=due - dt.timedelta(days=10),
                                unit="D", amount=10, due_date=due)


def _load(world, worker):
    return next(c for c in oversight.team_caseloads(scope_of(world.tm_a)) if c.worker == worker).figures


def test_weighted_caseload_counts_each_child_once_in_its_heaviest_kind(world):
    """[L] weights CP 1.5, looked after 1.25, child in need 1.0, other 1.0: a child on a CP plan who is
    also looked after counts as CP only."""
    cp, cla, cin, both = (world.new_child() for _ in range(4))
    for c in (cp, cla, cin, both):
        world.allocate(c, world.sw_a2)
    _on_cp_plan(cp)
    _looked_after(cla)
    _in_need(cin)
    _on_cp_plan(both)
    _looked_after(both)
    f = _load(world, world.sw_a2)
    # world.team (no open episode) is sw_a2's too: "other".
    assert (f.children, f.cp, f.cla, f.cin, f.other) == (5, 2, 1, 1, 1)
    assert f.weighted == Decimal("1.5") * 2 + Decimal("1.25") + 1 + 1
    assert oversight.WEIGHTS == {"cp": Decimal("1.5"), "cla": Decimal("1.25"), "cin": Decimal("1.0"),
                                 "other": Decimal("1.0")}


def test_caseload_counts_overdue_clocks_and_statutory_visits_out_of_time(world):
    """Reg 28 visits (T11), CP visits (T09) and private fostering visits (T15) are visits; any other
    clock past due is overdue work; a clock met or not yet due is neither."""
    day = today()
    _clock(world.team, "T11", day - dt.timedelta(days=3))
    _clock(world.team, "T02", day - dt.timedelta(days=1))
    _clock(world.team, "T09", day + dt.timedelta(days=5))
    met = _clock(world.team, "T15", day - dt.timedelta(days=9))
    met.met_date = day - dt.timedelta(days=10)
    met.save()
    f = _load(world, world.sw_a2)
    assert (f.overdue, f.visits_overdue) == (2, 1)



def test_team_caseloads_list_the_teams_case_holders_only(world):
    """The LADO sits in team A but holds no child's case; team B's worker is not team A's."""
    workers = [c.worker for c in oversight.team_caseloads(scope_of(world.tm_a))]
    assert set(workers) == {world.tm_a, world.sw_a, world.sw_a2}
    assert [c.worker for c in oversight.team_caseloads(scope_of(world.tm_b))] == [world.sw_b, world.tm_b]


def _staff(world, n: int) -> list[User]:
    team = world.sw_a.team
    return [User.objects.create_user(username=f"extra{n}_{i}", role="social_worker", team=team,
                                     local_authority=world.la, first_name=f"Extra{i}", last_name="Worker")
            for i in range(n)]


def test_caseloads_take_a_fixed_number_of_queries_for_a_team_of_2_or_10(world):
    def count() -> int:
        manager = User.objects.get(pk=world.tm_a.pk)  # a fresh request's user: nothing cached
        with CaptureQueriesContext(connection) as q:
            oversight.team_caseloads(scope_of(manager))
        return len(q)

    small = count()
    for w in _staff(world, 8):
        for _ in range(3):
            c = world.new_child()
            world.allocate(c, w)
            _in_need(c)
            _clock(c, "T11", today() - dt.timedelta(days=2))
    assert count() == small


def test_unallocated_lists_open_cases_no_social_worker_holds_for_the_front_door(world):
    """The front door team (team A) sees children no social worker holds (the access policy); another
    team's manager does not; a child with no open episode is not a case waiting."""
    waiting = world.new_child()
    _in_need(waiting, days_ago=5)
    older = world.new_child()
    _in_need(older, days_ago=20)
    assert [c.pk for c in oversight.unallocated(scope_of(world.tm_a))] == [older.pk, waiting.pk]
    # A child with no open episode is not waiting.
    assert world.unallocated.pk not in {c.pk for c in oversight.unallocated(scope_of(world.tm_a))}
    assert list(oversight.unallocated(scope_of(world.tm_b))) == []
    world.allocate(older, world.sw_a)
    assert [c.pk for c in oversight.unallocated(scope_of(world.tm_a))] == [waiting.pk]
    assert oversight.unallocated_child(scope_of(world.tm_a), older.pk) is None
    assert oversight.unallocated_child(scope_of(world.tm_a), "x1") is None


def test_visits_out_of_time_are_the_teams_open_to_the_manager(world):
    day = today()
    _clock(world.own, "T11", day - dt.timedelta(days=10))
    _clock(world.team, "T09", day - dt.timedelta(days=2))
    _clock(world.other_team, "T11", day - dt.timedelta(days=30))  # team B's
    _clock(world.restricted, "T11", day - dt.timedelta(days=30))  # closed to the manager
    _clock(world.own, "T02", day - dt.timedelta(days=30))  # not a visit
    found = oversight.visits_out_of_time(scope_of(world.tm_a))
    assert [c.child_id for c in found.rows] == [world.own.pk, world.team.pk] and found.total == 2
    assert found.rows[0].worker_name == str(world.sw_a)
    assert oversight.visits_out_of_time_count(scope_of(world.tm_a)) == 2


def test_drift_groups_cp_plans_by_their_longest_threshold(world):
    """INDICATORS.md T19d/T19e: a plan open 19 months is in the 18-month group only."""
    _on_cp_plan(world.own, days_ago=580)
    _in_need(world.team, days_ago=200)
    flags = assessment_selectors.drift(oversight.team_children(scope_of(world.tm_a)), visits=False)
    kinds = sorted((f.child_id, f.kind) for f in flags)
    assert (world.own.pk, "cp_plan_18m") in kinds and (world.own.pk, "cp_plan_9m") not in kinds
    assert (world.team.pk, "cin_6m") in kinds
    assert all(f.kind != "visit_overdue" for f in flags)


def test_service_figures_per_team(world):
    """A manager sees their own service's teams; an analyst and an administrator the council's; a
    social worker, an IRO and a councillor none (the access policy's aggregate readers)."""
    _in_need(world.own)
    _on_cp_plan(world.other_team)
    teams = oversight.service_teams(world.la.pk)
    assert {t.name for t in teams} == {"Assessment Team A", "Children in Care Team B"}
    assert [t.name for t in oversight.service_teams(world.la.pk, teams_of={world.tm_a.team_id})] == [
        "Assessment Team A"]
    front_door = oversight.service_teams(world.la.pk, service="Front door")
    assert [t.name for t in front_door] == ["Assessment Team A"]
    assert [can_see_service(u) for u in (world.tm_a, world.analyst, world.admin, world.sw_a, world.councillor,
                                         world.iro)] == [True, True, True, False, False, False]
    figures = oversight.team_figures(teams)
    a, b = (figures[t.pk] for t in sorted(teams, key=lambda t: t.name))
    # Team A holds own (CIN), team (other) and the restricted child (other: counted, never named).
    assert (a.children, a.cin, a.other, a.staff) == (3, 1, 2, 3)
    assert (b.children, b.cp, b.staff) == (2, 1, 2)
    assert a.weighted_per_fte == Decimal("1.0")
    total = oversight.totals([oversight.ServiceRow(t, figures[t.pk]) for t in teams])
    assert total.figures.children == 5


def test_service_figures_take_a_fixed_number_of_queries(world):
    teams = oversight.service_teams(world.la.pk)
    with CaptureQueriesContext(connection) as small:
        oversight.team_figures(teams)
    for w in _staff(world, 6):
        c = world.new_child()
        world.allocate(c, w)
        _looked_after(c)
    teams = oversight.service_teams(world.la.pk)
    with CaptureQueriesContext(connection) as large:
        oversight.team_figures(teams)
    assert len(large) == len(small)
