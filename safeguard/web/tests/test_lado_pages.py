"""The LADO's desk through its pages (issue 18, item 3; KCSIE Part 4 "Managing allegations against
staff"): an allegation recorded from the referral through the response, a strategy meeting, a review,
police and court involvement to the outcome, employer action and closure; the list filtered and paged
in a fixed number of queries; a stale form refused; nobody but the LADO, their manager and
administrators told that an allegation exists."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.audit.models import AuditEvent
from safeguard.lado import services
from safeguard.lado.models import Allegation
from safeguard.timescales.models import Clock

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


def _allegation(world, reference="LADO-1", referral=None, **fields):
    fields.setdefault("referring_agency", "education")
    return services.allegation_record(by=world.lado, local_authority=world.la, reference=reference,
                                      referral_date=referral or TODAY - dt.timedelta(days=3), **fields)


def _carried(a) -> dict:
    """The hidden fields a step's form carries: which allegation, at which version."""
    a.refresh_from_db()
    return {"record_pk": f"lado.allegation:{a.pk}", "record_version": str(a.version)}


def _saved(response):
    assert response.status_code == 302, response.content.decode()[:3000]
    return response


def test_the_lado_records_an_allegation_through_to_its_outcome(world, client_for):
    """KCSIE Part 4: referral, threshold decision, strategy meeting (T16S within 5 working days),
    review (T16V every 4 weeks), police involvement, outcome and employer action at conclusion
    (T16C); each step audited under its own name."""
    lado = client_for(world.lado)
    start = TODAY - dt.timedelta(days=10)
    page = lado.get("/lado/new/")
    assert page.status_code == 200 and "Date the referral was received" in page.content.decode()
    created = _saved(lado.post("/lado/new/", {
        "reference": "LADO-2026-001", "referral_date": start, "referring_agency": "education",
        "role": "Class teacher", "employing_agency": "education", "setting": "education",
        "employer_aware_date": start, "category_of_harm": "physical", "disability": "no",
        "non_recent": "unknown"}))
    a = Allegation.objects.get(reference="LADO-2026-001")
    assert created["Location"] == f"/lado/{a.pk}/"
    assert (a.role, a.setting, a.category_of_harm, a.disability, a.non_recent) == (
        "Class teacher", "education", "physical", False, None)

    _saved(lado.post(f"/lado/{a.pk}/response/", {"response": "threshold_met", "response_date": start,
                                                 **_carried(a)}))
    _saved(lado.post(f"/lado/{a.pk}/strategy-meeting/", {"held_on": start + dt.timedelta(days=1),
                                                         **_carried(a)}))
    _saved(lado.post(f"/lado/{a.pk}/review/", {"held_on": start + dt.timedelta(days=5), **_carried(a)}))
    _saved(lado.post(f"/lado/{a.pk}/involvement/", {"police_involved": "yes", "court_proceedings": "no",
                                                    **_carried(a)}))
    page = html.unescape(lado.get(f"/lado/{a.pk}/").content.decode())
    assert "Record the outcome and employer action, and close" in page and "T16S" in page
    assert "Change the LADO's response" in page and "Record the LADO's response" not in page
    _saved(lado.post(f"/lado/{a.pk}/close/", {"closure_date": TODAY, "outcome": "substantiated",
                                              "employer_action": "", **_carried(a)}))
    _saved(lado.post(f"/lado/{a.pk}/outcome/", {"outcome": "substantiated", "employer_action": "dismissal",
                                                **_carried(a)}))
    a.refresh_from_db()
    assert (a.response, a.police_involved, a.court_proceedings, a.outcome, a.employer_action,
            a.closure_date) == ("threshold_met", True, False, "substantiated", "dismissal", TODAY)
    assert a.strategy_meetings.count() == 1 and a.reviews.count() == 1
    assert not Clock.objects.filter(subject_id=a.pk, subject_type="lado.Allegation", met_date__isnull=True,
                                    stopped_date__isnull=True).exists()
    events = set(AuditEvent.objects.filter(actor=world.lado).values_list("detail__event", flat=True))
    assert {"allegation_record", "allegation_record_response", "strategy_meeting_record", "review_record",
            "allegation_record_involvement", "allegation_close", "allegation_record_outcome"} <= events
    page = lado.get(f"/lado/{a.pk}/").content.decode()
    assert "Dismissal" in page and "Substantiated" in page and "Closed" in page
    assert "Record a strategy meeting" not in page  # closed: no more meetings offered
    closed = lado.get("/lado/?status=closed").content.decode()
    assert "LADO-2026-001" in closed and "Showing 1 to 1 of 1 allegation" in closed
    assert "LADO-2026-001" not in lado.get("/lado/").content.decode()  # open ones by default


