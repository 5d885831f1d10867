"""Issue 21, items 3 and 4, in a real browser. The complaints manager records a child's complaint
(Children Act 1989 Representations Procedure (England) Regulations 2006: stage 1 local resolution
within 10 working days), sees its clock on the worklist, moves it to a stage 2 investigation (25
working days) and sees that clock take its place; a team manager records a supervision whose case
decision shows on the child's record as management oversight, and whose reflective discussion only
the two may read."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from safeguard.timescales import calendar
from tests.e2e.axe import axe_violations
from tests.e2e.govuk import choose, fill_date, shot
from tests.e2e.test_decisions import saved


def _sign_in_to(browser, site, username: str, path: str):
    """Sign in and land on `path` (the sign-in page's `next`): the home page has no landing for the
    complaints manager's proposed role yet."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{site}/sign-in/?next={path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site}{path}")
    return context, page


def test_a_complaint_goes_from_stage_1_to_stage_2_with_its_clocks_on_the_worklist(world, browser, site):
    from safeguard.workforce.models import User

    User.objects.create_user(username="complaints", password="correct horse battery",
                             role="complaints_manager",
                             local_authority=world.la, first_name="Casey", last_name="Complaints")
    today = dt.date.today()
    received = today - dt.timedelta(days=3)
    cal = calendar.current()
    context, page = _sign_in_to(browser, site, "complaints", "/complaints/")
    expect(page.locator("h1")).to_contain_text("Complaints and representations")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Record a complaint").click()

    page.get_by_label("Complaint reference").fill("CS-2026-031")
    fill_date(page, "Date the complaint was received", received)
    choose(page, "Who made the complaint?", "The child or young person")
    page.get_by_label("The child's LA child ID").fill(world.own.la_child_id)
    page.get_by_label("Team complained about").select_option(label="Assessment Team A")
    page.get_by_label("What is it about?").select_option(label="Family time and contact")
    page.get_by_label("Summary of the complaint").fill("I do not see my brother enough.")
    choose(page, "Was advocacy offered?", "Yes")
    choose(page, "Was advocacy accepted?", "Yes")
    assert axe_violations(page) == []
    shot(page, "complaint-new")
    page.get_by_role("button", name="Save").click()
    saved(page)
    expect(page.locator("#clocks")).to_contain_text("CMP1")
    due1 = cal.add_working_days(received, 10)
    expect(page.locator("#clocks")).to_contain_text(f"{due1:%-d %b %Y}")
    assert axe_violations(page) == []
    shot(page, "complaint-stage-1")

    page.goto(f"{site}/complaints/")
    expect(page.locator("#complaints")).to_contain_text("Complaint stage 1: local resolution")
    expect(page.locator("#complaints")).to_contain_text(f"{due1:%-d %b %Y}")
    shot(page, "complaints-worklist-stage-1")

    page.get_by_role("link", name="CS-2026-031").click()
    page.get_by_role("link", name="Move to stage 2").click()
    fill_date(page, "Date the next stage was requested", today)
    page.get_by_label("Investigating officer").fill("Ivy Investigator")
    page.get_by_label("Independent person").fill("Ian Independent")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Save").click()
    saved(page)
    expect(page.locator("h1")).to_contain_text("Stage 2")
    expect(page.locator("#clocks")).to_contain_text("moved to stage 2")
    shot(page, "complaint-stage-2")

    page.goto(f"{site}/complaints/")
    due2 = cal.add_working_days(today, 25)
    expect(page.locator("#complaints")).to_contain_text("Complaint stage 2: investigation")
    expect(page.locator("#complaints")).to_contain_text(f"{due2:%-d %b %Y}")
    assert axe_violations(page) == []
    shot(page, "complaints-worklist-stage-2")

    page.goto(f"{site}/children/{world.own.pk}/complaints/")
    expect(page.locator("#complaints")).to_contain_text("CS-2026-031")
    assert axe_violations(page) == []

    page.goto(f"{site}/complaints/report/")
    expect(page.locator("#headline")).to_contain_text("Complaints received")
    assert axe_violations(page) == []
    shot(page, "complaints-report")
    context.close()


def test_a_supervision_decision_shows_on_the_childs_record(world, sign_in, site):
    private = "Talked about the weight of court work; agreed to protect Friday afternoons."
    manager = sign_in("tm_a")
    manager.goto(f"{site}/supervision/")
    expect(manager.locator("h1")).to_contain_text("Supervision")
    assert axe_violations(manager) == []
    shot(manager, "supervision-compliance-before")
    manager.get_by_role("link", name="Sw_A Test").click()
    manager.get_by_role("link", name="Record supervision").click()
    fill_date(manager, "Date of the supervision", dt.date.today())
    manager.get_by_label("Reflective discussion").fill(private)
    manager.get_by_label("Case decision 1: child").select_option(value=str(world.own.pk))
    manager.get_by_label("Case decision 1: the decision").fill(
        "Convene a family network meeting by the 20th.")
    assert axe_violations(manager) == []
    shot(manager, "supervision-record")
    manager.get_by_role("button", name="Save").click()
    saved(manager)
    expect(manager.locator("#reflection")).to_contain_text("Friday afternoons")
    expect(manager.locator("#decisions")).to_contain_text("family network meeting")
    assert axe_violations(manager) == []
    shot(manager, "supervision-session")

    manager.get_by_role("link", name=world.own.first_name + " " + world.own.last_name).click()
    expect(manager.locator("#chronology")).to_contain_text(
        "Management oversight: Supervision decision: Convene a family network meeting")
    assert axe_violations(manager) == []
    shot(manager, "supervision-child-record")

    manager.goto(f"{site}/supervision/")
    expect(manager.locator("main")).to_contain_text("Up to date")
    shot(manager, "supervision-compliance-after")

    # An administrator sees that a session was held, never its reflective discussion.
    admin = sign_in("admin")
    admin.goto(f"{site}/supervision/workers/{world.sw_a.pk}/")
    admin.get_by_role("link", name=f"{dt.date.today():%-d %B %Y}").click()
    expect(admin.locator("#reflection-private")).to_be_visible()
    expect(admin.locator("main")).not_to_contain_text("Friday afternoons")
    assert axe_violations(admin) == []
