"""Issue 18 in a real browser: a manager allocates a child in an assessment to a worker; the worker
sees the child at once in *My cases*, in *Incoming*, and the assessment's clock in *To do*; when
the manager returns the assessment with comments, it arrives in the worker's *Incoming*."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from safeguard.assessment import services as assessment
from safeguard.front_door import services as front_door
from safeguard.web.forms import ASSESSMENT_SECTIONS
from safeguard.web.tests.test_journey_pages import last_working_day
from tests.e2e.axe import axe_violations
from tests.e2e.govuk import fill_date, shot
from tests.e2e.test_decisions import saved


def _in_assessment(world, child):
    """A referral the manager sent for assessment, the assessment started (its T02 clock runs)."""
    day = last_working_day()
    referral = front_door.referral_open(by=world.tm_a, child_id=child.pk, referral_date=day, source="1A")
    front_door.referral_record_response(by=world.tm_a, referral_id=referral.pk,
                                        expected_version=referral.version, response="assessment",
                                        response_date=day)
    return assessment.assessment_start(by=world.tm_a, referral_id=referral.pk, start_date=day)


def test_a_child_allocated_today_is_in_the_workers_trays_at_once(world, sign_in, site):
    child = world.unallocated
    started = _in_assessment(world, child)
    tm = sign_in("tm_a")
    tm.goto(f"{site}/children/{child.pk}/")
    tm.get_by_role("link", name="Allocate a social worker").click()
    tm.get_by_label("Social worker").select_option(label=str(world.sw_a2))
    fill_date(tm, "Start date", dt.date.today())
    tm.get_by_role("button", name="Save").click()
    saved(tm)

    sw = sign_in("sw_a2")
    sw.get_by_role("link", name="My work").first.click()
    # To do: the assessment's clock, under its urgency, linked to the form that meets it.
    todo = sw.locator("#urgency-counts")
    expect(todo).to_be_visible()
    expect(sw.get_by_role("link", name="Child and family assessment").first).to_be_visible()
    assert axe_violations(sw) == []
    shot(sw, "to-do")
    sw.get_by_role("link", name="My cases (2)").click()
    table = sw.locator("#my-cases")
    expect(table).to_contain_text(f"Kit {child.last_name}")
    expect(table).to_contain_text("Child in need")
    assert axe_violations(sw) == []
    shot(sw, "my-cases")
    sw.get_by_role("link", name="Incoming (1)").click()
    expect(sw.locator("#allocated")).to_contain_text(f"Kit {child.last_name}")
    assert axe_violations(sw) == []

    # The worker writes and submits; the manager returns it with comments; it arrives in Incoming.
    words = {name: f"Synthetic words for {name}." for name in ASSESSMENT_SECTIONS}
    assessment.assessment_save(by=world.sw_a2, assessment_id=started.pk, expected_version=None, **words)
    assessment.assessment_record_child_seen(by=world.sw_a2, assessment_id=started.pk, expected_version=None,
                                            child_seen_date=last_working_day())
    assessment.assessment_submit(by=world.sw_a2, assessment_id=started.pk, expected_version=None,
                                 factors=["16A"], requires_support=True, outcome="cin_plan")
    assessment.assessment_return(by=world.tm_a, assessment_id=started.pk, expected_version=None,
                                 comments="Say more about the grandmother's support")
    sw.reload()
    sw.get_by_role("link", name="Incoming (2)").click()
    returned = sw.locator("#returned")
    expect(returned).to_contain_text("Say more about the grandmother")
    assert axe_violations(sw) == []
    shot(sw, "incoming")
    returned.get_by_role("link", name="Assessment started").click()
    expect(sw.locator("body")).to_contain_text("Say more about the grandmother")
