"""The side doors round the append-only audit table, closed (issue 15, finding 4). ARCHITECTURE.md:
audit rows no one can edit: not by REPLACE or upsert, not by TRUNCATE, and, on PostgreSQL, not by
the application's own database role, which can neither disable the triggers nor switch them off."""

import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from safeguard.audit.models import AuditEvent
from safeguard.audit.services import audit_record
from safeguard.workforce.models import Team

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="roles, privileges and TRUNCATE exist only on PostgreSQL"
)
COLUMNS = "id, at, actor_id, action, object_type, object_id, child_id, reason, request_id, detail"


def _row(pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {COLUMNS} FROM audit_auditevent WHERE id = %s", [pk])
        return cursor.fetchone()


def _all_rows():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {COLUMNS} FROM audit_auditevent ORDER BY id")
        return cursor.fetchall()


def _no_pending_checks():
    """Run the deferred foreign-key checks now: PostgreSQL refuses TRUNCATE of a table with pending
    trigger events before its own triggers are reached, which would hide what is being tested."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _refused(sql, params=None) -> str:
    """Run one statement in a savepoint; it must fail. Returns the database's message."""
    with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    return str(refused.value)


def _overwrites(pk):
    """Every way each vendor spells "write over row pk", with a new reason."""
    values = "(%s, %s, NULL, 'delete', 'people.Child', '0', NULL, 'tampered', '', '{}')"
    insert = f"INTO audit_auditevent ({COLUMNS}) VALUES {values}"
    now = "2020-01-01 00:00:00"
    upsert = [(f"INSERT {insert} ON CONFLICT (id) DO UPDATE SET reason = 'tampered'", [pk, now])]
    plain = [
        ("UPDATE audit_auditevent SET reason = 'tampered' WHERE id = %s", [pk]),
        ("DELETE FROM audit_auditevent WHERE id = %s", [pk]),
    ]
    if connection.vendor == "sqlite":
        return [
            (f"INSERT OR REPLACE {insert}", [pk, now]),
            (f"REPLACE {insert}", [pk, now]),
            ("UPDATE OR REPLACE audit_auditevent SET reason = 'tampered' WHERE id = %s", [pk]),
            (f"INSERT OR IGNORE {insert}", [pk, now]),
            *upsert,
            *plain,
        ]
    return [*upsert, *plain]


def test_no_replace_upsert_update_or_delete_can_rewrite_an_audit_row(child):
    """Issue 15, finding 4 (ARCHITECTURE.md: audit rows no one can edit). SQLite's REPLACE deletes the
    row it collides with without firing the DELETE trigger; now an insert whose id is taken is
    refused, whatever its conflict clause, and the row is unchanged."""
    event = AuditEvent.objects.filter(child_id=child.pk).first()
    before = _row(event.pk)
    for sql, params in _overwrites(event.pk):
        message = _refused(sql, params)
        assert "append-only" in message, (sql, message)
        assert _row(event.pk) == before, sql
    assert AuditEvent.objects.filter(pk=event.pk, reason="").exists()


def test_an_upsert_is_refused_by_the_update_trigger_too(child):
    """Issue 15, finding 4 (ARCHITECTURE.md: audit rows no one can edit). Does `INSERT ... ON CONFLICT
    DO UPDATE` fire the UPDATE trigger? Yes, on both databases: with the new insert trigger lifted
    (inside a savepoint, rolled back), the upsert is still refused, as an UPDATE."""
    event = AuditEvent.objects.filter(child_id=child.pk).first()
    before = _row(event.pk)
    upsert, params = next((sql, p) for sql, p in _overwrites(event.pk) if "ON CONFLICT" in sql)
    with transaction.atomic():
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("DROP TRIGGER audit_event_no_replace")
        message = _refused(upsert, params)
        transaction.set_rollback(True)
    assert "UPDATE refused" in message
    assert _row(event.pk) == before
    if connection.vendor == "sqlite":
        assert "REPLACE refused" in _refused(*_overwrites(event.pk)[0])  # the insert trigger is back


def test_the_table_cannot_be_emptied(child, worker):
    """Issue 15, finding 4 (ARCHITECTURE.md: audit rows no one can edit). PostgreSQL's TRUNCATE fires
    no row trigger, so it emptied the table; a statement trigger now refuses it, also when it cascades
    from the users table. SQLite has no TRUNCATE: its equivalent, an unqualified DELETE, is refused."""
    audit_record(actor=worker, action="view", obj=child, reason="duty check")
    before = _all_rows()
    assert len(before) >= 2
    _no_pending_checks()
    if connection.vendor == "postgresql":
        attempts = ["TRUNCATE audit_auditevent", "TRUNCATE TABLE ONLY audit_auditevent RESTART IDENTITY",
                    "TRUNCATE workforce_user CASCADE"]
    else:
        attempts = ["DELETE FROM audit_auditevent"]
    for sql in attempts:
        message = _refused(sql)
        assert "append-only" in message, (sql, message)
        assert _all_rows() == before, sql


def test_new_audit_rows_are_still_appended(child, worker):
    """Issue 15, finding 4: the new insert trigger refuses only an id already taken; appending, one row
    or many, works as before."""
    count = AuditEvent.objects.count()
    audit_record(actor=worker, action="view", obj=child, reason="duty check")
    AuditEvent.objects.bulk_create([AuditEvent(action="view", object_type="x") for _ in range(3)])
    assert AuditEvent.objects.count() == count + 4


@pytest.mark.skipif(connection.vendor != "sqlite", reason="checks the refusal message on SQLite")
def test_database_role_refuses_sqlite():
    """Issue 15, finding 4: the least-privilege role is a PostgreSQL thing; on SQLite the command says
    so rather than pretending."""
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("database_role", "--role", "safeguard_app")


@pytest.fixture
def app_role():
    """A role name unique to this run (roles are cluster-wide). The command runs inside the test's
    transaction, and CREATE ROLE is transactional in PostgreSQL, so the rollback that ends every test
    removes the role and its grants: nothing is left behind, even if the test fails."""
    return f"sg_test_app_{uuid.uuid4().hex[:12]}"


@postgres_only
def test_the_application_role_cannot_get_round_the_triggers(child, worker, team, app_role):
    """Issue 15, finding 4 (ARCHITECTURE.md: audit rows no one can edit). The app connected as a
    superuser, which can disable the triggers. As the role from `safeguard database_role` every way in
    is refused (UPDATE, DELETE, TRUNCATE, disabling or dropping a trigger, replacing the trigger
    function, session_replication_role = replica, DROP TABLE) and the rows are intact; the role can
    still append audit rows and do ordinary work."""
    call_command("database_role", "--role", app_role, "--password", "not-used-here")
    call_command("database_role", "--role", app_role)  # idempotent: updates, does not fail
    audit_record(actor=worker, action="view", obj=child, reason="before")
    before = _all_rows()
    pk = before[0][0]
    _no_pending_checks()
    attempts = [
        ("UPDATE audit_auditevent SET reason = 'tampered' WHERE id = %s", [pk]),
        ("DELETE FROM audit_auditevent WHERE id = %s", [pk]),
        ("TRUNCATE audit_auditevent", None),
        ("ALTER TABLE audit_auditevent DISABLE TRIGGER ALL", None),
        ("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only", None),
        ("DROP TRIGGER audit_event_append_only ON audit_auditevent", None),
        ("CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger AS $$ "
         "BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql", None),
        ("SET session_replication_role = replica", None),
        ("ALTER TABLE audit_auditevent OWNER TO CURRENT_USER", None),
        ("DROP TABLE audit_auditevent CASCADE", None),
        ("TRUNCATE workforce_team CASCADE", None),
        (f'ALTER ROLE "{app_role}" SUPERUSER', None),
    ]
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{app_role}"')
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_setting('is_superuser')")
            assert cursor.fetchone() == (app_role, "off")
        for sql, params in attempts:
            message = _refused(sql, params)
            assert any(m in message for m in ("permission denied", "must be owner", "must be superuser")), (
                sql, message)
        # Ordinary work: append an audit row, insert, change and delete elsewhere.
        appended = audit_record(actor=worker, action="view", obj=child, reason="as the app role")
        Team.objects.filter(pk=team.pk).update(name="Renamed team")
        extra = Team.objects.create(local_authority=team.local_authority, name="Extra", service="x")
        extra.delete()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert _all_rows()[: len(before)] == before
    assert AuditEvent.objects.filter(pk=appended.pk, reason="as the app role").exists()
    assert Team.objects.get(pk=team.pk).name == "Renamed team"


@postgres_only
def test_the_application_role_holds_no_more_than_it_needs(app_role):
    """Issue 15, finding 4 (ARCHITECTURE.md: audit rows no one can edit): the role's attributes and
    grants, read from the catalogue, for every table."""
    call_command("database_role", "--role", app_role)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolreplication "
            "FROM pg_roles WHERE rolname = %s", [app_role],
        )
        assert cursor.fetchone() == (True, False, False, False, False, False)
        cursor.execute("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'")
        tables = cursor.fetchall()
        assert tables and all(owner != app_role for _, owner in tables)
        for table, _ in tables:
            cursor.execute(
                "SELECT p, has_table_privilege(%s, %s, p) FROM unnest(ARRAY['SELECT', 'INSERT', "
                "'UPDATE', 'DELETE', 'TRUNCATE', 'TRIGGER', 'REFERENCES']) AS p", [app_role, table],
            )
            held = {p for p, has in cursor.fetchall() if has}
            expected = {"SELECT", "INSERT"} if table == "audit_auditevent" else {
                "SELECT", "INSERT", "UPDATE", "DELETE"}
            assert held == expected, table


@postgres_only
def test_database_role_refuses_to_demote_its_caller_or_a_superuser(app_role):
    """Issue 15, finding 4: the command will not strip the role it runs as, nor a superuser (it would
    otherwise turn an administrator's account into the app's). Rolled back with the test."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (me,) = cursor.fetchone()
        cursor.execute(f'CREATE ROLE "{app_role}" SUPERUSER')
    with pytest.raises(CommandError, match="running this command"):
        call_command("database_role", "--role", me)
    with pytest.raises(CommandError, match="superuser"):
        call_command("database_role", "--role", app_role)
