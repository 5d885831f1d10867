"""Issue 17 in a real browser: from a contact to a child protection plan, each decision made by the
person whose decision it is (Working Together 2023 ch. 2 and 3: the manager decides the response
to a referral, authorises the assessment and the outcome of a section 47 enquiry; an IRO or CP
chair chairs the conference, whose decision alone starts a plan), and the same steps refused to a
social worker alone."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from safeguard.assessment.models import Assessment
from safeguard.child_protection.models import ChildProtectionPlan
from tests.e2e.axe import axe_violations
from tests.e2e.govuk import choose, fill_date, shot
from tests.e2e.test_journeys import last_working_day


def saved(page, text: str = "Saved") -> None:
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def refused(page, site, path: str) -> None:
    """A social worker alone is refused the decision, with a message saying whose it is."""
    page.goto(f"{site}{path}")
    expect(page.locator("h1")).to_contain_text("not")
    expect(page.locator("main")).to_contain_text("decision")


def test_contact_to_child_protection_plan_each_decision_by_its_decider(world, sign_in, site):
    child = world.unallocated
    later = last_working_day()  # the core group, the review and the plan's end
    day = later - dt.timedelta(days=1)  # everything up to the plan's start, a working day earlier
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    sw = sign_in("sw_a")
    sw.goto(f"{site}/children/{child.pk}/")

    # Contact and referral: the worker records; the response is the manager's decision.
    sw.get_by_role("link", name="Record a contact").click()
    sw.get_by_label("Received", exact=True).fill(f"{day.isoformat()}T09:15")
    sw.get_by_label("Source", exact=True).select_option("5A")
    sw.get_by_label("Summary", exact=True).fill("School saw bruising on the child's arm")
    sw.get_by_role("button", name="Save").click()
    saved(sw)
    expect(sw.get_by_role("link", name="Decide on the contact")).to_have_count(0)
    refused(sw, site, f"/children/{child.pk}/record/contact-decision/")

    tm = sign_in("tm_a")
    tm.get_by_role("link", name="Manager's queue").click()
    tm.locator("#contacts-awaiting").get_by_role("link", name=f"Kit {child.last_name}").click()
    tm.get_by_label("Decision", exact=True).select_option("referral")
    tm.get_by_label("Decided", exact=True).fill(f"{day.isoformat()}T11:00")
    tm.get_by_role("button", name="Save").click()
    saved(tm)
    expect(sw.get_by_role("link", name="Decide the response to the referral")).to_have_count(0)
    refused(sw, site, f"/children/{child.pk}/record/referral-response/")
    tm.get_by_role("link", name="Manager's queue").click()
    tm.get_by_role("link", name=f"Kit {child.last_name}").first.click()
    tm.get_by_label("Response to the referral").select_option("assessment")
    fill_date(tm, "Decision date", day)
    assert axe_violations(tm) == []
    tm.get_by_role("button", name="Save").click()
    saved(tm)

    # The assessment, written over two sittings, submitted, returned, amended and authorised.
    sw.goto(f"{site}/children/{child.pk}/")
    sw.get_by_role("link", name="Record the primary need").click()
    sw.get_by_label("Primary need").select_option("N1")
    sw.get_by_role("button", name="Save").click()
    sw.get_by_role("link", name="Start a child and family assessment").click()
    fill_date(sw, "Assessment start date", day)
    sw.get_by_role("button", name="Save").click()
    saved(sw)
    sw.get_by_role("link", name="Write the assessment").click()
    expect(sw.locator("h1")).to_have_text("Child and family assessment")
    assert axe_violations(sw) == []
    sections = ["The child's developmental needs", "Parenting capacity", "Family and environmental factors",
                "The child's wishes and feelings", "Analysis", "Recommendation"]
    for name in sections[:3]:
        sw.get_by_role("link", name=name).click()
        sw.wait_for_load_state("load")  # the autosave script listens once the page has loaded
        sw.get_by_label(name).fill(f"{name}: synthetic words for the journey.")
        if name == sections[0]:
            expect(sw.locator("#draft-status")).to_contain_text("Draft saved", timeout=10000)
            assert axe_violations(sw) == []
        sw.get_by_role("button", name="Save and return to the assessment").click()
        saved(sw)
    expect(sw.locator("main")).to_contain_text("3 of 6 sections written")
    shot(sw, "assessment-task-list")

    sw2 = sign_in("sw_a")  # the second sitting, another day
    sw2.goto(f"{site}/children/{child.pk}/record/assessment-write/")
    for name in sections[3:]:
        sw2.get_by_role("link", name=name).click()
        sw2.get_by_label(name).fill(f"{name}: synthetic words, second sitting.")
        sw2.get_by_role("button", name="Save and return to the assessment").click()
        saved(sw2)
    sw2.get_by_role("link", name="Submit for authorisation").click()
    fill_date(sw2, "Date the child was seen", day)
    choose(sw2, "What do you recommend?", "Strategy discussion (child protection)")
    choose(sw2, "Does the child need children's social care support?", "Yes")
    factors = sw2.get_by_role("group", name="Factors identified at assessment")
    factors.get_by_label("Physical abuse: adult on child (18C)").check()
    assert axe_violations(sw2) == []
    shot(sw2, "assessment-submit")
    sw2.get_by_role("button", name="Submit for authorisation").click()
    saved(sw2, "Submitted")
    expect(sw2.locator("#assessment-status")).to_have_text("Submitted for authorisation")
    a = Assessment.objects.get(referral__child=child)
    refused(sw2, site, f"/children/{child.pk}/assessments/{a.pk}/decide/")

    tm.get_by_role("link", name="Manager's queue").click()
    tm.locator("#submitted-assessments").get_by_role("link", name=f"Kit {child.last_name}").click()
    assert axe_violations(tm) == []
    choose(tm, "Your decision", "Return it to the worker with comments")
    tm.get_by_label("Comments", exact=True).fill("Say what the father told you about the bruising")
    tm.get_by_role("button", name="Record my decision").click()
    saved(tm, "returned")

    sw2.goto(f"{site}/children/{child.pk}/assessments/{a.pk}/")
    expect(sw2.locator("#returned")).to_contain_text("Say what the father told you")
    shot(sw2, "assessment-returned")
    sw2.get_by_role("link", name="Analysis").click()
    sw2.get_by_label("Analysis").fill("Analysis: the father's account does not explain the bruising.")
    sw2.get_by_role("button", name="Save and return to the assessment").click()
    sw2.get_by_role("link", name="Submit for authorisation").click()
    sw2.get_by_role("button", name="Submit for authorisation").click()
    saved(sw2, "Submitted")

    tm.goto(f"{site}/children/{child.pk}/assessments/{a.pk}/decide/")
    choose(tm, "Your decision", "Authorise the assessment")
    fill_date(tm, "Authorisation date", day)
    shot(tm, "assessment-decision")
    tm.get_by_role("button", name="Record my decision").click()
    saved(tm, "authorised")
    expect(tm.locator("#decisions")).to_contain_text("Returned")
    expect(tm.locator("#decisions")).to_contain_text("Authorised")

    # Strategy discussion and section 47: the worker submits findings; the outcome is the manager's.
    sw.goto(f"{site}/children/{child.pk}/")
    sw.get_by_role("link", name="Record a strategy discussion").click()
    fill_date(sw, "Date held", day)
    choose(sw, "Were section 47 enquiries started?", "Yes")
    sw.get_by_role("button", name="Save").click()
    sw.get_by_role("link", name="Start a section 47 enquiry").click()
    fill_date(sw, "Section 47 start date", day)
    sw.get_by_role("button", name="Save").click()
    sw.get_by_role("link", name="Submit the section 47 findings for a decision").click()
    sw.get_by_label("What the enquiry found").fill("Bruising consistent with a slap; father admits anger")
    choose(sw, "The outcome you propose", "Initial child protection conference")
    sw.get_by_role("button", name="Save").click()
    saved(sw)
    refused(sw, site, f"/children/{child.pk}/record/section47-outcome/")

    tm.get_by_role("link", name="Manager's queue").click()
    tm.locator("#section47-decisions").get_by_role("link", name=f"Kit {child.last_name}").click()
    fill_date(tm, "Date the enquiry ended", day)
    choose(tm, "Outcome", "Initial child protection conference")
    choose(tm, "Is an initial conference NOT required?", "No")
    tm.get_by_label("Your rationale").fill("Likely significant harm: a conference is needed")
    tm.get_by_role("button", name="Save").click()
    saved(tm)
    tm.get_by_role("link", name="Allocate an IRO or child protection chair").click()
    tm.get_by_label("IRO or child protection chair").select_option(str(world.iro.pk))
    fill_date(tm, "Start date", day)
    tm.get_by_role("button", name="Save").click()
    saved(tm)

    # The conference is the chair's: the worker and the manager are refused it.
    refused(sw, site, f"/children/{child.pk}/record/icpc/")
    refused(tm, site, f"/children/{child.pk}/record/icpc/")
    iro = sign_in("iro")
    iro.goto(f"{site}/children/{child.pk}/")
    iro.get_by_role("link", name="Record the initial child protection conference").click()
    fill_date(iro, "Date of the initial conference", day)
    iro.get_by_label("Invited", exact=True).fill("Mother, father, school, police, GP")
    iro.get_by_label("Attended", exact=True).fill("Mother, school, police")
    iro.get_by_label("Apologies", exact=True).fill("GP")
    iro.get_by_role("group", name="Agencies represented").get_by_label("Police").check()
    choose(iro, "How the child took part", "Did not attend; views given in writing or by another person")
    iro.get_by_label("The child's views").fill("I want my dad to stop shouting")
    choose(iro, "Did the conference decide the child needs a CP plan?", "Yes")
    iro.get_by_label("The reasons for the decision").fill("Physical harm from the father; risk continues")
    assert axe_violations(iro) == []
    shot(iro, "icpc-form")
    iro.get_by_role("button", name="Save").click()
    saved(iro)
    refused(sw, site, f"/children/{child.pk}/record/cp-plan/")
    iro.get_by_role("link", name="Start the child protection plan").click()
    iro.get_by_label("Category of abuse").select_option("PHY")
    iro.get_by_role("button", name="Save").click()
    saved(iro)
    plan = ChildProtectionPlan.objects.get(referral__child=child)

    # The plan's outcomes and actions, written by the worker.
    sw.goto(f"{site}/children/{child.pk}/")
    sw.get_by_role("link", name="The child protection plan: outcomes and actions").click()
    sw.get_by_role("link", name="Write the plan").click()
    outcome = sw.get_by_role("group", name="Outcome 1").get_by_label("Outcome")
    outcome.fill("Kit is safe from physical harm at home")
    first = sw.get_by_role("group", name="Action 1")
    first.get_by_label("What will be done").fill("Attend a parenting course")
    first.get_by_label("Who will do it").fill("Father")
    fill_date(first, "By when", later + dt.timedelta(days=60))
    first.get_by_label("Towards which outcome").select_option("0")
    sw.get_by_label("Contingency: what happens if the plan does not work").fill(
        "If there is a further injury, a strategy discussion the same day")
    assert axe_violations(sw) == []
    sw.get_by_role("button", name="Save the plan").click()
    saved(sw, "child protection plan")
    expect(sw.locator("main")).to_contain_text("Attend a parenting course")
    shot(sw, "cp-plan-words")

    # The first core group, reached from the clock on the worker's list.
    sw.goto(f"{site}/children/{child.pk}/due/T07/")
    expect(sw.locator("h1")).to_have_text("Record a core group meeting")
    fill_date(sw, "Date of the core group meeting", later)
    sw.get_by_label("Who attended").fill("Mother, school, health visitor")
    sw.get_by_label("Progress against the plan").fill("Father has started a parenting course")
    sw.get_by_role("button", name="Save").click()
    saved(sw)
    assert plan.core_groups.count() == 1

    # The review conference records progress and its decision; the plan ends with its reason,
    # recorded by the chair. The worker alone is refused both.
    refused(sw, site, f"/children/{child.pk}/record/review-conference/")
    refused(sw, site, f"/children/{child.pk}/record/cp-plan-end/")
    iro.goto(f"{site}/children/{child.pk}/")
    iro.get_by_role("link", name="Record a review child protection conference").click()
    fill_date(iro, "Date of the review conference", later)
    iro.get_by_label("Attended", exact=True).fill("Mother, father, school")
    choose(iro, "How the child took part", "Attended and spoke for themselves")
    iro.get_by_label("Progress against the plan").fill("Father completed the course; no further injuries")
    choose(iro, "The conference's decision", "End the child protection plan")
    iro.get_by_label("The reasons for the decision").fill("Risk reduced: family support continues")
    assert axe_violations(iro) == []
    iro.get_by_role("button", name="Save").click()
    saved(iro)
    # Progress against the plan at the review, the plan revised, and the plan as it stood kept.
    sw.goto(f"{site}/children/{child.pk}/plans/cp/{plan.pk}/")
    sw.get_by_role("link", name="Record progress at a review").click()
    fill_date(sw, "Date of the meeting", later)
    choose(sw, "Which meeting", "Review child protection conference")
    sw.get_by_label("Progress against the plan").fill("Course completed; no further injuries")
    sw.get_by_label("Where it stands now").select_option("done")
    assert axe_violations(sw) == []
    sw.get_by_role("button", name="Save the review").click()
    saved(sw, "progress")
    sw.get_by_role("link", name="Change the plan").click()
    second = sw.get_by_role("group", name="Action 2")
    second.get_by_label("What will be done").fill("Family support work weekly")
    second.get_by_label("Who will do it").fill("Family support worker")
    fill_date(second, "By when", later + dt.timedelta(days=90))
    sw.get_by_role("button", name="Save the plan").click()
    saved(sw, "child protection plan")
    sw.locator("#plan-reviews").get_by_role("link").first.click()
    expect(sw.locator("h1")).to_contain_text("as it stood")
    shot(sw, "plan-at-review")
    expect(sw.locator("main")).not_to_contain_text("Family support work weekly")
    expect(sw.locator("main")).to_contain_text("Attend a parenting course")

    iro.goto(f"{site}/children/{child.pk}/")
    iro.get_by_role("link", name="End the child protection plan").click()
    fill_date(iro, "Date the plan ended", later)
    choose(iro, "Why the plan ended", "No longer at risk of significant harm")
    iro.get_by_role("button", name="Save").click()
    saved(iro)
    plan.refresh_from_db()
    assert plan.end_date == later and plan.end_reason == "no_longer_at_risk"
    expect(iro.locator("#chronology")).to_contain_text("Child protection plan")
