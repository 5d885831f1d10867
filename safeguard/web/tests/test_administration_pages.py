"""The council's administration pages (issue 18, item 4): only administrators (others 403); a fresh
database's administrator lands on "set up your council"; every page a fixed number of queries
whatever the council's size (ARCHITECTURE: "Fast by design"); refusals beside the field they name;
a staff CSV import all or nothing, reporting every problem by line and column."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.access import services as access
from safeguard.audit.models import AuditEvent
from safeguard.timescales.models import CalendarDay
from safeguard.workforce.models import LocalAuthority, Team, User

pytestmark = pytest.mark.django_db

PAGES = ["/administration/", "/administration/council/", "/administration/teams/",
         "/administration/teams/add/", "/administration/staff/", "/administration/staff/add/",
         "/administration/staff/import/", "/administration/bank-holidays/"]


@pytest.mark.parametrize("role", ["sw_a", "tm_a", "iro", "analyst", "lado", "councillor"])
def test_only_administrators_open_the_administration_pages(world, client_for, role):
    client = client_for(getattr(world, role))
    for page in [*PAGES, f"/administration/staff/{world.sw_a.pk}/"]:
        assert client.get(page).status_code == 403, page
    assert client.post("/administration/teams/add/", {"name": "Mine"}).status_code == 403
    assert not Team.objects.filter(name="Mine").exists()


def test_every_page_opens_for_the_councils_administrator(world, client_for):
    client = client_for(world.admin)
    for page in [*PAGES, f"/administration/staff/{world.sw_a.pk}/",
                 f"/administration/teams/{world.sw_a.team_id}/",
                 f"/administration/staff/{world.sw_a.pk}/deactivate/"]:
        assert client.get(page).status_code == 200, page
    # Another council's staff and teams are not theirs to see.
    assert client.get(f"/administration/staff/{world.sw_x.pk}/").status_code == 404
    assert client.get(f"/administration/teams/{world.sw_x.team_id}/").status_code == 404


def test_a_fresh_databases_administrator_sets_up_the_council_first(db, client_for):
    admin = User.objects.create_user(username="first", role="administrator")
    client = client_for(admin)
    for page in ("/administration/", "/administration/staff/"):
        response = client.get(page)
        assert response.status_code == 302 and response.url == "/administration/council/"
    page = client.get("/administration/council/")
    assert "Set up your council" in page.content.decode()
    bad = client.post("/administration/council/", {"name": "N", "code": "W06000001", "la_number": "12",
                                                   "time_zone": "Europe/London"})
    assert bad.status_code == 400
    assert "ONS code" in bad.content.decode() and "three digits" in bad.content.decode()
    good = client.post("/administration/council/", {"name": "Northshire", "code": "E06000001",
                                                    "la_number": "999", "time_zone": "Europe/London"})
    assert good.status_code == 302 and good.url == "/administration/"
    admin.refresh_from_db()
    assert admin.local_authority.code == "E06000001"
    assert "Northshire" in client.get("/administration/").content.decode()


def test_staff_added_by_the_form_get_a_link_shown_once_and_set_their_own_password(world, client_for, client):
    admin = client_for(world.admin)
    response = admin.post("/administration/staff/add/", {
        "first_name": "Jo", "last_name": "Smith", "username": "jsmith", "email": "jo@ce.gov.uk",
        "role": "social_worker", "team": str(world.sw_a.team_id), "sw_id": "SW555", "fte": "0.8",
        "agency": "no"})
    assert response.status_code == 200
    link = re.search(r"http://testserver(/set-password/[^<\s]+)", response.content.decode()).group(1)
    jo = User.objects.get(username="jsmith")
    assert not jo.has_usable_password() and jo.team_id == world.sw_a.team_id
    short = client.post(link, {"password": "short", "again": "short"})
    assert short.status_code == 400 and "at least 12 characters" in short.content.decode()
    done = client.post(link, {"password": "three random words", "again": "three random words"})
    assert done.status_code == 302
    assert User.objects.get(username="jsmith").check_password("three random words")
    assert client.get(link).status_code == 404  # used once


def test_refusals_are_shown_beside_the_field(world, client_for):
    admin = client_for(world.admin)
    response = admin.post("/administration/staff/add/", {
        "first_name": "Jo", "last_name": "Smith", "username": "sw_a", "email": "jo@ce.gov.uk",
        "role": "social_worker", "fte": "1", "agency": "no"})
    assert response.status_code == 400
    assert "someone on record already has the username sw_a" in response.content.decode()
    response = admin.post("/administration/teams/add/", {"name": world.sw_a.team.name})
    assert response.status_code == 400 and "has a team called" in response.content.decode()


def test_change_role_and_team_deactivate_and_reset_a_second_factor(world, client_for):
    admin = client_for(world.admin)
    response = admin.post(f"/administration/staff/{world.sw_a2.pk}/", {"role": "iro", "team": ""})
    assert response.status_code == 302
    world.sw_a2.refresh_from_db()
    assert (world.sw_a2.role, world.sw_a2.team_id) == ("iro", None)
    leaver = User.objects.create_user(username="leaver", role="social_worker", local_authority=world.la)
    refused = admin.post(f"/administration/staff/{leaver.pk}/deactivate/", {"reason": "short"})
    assert refused.status_code == 400 and "at least 10 characters" in refused.content.decode()
    admin.post(f"/administration/staff/{leaver.pk}/deactivate/", {"reason": "left on 31 May 2026"})
    leaver.refresh_from_db()
    assert not leaver.is_active
    # Someone who still holds children is refused until they are reallocated.
    holds = admin.post(f"/administration/staff/{world.sw_a.pk}/deactivate/",
                       {"reason": "left on 31 May 2026"})
    assert holds.status_code == 400 and "reallocate the children first" in holds.content.decode()
    # A second administrator's lost phone: reset through the same service as /second-factor/.
    other = User.objects.create_user(username="admin2", role="administrator", local_authority=world.la)
    factor = access.second_factor_begin(user=other)
    assert admin.post(f"/administration/staff/{other.pk}/second-factor/").status_code == 302
    factor.refresh_from_db()
    assert factor.revoked_at is not None
    assert AuditEvent.objects.filter(object_type="access.SecondFactor", actor=world.admin,
                                     reason__contains="reset by admin").exists()


def test_staff_import_reports_every_problem_or_creates_all(world, client_for):
    admin = client_for(world.admin)
    header = "username,first_name,last_name,email,role,team,service\n"
    bad = header + "ok1,A,B,a@ce.gov.uk,social_worker,,\nsw_a,C,D,c@ce.gov.uk,magician,Nowhere,\n"
    response = admin.post("/administration/staff/import/",
                          {"file": SimpleUploadedFile("staff.csv", bad.encode(), "text/csv")})
    page = response.content.decode()
    assert response.status_code == 400 and "Nothing was saved" in page
    for column in ("username", "role", "team"):
        assert f'<td class="govuk-table__cell">{column}</td>' in page
    assert not User.objects.filter(username="ok1").exists()
    good = header + "ok1,A,B,a@ce.gov.uk,social_worker,Edge of Care,Early help\nok2,E,F,e@ce.gov.uk,iro,,\n"
    response = admin.post("/administration/staff/import/",
                          {"file": SimpleUploadedFile("staff.csv", good.encode(), "text/csv")})
    page = response.content.decode()
    assert response.status_code == 200 and "2 members of staff added, 1 team created" in page
    assert page.count("/set-password/") == 2
    assert User.objects.get(username="ok1").team.service == "Early help"


def test_a_bank_holiday_is_added_through_the_calendars_service(world, client_for):
    day = dt.date(2030, 6, 3)  # a Monday
    CalendarDay.objects.update_or_create(date=day, defaults=dict(is_working_day=True, working_day_index=1))
    admin = client_for(world.admin)
    response = admin.post("/administration/bank-holidays/", {"date": day, "name": "A state occasion"})
    assert response.status_code == 302
    assert not CalendarDay.objects.get(date=day).is_working_day
    assert "A state occasion" in admin.get("/administration/bank-holidays/").content.decode()
    assert admin.post("/administration/bank-holidays/", {"date": day, "name": "Again"}).status_code == 400


def test_the_staff_list_filters_pages_with_its_total_and_makes_a_fixed_number_of_queries(world, client_for):
    admin = client_for(world.admin)

    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            assert admin.get(url).status_code == 200
        return len(ctx.captured_queries)

    queries(PAGES[0])  # the first request of a session reads what later ones have cached
    small = {url: queries(url) for url in PAGES}
    team = Team.objects.create(local_authority=world.la, name="Big team", service="Front door")
    User.objects.bulk_create([User(username=f"bulk{i}", first_name="Bulk", last_name=f"{i:03}", role="iro",
                                   local_authority=world.la, team=team) for i in range(80)])
    Team.objects.bulk_create([Team(local_authority=world.la, name=f"T{i}", service=f"S{i % 4}")
                              for i in range(30)])
    large = {url: queries(url) for url in PAGES}
    assert large == small
    page = admin.get(f"/administration/staff/?team={team.pk}&role=iro&status=active&page=2").content.decode()
    assert "80 members of staff, showing 26 to 50" in page
    assert ': page 4"' in page


def test_a_council_admin_of_another_council_cannot_touch_this_one(world, client_for):
    other = User.objects.create_user(username="xadmin", role="administrator", local_authority=world.other_la)
    client = client_for(other)
    assert client.post(f"/administration/staff/{world.sw_a.pk}/", {"role": "iro"}).status_code == 404
    assert client.post(f"/administration/staff/{world.sw_a.pk}/deactivate/",
                       {"reason": "not mine to do at all"}).status_code == 404
    world.sw_a.refresh_from_db()
    assert world.sw_a.is_active and world.sw_a.role == "social_worker"
    assert LocalAuthority.objects.get(pk=world.la.pk).name == "Cheshire East"