def test_a_refusal_names_the_field_and_its_rule(world, client_for):
    """Local LADO procedures: a referral cannot be received in the future, and a LADO reference
    identifies one allegation; both refusals appear in the error summary beside their field."""
    _allegation(world, "LADO-TAKEN")
    lado = client_for(world.lado)
    refused = lado.post("/lado/new/", {
        "reference": "LADO-TAKEN", "referral_date": TODAY + dt.timedelta(days=2),
        "referring_agency": "police", "disability": "unknown", "non_recent": "unknown"})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "There is a problem" in body
    assert 'href="#id_reference">LADO reference: reference LADO-TAKEN is already used' in body
    assert "Date the referral was received: Referral date cannot be in the future" in body
    assert Allegation.objects.count() == 1
    a = Allegation.objects.get()
    meeting = lado.post(f"/lado/{a.pk}/strategy-meeting/", {"held_on": TODAY, **_carried(a)})
    assert meeting.status_code == 400
    assert "a LADO strategy meeting is held only when the threshold is met" in meeting.content.decode()


def test_a_stale_form_is_refused_not_overwritten(world, client_for):
    """Issue 15, finding 5 (lost update): a form read before a colleague's save is refused with 409
    and what was typed kept; the saved record is unchanged."""
    a = _allegation(world)
    lado, admin = client_for(world.lado), client_for(world.admin)
    stale = _carried(a)
    _saved(admin.post(f"/lado/{a.pk}/response/", {"response": "consultation", "response_date": TODAY,
                                                  **_carried(a)}))
    response = lado.post(f"/lado/{a.pk}/response/", {"response": "threshold_met", "response_date": TODAY,
                                                      **stale})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else saved this allegation after you opened this form" in body
    assert f"You opened version {stale['record_version']}" in body
    a.refresh_from_db()
    assert a.response == "consultation"
    # The form now carries the version on file: saving again on purpose succeeds.
    _saved(lado.post(f"/lado/{a.pk}/response/", {"response": "threshold_met", "response_date": TODAY,
                                                 **_carried(a)}))


def test_a_form_without_its_version_is_not_saved(world, client_for):
    a = _allegation(world)
    response = client_for(world.lado).post(f"/lado/{a.pk}/response/",
                                           {"response": "nfa", "response_date": TODAY})
    assert response.status_code == 400
    a.refresh_from_db()
    assert a.response == ""


@pytest.mark.parametrize("who", ["sw_a", "sw_b", "tm_b", "iro", "analyst", "councillor", "sw_x"])
def test_nobody_else_learns_an_allegation_exists(world, client_for, who):
    """KCSIE Part 4 (confidentiality): anyone but the LADO, their manager and administrators is
    refused alike whether the allegation exists or not, and never sees it."""
    a = _allegation(world, "LADO-SECRET", role="Swimming coach")
    client = client_for(world.users[who])
    for url in ("/lado/", "/lado/new/", f"/lado/{a.pk}/", f"/lado/{a.pk}/response/", f"/lado/{a.pk + 999}/",
                f"/lado/{a.pk + 999}/response/"):
        response = client.get(url)
        assert response.status_code == 403, (who, url, response.status_code)
        body = response.content.decode()
        assert "LADO-SECRET" not in body and "Swimming coach" not in body
    posted = client.post(f"/lado/{a.pk}/close/", {"closure_date": TODAY, **_carried(a)})
    assert posted.status_code == 403
    a.refresh_from_db()
    assert a.closure_date is None and a.version == 1


def test_the_lados_manager_reads_but_does_not_record(world, client_for):
    """The LADO's team manager oversees allegations (lado/access.py) but recording is the LADO's."""
    a = _allegation(world)
    tm = client_for(world.tm_a)
    assert a.reference in tm.get("/lado/").content.decode()
    page = html.unescape(tm.get(f"/lado/{a.pk}/").content.decode())
    assert a.reference in page and "Record the LADO's response" not in page and "/response/" not in page
    assert tm.get("/lado/new/").status_code == 403
    assert tm.post(f"/lado/{a.pk}/response/", {"response": "nfa", "response_date": TODAY,
                                               **_carried(a)}).status_code == 403


