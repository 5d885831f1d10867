"""The team manager's trays (issue 18, item 2): decisions awaiting them (every kind, paged with the
total, never cut), each worker's caseload weighted by kind of case, visits out of time, drift, and
unallocated work with allocation in a click; the same figures per team for the service. Working
Together to Safeguard Children 2023 (management oversight of the team's cases and decisions); Care
Planning, Placement and Case Review (England) Regulations 2010 reg 28 (looked-after visits)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeguard.audit.models import AuditEvent
from safeguard.core.errors import today
from safeguard.front_door.models import Contact
from safeguard.workforce.models import Allocation, User
from safeguard.workforce.tests.test_oversight import _clock, _in_need, _looked_after, _on_cp_plan

pytestmark = pytest.mark.django_db

MANAGER_PAGES = ("/manager/", "/manager/caseloads/", "/manager/visits/", "/manager/drift/",
                 "/manager/unallocated/")


def test_the_trays_are_the_team_managers(world, client_for):
    """Social workers, IROs, analysts and administrators are refused the manager's trays; the
    service's figures are for managers, analysts and administrators, not for a social worker or a
    councillor."""
    for user in (world.sw_a, world.iro, world.analyst, world.admin, world.lado):
        client = client_for(user)
        assert {client.get(url).status_code for url in MANAGER_PAGES} == {403}, user
        assert client.get(f"/manager/caseloads/{world.sw_a.pk}/").status_code == 403
        assert client.post(f"/manager/unallocated/{world.unallocated.pk}/",
                           {"worker": world.sw_a.pk}).status_code == 403
    tm = client_for(world.tm_a)
    assert {tm.get(url).status_code for url in MANAGER_PAGES + ("/team/service/",)} == {200}
    for user, status in ((world.analyst, 200), (world.admin, 200), (world.sw_a, 403),
                         (world.councillor, 403), (world.iro, 403)):
        assert client_for(user).get("/team/service/").status_code == status, user


def test_decisions_awaiting_are_paged_with_the_total_never_cut(world, client_for):
    """The old queue showed the 100 oldest of each kind and said nothing of the rest."""
    start = timezone.now() - dt.timedelta(days=40)
    for n in range(30):
        Contact.objects.create(child=world.unallocated, received_at=start + dt.timedelta(hours=n),
                               source="1B", recorded_by=world.sw_a)
    tm = client_for(world.tm_a)
    body = tm.get("/manager/").content.decode()
    assert "Contacts awaiting your decision (30)" in body
    assert "Showing 1 to 25 of 30, oldest first" in body
    assert "Decisions awaiting (30)" in body  # the tab's count
    page2 = tm.get("/manager/?contacts=2").content.decode()
    assert "Showing 26 to 30 of 30, oldest first" in page2
    assert page2.count(f"/children/{world.unallocated.pk}/record/contact-decision/") == 5
    assert tm.get("/manager/?contacts=zz").status_code == 200


def _add_workers(world, n: int) -> list[User]:
    team = world.sw_a.team
    out = []
    for i in range(n):
        w = User.objects.create_user(username=f"more{i}", role="social_worker", team=team,
                                     local_authority=world.la, first_name=f"More{i}", last_name="Worker")
        for kind in ("cp", "cla", "cin"):
            c = world.new_child()
            world.allocate(c, w)
            {"cp": lambda c: _on_cp_plan(c, days_ago=400), "cla": _looked_after,
             "cin": lambda c: _in_need(c, days_ago=300)}[kind](c)
            _clock(c, "T11", today() - dt.timedelta(days=4))
        waiting = world.new_child()
        _in_need(waiting, days_ago=i + 1)
        Contact.objects.create(child=waiting, received_at=timezone.now(), source="1B", recorded_by=w)
        out.append(w)
    return out


def test_each_page_takes_a_fixed_number_of_queries_for_a_team_of_2_or_10(world, client_for):
    """Team A has two social workers; eight more, each with children on a CP plan, looked after and in
    need, visits out of time, drift and new cases waiting, change no page's count."""
    pages = MANAGER_PAGES + (f"/manager/caseloads/{world.sw_a.pk}/", "/team/service/",
                             f"/manager/unallocated/{world.unallocated.pk}/")
    _in_need(world.unallocated)
    # Something on every list from the start (an empty list asks nothing of the database).
    _clock(world.own, "T11", today() - dt.timedelta(days=3))
    _on_cp_plan(world.team, days_ago=300)
    Contact.objects.create(child=world.unallocated, received_at=timezone.now(), source="1B",
                           recorded_by=world.tm_a)

    def counts() -> dict:
        tm = client_for(User.objects.get(pk=world.tm_a.pk))
        tm.get("/manager/")  # the session's first queries
        out = {}
        for url in pages:
            cache.clear()  # every tab's count read afresh: the most a page asks
            with CaptureQueriesContext(connection) as q:
                assert tm.get(url).status_code == 200, url
            out[url] = len(q)
        return out

    small = counts()
    extra = _add_workers(world, 8)
    for _ in extra[:2]:
        world.allocate(world.new_child(), world.sw_a)
    large = counts()
    assert large == small
    body = client_for(world.tm_a).get("/manager/caseloads/").content.decode()
    assert len(re.findall(r'href="/manager/caseloads/\d+/"', body)) == 11  # tm_a, sw_a, sw_a2, eight more


