"""The child's page reads only what it shows, in a bounded number of queries, and shows the same
facts the whole record gives (issue 6: the worklist, the child's record and the search fast under
load; ARCHITECTURE.md "Fast by design": lists fetch what they show in a bounded number of queries;
"every view of a child's record is an audit row", which paging and filtering keep)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import dateformat, timezone
from django.utils.html import escape

from safeguard.assessment.models import Assessment, CINPlan
from safeguard.audit.models import AuditEvent
from safeguard.casework import chronology
from safeguard.child_protection.models import (
    ChildProtectionPlan,
    Conference,
    Section47Enquiry,
    StrategyDiscussion,
)
from safeguard.front_door.models import Contact, Referral
from safeguard.looked_after.models import LookedAfterReview, PeriodOfCare
from safeguard.people.models import Visit
from safeguard.record.history import ChildHistory
from safeguard.timescales.models import Clock

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()
# Measured on PostgreSQL and SQLite for a record with every list the page reads: session, user,
# team (the page header); child, grant, allocations, the audit row and its transaction (4 + 2);
# 12 lists of the record (fewer when a child has no CP or care history); staff named; clocks due;
# drift (3); viewers; the case summary (issue 16): the episode in force, disabilities, open missing
# episodes, where the child lives (2) and warnings; significant case notes for the chronology;
# the decisions' words and their deciders for the chronology (2), the council's table of
# decisions (which steps this user may take) and open practice alerts (issue 17). Reading the
# record by ChildHistory.load, it made 48. One more: the unread notifications in the navigation;
# and one more: the case audits' actions arising on this child (issue 21).
CHILD_PAGE_MAX_QUERIES = 39
FILTERED_CHRONOLOGY_MAX_QUERIES = 10
# The worklist (*To do*): its count by urgency and its page, and the counts on the other tabs beside
# it (issue 18: My cases; Incoming's allocations, returns and the decisions table; Drafts), the
# break-glass banners and the unread notifications in the navigation; and the worker's children read
# first (three small reads) so that the policy tests each of them (`policy.among_visible`).
WORKLIST_MAX_QUERIES = 17


def _day(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


_SUBJECT = iter(range(10**6, 10**7))


def _clock(child, code: str, due: dt.date) -> None:
    Clock.objects.create(
        code=code, child=child, subject_type="test.Subject", subject_id=next(_SUBJECT),
        start_date=due - dt.timedelta(days=10), unit="D", amount=10, due_date=due,
    )


def _record(world, *, visits: int, referrals: int = 2, care_and_clocks: bool = True) -> None:
    """A long record for world.own: contacts, referrals (the last open) with assessments, a CIN
    plan, a strategy discussion, a section 47 enquiry, a conference and a CP plan; a period of care
    with reviews; visits, two a day and some on the day of other events; open clocks."""
    child, sw, tm = world.own, world.sw_a, world.tm_a
    start = 60 * referrals + visits + 30
    for i in range(referrals):
        first = _day(start - 60 * i)
        received = timezone.make_aware(dt.datetime.combine(first, dt.time(9, 30)))
        Contact.objects.create(
            child=child,
            received_at=received,
            source="1A",
            summary=f"Concern {i} & more",
            decision="referral",
            decided_at=received + dt.timedelta(hours=3),
            recorded_by=sw,
        )
        is_open = i == referrals - 1
        referral = Referral.objects.create(
            child=child,
            referral_date=first,
            source="1A",
            response="strategy",
            response_date=first,
            closure_date=None if is_open else first + dt.timedelta(days=50),
            reason_for_closure="" if is_open else "RC8",
            closure_rationale="" if is_open else "Needs met <by family>",
            recorded_by=tm,
        )
        Assessment.objects.create(referral=referral, start_date=first, recorded_by=sw)
        CINPlan.objects.create(
            referral=referral, start_date=first + dt.timedelta(days=5), end_date=None, recorded_by=sw
        )
        sd = StrategyDiscussion.objects.create(
            referral=referral, held_on=first + dt.timedelta(days=1), s47_initiated=True, recorded_by=sw
        )
        s47 = Section47Enquiry.objects.create(
            referral=referral,
            strategy_discussion=sd,
            start_date=first + dt.timedelta(days=1),
            end_date=first + dt.timedelta(days=10),
            outcome="icpc",
            recorded_by=sw,
        )
        plan = ChildProtectionPlan.objects.create(
            referral=referral,
            start_date=first + dt.timedelta(days=12),
            end_date=None if is_open else first + dt.timedelta(days=40),
            initial_category="NEG",
            latest_category="EMO",
            recorded_by=tm,
        )
        Conference.objects.create(
            referral=referral,
            kind="initial",
            section47=s47,
            cp_plan=plan,
            held_on=first + dt.timedelta(days=12),
            plan_required=True,
            recorded_by=tm,
        )
    # Undecided: the "decide on the contact" step applies.
    Contact.objects.create(child=child, received_at=timezone.now(), source="1B", recorded_by=sw)
    for n in range(visits):
        Visit.objects.create(
            child=child, visit_date=_day(n // 2 * 5), seen=n % 3 > 0, seen_alone=n % 3 == 2,
            notes="x" * 200, recorded_by=sw if n % 2 else tm,
        )
    if not care_and_clocks:
        return
    period = PeriodOfCare.objects.create(child=child, start_date=_day(200), recorded_by=tm)
    for n in range(5):
        LookedAfterReview.objects.create(
            period_of_care=period, review_date=_day(190 - 30 * n), participation="PN1", recorded_by=tm
        )
    _clock(child, "T09", _day(3))
    _clock(child, "T11", _day(-5))


_ROW = re.compile(
    r'<tr class="govuk-table__row"><td class="govuk-table__cell">(.*?)</td>'
    r'<td class="govuk-table__cell">(.*?)</td><td class="govuk-table__cell">(.*?)</td></tr>'
)


def _chronology_rows(html: str) -> list[tuple[str, str, str]]:
    part = html.split('<div id="chronology">', 1)[-1].split("</table>", 1)[0]
    return _ROW.findall(part)


def _shown(entries) -> list[tuple[str, str, str]]:
    return [
        (dateformat.format(e.date, "j M Y"), escape(e.text), escape(str(e.recorded_by or ""))
         + (f' <span class="govuk-body-s">on {dateformat.format(e.recorded_on, "j M Y")}</span>'
            if e.recorded_on and e.recorded_on != e.date else ""))
        for e in entries
    ]


def _whole(child, kind: str = ""):
    """The chronology from the whole record, as the CSV export reads it."""
    return chronology.entries(ChildHistory.load(child.pk, lock=False), kind)


def test_child_page_shows_the_first_page_of_the_whole_chronology_and_the_same_facts(world, client_for):
    _record(world, visits=70)
    client = client_for(world.sw_a)
    body = client.get(f"/children/{world.own.pk}/").content.decode()
    whole = _whole(world.own)
    assert len(whole) > 2 * chronology.PAGE_SIZE
    assert _chronology_rows(body) == _shown(whole[: chronology.PAGE_SIZE])
    assert 'rel="next"' in body and 'rel="prev"' not in body
    # Status, workers, plans, what is due and drift, as the whole record has them.
    badges = re.search(r'<p class="govuk-body" id="badges">(.*?)</p>', body).group(1)
    assert re.findall(r">([^<]+)</strong>", badges) == ["CIN", "Child protection plan", "Looked after"]
    assert re.search(r"Allocated social worker</dt><dd [^>]*><strong>Sw_A Test</strong>", body)
    plans = re.search(r"Plans in force</dt><dd [^>]*><ul[^>]*>(.*?)</ul>", body).group(1)
    assert re.findall(r"<li>(.*?) since", plans) == [
        "Child in need plan", "Child in need plan", "Child protection plan (EMO)", "Looked after"
    ]
    assert "(T09)" in body and "(T11)" in body and "Overdue 3 days" in body
    assert "CP plan open over" not in body and "no qualifying visit since" in body
    # Steps from the open referral; the undecided contact is the manager's (the table of decisions).
    assert f"/children/{world.own.pk}/record/contact-decision/" not in body
    manager = client_for(world.tm_a).get(f"/children/{world.own.pk}/").content.decode()
    assert f"/children/{world.own.pk}/record/contact-decision/" in manager
    assert f"/children/{world.own.pk}/record/section47/" in body


def test_every_page_and_filter_of_the_chronology_adds_up_to_the_whole(world, client_for):
    """Paging (with or without htmx) and each filter give the whole chronology, in order."""
    _record(world, visits=70)
    client = client_for(world.sw_a)
    url = f"/children/{world.own.pk}/"
    for kind in ["", *chronology.KINDS]:
        want, got, number = _shown(_whole(world.own, kind)), [], 1
        while True:
            htmx = number % 2 == 0
            params = {"kind": kind, "page": number} | ({"part": "chronology"} if htmx else {})
            headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
            html = client.get(url, params, **headers).content.decode()
            rows = _chronology_rows(html if not htmx else '<div id="chronology">' + html)
            got += rows
            if 'rel="next"' not in html:
                break
            number += 1
        assert got == want, kind
    assert "Nothing recorded of this kind" in client.get(url, {"kind": "nonsense"}).content.decode()


def test_child_page_queries_are_bounded_whatever_the_length_of_the_record(world, client_for):
    """No query per record: a record three times as long costs the same number of queries."""
    client = client_for(world.sw_a)
    url = f"/children/{world.own.pk}/"
    client.get(url)  # the session's first renewal is written once, not on every page
    _record(world, visits=20, referrals=1)
    with CaptureQueriesContext(connection) as short:
        assert client.get(url).status_code == 200
    _record(world, visits=100, referrals=3, care_and_clocks=False)
    with CaptureQueriesContext(connection) as long:
        assert client.get(url).status_code == 200
    assert len(long) == len(short) <= CHILD_PAGE_MAX_QUERIES, "\n".join(q["sql"][:150] for q in long)
    with CaptureQueriesContext(connection) as filtered:
        client.get(url, {"part": "chronology", "kind": "visit"}, HTTP_HX_REQUEST="true")
    assert len(filtered) <= FILTERED_CHRONOLOGY_MAX_QUERIES, [q["sql"][:300] for q in filtered]
    # The page read no more than it shows: not the rest of the record (e.g. health, family).
    sql = " ".join(q["sql"] for q in long).lower()
    assert "looked_after_healthassessment" not in sql and "people_relationship" not in sql


def test_each_view_page_and_filter_is_audited_once(world, client_for):
    _record(world, visits=70)
    client = client_for(world.sw_a)
    url = f"/children/{world.own.pk}/"
    views = AuditEvent.objects.filter(actor=world.sw_a, child_id=world.own.pk, action="view")
    before = views.count()
    client.get(url)
    client.get(url, {"page": 2})
    client.get(url, {"part": "chronology", "kind": "visit", "page": 2}, HTTP_HX_REQUEST="true")
    rows = list(views.order_by("pk")[before:])
    assert [r.detail["what"] for r in rows] == ["record", "record", "chronology"]
    assert all(r.reason == "allocated (allocated social worker)" for r in rows)


def test_refused_page_reads_nothing_of_the_record(world, client_for):
    """A refusal is audited and shows no part of the record, chronology pages included."""
    _record(world, visits=10)
    client = client_for(world.sw_b)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/children/{world.own.pk}/", {"page": 2})
    assert response.status_code == 403
    assert "people_visit" not in " ".join(q["sql"] for q in ctx).lower()
    response = client.get(
        f"/children/{world.own.pk}/", {"part": "chronology", "kind": "visit"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 403 and "Visit (seen" not in response.content.decode()


def test_worklist_queries_do_not_grow_with_its_rows(world, client_for):
    client = client_for(world.sw_a)
    client.get("/my-work/")
    link = f'href="/children/{world.own.pk}/">{world.own.first_name} {world.own.last_name}</a>'
    _clock(world.own, "T09", _day(2))
    with CaptureQueriesContext(connection) as one:
        shown = client.get("/my-work/").content.decode().count(link)
    assert shown >= 1
    for n in range(12):
        _clock(world.own, "T11", _day(n - 5))
    with CaptureQueriesContext(connection) as many:
        assert client.get("/my-work/").content.decode().count(link) == shown + 12
    assert len(many) == len(one) <= WORKLIST_MAX_QUERIES, [q["sql"][:90] for q in many]
