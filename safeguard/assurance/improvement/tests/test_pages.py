"""The improvement plan's pages: who reads and who writes (no child is named, so those who read the
council's figures read it; councillors read only), the forms' round trip with refusals beside their
fields, a stale judgement form refused (409), and a fixed number of queries for the plan and a
recommendation whatever the number of rows."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.assurance.improvement import services
from safeguard.assurance.improvement.models import ImprovementAction, ReviewJudgement

TODAY = dt.date.today()


def test_who_reads_and_who_writes(world, client_for, hos, rec):
    urls = ["/improvement/", f"/improvement/recommendations/{rec.pk}/", "/improvement/report/"]
    for user in (hos, world.tm_a, world.analyst, world.admin, world.councillor):
        for url in urls:
            assert client_for(user).get(url).status_code == 200, (user.username, url)
    for user in (world.sw_a, world.iro, world.lado, world.sw_x):
        for url in urls:
            assert client_for(user).get(url).status_code == 403, (user.username, url)
    councillor = client_for(world.councillor)
    assert "Record a judgement" not in councillor.get(urls[1]).content.decode()
    assert councillor.get(f"/improvement/recommendations/{rec.pk}/judge/").status_code == 403
    assert councillor.post(f"/improvement/recommendations/{rec.pk}/actions/new/", {}).status_code == 403


def test_another_councils_recommendation_is_not_found(world, client_for, rec):
    from safeguard.workforce.models import User

    other = User.objects.create_user(
        username="an_x", password="x", role="analyst", local_authority=world.other_la
    )
    assert client_for(other).get(f"/improvement/recommendations/{rec.pk}/").status_code == 404
    assert "Ensure that assessments" not in client_for(other).get("/improvement/").content.decode()


def test_the_forms_round_trip(world, client_for, hos):
    c = client_for(hos)
    bad = c.post("/improvement/inspections/new/", {"source": "", "reported_on": ""})
    assert bad.status_code == 400 and "There is a problem" in bad.content.decode()
    r = c.post(
        "/improvement/inspections/new/",
        {"source": "Ofsted ILACS inspection", "reported_on": TODAY - dt.timedelta(days=30)},
    )
    assert r.status_code == 302
    inspection_id = int(r.url.rsplit("=", 1)[1])
    r = c.post(
        f"/improvement/inspections/{inspection_id}/recommendations/new/",
        {"text": "Improve return home interviews.", "background": "Found late."},
    )
    assert r.status_code == 302
    rec_url = r.url
    rec_id = int(rec_url.rstrip("/").rsplit("/", 1)[1])
    r = c.post(
        f"{rec_url}actions/new/",
        {
            "what": "Recommission.",
            "owner": world.analyst.pk,
            "due_date": TODAY + dt.timedelta(days=20),
            "status": "in_progress",
        },
    )
    assert r.status_code == 302
    r = c.post(f"{rec_url}measures/new/", {"indicator_id": "MS-03A"})
    assert r.status_code == 302
    r = c.post(f"{rec_url}audits/new/", {"audit": "theme:return_home_interviews"})
    assert r.status_code == 302
    r = c.post(f"{rec_url}audits/new/", {"audit": "theme:return_home_interviews"})
    assert r.status_code == 400 and "already linked" in r.content.decode()
    page = c.get(rec_url).content.decode()
    assert "Return home interviews offered within 72 hours" in page and "Recommission." in page
    judge = c.get(f"{rec_url}judge/").content.decode()
    version = judge.split('name="record_version" value="')[1].split('"')[0]
    key = f"improvement.recommendation:{rec_id}"
    post = {
        "record_pk": key,
        "record_version": version,
        "judged_on": TODAY,
        "judgement": "partly_met",
        "agreed_by": "Improvement Board",
        "commentary": "Better, not yet consistent.",
    }
    r = c.post(f"{rec_url}judge/", post)
    assert r.status_code == 400 and "Say where the recommendation is monitored" in r.content.decode()
    r = c.post(f"{rec_url}judge/", {**post, "monitored_by": "Improvement Board"})
    assert r.status_code == 302
    # The same form again: a colleague's judgement came in between.
    r = c.post(
        f"{rec_url}judge/",
        {**post, "monitored_by": "Improvement Board", "judged_on": TODAY - dt.timedelta(days=1)},
    )
    assert r.status_code == 409 and "Someone else saved" in r.content.decode()
    assert ReviewJudgement.objects.filter(recommendation_id=rec_id).count() == 1
    action = ImprovementAction.objects.get(recommendation_id=rec_id)
    r = c.post(
        f"/improvement/actions/{action.pk}/",
        {
            "record_pk": f"improvement.improvementaction:{action.pk}",
            "record_version": action.version,
            "status": "done",
            "done_on": TODAY,
            "note": "Contract signed.",
        },
    )
    assert r.status_code == 302
    action.refresh_from_db()
    assert action.status == "done" and action.done_on == TODAY
    report = c.get("/improvement/report/").content.decode()
    assert "Partly met" in report and "Improvement Board" in report and "1 of 1 action done" in report


def _add_rows(hos, inspection, n: int, start: int) -> None:
    for i in range(n):
        rec = services.recommendation_add(
            by=hos, inspection_id=inspection.pk, text=f"Recommendation {start + i}."
        )
        for k in range(2):
            services.action_add(
                by=hos,
                recommendation_id=rec.pk,
                what=f"Action {k}.",
                owner_id=hos.pk,
                due_date=TODAY + dt.timedelta(days=k - 1),
            )
        services.evidence_link_measure(by=hos, recommendation_id=rec.pk, indicator_id="AS-02")
        services.evidence_link_audit(by=hos, recommendation_id=rec.pk, scope="theme", key="monthly")
        services.evidence_add_text(by=hos, recommendation_id=rec.pk, label="Words", text="Shown.")
        rec.refresh_from_db()
        services.judgement_record(
            by=hos,
            recommendation_id=rec.pk,
            expected_version=rec.version,
            judged_on=TODAY,
            judgement="not_yet_met",
            agreed_by="Board",
            commentary="Early days.",
            monitored_by="Board",
        )


def test_pages_take_a_fixed_number_of_queries(world, client_for, hos, inspection, rec):
    """One recommendation or four, one action or nine, one judgement or three: the same queries for
    each page (once a page has a judgement, its figures are one more query)."""
    c = client_for(world.analyst)
    services.action_add(by=hos, recommendation_id=rec.pk, what="One.", owner_id=hos.pk, due_date=TODAY)
    services.evidence_link_measure(by=hos, recommendation_id=rec.pk, indicator_id="AS-02")
    rec.refresh_from_db()
    services.judgement_record(
        by=hos,
        recommendation_id=rec.pk,
        expected_version=rec.version,
        judged_on=TODAY - dt.timedelta(days=50),
        judgement="not_yet_met",
        agreed_by="Board",
        commentary="Early.",
        monitored_by="Board",
    )
    urls = ["/improvement/", f"/improvement/recommendations/{rec.pk}/", "/improvement/report/"]
    before = {}
    for url in urls:
        c.get(url)  # the session and user are read once; count the page's own queries after
        with CaptureQueriesContext(connection) as q:
            assert c.get(url).status_code == 200
        before[url] = len(q)
    _add_rows(hos, inspection, 3, 2)
    for k in range(8):
        services.action_add(
            by=hos,
            recommendation_id=rec.pk,
            what=f"More {k}.",
            owner_id=world.tm_a.pk,
            due_date=TODAY - dt.timedelta(days=k),
        )
    services.evidence_link_measure(by=hos, recommendation_id=rec.pk, indicator_id="AS-05")
    services.evidence_link_audit(by=hos, recommendation_id=rec.pk, scope="domain", key="assessment")
    for days in (30, 10):
        rec.refresh_from_db()
        services.judgement_record(
            by=hos,
            recommendation_id=rec.pk,
            expected_version=rec.version,
            judged_on=TODAY - dt.timedelta(days=days),
            judgement="partly_met",
            agreed_by="Board",
            commentary="Better.",
            monitored_by="Board",
        )
    for url in urls:
        with CaptureQueriesContext(connection) as q:
            page = c.get(url)
            assert page.status_code == 200
        assert len(q) == before[url], (url, before[url], len(q))
    assert "<strong>7 overdue</strong>" in c.get("/improvement/").content.decode()


def test_the_report_as_at_a_date_typed_in_three_fields(world, client_for, hos, rec):
    c = client_for(world.councillor)
    rec.refresh_from_db()
    services.judgement_record(
        by=hos,
        recommendation_id=rec.pk,
        expected_version=rec.version,
        judged_on=TODAY - dt.timedelta(days=5),
        judgement="not_yet_met",
        agreed_by="Scrutiny",
        commentary="Early.",
        monitored_by="Scrutiny committee",
    )
    before = TODAY - dt.timedelta(days=10)
    page = c.get(
        "/improvement/report/",
        {"as_of_day": before.day, "as_of_month": before.month, "as_of_year": before.year},
    ).content.decode()
    assert "Not yet judged" in page and "Scrutiny committee" not in page
    page = c.get("/improvement/report/").content.decode()
    assert "Scrutiny committee" in page and "web/improvement.css" in page
    future = TODAY + dt.timedelta(days=10)
    page = c.get(
        "/improvement/report/",
        {"as_of_day": future.day, "as_of_month": future.month, "as_of_year": future.year},
    ).content.decode()
    assert "between 1 January 2000 and today" in page