def test_caseloads_link_each_worker_to_their_children(world, client_for):
    _on_cp_plan(world.own)
    tm = client_for(world.tm_a)
    body = tm.get("/manager/caseloads/").content.decode()
    assert f'href="/manager/caseloads/{world.sw_a.pk}/"' in body and "CP 1.5" not in body
    assert "Child protection plan: 1.5" in body  # the [L] weights, stated on the page
    row = re.search(rf'caseloads/{world.sw_a.pk}/".*?</tr>', body, re.S).group(0)
    assert "<strong>2.5</strong>" in row  # own (CP 1.5) and the restricted child (other 1.0)
    page = tm.get(f"/manager/caseloads/{world.sw_a.pk}/").content.decode()
    assert world.own.last_name in page and world.restricted.last_name not in page  # counted, not named
    assert "CP plan" in page
    assert tm.get(f"/manager/caseloads/{world.sw_b.pk}/").status_code == 404  # another team's
    assert tm.get("/manager/caseloads/x/").status_code == 404
    assert AuditEvent.objects.filter(actor=world.tm_a, child_id=world.own.pk,
                                     detail__worklist="team_worker_cases").exists()


def test_visits_out_of_time_and_drift(world, client_for):
    _clock(world.own, "T11", today() - dt.timedelta(days=6))
    _on_cp_plan(world.team, days_ago=300)
    _in_need(world.own, days_ago=200)
    tm = client_for(world.tm_a)
    visits = tm.get("/manager/visits/").content.decode()
    assert "Looked-after statutory visit" in visits and f"/children/{world.own.pk}/due/T11/" in visits
    assert "Visits out of time (1)" in visits
    drift = tm.get("/manager/drift/").content.decode()
    assert "Child protection plan open over 9 months: 1" in drift and world.team.last_name in drift
    cin = tm.get("/manager/drift/?group=cin_6m").content.decode()
    assert "Episode of need open over 6 months (2)" in cin  # own's, and team's plan's episode
    assert tm.get("/manager/drift/?group=%3Cscript%3E").status_code == 200


def test_allocation_in_a_click(world, client_for):
    """The manager sees a new referral under Unallocated, with each worker's weighted caseload beside
    their name, and allocates it with one choice; the worker has the child in *My cases* at once."""
    _in_need(world.unallocated, days_ago=2)
    tm = client_for(world.tm_a)
    body = tm.get("/manager/unallocated/").content.decode()
    assert "Unallocated (1)" in body and world.unallocated.last_name in body
    assert f'value="{world.sw_a2.pk}"' in body and "Weighted caseload 1: 1 child" in body
    response = tm.post(f"/manager/unallocated/{world.unallocated.pk}/", {"worker": world.sw_a2.pk})
    assert response.status_code == 302 and response["Location"] == "/manager/unallocated/"
    held = Allocation.objects.get(child=world.unallocated, end_date__isnull=True)
    assert (held.worker, held.start_date, held.team) == (world.sw_a2, today(), world.sw_a2.team)
    assert f'id="unallocated-{world.unallocated.pk}"' not in tm.get("/manager/unallocated/").content.decode()
    cases = client_for(world.sw_a2).get("/my-work/cases/").content.decode()
    assert f'href="/children/{world.unallocated.pk}/"' in cases
    # Allocated meanwhile: off the list, said so, nothing changed.
    again = tm.post(f"/manager/unallocated/{world.unallocated.pk}/", {"worker": world.sw_a.pk}, follow=True)
    assert "already has an allocated social worker" in again.content.decode()
    assert Allocation.objects.filter(child=world.unallocated).count() == 1