def test_another_councils_allegation_is_not_found(world, client_for, django_user_model):
    a = _allegation(world)
    other = django_user_model.objects.create_user("lado_x", password="correct horse battery", role="lado",
                                                  local_authority=world.other_la)
    client = client_for(other)
    assert client.get(f"/lado/{a.pk}/").status_code == 404
    assert a.reference not in client.get("/lado/?status=all").content.decode()


def test_the_list_filters_by_status_and_due_date(world, client_for):
    """T16C (KCSIE: concluded within one month of the referral): an allegation referred six weeks
    ago is overdue; one referred today is due in a month, so not within 7 days."""
    old = _allegation(world, "LADO-OLD", TODAY - dt.timedelta(days=42))
    _allegation(world, "LADO-NEW", TODAY)
    closed = _allegation(world, "LADO-DONE", TODAY - dt.timedelta(days=20))
    services.allegation_record_response(by=world.lado, allegation_id=closed.pk, expected_version=1,
                                        response="nfa", response_date=closed.referral_date)
    services.allegation_close(by=world.lado, allegation_id=closed.pk, expected_version=2,
                              closure_date=TODAY)
    lado = client_for(world.lado)

    def listed(query):
        body = lado.get(f"/lado/?{query}").content.decode()
        return {r for r in ("LADO-OLD", "LADO-NEW", "LADO-DONE") if r in body}

    assert listed("") == {"LADO-OLD", "LADO-NEW"}
    assert listed("status=closed") == {"LADO-DONE"}
    assert listed("status=all") == {"LADO-OLD", "LADO-NEW", "LADO-DONE"}
    assert listed("status=open&due=overdue") == {"LADO-OLD"}
    assert listed("status=open&due=7") == {"LADO-OLD"}
    assert listed("status=all&due=28") >= {"LADO-OLD"}
    assert listed("status=zz&due=%00&page=-1") == {"LADO-OLD", "LADO-NEW"}  # nonsense: the defaults
    body = lado.get("/lado/").content.decode()
    assert f'href="/lado/{old.pk}/"' in body and "Overdue" in body


def _list_queries(client) -> int:
    client.get("/lado/?status=all")  # the session and the calendar read once, as on any page
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/lado/?status=all").status_code == 200
    return len(ctx.captured_queries)


def test_the_list_reads_a_fixed_number_of_queries_and_pages_with_a_total(world, client_for):
    """ARCHITECTURE.md "Fast by design": the list costs the same with 1 allegation as with 30,
    and shows every one across pages with the total (never a silent cut)."""
    lado = client_for(world.lado)
    _allegation(world, "LADO-0001", TODAY - dt.timedelta(days=40))
    one = _list_queries(lado)
    for n in range(2, 31):
        a = _allegation(world, f"LADO-{n:04d}", TODAY - dt.timedelta(days=n))
        if n % 3 == 0:
            services.allegation_record_response(by=world.lado, allegation_id=a.pk, expected_version=1,
                                                response="threshold_met", response_date=a.referral_date)
    many = _list_queries(lado)
    assert many == one, (one, many)
    first = lado.get("/lado/?status=all").content.decode()
    assert "Showing 1 to 25 of 30 allegations" in first and ': page 2"' in first
    second = lado.get("/lado/?status=all&due=&page=2").content.decode()
    assert "Showing 26 to 30 of 30 allegations" in second
    assert AuditEvent.objects.filter(actor=world.lado, action="view", detail__list=True).exists()


def test_the_allegation_page_reads_a_fixed_number_of_queries(world, client_for):
    lado = client_for(world.lado)
    start = TODAY - dt.timedelta(days=60)

    def queries(a) -> int:
        lado.get(f"/lado/{a.pk}/")
        with CaptureQueriesContext(connection) as ctx:
            assert lado.get(f"/lado/{a.pk}/").status_code == 200
        return len(ctx.captured_queries)

    small = _allegation(world, "LADO-S", start)
    big = _allegation(world, "LADO-B", start)
    for a in (small, big):
        services.allegation_record_response(by=world.lado, allegation_id=a.pk, expected_version=None,
                                            response="threshold_met", response_date=start)
        services.strategy_meeting_record(by=world.lado, allegation_id=a.pk, expected_version=None,
                                         held_on=start + dt.timedelta(days=1))
    for k in range(1, 6):
        services.review_record(by=world.lado, allegation_id=big.pk, expected_version=None,
                               held_on=start + dt.timedelta(days=7 * k))
    assert queries(small) == queries(big)
