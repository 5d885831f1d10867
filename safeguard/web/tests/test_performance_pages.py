"""The Performance page (scorecard, drill-down) and the analysts' Forecast page: who sees what, what
is suppressed, and the audit rows (issue 6 "Performance: the scorecard, with drill-down to the
children behind each figure for those allowed to see them"; issue 8 "a page in the web app for
analysts with the projection charted against history"; INDICATORS.md §0.3 rule 5 on suppressing
counts of 1 to 5 in public outputs)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from safeguard.audit.models import AuditEvent
from safeguard.looked_after.models import Episode, PeriodOfCare

D = dt.date
# Reporting year 2026 (April 2025 - March 2026), quarter 2: July - September 2025. Complete, so the
# LAC-01 snapshot at 30 September 2025 does not move with the date the tests run.
Q2 = {"year": "2026", "quarter": "2"}
DRILL_LAC = "/performance/drill/LAC-01/"


def _in_care(child, start, place="U4", provider="PR1"):
    period = PeriodOfCare.objects.create(child=child, start_date=start)
    Episode.objects.create(
        period_of_care=period,
        decom=start,
        rne="S",
        legal_status="C2",
        category_of_need="N1",
        placement=place,
        placement_provider=provider,
    )


@pytest.fixture
def two_in_care(world):
    """Two children looked after since January 2025: a count of 2, which public outputs show as 'c'."""
    _in_care(world.own, D(2025, 1, 1))
    _in_care(world.team, D(2025, 1, 10), place="K2", provider="PR4")
    return world


def _quarter_cells(body: str, indicator_id: str) -> list[str]:
    """The Q1 and Q2 cells of one measure's scorecard row (render_html: the id in the row's first
    cell; the numeric cells end with the previous year-end, then the quarters)."""
    match = re.search(rf"<tr><td class='num'>{re.escape(indicator_id)}</td>.*?</tr>", body, re.S)
    assert match, f"no scorecard row for {indicator_id}"
    return re.findall(r"<td class='num'>([^<]*)</td>", match.group(0))[-2:]


def test_performance_page_by_role(two_in_care, client_for, client):
    """Councillors, managers, analysts and administrators see the page; social workers are refused;
    anonymous users are sent to sign in."""
    w = two_in_care
    for user in (w.councillor, w.analyst, w.tm_a, w.admin):
        response = client_for(user).get("/performance/", Q2)
        assert response.status_code == 200, user.username
        assert "children's services scorecard, 2025-26 Q2" in response.content.decode()
    for user in (w.sw_a, w.lado, w.iro):
        assert client_for(user).get("/performance/", Q2).status_code == 403, user.username
    response = client.get("/performance/", Q2)
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_councillor_sees_the_suppressed_scorecard_and_no_drill_down(two_in_care, client_for):
    """Councillors see aggregates only: small counts suppressed, no child named, no drill-down links
    (INDICATORS.md §0.3 rule 5)."""
    w = two_in_care
    body = client_for(w.councillor).get("/performance/", Q2).content.decode()
    assert _quarter_cells(body, "LAC-01") == ["c", "c"]
    assert "/performance/drill/" not in body
    assert 'href="/forecast/"' not in body
    assert not any(c.last_name in body for c in w.children.values())


def test_analyst_sees_unsuppressed_figures_each_linking_to_its_children(two_in_care, client_for):
    w = two_in_care
    response = client_for(w.analyst).get("/performance/", Q2)
    body = response.content.decode()
    assert _quarter_cells(body, "LAC-01") == ["2", "2"]
    links = {d["id"]: d for d in response.context["drill_links"]}
    assert links["LAC-01"]["value"] == "2"
    assert links["LAC-01"]["url"] == f"{DRILL_LAC}?year=2026&quarter=2"
    assert f'href="{DRILL_LAC}?year=2026&amp;quarter=2"' in body
    assert 'href="/forecast/"' in body  # the analyst's menu leads to the forecast
    assert not any(c.last_name in body for c in w.children.values())


def test_drill_down_lists_the_children_for_allowed_roles_with_an_audit_row(two_in_care, client_for):
    """The performance selector decides (analysts, managers, IROs, administrators) and audits. Issue 15,
    finding 2: every child is counted, but only those the access policy opens to the user are named,
    and each child named has an audit row of its own (so its "who has viewed" shows the look)."""
    from safeguard.access import policy

    w = two_in_care
    looked_after = (w.own, w.team)
    for user in (w.analyst, w.tm_a, w.tm_b, w.iro, w.admin):
        before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        response = client_for(user).get(DRILL_LAC, Q2)
        assert response.status_code == 200, user.username
        body = response.content.decode()
        assert w.other_team.last_name not in body  # not looked after
        named = {c.pk for c in looked_after if c.last_name in body}
        assert named == {c.pk for c in looked_after if policy.can_view_child(user, c)}, user.username
        assert "2 counted" in body, user.username
        rows = body.count('<tr class="govuk-table__row">')  # the header row, then one per child listed
        assert rows == (len(named) + 1 if named else 0), user.username
        event = AuditEvent.objects.filter(
            actor=user, object_type="performance.Indicator", object_id="LAC-01", child_id__isnull=True
        ).latest("pk")
        assert event.detail["children"] == 2 and event.detail["period_end"] == "2025-09-30"
        per_child = AuditEvent.objects.filter(pk__gt=before, actor=user, child_id__isnull=False)
        assert set(per_child.values_list("child_id", flat=True)) == named, user.username
    assert not policy.can_view_child(w.admin, w.own)  # administrators see no child's record
    assert policy.can_view_child(w.tm_a, w.own) and not policy.can_view_child(w.tm_b, w.own)


def test_drill_down_never_names_a_restricted_child(two_in_care, client_for):
    """Issue 15, finding 2: a restricted record (a staff member's family, an adoption) in care is
    counted in LAC-01, but not even the analyst, who reads every other child, sees its name."""
    w = two_in_care
    _in_care(w.restricted, D(2025, 2, 1))
    body = client_for(w.analyst).get(DRILL_LAC, Q2).content.decode()
    assert "3 counted" in body and "1 of them are not listed" in body
    assert w.restricted.last_name not in body and w.restricted.la_child_id not in body
    assert not AuditEvent.objects.filter(actor=w.analyst, child_id=w.restricted.pk, action="view").exists()


def test_drill_down_refused_with_403_and_an_audit_row(two_in_care, client_for, client):
    """Councillors see aggregates only; social workers have no analysis rights: both refused, and the
    refusal is itself audited."""
    w = two_in_care
    for user in (w.councillor, w.sw_a, w.lado):
        response = client_for(user).get(DRILL_LAC, Q2)
        assert response.status_code == 403, user.username
        body = response.content.decode()
        assert w.own.last_name not in body and w.team.last_name not in body
        assert AuditEvent.objects.filter(
            actor=user, object_type="performance.Indicator", object_id="LAC-01", detail__refused=True
        ).exists(), user.username
    response = client.get(DRILL_LAC, Q2)
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    assert client_for(w.analyst).get("/performance/drill/NOPE-99/", Q2).status_code == 404


def test_bad_period_is_named(world, client_for):
    response = client_for(world.analyst).get("/performance/", {"year": "twenty", "quarter": "7"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "year: &#x27;twenty&#x27; is not a reporting year" in body
    assert "quarter: &#x27;7&#x27; must be 1 to 4" in body


def test_pages_keep_the_strict_csp(two_in_care, client_for):
    """No inline styles or scripts in the embedded reports: the CSP has no 'unsafe-inline'."""
    w = two_in_care
    for user, url, params in (
        (w.analyst, "/performance/", Q2),
        (w.councillor, "/performance/", Q2),
        (w.analyst, "/forecast/", {"as_at": "2026-03-31", "reference_months": "12", "horizon_months": "6"}),
    ):
        response = client_for(user).get(url, params)
        assert response.status_code == 200
        policy = response["Content-Security-Policy"]
        assert "unsafe-inline" not in policy and "style-src 'self'" in policy
        body = response.content.decode()
        assert "<style" not in body and " style=" not in body, url
        assert "web/reports.css" in body


def test_forecast_page_for_analysts_charts_projection_against_history(two_in_care, client_for):
    """Issue 8: the projection charted against history, with as-at, reference and horizon inputs;
    fitting reads every episode, so the run is audited as an export."""
    w = two_in_care
    response = client_for(w.analyst).get(
        "/forecast/", {"as_at": "2026-03-31", "reference_months": "12", "horizon_months": "6"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Forecast of children in care and placement cost from 31 March 2026" in body
    assert "Children in care on 2026-03-31:\n<b>2</b>" in body
    assert body.count("<svg") >= 2 and "stroke-dasharray" in body  # history solid, projection dashed
    assert "sg-swatch sg-swatch-1d3557" in body
    assert not any(c.last_name in body for c in w.children.values())
    event = AuditEvent.objects.filter(
        actor=w.analyst, action="export", object_type="looked_after.Episode"
    ).latest("at")
    assert event.detail == {"purpose": "web forecast page", "count": 2}
    # Without inputs the page runs with the command's defaults (24 months back, 24 ahead).
    response = client_for(w.analyst).get("/forecast/")
    assert response.status_code == 200 and "projected\n24 months" in response.content.decode()


def test_forecast_page_refuses_everyone_but_analysts(two_in_care, client_for, client):
    w = two_in_care
    for user in (w.councillor, w.tm_a, w.sw_a, w.iro, w.lado):
        assert client_for(user).get("/forecast/").status_code == 403, user.username
    assert not AuditEvent.objects.filter(object_type="looked_after.Episode", action="export").exists()
    response = client.get("/forecast/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_forecast_bad_input_is_named_beside_its_field(world, client_for):
    response = client_for(world.analyst).get(
        "/forecast/", {"as_at": "31/13/2026", "reference_months": "24", "horizon_months": "99"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter a valid date." in body
    assert "Ensure this value is less than or equal to 60." in body
    assert "<svg" not in body


def test_whole_year_scorecard_drills_into_the_whole_year(two_in_care, client_for):
    """A whole-year scorecard's links open the year (snapshot at 31 March), not today's quarter."""
    w = two_in_care
    client = client_for(w.analyst)
    response = client.get("/performance/", {"year": "2026", "quarter": "year"})
    url = {d["id"]: d["url"] for d in response.context["drill_links"]}["LAC-01"]
    assert url == f"{DRILL_LAC}?year=2026&quarter=year"
    assert client.get(url).status_code == 200
    event = AuditEvent.objects.filter(actor=w.analyst, object_id="LAC-01").latest("at")
    assert event.detail["period_end"] == "2026-03-31" and event.detail["children"] == 2