def test_other_tabs_counts_are_kept_a_minute_and_the_managers_own_change_shows_at_once(
        world, client_for, django_capture_on_commit_callbacks):
    """The tab on screen counts its list afresh; the other tabs' totals are read once a minute (each a
    count over the council's open work), except that the manager's own change shows at once."""
    tm = client_for(world.tm_a)
    assert "Unallocated (0)" in tm.get("/manager/caseloads/").content.decode()
    _in_need(world.unallocated, days_ago=2)  # a referral recorded by someone else
    assert "Unallocated (0)" in tm.get("/manager/caseloads/").content.decode()  # kept
    assert "Unallocated (1)" in tm.get("/manager/unallocated/").content.decode()  # its own tab: afresh
    assert "Unallocated (1)" in tm.get("/manager/caseloads/").content.decode()  # and kept from there
    with django_capture_on_commit_callbacks(execute=True):
        response = tm.post(f"/manager/unallocated/{world.unallocated.pk}/", {"worker": world.sw_a2.pk})
    assert response.status_code == 302
    assert "Unallocated (0)" in tm.get("/manager/caseloads/").content.decode()  # their own change


def test_allocation_is_refused_for_a_worker_of_another_council_or_team(world, client_for):
    _in_need(world.unallocated)
    tm = client_for(world.tm_a)
    url = f"/manager/unallocated/{world.unallocated.pk}/"
    for worker in (world.sw_x, world.sw_b, world.iro):
        response = tm.post(url, {"worker": worker.pk})
        body = response.content.decode()
        assert response.status_code == 200 and "There is a problem" in body
        assert "Choose one of your team&#x27;s social workers: the worker chosen is not in your team or " \
               "council" in body
    assert "Choose the social worker" in tm.post(url, {}).content.decode()
    assert not Allocation.objects.filter(child=world.unallocated).exists()
    # A child of another council, or a malformed id: not on the list.
    elsewhere = f"/manager/unallocated/{world.other_la_child.pk}/"
    assert tm.post(elsewhere, {"worker": world.sw_a.pk}).status_code == 404
    assert tm.get("/manager/unallocated/zz/").status_code == 404


def test_service_figures_name_no_child(world, client_for):
    _on_cp_plan(world.other_team)
    for user in (world.analyst, world.admin):
        body = client_for(user).get("/team/service/").content.decode()
        assert "Assessment Team A" in body and "Children in Care Team B" in body
        assert not any(c.last_name in body for c in world.children.values())
    mine = client_for(world.tm_a).get("/team/service/").content.decode()
    assert "Assessment Team A" in mine and "Children in Care Team B" not in mine
    one = client_for(world.analyst).get("/team/service/?service=Front+door").content.decode()
    assert "Assessment Team A" in one and "Children in Care Team B" not in one


def test_a_head_of_service_reads_their_services_figures_and_no_record(world, client_for):
    """Issue 18, item 2: "the same at service level for heads of service". A head of service sits
    in a team of their service; they land on its figures (no other service's teams), and open no
    child's record and no manager's tray (Working Together 2023: oversight through the line)."""
    from safeguard.workforce.models import Team

    office = Team.objects.create(local_authority=world.sw_a.local_authority,
                                 name="Front door management", service="Front door")
    hos = User.objects.create_user(username="hos", role="head_of_service", team=office,
                                   local_authority=world.sw_a.local_authority)
    client = client_for(hos)
    landing = client.get("/", follow=True)
    assert landing.redirect_chain[-1][0] == "/team/service/"
    body = landing.content.decode()
    assert "Your service" in body and "Assessment Team A" in body
    assert "Children in Care Team B" not in body
    assert not any(c.last_name in body for c in world.children.values())
    assert {client.get(url).status_code for url in MANAGER_PAGES} == {403}
    assert client.get(f"/children/{world.own.pk}/").status_code in (403, 404)
