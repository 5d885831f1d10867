"""Close the side doors round the append-only triggers (issue 15, finding 4; ARCHITECTURE: audit rows
no one can edit).

SQLite: `REPLACE INTO` / `INSERT OR REPLACE` delete the row they collide with without firing the
DELETE trigger (unless `recursive_triggers` is on), so an audit row could be overwritten. A BEFORE
INSERT trigger refuses any insert whose id is already taken, whatever its conflict clause. (An upsert,
`INSERT ... ON CONFLICT DO UPDATE`, already fires the UPDATE trigger; it is refused here first.)

PostgreSQL: TRUNCATE fires no row triggers, so it emptied the table. A statement-level BEFORE
TRUNCATE trigger refuses it (also when it arrives by `TRUNCATE ... CASCADE` from another table).
Disabling the triggers needs the table's owner or a superuser: run the application as the
least-privilege role from `safeguard database_role` (README, "Production").
"""

from django.db import migrations

SQLITE = [
    "CREATE TRIGGER audit_event_no_replace BEFORE INSERT ON audit_auditevent "
    "WHEN EXISTS (SELECT 1 FROM audit_auditevent WHERE id = NEW.id) "
    "BEGIN SELECT RAISE(ABORT, 'audit rows are append-only: REPLACE refused'); END;",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_event_no_replace;",
]
POSTGRES = [
    # audit_event_refuse_change() (migration 0003) raises naming TG_OP, here 'TRUNCATE'.
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change();",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql, params=None)


def backwards(apps, schema_editor):
    statements = (
        POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    )
    for sql in statements:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
