"""Issue 18, item 2, in a real browser: the team manager's trays. A new referral waits under
*Unallocated*; the manager reads each worker's weighted caseload beside their name, chooses the
lighter one and allocates in a click; the worker signs in and has the child in *My work → My cases*
at once. Every tab (decisions, caseloads and a worker's children, visits out of time, drift, the
service's figures) passes axe-core with no serious or critical violation (WCAG 2.2 AA)."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from safeguard.front_door import services as front_door
from safeguard.workforce.models import Allocation
from tests.e2e.axe import axe_violations
from tests.e2e.govuk import shot
from tests.e2e.test_journeys import last_working_day


def test_a_manager_allocates_a_new_referral_by_caseload(world, sign_in, site):
    child = world.unallocated
    front_door.referral_open(by=world.tm_a, child_id=child.pk, referral_date=last_working_day(), source="1A")
    name = f"Kit {child.last_name}"
    # sw_a holds two children (own and a restricted record), sw_a2 one: the lighter is sw_a2.
    tm = sign_in("tm_a")
    tm.get_by_role("link", name="Manager's queue").click()
    expect(tm.get_by_role("heading", name="Decisions awaiting you")).to_be_visible()
    assert axe_violations(tm) == []
    shot(tm, "team-decisions")

    tm.get_by_role("link", name="Unallocated (1)").click()
    card = tm.locator(f"#unallocated-{child.pk}")
    expect(card).to_contain_text(name)
    expect(card).to_contain_text("Child in need")
    card.get_by_text(f"Allocate {name}").first.click()  # open the details
    lighter = card.get_by_label(str(world.sw_a2), exact=True)
    expect(card.locator(f"#{lighter.get_attribute('aria-describedby')}")).to_contain_text(
        "Weighted caseload 1: 1 child (1 other)")
    heavier = card.get_by_label(str(world.sw_a), exact=True)
    expect(card.locator(f"#{heavier.get_attribute('aria-describedby')}")).to_contain_text(
        "Weighted caseload 2: 2 children (2 other)")
    assert axe_violations(tm) == []
    shot(tm, "team-unallocated")

    # Submitted with no worker chosen: the error summary names the question.
    card.get_by_role("button", name=f"Allocate {name}").click()
    expect(tm.locator(".govuk-error-summary")).to_contain_text("Choose the social worker")
    assert axe_violations(tm) == []
    shot(tm, "team-allocate-error")
    tm.get_by_label(str(world.sw_a2), exact=True).check()
    tm.get_by_role("button", name=f"Allocate {name}").click()
    expect(tm.locator(".govuk-notification-banner--success")).to_contain_text(
        f"{name} allocated to {world.sw_a2}")
    expect(tm.get_by_role("link", name="Unallocated (0)")).to_be_visible()
    held = Allocation.objects.get(child=child, end_date__isnull=True)
    assert held.worker == world.sw_a2 and held.start_date == dt.date.today()

    tm.get_by_role("link", name="Caseloads").click()
    table = tm.locator("#caseloads")
    expect(table).to_contain_text(str(world.sw_a2))
    assert axe_violations(tm) == []
    shot(tm, "team-caseloads")
    table.get_by_role("link", name=str(world.sw_a2)).click()
    expect(tm.locator("#worker-cases")).to_contain_text(name)
    assert axe_violations(tm) == []
    shot(tm, "team-worker")
    for tab, shot_name in (("Visits out of time (0)", "team-visits"), ("Drift (0)", "team-drift"),
                           ("Service", "team-service")):
        tm.get_by_role("link", name=tab, exact=True).click()
        expect(tm.locator("h1")).to_be_visible()
        assert axe_violations(tm) == [], tab
        shot(tm, shot_name)

    sw = sign_in("sw_a2")
    sw.get_by_role("link", name="My work").first.click()
    sw.get_by_role("link", name="My cases (2)").click()
    expect(sw.locator("#my-cases")).to_contain_text(name)
    assert axe_violations(sw) == []


def test_a_head_of_service_reads_each_teams_figures_and_no_child(world, sign_in, site):
    """Issue 18, item 2: "the same at service level for heads of service". A head of service signs
    in and lands on their service's figures, team by team (caseloads, clocks overdue, drift), with no
    child named; a child's record and the manager's trays stay closed to them (Working Together 2023:
    senior oversight through the line, not by reading every record)."""
    from safeguard.workforce.models import Team, User

    office = Team.objects.create(local_authority=world.sw_a.local_authority,
                                 name="Front door management", service="Front door")
    User.objects.create_user(username="hos", password="correct horse battery", role="head_of_service",
                             team=office, local_authority=world.sw_a.local_authority)
    hos = sign_in("hos")
    expect(hos.get_by_role("heading", name="Your service")).to_be_visible()
    expect(hos.locator("main")).to_contain_text("Assessment Team A")
    expect(hos.locator("main")).not_to_contain_text("Children in Care Team B")
    body = hos.locator("main").inner_text()
    assert not any(c.last_name in body for c in world.children.values())
    assert axe_violations(hos) == []
    shot(hos, "service-head-of-service")

    hos.goto(f"{site}/manager/")
    expect(hos.locator("h1")).to_have_text("This page is not open to you")
    hos.goto(f"{site}/children/{world.own.pk}/")
    expect(hos.locator("main")).not_to_contain_text(world.own.last_name)
