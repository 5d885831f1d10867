"""Setting up a council without the Django shell (issue 18, item 4): the council, its teams and its
staff, each change checked (field, rule, message), saved and audited in one transaction; staff
brought in from a CSV file all or nothing, every problem named by file, line and column (ARCHITECTURE:
"Nothing is lost": imports are atomic per file and report every rejected row with line, field and
reason). DfE: the CIN census and SSDA903 find the council by its three-digit LA number; ONS codes
name the English councils with children's services (Children Act 2004 s.63: E06, E08, E09, E10)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safeguard.audit.models import AuditEvent
from safeguard.core.errors import RecordInvalid
from safeguard.people.models import Child
from safeguard.workforce import services
from safeguard.workforce.models import Allocation, LocalAuthority, Team, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    return User.objects.create_user(username="admin1", password="x" * 12, role="administrator",
                                    first_name="Ada", last_name="Admin")


@pytest.fixture
def council(admin):
    return services.council_create(by=admin, name="Northshire", ons_code="E06000001", la_number="999")


def fields(exc) -> set[str]:
    return {v.field for v in exc.value.violations}


# --- the council -------------------------------------------------------------------------------


def test_an_administrator_without_a_council_creates_it_and_belongs_to_it(admin):
    council = services.council_create(by=admin, name=" Northshire ", ons_code="e06000001", la_number="999",
                                      time_zone="Europe/London")
    admin.refresh_from_db()
    assert admin.local_authority == council
    assert (council.name, council.code, council.la_number, council.time_zone) == (
        "Northshire", "E06000001", 999, "Europe/London")
    row = AuditEvent.objects.get(detail__event="council_create", object_type="workforce.LocalAuthority")
    assert row.actor == admin and row.detail["changes"]["code"] == [None, "E06000001"]
    assert AuditEvent.objects.filter(detail__event="council_create", object_type="workforce.User").exists()


def test_council_details_are_checked_all_at_once_naming_each_field(admin):
    """ONS code E06/E08/E09/E10 + 6 digits; DfE LA number three digits; a real IANA time zone."""
    with pytest.raises(RecordInvalid) as exc:
        services.council_create(by=admin, name="", ons_code="X123", la_number="12", time_zone="Mars/Olympus")
    assert fields(exc) == {"name", "code", "la_number", "time_zone"}
    assert not LocalAuthority.objects.exists()


def test_ons_code_and_la_number_are_unique_because_returns_find_the_council_by_them(council, admin):
    other = User.objects.create_user(username="admin2", role="administrator")
    with pytest.raises(RecordInvalid) as exc:
        services.council_create(by=other, name="Copy", ons_code="E06000001", la_number=999)
    assert fields(exc) == {"code", "la_number"}


def test_only_administrators_set_up_a_council(db):
    worker = User.objects.create_user(username="sw", role="social_worker")
    with pytest.raises(RecordInvalid) as exc:
        services.council_create(by=worker, name="N", ons_code="E06000001", la_number=999)
    assert "by" in fields(exc)


def test_changing_the_council_is_audited_with_what_changed(council, admin):
    services.council_change(by=admin, council_id=council.pk, name="Northshire Council", ons_code="E06000001",
                            la_number=999, time_zone="Europe/London")
    row = AuditEvent.objects.get(detail__event="council_change")
    assert row.detail["changes"] == {"name": ["Northshire", "Northshire Council"]}
    with pytest.raises(RecordInvalid):  # nothing changed
        services.council_change(by=admin, council_id=council.pk, name="Northshire Council",
                                ons_code="E06000001", la_number=999, time_zone="Europe/London")


def test_an_administrator_of_another_council_may_not_change_it(council):
    other_la = LocalAuthority.objects.create(code="E06000002", la_number=998, name="Southshire")
    other = User.objects.create_user(username="a2", role="administrator", local_authority=other_la)
    with pytest.raises(RecordInvalid):
        services.council_change(by=other, council_id=council.pk, name="Mine now", ons_code="E06000001",
                                la_number=999, time_zone="Europe/London")


# --- teams -------------------------------------------------------------------------------------


def test_teams_are_unique_by_name_in_the_council_and_managed_by_a_team_manager(council, admin):
    team = services.team_create(by=admin, council_id=council.pk, name="Assessment 1", service="Front door")
    with pytest.raises(RecordInvalid) as exc:
        services.team_create(by=admin, council_id=council.pk, name="assessment 1", service="Front door")
    assert fields(exc) == {"name"}
    worker = services.staff_add(by=admin, council_id=council.pk, username="sw1", first_name="S",
                                last_name="W", email="sw1@n.gov.uk", role="social_worker")
    with pytest.raises(RecordInvalid) as exc:
        services.team_change(by=admin, team_id=team.pk, name="Assessment 1", service="Front door",
                             manager_id=worker.pk)
    assert fields(exc) == {"manager"}
    manager = services.staff_add(by=admin, council_id=council.pk, username="tm1", first_name="T",
                                 last_name="M", email="tm1@n.gov.uk", role="team_manager")
    services.team_change(by=admin, team_id=team.pk, name="Assessment 1", service="Front door",
                         manager_id=manager.pk)
    assert AuditEvent.objects.get(detail__event="team_change").detail["changes"] == {
        "manager": [None, manager.pk]}


# --- staff -------------------------------------------------------------------------------------


def test_a_new_member_of_staff_has_no_password_until_they_set_one_from_their_link(council, admin, client):
    user = services.staff_add(by=admin, council_id=council.pk, username="jsmith", first_name="Jo",
                              last_name="Smith", email="jo@n.gov.uk", role="social_worker", sw_id="SW123456",
                              fte=Decimal("0.6"))
    assert not user.has_usable_password()
    row = AuditEvent.objects.get(detail__event="staff_add")
    assert "password" not in row.detail["changes"] or row.detail["changes"]["password"][1].startswith("[")
    uidb64, token = services.first_password_link(user)
    with pytest.raises(RecordInvalid):  # NCSC: long passwords; at least 12 characters
        services.staff_password_set(uidb64=uidb64, token=token, password="short")
    services.staff_password_set(uidb64=uidb64, token=token, password="three random words")
    user.refresh_from_db()
    assert user.check_password("three random words")
    with pytest.raises(RecordInvalid):  # the link works once
        services.staff_password_set(uidb64=uidb64, token=token, password="another long password")
    changed = AuditEvent.objects.get(detail__event="staff_password_set")
    assert changed.detail["changes"]["password"][1].startswith("[narrative")  # never the hash


def test_staff_details_are_checked_together(council, admin):
    """SSDA903 SW_ID is the worker's registration number: letters and digits, one per worker."""
    services.staff_add(by=admin, council_id=council.pk, username="jsmith", first_name="Jo", last_name="Smith",
                       email="jo@n.gov.uk", role="social_worker", sw_id="SW1")
    with pytest.raises(RecordInvalid) as exc:
        services.staff_add(by=admin, council_id=council.pk, username="JSMITH", first_name="", last_name="",
                           email="not-an-email", role="wizard", sw_id="SW1", fte=Decimal(2))
    assert fields(exc) == {"username", "first_name", "last_name", "email", "role", "sw_id", "fte"}
    assert "903 SW_ID" in exc.value.rules


