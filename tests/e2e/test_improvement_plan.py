"""Issue 21, item 5, in a real browser ("Done when": a recommendation is linked to an indicator and
an audit theme and judged "partly met"). A head of service records an Ofsted ILACS inspection, adds
a recommendation, links a scorecard measure and an audit theme as evidence, records an action,
judges the recommendation partly met (the self-assessment's three judgements, as in Cheshire East's
2017 self-assessment), and opens the self-assessment report to see it; axe-core finds no serious or
critical failure on any page."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from tests.e2e.axe import axe_violations
from tests.e2e.govuk import choose, fill_date, shot
from tests.e2e.test_decisions import saved


def test_a_recommendation_is_linked_to_an_indicator_and_an_audit_theme_and_judged_partly_met(
    world, sign_in, site
):
    from safeguard.workforce.models import User

    User.objects.create_user(
        username="hos",
        password="correct horse battery",
        role="head_of_service",
        local_authority=world.la,
        first_name="Helen",
        last_name="Head",
    )
    today = dt.date.today()
    page = sign_in("hos")
    page.goto(f"{site}/improvement/")
    expect(page.locator("h1")).to_contain_text("Improvement plan")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Add an inspection or review").click()
    page.get_by_label("Inspection or review").fill("Ofsted ILACS inspection")
    fill_date(page, "Date of the report", today - dt.timedelta(days=120))
    assert axe_violations(page) == []
    page.get_by_role("button", name="Save").click()
    saved(page)

    page.get_by_role("link", name="Add a recommendation").click()
    page.get_by_label("Recommendation").fill(
        "Improve the timeliness and quality of return home interviews for children who go missing."
    )
    page.get_by_label("Background").fill("Interviews were not always offered within 72 hours.")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Save").click()
    saved(page)
    expect(page.locator("h1")).to_contain_text("Recommendation 1")
    expect(page.locator("h1")).to_contain_text("Not yet judged")

    page.get_by_role("link", name="Link a scorecard measure").click()
    page.get_by_label("Measure").select_option(
        label="Return home interviews offered within 72 hours (MS-03A)"
    )
    assert axe_violations(page) == []
    page.get_by_role("button", name="Save").click()
    saved(page)

    page.get_by_role("link", name="Link audit evidence").click()
    page.get_by_label("Audit evidence").select_option(
        label="Children who went missing in the month (return home interviews)"
    )
    page.get_by_label("What it shows (optional)").fill("The quarterly themed audit of interviews.")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Save").click()
    saved(page)
    expect(page.locator("#evidence")).to_contain_text("MS-03A")
    expect(page.locator("#evidence")).to_contain_text("Audit theme: Children who went missing")

    page.get_by_role("link", name="Add an action").click()
    page.get_by_label("What is to be done").fill("Recommission the return home interview service.")
    page.get_by_label("Owner").select_option(label="Tm_A Test")
    fill_date(page, "Due date", today + dt.timedelta(days=60))
    choose(page, "Status", "In progress")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Save").click()
    saved(page)
    expect(page.locator("#actions")).to_contain_text("Recommission the return home interview service.")
    expect(page.locator("#actions")).to_contain_text("In progress")

    page.get_by_role("link", name="Record a judgement").click()
    fill_date(page, "Date of the judgement", today)
    choose(page, "Judgement", "Partly met")
    page.get_by_label("Agreed by").fill("Children's Services Improvement Board")
    page.get_by_label("Evaluation").fill("Interviews are offered sooner, but not yet in every case.")
    page.get_by_label("Where it is monitored").fill("Children's Services Improvement Board")
    assert axe_violations(page) == []
    shot(page, "improvement-judge")
    page.get_by_role("button", name="Save").click()
    saved(page)
    expect(page.locator("h1")).to_contain_text("Partly met")
    expect(page.locator(".govuk-summary-card")).to_contain_text(
        "Return home interviews offered within 72 hours"
    )
    assert axe_violations(page) == []
    shot(page, "improvement-recommendation")

    page.get_by_role("link", name="Back to the improvement plan").click()
    expect(page.locator("#recommendations")).to_contain_text("Partly met")
    expect(page.locator("#recommendations")).to_contain_text("0 of 1 action done")
    assert axe_violations(page) == []
    shot(page, "improvement-plan")

    page.get_by_role("link", name="Self-assessment report").click()
    report = page.locator("#self-assessment")
    expect(report).to_contain_text("Recommendation 1")
    expect(report).to_contain_text("Partly met")
    expect(report).to_contain_text("agreed by Children's Services Improvement Board")
    expect(report).to_contain_text("Monitoring arrangements")
    expect(report).to_contain_text("Return home interviews offered within 72 hours (MS-03A)")
    assert axe_violations(page) == []
    shot(page, "improvement-report")
    page.emulate_media(media="print")
    expect(page.locator(".govuk-service-navigation")).to_be_hidden()
    expect(report).to_be_visible()
    shot(page, "improvement-report-print")
