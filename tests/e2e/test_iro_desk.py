"""Issue 17 in a real browser: the IRO's desk. The child's IRO records the looked-after review with
its minutes (Children Act 1989 s25A-25B), monitors the case between reviews and raises a practice
alert that the social worker answers and the IRO escalates and resolves (IRO Handbook 2010 ch. 6);
a team manager reads who decides and delegates their decisions for their leave."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from safeguard.iro.models import PracticeAlert
from safeguard.looked_after import services as looked_after
from safeguard.looked_after.models import LookedAfterReviewMinutes
from tests.e2e.axe import axe_violations
from tests.e2e.govuk import choose, fill_date, shot
from tests.e2e.test_decisions import saved
from tests.e2e.test_journeys import last_working_day


def test_the_iro_reviews_monitors_and_raises_a_practice_alert(world, sign_in, site):
    child = world.iro_child
    day = last_working_day()
    looked_after.period_of_care_start(
        by=world.sw_b, child_id=child.pk, decom=day - dt.timedelta(days=40), legal_status="C2",
        category_of_need="N1", placement="U4", placement_provider="PR1", urn="SC123456")
    iro = sign_in("iro")
    iro.get_by_role("link", name="IRO desk").click()
    expect(iro.locator("h2#caseload")).to_contain_text("1 child")
    assert axe_violations(iro) == []
    shot(iro, "iro-desk")
    iro.locator("#caseload-table").get_by_role("link", name=f"Kit {child.last_name}").click()

    iro.get_by_role("link", name="Record a looked-after review and its minutes").click()
    fill_date(iro, "Date of the review", day)
    choose(iro, "How the child took part (REVIEW_CODE)", "Child physically attends and speaks for themselves")
    iro.get_by_label("The child's views", exact=True).fill("I want to stay with my carers and keep my school")
    iro.get_by_label("Attended", exact=True).fill("Child, foster carer, social worker, IRO")
    iro.get_by_label("School or education setting").check()
    choose(iro, "Does the care plan still meet the child's needs?", "Yes")
    iro.get_by_label("Decisions and recommendations").fill("Permanence planning meeting within 4 weeks")
    iro.get_by_label("The reasons for them").fill("Settled; the carers wish to offer permanence")
    assert axe_violations(iro) == []
    iro.get_by_role("button", name="Save").click()
    saved(iro)
    assert "keep my school" in LookedAfterReviewMinutes.objects.get().child_views

    iro.get_by_role("link", name="Record your monitoring of the child's case").click()
    fill_date(iro, "Date", day)
    choose(iro, "What you did", "Midway review / file check")
    iro.get_by_label("What you found").fill("No permanence planning meeting has been booked")
    choose(iro, "Did you find a concern about the child's plan or care?", "Yes")
    iro.get_by_role("button", name="Save").click()
    saved(iro)

    iro.get_by_role("link", name="Raise a practice alert").click()
    fill_date(iro, "Date raised", day)
    choose(iro, "What the concern is about", "Drift and delay")
    iro.get_by_label("The concern", exact=True).fill("The permanence meeting agreed is not booked")
    iro.get_by_label("Raised with", exact=True).select_option(label=str(world.sw_b))
    assert axe_violations(iro) == []
    iro.get_by_role("button", name="Save").click()
    saved(iro)

    # The social worker sees the alert on the child's page and answers it.
    sw = sign_in("sw_b")
    sw.goto(f"{site}/children/{child.pk}/")
    sw.locator("#child-alerts").get_by_role("link").click()
    expect(sw.get_by_role("link", name="Escalate to stage 1: team manager")).to_have_count(0)
    sw.get_by_role("link", name="Record the response").click()
    fill_date(sw, "Date of the response", day)
    sw.get_by_label("The response", exact=True).fill("I will book the meeting once the carers confirm")
    sw.get_by_role("button", name="Save").click()
    saved(sw)

    # Not put right in time: the IRO escalates, then records the resolution.
    iro.goto(f"{site}/iro/")
    iro.locator("#alerts-table").get_by_role("link").click()
    assert axe_violations(iro) == []
    shot(iro, "practice-alert")
    iro.get_by_role("link", name="Escalate to stage 1: team manager").click()
    fill_date(iro, "Date escalated", day)
    iro.get_by_label("Raised with", exact=True).select_option(label=str(world.tm_b))
    iro.get_by_role("button", name="Save").click()
    saved(iro)
    iro.get_by_role("link", name="Record that it is resolved").click()
    fill_date(iro, "Date resolved", day)
    choose(iro, "How it was resolved", "The care plan was changed")
    iro.get_by_role("button", name="Save").click()
    saved(iro)
    expect(iro.locator("#alert-stages")).to_contain_text("Stage 1: team manager")
    alert = PracticeAlert.objects.get()
    assert alert.stage == "stage_1" and alert.resolution == "plan_changed"

    iro.goto(f"{site}/iro/")
    iro.get_by_role("link", name="The IRO service's figures for the year").click()
    expect(iro.locator("h1")).to_contain_text("The IRO service")
    assert axe_violations(iro) == []


def test_a_manager_reads_who_decides_and_delegates_for_their_leave(world, sign_in, site):
    tm = sign_in("tm_a")
    tm.get_by_role("link", name="Who decides").click()
    expect(tm.locator("#decisions")).to_contain_text("Authorising (or returning) an assessment")
    assert axe_violations(tm) == []
    shot(tm, "who-decides")
    tm.get_by_role("link", name="Delegate your decisions").click()
    tm.get_by_label("Who takes your decisions").select_option(label=str(world.sw_a2))
    fill_date(tm, "From", dt.date.today())
    fill_date(tm, "Until (the last day)", dt.date.today() + dt.timedelta(days=10))
    tm.get_by_label("Why").fill("Annual leave")
    assert axe_violations(tm) == []
    tm.get_by_role("button", name="Save").click()
    saved(tm)
    expect(tm.locator("#delegations")).to_contain_text("Annual leave")