def test_changing_role_and_team_and_the_managers_guard(council, admin):
    team = services.team_create(by=admin, council_id=council.pk, name="CIC", service="Children in care")
    tm = services.staff_add(by=admin, council_id=council.pk, username="tm", first_name="T", last_name="M",
                            email="tm@n.gov.uk", role="team_manager", team_id=team.pk)
    services.team_change(by=admin, team_id=team.pk, name="CIC", service="Children in care", manager_id=tm.pk)
    with pytest.raises(RecordInvalid) as exc:
        services.staff_change(by=admin, user_id=tm.pk, role="social_worker", team_id=team.pk)
    assert "manages CIC" in str(exc.value)
    with pytest.raises(RecordInvalid):
        services.staff_change(by=admin, user_id=admin.pk, role="social_worker", team_id=None)
    sw = services.staff_add(by=admin, council_id=council.pk, username="sw", first_name="S", last_name="W",
                            email="sw@n.gov.uk", role="social_worker")
    services.staff_change(by=admin, user_id=sw.pk, role="iro", team_id=team.pk)
    assert AuditEvent.objects.get(detail__event="staff_change").detail["changes"] == {
        "role": ["social_worker", "iro"], "team": [None, team.pk]}


def test_deactivating_never_deletes_and_waits_for_reallocation(council, admin, child):
    sw = services.staff_add(by=admin, council_id=council.pk, username="sw", first_name="S", last_name="W",
                            email="sw@n.gov.uk", role="social_worker")
    allocation = Allocation.objects.create(child=child, worker=sw, start_date=dt.date(2025, 1, 6))
    with pytest.raises(RecordInvalid) as exc:
        services.staff_deactivate(by=admin, user_id=sw.pk, reason="left the council in May")
    assert "reallocate" in str(exc.value)
    allocation.end_date = dt.date(2025, 5, 1)
    allocation.save()
    with pytest.raises(RecordInvalid) as exc:
        services.staff_deactivate(by=admin, user_id=sw.pk, reason="short")
    assert fields(exc) == {"reason"}
    services.staff_deactivate(by=admin, user_id=sw.pk, reason="left the council in May")
    sw.refresh_from_db()
    assert not sw.is_active and User.objects.filter(pk=sw.pk).exists()
    assert AuditEvent.objects.get(detail__event="staff_deactivate").reason == "left the council in May"
    with pytest.raises(RecordInvalid):
        services.staff_deactivate(by=admin, user_id=admin.pk, reason="cannot lock myself out")


