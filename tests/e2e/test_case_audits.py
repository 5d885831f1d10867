"""Issue 21, item 1, in a real browser: a team manager runs a monthly case file audit programme of
their team's open cases; another team's manager grades a sampled case (opening the child's record
for the case audit, which the audit trail records with that reason); the IRO moderates it as the
second grader, disagreeing on one domain and recording the grade agreed; an action arising is
assigned to the child's social worker, who marks it done; the audit scorecard shows the month and
drills to the audit. Every page passes axe-core with no serious or critical violation."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from safeguard.assurance.audits import services
from safeguard.assurance.audits.models import AuditAction, CaseAudit
from safeguard.audit.models import AuditEvent
from tests.e2e.axe import axe_violations
from tests.e2e.govuk import shot


def _checked(page, name):
    assert axe_violations(page) == [], name
    shot(page, f"audits-{name}")


def test_a_monthly_case_audit_from_sample_to_action_done(world, sign_in, site):
    services.tools_load_defaults()  # a transactional test empties the tables the migration filled
    tm = sign_in("tm_a")
    tm.goto(f"{site}/audits/")
    expect(tm.get_by_role("heading", name="Case file audits")).to_be_visible()
    _checked(tm, "index")
    tm.get_by_role("link", name="Run an audit programme").click()
    tm.get_by_role("button", name="Draw the sample").click()  # nothing filled: the error summary
    expect(tm.locator(".govuk-error-summary")).to_contain_text("Title")
    _checked(tm, "programme-error")
    tm.get_by_label("Title").fill("Assessment Team A monthly audit")
    tm.get_by_label("Monthly sample of each team's open cases").check()
    tm.get_by_label("Audit tool").select_option(label="Case file audit")
    tm.get_by_label("Month audited").select_option(label=f"{dt.date.today():%B %Y}")
    tm.get_by_label("Assessment Team A").check()
    tm.get_by_label("Children drawn from each team").fill("1")
    tm.get_by_label("Auditor", exact=True).select_option(label=f"{world.tm_b} (Team manager)")
    tm.get_by_label("Moderator (second grader)").select_option(
        label=f"{world.iro} (Independent reviewing officer / CP chair)")
    tm.get_by_role("button", name="Draw the sample").click()
    expect(tm.get_by_role("heading", name="Assessment Team A monthly audit")).to_be_visible()
    expect(tm.locator("#sample")).to_contain_text("Children drawn (1)")
    _checked(tm, "programme")
    audit = CaseAudit.objects.get()
    child = audit.child
    name = f"{child.first_name} {child.last_name}"
    assert child.pk in (world.own.pk, world.team.pk)  # one of Team A's open, unrestricted cases

    # The auditor, another team's manager, opens the child's record for the case audit and grades it.
    auditor = sign_in("tm_b")
    auditor.goto(f"{site}/audits/")
    expect(auditor.locator("#my-audits")).to_contain_text(name)
    auditor.locator("#my-audits").get_by_role("link", name="Open audit").click()
    expect(auditor.get_by_role("heading", name=f"Case audit: {name}")).to_be_visible()
    _checked(auditor, "audit-assigned")
    auditor.get_by_role("link", name=name).first.click()
    expect(auditor.get_by_role("heading", name=name).first).to_be_visible()
    seen = AuditEvent.objects.filter(actor=world.tm_b, child_id=child.pk, action="view").latest("pk")
    assert "case audit: Assessment Team A monthly audit" in seen.reason
    auditor.go_back()
    auditor.get_by_role("link", name="Grade the case").click()
    domains = list(audit.programme.tool.domains.order_by("order"))
    for d in domains:
        group = auditor.get_by_role("group", name=f"{d.title}: grade", exact=True)
        group.get_by_label("Good", exact=True).check()
        auditor.get_by_label(f"{d.title}: evidence").fill(f"{d.title}: on the record, current and clear.")
    auditor.get_by_role("group", name="Overall grade").get_by_label("Good", exact=True).check()
    auditor.get_by_label("Summary of findings").fill("A well-kept record; plans could be sharper.")
    _checked(auditor, "grade-form")
    auditor.get_by_role("button", name="Save").click()
    expect(auditor.locator(".govuk-notification-banner--success")).to_contain_text("Audit graded")
    expect(auditor.locator("#overall")).to_contain_text("Good")

    # The IRO moderates: grades planning lower, so records the grade agreed and how.
    iro = sign_in("iro")
    iro.goto(f"{site}/audits/{audit.pk}/")
    iro.get_by_role("link", name="Moderate the audit").click()
    for d in domains:
        grade = "Requires improvement" if d.code == "planning" else "Good"
        iro.get_by_role("group", name=f"{d.title}: grade", exact=True).get_by_label(grade, exact=True).check()
        iro.get_by_label(f"{d.title}: your comment").fill("Agree with the evidence." if grade == "Good"
                                                          else "The plan's actions have no dates.")
    iro.get_by_role("group", name="Overall grade after moderation").get_by_label("Good", exact=True).check()
    iro.get_by_label("Moderation summary").fill("Read the plan, the last review and the case notes.")
    iro.get_by_role("button", name="Save").click()  # the difference is not yet resolved
    expect(iro.locator(".govuk-error-summary")).to_contain_text("record the grade you agreed")
    _checked(iro, "moderate-error")
    agreed = iro.get_by_role("group", name="Planning: grade agreed with the auditor (only if you differ)")
    agreed.get_by_label("Requires improvement", exact=True).check()
    iro.get_by_label("Planning: how the difference was resolved").fill(
        "Discussed with the auditor: the actions are undated, so requires improvement.")
    iro.get_by_role("button", name="Save").click()
    expect(iro.locator(".govuk-notification-banner--success")).to_contain_text("Moderation recorded")
    expect(iro.locator("#domain-planning")).to_contain_text("Resolved: Discussed with the auditor")
    _checked(iro, "audit-moderated")

    # An action arising for the child's social worker, tracked to done.
    iro.get_by_role("link", name="Add an action arising").click()
    iro.get_by_label("What is to be done").fill("Date every action of the plan at the next review.")
    iro.get_by_label("Assigned to").select_option(label=str(audit.worker))
    due = dt.date.today() + dt.timedelta(days=14)
    iro.get_by_label("Day").fill(str(due.day))
    iro.get_by_label("Month", exact=True).fill(str(due.month))
    iro.get_by_label("Year").fill(str(due.year))
    _checked(iro, "action-form")
    iro.get_by_role("button", name="Add action").click()
    expect(iro.locator("#actions")).to_contain_text("Date every action of the plan")

    worker = sign_in(audit.worker.username)
    worker.goto(f"{site}/audits/")
    expect(worker.locator("#my-actions")).to_contain_text("Date every action of the plan")
    _checked(worker, "worker-index")
    worker.locator("#my-actions").get_by_role("link", name="Mark done").click()
    worker.get_by_label("What was done").fill("Plan revised with a date for each action.")
    _checked(worker, "action-done-form")
    worker.get_by_role("button", name="Mark done").click()
    expect(worker.locator("#actions")).to_contain_text("Done")
    action = AuditAction.objects.get()
    assert action.status == "done" and action.child_id == child.pk
    assert AuditEvent.objects.filter(child_id=child.pk, detail__event="audit_action_complete").exists()

    # The scorecard: the month's figure drills to the audit behind it.
    tm.goto(f"{site}/audits/scorecard/")
    expect(tm.locator("#score-planning")).to_contain_text("0%")
    _checked(tm, "scorecard")
    tm.locator("#score-planning").get_by_role("link").first.click()
    expect(tm.locator("#behind")).to_contain_text(name)
    _checked(tm, "scorecard-drill")
