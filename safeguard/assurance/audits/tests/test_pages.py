"""The case file audit pages: who sees what, the forms' round trip, and a fixed number of queries
whatever the sample's size."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.assurance.audits import services
from safeguard.assurance.audits.models import AuditAction, AuditTool, CaseAudit


def _grade_post(audit, grade="good"):
    data = {"version": audit.version, "overall": grade, "note": "Sound."}
    for d in audit.programme.tool.domains.all():
        data[f"grade_{d.pk}"] = grade
        data[f"evidence_{d.pk}"] = f"Evidence for {d.title}."
    return data


def test_a_manager_runs_a_programme_from_the_form(world, client_for):
    services.tools_load_defaults()
    c = client_for(world.tm_a)
    assert c.get("/audits/programmes/new/").status_code == 200
    tool = AuditTool.objects.get(code="case-file")
    month = dt.date.today().strftime("%Y-%m")
    bad = c.post("/audits/programmes/new/", {"title": "", "kind": "monthly", "tool": tool.pk, "month": month,
                                             "per_team": 2, "auditor": world.tm_b.pk})
    assert bad.status_code == 200 and "There is a problem" in bad.content.decode()
    r = c.post("/audits/programmes/new/", {
        "title": "March audit", "kind": "monthly", "tool": tool.pk, "month": month,
        "teams": [world.tm_a.team_id], "per_team": 2, "auditor": world.tm_b.pk, "moderator": world.iro.pk})
    assert r.status_code == 302, [m for m in r.content.decode().split("\n") if "error" in m][:10]
    page = c.get(r.url).content.decode()
    assert "Children drawn (2)" in page


def test_only_managers_run_programmes(world, client_for):
    assert client_for(world.sw_a).get("/audits/programmes/new/").status_code == 403
    assert client_for(world.lado).get("/audits/").status_code == 403


def test_grade_moderate_respond_and_an_action_through_the_pages(world, client_for, programme):
    audit = programme.audits.get(child=world.own)
    auditor = client_for(world.tm_b)
    assert auditor.get(f"/audits/{audit.pk}/grade/").status_code == 200
    r = auditor.post(f"/audits/{audit.pk}/grade/", _grade_post(audit))
    assert r.status_code == 302, r.content.decode()[:2000]
    audit.refresh_from_db()
    assert audit.status == "graded"
    # The worker may not grade, but may respond.
    worker = client_for(world.sw_a)
    assert worker.get(f"/audits/{audit.pk}/grade/").status_code == 403
    assert worker.post(f"/audits/{audit.pk}/respond/", {"version": audit.version,
                                                       "response": "Agreed."}).status_code == 302
    audit.refresh_from_db()
    moderator = client_for(world.iro)
    data = _grade_post(audit, "good")
    data["note"] = "Checked the plan."
    assert moderator.post(f"/audits/{audit.pk}/moderate/", data).status_code == 302
    due = dt.date.today() + dt.timedelta(days=7)
    r = moderator.post(f"/audits/{audit.pk}/actions/new/", {"what": "Update the chronology.",
                                                          "assigned_to": world.sw_a.pk, "due_date": due})
    assert r.status_code == 302
    action = AuditAction.objects.get(audit=audit)
    assert "Update the chronology." in worker.get("/audits/").content.decode()
    r = worker.post(f"/audits/actions/{action.pk}/done/",
                    {"version": action.version, "done_note": "Done it."})
    assert r.status_code == 302
    action.refresh_from_db()
    assert action.status == "done"
    page = client_for(world.tm_a).get(f"/audits/{audit.pk}/").content.decode()
    assert "Done it." in page and "Agreed." in page


def test_another_teams_worker_cannot_open_the_audit(world, client_for, programme):
    audit = programme.audits.first()
    assert client_for(world.sw_b).get(f"/audits/{audit.pk}/").status_code == 403


def test_the_scorecard_and_its_drill_down(world, client_for, programme):
    for a in programme.audits.all():
        services.audit_grade(by=world.tm_b, audit_id=a.pk, expected_version=a.version,
                             grades={d.pk: ("good", "Evidence.") for d in a.programme.tool.domains.all()},
                             overall="good")
    c = client_for(world.analyst)
    page = c.get("/audits/scorecard/").content.decode()
    assert "100%" in page
    month = dt.date.today().strftime("%Y-%m")
    drill = c.get(f"/audits/scorecard/audits/?by=domain&key=planning&month={month}").content.decode()
    assert "2 audits" in drill
    assert client_for(world.sw_a).get("/audits/scorecard/").status_code == 403
    assert client_for(world.councillor).get("/audits/scorecard/").status_code == 200
    assert client_for(world.councillor).get("/audits/scorecard/audits/").status_code == 403


def test_pages_take_a_fixed_number_of_queries(world, client_for, programme):
    """Two audits or one: the same queries for the programme page, the audit page and the scorecard."""
    c = client_for(world.tm_a)
    urls = [f"/audits/programmes/{programme.pk}/", f"/audits/{programme.audits.first().pk}/",
            "/audits/scorecard/", "/audits/"]
    before = {}
    for url in urls:
        with CaptureQueriesContext(connection) as q:
            assert c.get(url).status_code == 200
        before[url] = len(q)
    for a in programme.audits.all():
        services.audit_grade(by=world.tm_b, audit_id=a.pk, expected_version=a.version,
                             grades={d.pk: ("good", "Evidence.") for d in a.programme.tool.domains.all()},
                             overall="good")
        services.action_add(by=world.tm_b, audit_id=a.pk, what="An action.", assigned_to_id=world.sw_a2.pk,
                            due_date=dt.date.today())
    assert CaseAudit.objects.count() == 2
    for url in urls:
        with CaptureQueriesContext(connection) as q:
            assert c.get(url).status_code == 200
        assert len(q) <= before[url] + 1, (url, before[url], len(q))


def test_the_child_page_partial_lists_open_actions(world, client_for, programme, rf):
    """`web/audits/_child_actions.html`, which the child's page includes (see docs/AUDITS.md)."""
    from django.template.loader import render_to_string

    from safeguard.assurance.audits import selectors

    audit = programme.audits.get(child=world.own)
    grades = {d.pk: ("inadequate", "No plan.") for d in audit.programme.tool.domains.all()}
    audit = services.audit_grade(by=world.tm_b, audit_id=audit.pk, expected_version=audit.version,
                                 grades=grades, overall="inadequate")
    services.action_add(by=world.tm_b, audit_id=audit.pk, what="Write the plan.",
                        assigned_to_id=world.sw_a.pk, due_date=dt.date.today())
    request = rf.get("/")
    for user, link in ((world.sw_a, "Mark done"), (world.sw_a2, "See the audit")):
        request.user = user
        html = render_to_string("web/audits/_child_actions.html", {
            "actions": list(selectors.actions_for(user, child=world.own))}, request=request)
        assert "Write the plan." in html and link in html
    request.user = world.sw_b
    assert "Write the plan." not in render_to_string("web/audits/_child_actions.html", {
        "actions": list(selectors.actions_for(world.sw_b, child=world.own))}, request=request)
