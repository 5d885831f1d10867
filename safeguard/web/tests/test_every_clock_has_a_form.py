"""Issue 17, "Done when": the worklist of a generated council has no clock type without a form.
Each clock (INDICATORS.md Part A) names its statutory source in `timescales.rules`; here every
open clock of a generated council is walked from the worklist's link to the form that meets it."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from safeguard.core.errors import today
from safeguard.demo.generate import generate_council
from safeguard.demo.parameters import CouncilShape
from safeguard.record.history import ChildHistory
from safeguard.timescales.models import Clock
from safeguard.timescales.rules import RULES
from safeguard.web import steps
from safeguard.workforce.models import Allocation, User
from safeguard.workforce.services import allocation_start

SHAPE = CouncilShape(children=3_000, la_code="E06000098", la_number=898, name="Walkers")
PER_CODE = 12  # clocks of each type walked to their form


def test_every_childs_clock_names_a_step_that_exists():
    """The LADO's clocks (T16*) are about adults; every other clock is a child's and has a form."""
    childs = {code for code in RULES if not code.startswith("T16")}
    assert childs == set(steps.FOR_CLOCK)
    for keys in steps.FOR_CLOCK.values():
        assert keys and all(k in steps.STEPS for k in keys)


@pytest.fixture(scope="module")
def council(django_db_setup, django_db_blocker):
    """A small council generated to today, rolled back afterwards."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            generate_council(SHAPE, seed=17, as_at=today(), years=2, jobs=1)
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _manager_of(child_id: int, managers: dict) -> User:
    """A team manager of the child's team: they may open the record and take a manager's step."""
    team_id = (Allocation.objects.filter(child_id=child_id, end_date__isnull=True, kind="social_worker")
               .values_list("team_id", flat=True).first())
    if team_id not in managers:
        la_id = Clock.objects.filter(child_id=child_id).values_list("child__local_authority_id", flat=True)[0]
        managers[team_id] = User.objects.create(username=f"walker{len(managers)}", role="team_manager",
                                                team_id=team_id, local_authority_id=la_id)
    return managers[team_id]


def _chair_for(child_id: int, manager: User) -> User:
    """An IRO allocated to the child by the manager: a conference is its chair's to record."""
    iro, _ = User.objects.get_or_create(username=f"chair{manager.local_authority_id}", defaults=dict(
        role="iro", local_authority_id=manager.local_authority_id))
    if not Allocation.objects.filter(child_id=child_id, worker=iro, end_date__isnull=True).exists():
        allocation_start(by=manager, child_id=child_id, worker_id=iro.pk, start_date=today(),
                         kind=Allocation.Kind.IRO)
    return iro


@pytest.mark.django_db
def test_every_open_clock_leads_from_the_worklist_to_its_form(council):
    open_clocks = Clock.objects.filter(child__isnull=False, met_date__isnull=True, stopped_date__isnull=True,
                                       child__local_authority__code=SHAPE.la_code,
                                       child__allocations__end_date__isnull=True,
                                       child__allocations__kind="social_worker").distinct()
    codes = sorted(set(open_clocks.values_list("code", flat=True)))
    assert {"T02", "T09", "T10"} <= set(codes), codes  # the walk covers the common clocks at least
    managers: dict = {}
    without_form = []
    for code in codes:
        for clock in open_clocks.filter(code=code).order_by("due_date")[:PER_CODE]:
            user = _manager_of(clock.child_id, managers)
            history = ChildHistory.load(clock.child_id, lock=False)
            spec, why = steps.for_clock(history, user, code)
            if spec is None and "chair" in why:
                user = _chair_for(clock.child_id, user)
                spec, why = steps.for_clock(history, user, code)
            if spec is None:
                without_form.append((code, clock.child_id, why))
                continue
            client = Client()
            client.force_login(user)
            page = client.get(f"/children/{clock.child_id}/due/{code}/", follow=True)
            landed = page.redirect_chain[-1][0] if page.redirect_chain else ""
            expected = f"/record/{spec.key}/" if not spec.page else "/assessments/"
            if page.status_code != 200 or "<form" not in page.content.decode() and not spec.page \
                    or expected not in landed:
                without_form.append((code, clock.child_id, page.status_code, page.redirect_chain))
    print("walked", codes)
    assert without_form == []
