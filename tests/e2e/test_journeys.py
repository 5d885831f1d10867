"""What practitioners do in a day, in a real browser (Working Together 2023 for the journey;
ARCHITECTURE.md for access and audit). The journey from contact to a child protection plan is in
`test_decisions.py`."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from safeguard.audit.models import AuditEvent
from tests.e2e.axe import axe_violations
from tests.e2e.govuk import fill_date


def last_working_day() -> dt.date:
    from safeguard.timescales import calendar

    cal, day = calendar.current(), dt.date.today() - dt.timedelta(days=1)
    while not cal.is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def test_manager_authorises_a_closure(world, sign_in, site):
    from safeguard.front_door import services as front_door

    child = world.own
    day = last_working_day()
    referral = front_door.referral_open(by=world.sw_a, child_id=child.pk, referral_date=day, source="1A")
    front_door.referral_record_response(
        by=world.tm_a,
        referral_id=referral.pk,
        expected_version=referral.version,
        response="nfa",
        response_date=day,
    )
    tm = sign_in("tm_a")
    tm.get_by_role("link", name="Manager's queue").click()
    closures = tm.locator("h2", has_text="ready to step down or close").locator(
        "xpath=following-sibling::ul[1]"
    )
    closures.get_by_role("link", name=f"Kit {child.last_name}").click()
    fill_date(tm, "Closure date", day)
    tm.get_by_label("Reason for closure").select_option("RC7")
    tm.get_by_label("Management rationale").fill("Advice given to the family; school support in place")
    tm.get_by_role("button", name="Save").click()
    expect(tm.locator(".govuk-notification-banner--success")).to_contain_text("close the episode")
    expect(tm.locator("#chronology")).to_contain_text("Episode closed (RC7): Advice given to the family")
    referral.refresh_from_db()
    assert referral.closure_authorised_by == world.tm_a


def test_restricted_record_refused_then_break_glass_then_audit(world, sign_in, site):
    r = world.restricted
    sw = sign_in("sw_a")
    sw.goto(f"{site}/children/{r.pk}/")
    expect(sw.locator("h1")).to_have_text("This record is not open to you")
    assert r.last_name not in sw.content()
    sw.get_by_label("Why do you need this record now?").fill("Police report the child missing tonight")
    sw.get_by_role("button", name="Break the glass and open the record").click()
    expect(sw.locator("h1")).to_have_text(f"Kit {r.last_name}")
    expect(sw.locator(".govuk-warning-text")).to_contain_text("breaking the glass")

    tm = sign_in("tm_a")
    tm.goto(f"{site}/my-work/")
    expect(tm.locator(".govuk-notification-banner").first).to_contain_text("broke the glass")
    tm.get_by_role("link", name="Audit", exact=True).click()
    tm.get_by_label("Break-glass only").check()
    tm.get_by_role("button", name="Search").click()
    rows = tm.locator("#audit-rows")
    expect(rows).to_contain_text("break-glass: Police report the child missing tonight")
    expect(rows).to_contain_text("sw_a")


def test_validation_error_beside_its_field_keeps_what_was_typed(world, sign_in, site):
    child = world.own
    future = (dt.datetime.now() + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    sw = sign_in("sw_a")
    sw.goto(f"{site}/children/{child.pk}/record/contact/")
    sw.get_by_label("Received", exact=True).fill(future)
    sw.get_by_label("Source", exact=True).select_option("5A")
    sw.get_by_label("Summary", exact=True).fill("Typed by the worker, not to be lost")
    sw.get_by_role("button", name="Save").click()
    error = sw.locator("#id_received_at-error")
    expect(error).to_contain_text("future")
    # The message sits in the same form group as its field, and the field points to it.
    group = sw.locator(".govuk-form-group--error", has=sw.locator("#id_received_at"))
    expect(group.locator(".govuk-error-message")).to_have_count(1)
    expect(sw.locator("#id_received_at")).to_have_attribute("aria-describedby", "id_received_at-error")
    expect(sw.get_by_label("Summary", exact=True)).to_have_value("Typed by the worker, not to be lost")
    expect(sw.get_by_label("Received", exact=True)).to_have_value(future)
    expect(sw.locator(".govuk-error-summary")).to_be_visible()


def test_a_worker_outside_the_front_door_states_a_relationship_to_a_closed_case(world, sign_in, site):
    """Issue 15, finding 10: a case no social worker holds is open to the front door only. A children
    in care worker who needs it (a sibling's case) finds it by its exact id, is refused, gives a
    reason, and opens it; the reason is in the audit and their manager sees it at once."""
    child = world.unallocated
    sw = sign_in("sw_b")
    sw.get_by_role("link", name="Find a child").first.click()
    sw.get_by_label("LA child ID, UPN or NHS number").fill(child.la_child_id)
    sw.get_by_role("button", name="Search").click()
    expect(sw.get_by_text("not open to you")).to_be_visible()
    sw.goto(f"{site}/children/{child.pk}/")
    expect(sw.locator("h1")).to_have_text("This record is not open to you")
    assert axe_violations(sw) == []
    sw.get_by_role("button", name="Open the record").click()
    expect(sw.locator(".govuk-error-summary")).to_be_visible()
    assert axe_violations(sw) == []
    sw.get_by_label("What is your relationship to this child?").fill(
        "I hold the case of this child's brother, who is in our care"
    )
    sw.get_by_role("button", name="Open the record").click()
    expect(sw.locator("h1")).to_have_text(f"Kit {child.last_name}")
    assert AuditEvent.objects.filter(
        actor=world.sw_b, child_id=child.pk, reason__startswith="legitimate relationship: I hold"
    ).exists()

    tm = sign_in("tm_b")
    tm.get_by_role("link", name="Manager's queue").click()
    expect(tm.get_by_role("heading", name="Access taken to a child's record")).to_be_visible()
    expect(tm.get_by_text("stated a relationship to open")).to_be_visible()
    expect(tm.get_by_text("I hold the case of this child's brother")).to_be_visible()
    assert axe_violations(tm) == []
