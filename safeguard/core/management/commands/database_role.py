"""`safeguard database_role --role safeguard_app [--password P]`: the least-privilege PostgreSQL role
the application should connect as (issue 15, finding 4; README, "Production").

Run it as the database's owner (or a superuser) after every `safeguard migrate`; it is idempotent.
The role may log in and read and write the service's tables, but only read and append audit rows; it
owns nothing and has no TRUNCATE, TRIGGER or REFERENCES privilege, so it can neither disable the
audit triggers, nor truncate, alter or drop a table, nor set `session_replication_role`.
"""

from __future__ import annotations

import os
import re

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class Command(BaseCommand):
    help = "Create or update the least-privilege PostgreSQL role the application connects as."

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, help="role name, e.g. safeguard_app")
        parser.add_argument(
            "--password", default=None,
            help="set the role's password (or set SAFEGUARD_ROLE_PASSWORD); left unchanged if omitted",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, role, password, database, **opts):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError(
                f"database_role needs PostgreSQL; this database is {connection.vendor}, which has no roles "
                "(protect the SQLite file with the operating system's file permissions instead)."
            )
        if not ROLE_NAME.match(role):
            raise CommandError(f"role {role!r}: use lower-case letters, digits and _ (at most 63)")
        password = password or os.environ.get("SAFEGUARD_ROLE_PASSWORD") or None
        audit_table = apps.get_model("audit", "AuditEvent")._meta.db_table
        name = _ident(role)
        with transaction.atomic(using=database), connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database(), current_schema()")
            me, dbname, schema = cursor.fetchone()
            if role == me:
                raise CommandError(f"{role!r} is the role running this command; choose another name")
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            created = cursor.fetchone() is None
            if created:
                cursor.execute(f"CREATE ROLE {name} {ATTRIBUTES}")
            else:
                self._refuse_if_privileged(cursor, role)
                cursor.execute(f"ALTER ROLE {name} {ATTRIBUTES}")
                # Memberships would lend it another role's privileges (ownership included).
                cursor.execute(
                    "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
                    "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %s", [role],
                )
                for (granted,) in cursor.fetchall():
                    cursor.execute(f"REVOKE {_ident(granted)} FROM {name}")
            if password:
                cursor.execute(f"ALTER ROLE {name} PASSWORD {_literal(password)}")
            # Start from nothing, then grant exactly what the application needs.
            cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {_ident(schema)} FROM {name}")
            cursor.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {_ident(schema)} FROM {name}")
            cursor.execute(f"REVOKE ALL ON SCHEMA {_ident(schema)} FROM {name}")
            cursor.execute(f"GRANT CONNECT ON DATABASE {_ident(dbname)} TO {name}")
            cursor.execute(f"GRANT USAGE ON SCHEMA {_ident(schema)} TO {name}")
            cursor.execute(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {_ident(schema)} TO {name}"
            )
            cursor.execute(f"REVOKE UPDATE, DELETE ON {_ident(audit_table)} FROM {name}")
            cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {_ident(schema)} TO {name}")
            cursor.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = %s", [schema],
            )
            (tables,) = cursor.fetchone()
        self.stdout.write(
            f"{'created' if created else 'updated'} role {role} in database {dbname}: "
            f"SELECT, INSERT, UPDATE, DELETE on {tables - 1} tables; SELECT, INSERT only on {audit_table}; "
            f"no ownership, TRUNCATE, TRIGGER or REFERENCES"
            + ("; password set" if password else "")
            + ".\nRun this again after every `safeguard migrate` (new tables are not granted until then)."
        )

    def _refuse_if_privileged(self, cursor, role: str) -> None:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone()[0]:
            raise CommandError(f"role {role!r} is a superuser; refusing to demote it. Choose another name.")
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = %s",
            [role],
        )
        (owned,) = cursor.fetchone()
        if owned:
            raise CommandError(
                f"role {role!r} owns {owned} tables or other relations here, so it could disable the audit "
                "triggers; the application needs a role that owns nothing. Choose another name."
            )