# --- staff from a CSV file ---------------------------------------------------------------------

HEADER = "username,first_name,last_name,email,role,team,service,sw_id,fte,agency\n"


def test_a_clean_file_adds_staff_and_the_teams_it_gives_a_service_for(council, admin):
    Team.objects.create(local_authority=council, name="Front Door", service="Front door")
    content = HEADER + (
        "asmith,Ann,Smith,ann@n.gov.uk,social_worker,Front Door,,SW1,1,no\n"
        "bjones,Ben,Jones,ben@n.gov.uk,Team manager,Children in Care 1,Children in care,,0.8,yes\n"
        "cbrown,Cat,Brown,cat@n.gov.uk,social worker,children in care 1,,SW3,,\n")
    result = services.staff_import(by=admin, council_id=council.pk, name="staff.csv",
                                   content=content.encode())
    assert [u.username for u in result.staff] == ["asmith", "bjones", "cbrown"]
    assert [t.name for t in result.teams] == ["Children in Care 1"]
    ben = User.objects.get(username="bjones")
    assert (ben.role, ben.team.name, ben.fte, ben.is_agency, ben.has_usable_password()) == (
        "team_manager", "Children in Care 1", Decimal("0.80"), True, False)
    assert User.objects.get(username="cbrown").team == ben.team
    assert AuditEvent.objects.filter(detail__event="staff_import").count() == 4


