"""Find a child (issue 16 item 7): any part of a double-barrelled name finds the child, each result
shows what tells namesakes apart (age, address, social worker today), and results come a page at a
time with the total, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeguard.access import selectors
from safeguard.access.selectors import PAGE_SIZE, age_text, child_search, page_links
from safeguard.audit.models import AuditEvent
from safeguard.core.errors import today
from safeguard.people.models import Address
from safeguard.workforce.models import Allocation
from safeguard.workforce.services import allocation_start

pytestmark = pytest.mark.django_db


def _shown(found) -> list[str]:
    return [f"{c.first_name} {c.last_name}" for c in found.results]


def test_any_part_of_a_double_barrelled_surname_finds_the_child(worker, make_child):
    """Issue 16 item 7: "Osei" finds "Whitmore-Osei", and so does "Whitmore"; misspellings of a
    part are still tolerated, and a whole double-barrelled name still finds it."""
    make_child(first_name="Amara", last_name="Whitmore-Osei")
    make_child(first_name="Lena", last_name="Oakes")
    for typed in ("Osei", "osei", "Whitmore", "Amara Osei", "Osie", "Amra Osie", "Whitmore-Osei",
                  "whitmore osei"):
        assert "Amara Whitmore-Osei" in _shown(child_search(worker, name=typed)), typed
    assert _shown(child_search(worker, name="Osei")) == ["Amara Whitmore-Osei"]


def test_any_part_of_a_first_name_or_spaced_surname_finds_the_child(worker, make_child):
    """Issue 16 item 7: parts of multi-word and hyphenated names (first or last) find the child;
    a short part ("la" of "de la Cruz") does not make every name starting "la" a match."""
    make_child(first_name="Anne-Marie", last_name="de la Cruz")
    make_child(first_name="Zoë", last_name="Lambert")
    assert _shown(child_search(worker, name="Marie")) == ["Anne-Marie de la Cruz"]
    assert _shown(child_search(worker, name="Cruz")) == ["Anne-Marie de la Cruz"]
    assert _shown(child_search(worker, name="Lambert")) == ["Zoë Lambert"]
    assert _shown(child_search(worker, name="zoe")) == ["Zoë Lambert"]


def test_closest_names_come_first(worker, make_child):
    """Issue 16 item 7: an exact match is listed before a merely similar name."""
    make_child(first_name="Kai", last_name="Osei")
    make_child(first_name="Kai", last_name="Osie")
    assert _shown(child_search(worker, name="Kai Osei"))[0] == "Kai Osei"


def test_results_show_age_address_and_worker_today(worker, manager, make_child):
    """Issue 16 item 7: to tell namesakes apart each result shows the child's age today (or
    "unborn"), their address today (else their home postcode) and their social worker today."""
    day = today()
    housed = make_child(first_name="Sam", last_name="Reyes",
                        date_of_birth=day - dt.timedelta(days=7 * 365 + 30), home_postcode="CW1 2AB")
    Address.objects.create(child=housed, line_1="1 Old Road", postcode="CW1 1AA",
                           from_date=day - dt.timedelta(days=900), to_date=day - dt.timedelta(days=400))
    Address.objects.create(child=housed, line_1="2 New Street", town="Crewe", postcode="CW1 2AB",
                           from_date=day - dt.timedelta(days=399))
    allocation_start(by=manager, child_id=housed.pk, worker_id=worker.pk,
                     start_date=day - dt.timedelta(days=10))
    postcode_only = make_child(first_name="Sam", last_name="Reyes",
                               date_of_birth=day - dt.timedelta(days=100), home_postcode="CW2 9ZZ")
    unborn = make_child(first_name="Baby", last_name="Reyes", date_of_birth=None, sex="U",
                        expected_date_of_birth=day + dt.timedelta(days=60))
    found = {c.pk: c for c in child_search(worker, name="Reyes").results}
    housed, postcode_only = found[housed.pk], found[postcode_only.pk]
    assert (housed.age_text, housed.address_today) == ("7 years", "2 New Street, Crewe, CW1 2AB")
    assert housed.social_worker == worker
    assert (postcode_only.age_text, postcode_only.address_today) == ("3 months", "CW2 9ZZ")
    assert postcode_only.social_worker is None
    assert found[unborn.pk].age_text == "unborn"


def test_an_ended_allocation_is_not_the_worker_today(worker, manager, make_child):
    """Issue 16 item 7: the worker shown is the one allocated today, not a past one."""
    day = today()
    c = make_child(first_name="Ola", last_name="Ndiaye")
    # Set up as stored: an allocation that ended last week, and none open.
    Allocation.objects.create(child=c, worker=worker, team=worker.team,
                              start_date=day - dt.timedelta(days=40), end_date=day - dt.timedelta(days=5))
    (found,) = child_search(worker, name="Ndiaye").results
    assert found.social_worker is None


@pytest.mark.parametrize(("born", "on", "died", "expected"), [
    (None, dt.date(2025, 1, 1), None, "unborn"),
    (dt.date(2024, 12, 20), dt.date(2025, 1, 1), None, "1 week"),
    (dt.date(2024, 12, 31), dt.date(2025, 1, 1), None, "1 day"),
    (dt.date(2025, 1, 1), dt.date(2025, 1, 1), None, "0 days"),
    (dt.date(2024, 11, 30), dt.date(2025, 1, 1), None, "1 month"),
    (dt.date(2023, 1, 2), dt.date(2025, 1, 1), None, "23 months"),
    (dt.date(2023, 1, 1), dt.date(2025, 1, 1), None, "2 years"),
    (dt.date(2008, 2, 29), dt.date(2025, 2, 28), None, "16 years"),
    (dt.date(2008, 2, 29), dt.date(2025, 3, 1), None, "17 years"),
    (dt.date(2010, 5, 1), dt.date(2025, 1, 1), dt.date(2014, 6, 1), "died aged 4 years"),
])
def test_age_as_a_practitioner_says_it(born, on, died, expected):
    """Issue 16 item 7: the age that tells namesakes apart: weeks, then months under two, then
    completed years ("unborn" before birth)."""
    assert age_text(born, on, date_of_death=died) == expected


def test_results_come_a_page_at_a_time_with_the_total(worker, make_child):
    """Issue 16 item 7: 23 children found show as 20 and 3, with the total; a page past the last
    shows the last page."""
    for i in range(23):
        make_child(first_name="Tia", last_name=f"Pagewood{i:02d}")
    first = child_search(worker, name="Pagewood")
    assert (first.total, first.page, first.pages, len(first.results)) == (23, 1, 2, PAGE_SIZE)
    second = child_search(worker, name="Pagewood", page=2)
    assert (second.page, len(second.results), second.first_shown, second.last_shown) == (2, 3, 21, 23)
    assert not {c.pk for c in first.results} & {c.pk for c in second.results}
    assert child_search(worker, name="Pagewood", page=99).page == 2
    by_birth = child_search(worker, date_of_birth=dt.date(2015, 6, 1), page=2)
    assert (by_birth.total, len(by_birth.results)) == (23, 3)
    assert [c.last_name for c in by_birth.results] == ["Pagewood20", "Pagewood21", "Pagewood22"]


@pytest.mark.parametrize(("page", "pages", "expected"), [
    (1, 1, []),
    (1, 3, [1, 2, 3]),
    (1, 9, [1, 2, None, 9]),
    (5, 9, [1, None, 4, 5, 6, None, 9]),
    (3, 9, [1, 2, 3, 4, None, 9]),
])
def test_page_links_follow_the_gov_uk_pattern(page, pages, expected):
    """Issue 16 item 7 (GOV.UK Design System, pagination): first, last, current and its
    neighbours, with an ellipsis for each gap."""
    assert page_links(page, pages) == expected


def test_a_fixed_number_of_queries_whatever_is_found(worker, manager, make_child):
    """Issue 16 item 7: age, address and worker for a page of 20 cost what they cost for one."""
    def queries(name: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            found = child_search(worker, name=name)
            [(c.age_text, c.address_today, c.social_worker) for c in found.results]  # noqa: B018
        return len(ctx.captured_queries)

    day = today()
    one = make_child(first_name="Uma", last_name="Single")
    Address.objects.create(child=one, line_1="1 Lane", from_date=day)
    allocation_start(by=manager, child_id=one.pk, worker_id=worker.pk, start_date=day)
    for i in range(25):
        c = make_child(first_name="Uma", last_name=f"Many{i:02d}")
        Address.objects.create(child=c, line_1=f"{i} Lane", from_date=day)
        allocation_start(by=manager, child_id=c.pk, worker_id=worker.pk, start_date=day)
    queries("Warm")  # the user's teams are read once per request, then remembered
    assert queries("Many") == queries("Single")


def test_search_keeps_its_access_rules_and_audit(worker, manager, make_child):
    """Working Together 2023 and UK GDPR art. 5(1)(f): a search lists only children the user may
    open (a restricted child only on its exact identifier, as a record closed to them), and is
    audited with its terms, the total and the children shown."""
    from safeguard.people.services import child_restrict

    allocated_elsewhere = make_child(first_name="Rae", last_name="Hidden-Osei")
    hidden = child_restrict(by=manager, child_id=allocated_elsewhere.pk, restricted=True,
                            reason="a member of staff's own family")
    shown = make_child(first_name="Rae", last_name="Open-Osei")
    found = child_search(worker, name="Osei")
    assert [c.pk for c in found.results] == [shown.pk] and found.total == 1
    by_id = child_search(worker, identifier=hidden.la_child_id)
    assert by_id.results == [] and [c.pk for c in by_id.closed] == [hidden.pk]
    row = AuditEvent.objects.filter(actor=worker, action="search").order_by("pk").first()
    assert row.detail["name"] == "Osei" and row.detail["found"] == 1 and row.detail["page"] == 1
    assert row.detail["shown"] == [shown.pk]


def test_the_old_dictionary_reading_still_works(worker, child):
    """Issue 16: callers that read `found["results"]` and `found["closed"]` keep working."""
    found = child_search(worker, identifier=child.la_child_id)
    assert found["results"] == [child] and found["closed"] == []
    with pytest.raises(KeyError):
        found["nothing"]  # noqa: B018


def test_find_page_shows_total_details_and_gov_uk_pagination(worker, make_child, client):
    """Issue 16 item 7: the page says how many were found, shows age, address and worker, and
    offers the GOV.UK pagination component, whose links keep the terms and work with HTMX."""
    for i in range(21):
        make_child(first_name="Noa", last_name=f"Listing{i:02d}", home_postcode="CW1 2AB")
    client.force_login(worker)
    body = client.get(reverse("web:find"), {"name": "Listing"}).content.decode()
    assert "21 children found" in body and "CW1 2AB" in body and "Not allocated" in body
    assert 'class="govuk-pagination"' in body and "name=Listing&amp;page=2" in body
    assert 'hx-target="#results"' in body
    partial = client.get(reverse("web:find"), {"name": "Listing"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "21 children found" in partial
    page_2 = client.get(reverse("web:find"), {"name": "Listing", "page": "2"}).content.decode()
    assert "21 children found" in page_2 and 'aria-current="page">' in page_2
    one = client.get(reverse("web:find"), {"identifier": "C00001"}).content.decode()
    assert "1 child found" in one and "govuk-pagination" not in one


def test_search_bounds_still_hold(worker, make_child):
    """Issue 15, finding 8: the bounds on terms are unchanged by the new name matching."""
    make_child(first_name="Kit", last_name="Whitmore-Osei")
    started = time.perf_counter()
    child_search(worker, name="Kit Osei " + "abcdefghij" * 700)
    assert time.perf_counter() - started < 2
    event = AuditEvent.objects.filter(action="search").latest("pk")
    assert len(event.detail["name"]) <= selectors.SEARCH_MAX_CHARS
