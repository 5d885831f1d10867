"""Issue 21 item 7 in a real browser: the scorecard page is a summary (RAG counts per section,
each section a GOV.UK details element) that opens into a section's own page with its trend charts,
drawn by the one charting library; both pass axe-core with no serious or critical violation.
Rules: INDICATORS.md C1 (RAG tally), C3 (England comparator with its year)."""

from __future__ import annotations

from playwright.sync_api import expect

from safeguard.performance import comparators
from safeguard.timescales.services import calendar_seed
from tests.e2e.axe import axe_violations
from tests.e2e.govuk import shot


def test_analyst_opens_the_summary_then_a_section_with_its_charts(world, sign_in, site):
    # A browser test's clean-up empties every table, the migrations' calendar and comparators too.
    calendar_seed(first_year=2015, last_year=2030)
    comparators.load()
    page = sign_in("analyst")
    page.goto(f"{site}/performance/?year=2026&quarter=2")
    expect(page.locator("h1").first).to_contain_text("Performance")
    summary = page.locator("details.govuk-details", has_text="Front door:").first
    expect(summary).to_be_visible()
    assert axe_violations(page) == []
    summary.locator("summary").click()
    expect(summary.get_by_text("Re-referrals within 12 months")).to_be_visible()
    shot(page, "scorecard-summary")
    page.get_by_role("link", name="Front door").first.click()
    expect(page.get_by_role("link", name="Back to the scorecard summary")).to_be_visible()
    assert page.locator(".sg-scorecard svg").count() >= 1
    expect(page.get_by_text("at most 22.6% (default)").first).to_be_visible()
    assert axe_violations(page) == []
    shot(page, "scorecard-front-door")