def test_every_problem_is_reported_at_its_line_and_column_and_nothing_is_saved(council, admin):
    services.staff_add(by=admin, council_id=council.pk, username="taken", first_name="T", last_name="K",
                       email="taken@n.gov.uk", role="social_worker", sw_id="SW9")
    content = HEADER + (
        "asmith,Ann,Smith,ann@n.gov.uk,social_worker,,,SW1,1,no\n"             # line 2: good
        "asmith,Al,Smyth,al@n.gov.uk,wizard,,,SW1,2,maybe\n"                    # line 3
        "TAKEN,,Brown,taken@n.gov.uk,social_worker,Nowhere,,SW9,,\n"           # line 4
        "dj,Dee,Jay,bad-email,iro,New Team,Front door,,x,\n"                   # line 5
        "ek,Ed,Key,ed@n.gov.uk,iro,New team,Children in care,,,\n"             # line 6
        "short,row\n")                                                          # line 7
    with pytest.raises(RecordInvalid) as exc:
        services.staff_import(by=admin, council_id=council.pk, name="staff.csv", content=content.encode())
    found = {v.field for v in exc.value.violations}
    assert {"staff.csv:3:username", "staff.csv:3:role", "staff.csv:3:sw_id", "staff.csv:3:fte",
            "staff.csv:3:agency", "staff.csv:4:username", "staff.csv:4:first_name", "staff.csv:4:team",
            "staff.csv:4:email", "staff.csv:4:sw_id", "staff.csv:5:email", "staff.csv:5:fte",
            "staff.csv:6:service", "staff.csv:7:row"} <= found
    messages = {v.field: v.message for v in exc.value.violations}
    assert "also on line 2" in messages["staff.csv:3:username"]
    assert "903 SW_ID" in {v.rule for v in exc.value.violations if v.field == "staff.csv:3:sw_id"}
    assert not User.objects.filter(username__in=["asmith", "dj", "ek"]).exists()
    assert not Team.objects.exists()


def test_the_header_must_name_the_required_columns(council, admin):
    with pytest.raises(RecordInvalid) as exc:
        services.staff_import(by=admin, council_id=council.pk, name="s.csv",
                              content=b"user,first_name,first_name\nx,y,z\n")
    found = {v.field for v in exc.value.violations}
    assert {"s.csv:1:user", "s.csv:1:first_name", "s.csv:1:username", "s.csv:1:email",
            "s.csv:1:role"} <= found
    for content in (b"", b"\xff\xfe\x00bad"):
        with pytest.raises(RecordInvalid):
            services.staff_import(by=admin, council_id=council.pk, name="s.csv", content=content)


# --- the command line: two commands make a fresh database ready for a returns import -----------


def test_two_commands_then_a_cin_census_import(db, tmp_path, capsys):
    """`safeguard council create` and `safeguard staff import`, then the CIN census import finds the
    council by the LEA in the file (CIN census Header/Source/LEA)."""
    from safeguard.returns.tests.test_cin_census import child_xml, return_xml

    sample = tmp_path / "cin_census.xml"
    sample.write_text(return_xml(child_xml(), lea="201"))
    call_command("council", "create", "--name", "Sample Council", "--ons-code", "E06000001",
                 "--la-number", "201")
    staff = tmp_path / "staff.csv"
    staff.write_text(HEADER + "jsmith,Jo,Smith,jo@s.gov.uk,administrator,,,,,\n"
                              "kdoe,Kim,Doe,kim@s.gov.uk,social_worker,Front Door,Front door,SW1,,\n")
    call_command("staff", "import", str(staff), "--site", "https://safeguard.example")
    out = capsys.readouterr().out
    assert "https://safeguard.example/set-password/" in out and "2 members of staff added" in out
    call_command("returns", "import", "cin-census", str(sample))
    assert "imported 1 child" in capsys.readouterr().out
    assert Child.objects.filter(local_authority__la_number=201, la_child_id="X1").exists()


def test_bad_input_on_the_command_line_names_file_line_column_and_changes_nothing(db, tmp_path, capsys):
    with pytest.raises(CommandError):
        call_command("council", "create", "--name", "X", "--ons-code", "nope", "--la-number", "1")
    assert "code" in capsys.readouterr().err
    call_command("council", "create", "--name", "X", "--ons-code", "E06000001", "--la-number", "201")
    staff = tmp_path / "staff.csv"
    staff.write_text(HEADER + "jsmith,Jo,Smith,jo@s.gov.uk,social_worker,,,,,\njsmith,J,S,x,zz,,,,,\n")
    with pytest.raises(CommandError) as exc:
        call_command("staff", "import", str(staff))
    err = capsys.readouterr().err
    assert "staff.csv:3:username" in err and "staff.csv:3:role" in err and "staff.csv:3:email" in err
    assert "nothing was changed" in str(exc.value)
    assert not User.objects.exists()
