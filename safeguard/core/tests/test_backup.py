"""`safeguard backup` and `safeguard restore` (issue 15, finding 11): a round trip on each database
gives back every table's rows and the very same audit rows, and a restore that does not match the
backup, or would overwrite a database in use, is refused loudly."""

import io
import json
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction

from safeguard.core.backups import build_manifest, manifest_path


@pytest.fixture
def other_database(committing_db, tmp_path):
    """A second, empty database to restore into: a new SQLite file, or a new PostgreSQL database with a
    name unique to this run, dropped afterwards. Returns its connection alias. Request it first, before
    any fixture that uses the database."""
    alias = f"restored_{uuid.uuid4().hex[:8]}"
    settings_dict = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        settings_dict["NAME"] = str(tmp_path / "restored.sqlite3")
    else:
        settings_dict["NAME"] = f"sg_restore_test_{uuid.uuid4().hex[:12]}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{settings_dict["NAME"]}"')
    # Registered as a connection but not a setting, so Django's test isolation treats it as one the
    # test made for itself.
    connections[alias] = type(connections["default"])(settings_dict, alias)
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{settings_dict["NAME"]}" WITH (FORCE)')


def _manifest_of(alias):
    conn = connections[alias]
    with transaction.atomic(using=alias), conn.cursor() as cursor, conn.chunked_cursor() as rows:
        return build_manifest(cursor, rows, conn.vendor)


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_backup_and_restore_round_trip(other_database, child, make_child, worker, tmp_path):
    """Issue 15, finding 11 (ARCHITECTURE.md: audit rows no one can edit, so they must survive a
    restore exactly). Back up a database holding children registered through the service (and their
    audit rows), restore into an empty database, and the restored database has the same row count in
    every table and the same audit digest, checked by the command and again here."""
    from safeguard.audit.services import audit_record

    make_child(first_name="Bea")
    audit_record(actor=worker, action="view", obj=child, reason="duty check", detail={"b": 1, "a": "é"})
    source = _manifest_of("default")
    assert source["tables"]["people_child"] == 2 and source["audit"]["rows"] >= 3

    backup = tmp_path / "safeguard.backup"
    printed = _run("backup", "--out", str(backup))
    written = json.loads(manifest_path(backup).read_text())
    assert written["tables"] == source["tables"] and written["audit"] == source["audit"]
    assert source["audit"]["sha256"] in printed and "people_child" in printed
    with pytest.raises(CommandError, match="already exists"):
        _run("backup", "--out", str(backup))

    said = _run("restore", str(backup), "--database", other_database)
    assert "match" in said and str(source["audit"]["rows"]) in said
    restored = _manifest_of(other_database)
    assert restored["tables"] == source["tables"]
    assert restored["audit"] == source["audit"]
    with connections[other_database].cursor() as cursor:
        cursor.execute("SELECT first_name FROM people_child ORDER BY first_name")
        assert [n for (n,) in cursor.fetchall()] == ["Alex", "Bea"]

    # Now the database is in use: a second restore is refused unless forced.
    with pytest.raises(CommandError, match="not empty.*--force"):
        _run("restore", str(backup), "--database", other_database)
    assert "replaced" in _run("restore", str(backup), "--database", other_database, "--force")
    assert _manifest_of(other_database)["audit"] == source["audit"]


def test_restore_fails_loudly_on_a_mismatch(other_database, child, tmp_path):
    """Issue 15, finding 11: a restore is verified, not trusted. If the restored audit rows do not give
    the manifest's digest the command fails, saying so; a damaged file is refused before anything is
    touched; so is a file with no manifest."""
    backup = tmp_path / "safeguard.backup"
    _run("backup", "--out", str(backup))
    mpath = manifest_path(backup)
    good = mpath.read_text()

    wrong = json.loads(good)
    wrong["audit"]["sha256"] = "0" * 64
    wrong["tables"]["people_child"] += 1
    mpath.write_text(json.dumps(wrong))
    with pytest.raises(CommandError, match="DOES NOT MATCH") as failed:
        _run("restore", str(backup), "--database", other_database)
    assert "people_child" in str(failed.value) and "audit digest" in str(failed.value)

    mpath.write_text(good)
    with open(backup, "ab") as f:
        f.write(b"tampered")
    with pytest.raises(CommandError, match="damaged"):
        _run("restore", str(backup), "--database", other_database, "--force")

    mpath.unlink()
    with pytest.raises(CommandError, match="no manifest"):
        _run("restore", str(backup), "--database", other_database, "--force")
