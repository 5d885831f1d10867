"""Issue 18, item 3, in a real browser: the LADO's desk. The LADO records an allegation against a
member of staff, the threshold decision, a strategy meeting and a review, police involvement, and
concludes it with its outcome and the employer's action (KCSIE Part 4 "Managing allegations against
staff"; INDICATORS.md T16); a social worker is refused the allegation (KCSIE Part 4: confidential)."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from safeguard.lado.models import Allegation
from tests.e2e.axe import axe_violations
from tests.e2e.govuk import choose, fill_date, shot
from tests.e2e.test_decisions import saved


def test_the_lado_records_an_allegation_through_to_its_outcome(world, sign_in, site):
    today = dt.date.today()
    referred = today - dt.timedelta(days=14)
    lado = sign_in("lado")
    lado.goto(f"{site}/lado/")
    expect(lado.locator("h1")).to_contain_text("Allegations against adults")
    assert axe_violations(lado) == []
    lado.get_by_role("link", name="Record an allegation").click()

    lado.get_by_label("LADO reference").fill("LADO-2026-042")
    fill_date(lado, "Date the referral was received", referred)
    lado.get_by_label("Referring agency").select_option(label="Education")
    lado.get_by_label("The adult's name").fill("Alex Synthetic-Adult")
    lado.get_by_label("Employer", exact=True).fill("Riverside Primary School (synthetic)")
    lado.get_by_label("The adult's role").fill("PE teacher")
    lado.get_by_label("Kind of employer").select_option(label="Education")
    lado.get_by_label("Setting").select_option(label="Education")
    fill_date(lado, "Date the employer became aware", referred)
    choose(lado, "Category of harm", "Physical")
    choose(lado, "Are children with disabilities involved?", "No")
    choose(lado, "Is it a non-recent allegation?", "No")
    assert axe_violations(lado) == []
    shot(lado, "lado-new")
    lado.get_by_role("button", name="Save").click()
    saved(lado)
    expect(lado.locator("h1")).to_contain_text("LADO-2026-042")
    expect(lado.locator("main")).to_contain_text("Alex Synthetic-Adult")

    lado.get_by_role("link", name="Record the LADO's response").click()
    choose(lado, "The LADO's response", "Threshold met")
    fill_date(lado, "Date of the decision", referred)
    assert axe_violations(lado) == []
    shot(lado, "lado-response")
    lado.get_by_role("button", name="Save").click()
    saved(lado)

    lado.get_by_role("link", name="Record a strategy meeting").click()
    fill_date(lado, "Date of the meeting", referred + dt.timedelta(days=1))
    assert axe_violations(lado) == []
    lado.get_by_role("button", name="Save").click()
    saved(lado)

    lado.get_by_role("link", name="Record a review").click()
    fill_date(lado, "Date of the review", today - dt.timedelta(days=1))
    assert axe_violations(lado) == []
    lado.get_by_role("button", name="Save").click()
    saved(lado)

    lado.get_by_role("link", name="Record police and court involvement").click()
    choose(lado, "Are the police investigating?", "Yes")
    choose(lado, "Are there court proceedings?", "Not known yet")
    assert axe_violations(lado) == []
    lado.get_by_role("button", name="Save").click()
    saved(lado)
    expect(lado.locator("#meetings")).to_contain_text(f"{referred + dt.timedelta(days=1):%-d %B %Y}")
    expect(lado.locator("#clocks")).to_contain_text("T16S")
    assert axe_violations(lado) == []
    shot(lado, "lado-allegation-open")

    # Closing without the outcome a threshold-met allegation needs is refused, naming the field.
    lado.get_by_role("link", name="Record the outcome and employer action, and close").click()
    fill_date(lado, "Date the allegation was concluded", today)
    lado.get_by_role("button", name="Save").click()
    expect(lado.locator(".govuk-error-summary")).to_contain_text(
        "Outcome: an allegation that met the threshold")
    assert axe_violations(lado) == []
    shot(lado, "lado-close-refused")
    choose(lado, "Outcome", "Substantiated")
    lado.get_by_label("Employer action").select_option(label="Dismissal")
    lado.get_by_role("button", name="Save").click()
    saved(lado)
    expect(lado.locator("#allegation-details")).to_contain_text("Dismissal")
    shot(lado, "lado-allegation-closed")

    a = Allegation.objects.get(reference="LADO-2026-042")
    assert (a.response, a.police_involved, a.court_proceedings, a.outcome, a.employer_action,
            a.closure_date) == ("threshold_met", True, None, "substantiated", "dismissal", today)

    # The list, filtered to closed allegations.
    lado.get_by_role("link", name="Back to allegations").click()
    expect(lado.locator("body")).not_to_contain_text("LADO-2026-042")
    choose(lado, "Status", "Closed")
    lado.get_by_role("button", name="Apply filters").click()
    expect(lado.locator("#allegations")).to_contain_text("LADO-2026-042")
    expect(lado.locator("#allegations")).to_contain_text("PE teacher")
    assert axe_violations(lado) == []
    shot(lado, "lado-list-closed")
    lado.locator("#allegations").get_by_role("link", name="LADO-2026-042").click()
    expect(lado.locator("h1")).to_contain_text("LADO-2026-042")

    # A social worker is refused, with no word of the allegation.
    sw = sign_in("sw_a")
    response = sw.goto(f"{site}/lado/{a.pk}/")
    assert response.status == 403
    expect(sw.locator("body")).not_to_contain_text("LADO-2026-042")
    expect(sw.locator("body")).not_to_contain_text("PE teacher")
