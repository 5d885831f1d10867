"""What `safeguard backup` and `safeguard restore` share (issue 15, finding 11): the manifest that
proves a restore gave back what was backed up, and the PostgreSQL client's connection arguments.

A manifest holds the row count of every table and a SHA-256 digest of the audit rows (ordered by
id, over AUDIT_COLUMNS), so a restored database is checked against the backup, not trusted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

from django.apps import apps
from django.utils.dateparse import parse_datetime

MANIFEST_FORMAT = 1
AUDIT_COLUMNS = ("id", "at", "actor_id", "action", "object_type", "object_id", "child_id", "reason", "detail")


def audit_table() -> str:
    return apps.get_model("audit", "AuditEvent")._meta.db_table


def quote(name: str) -> str:
    """An identifier quoted the same way on SQLite and PostgreSQL."""
    return '"' + name.replace('"', '""') + '"'


def table_names(cursor, vendor: str) -> list[str]:
    if vendor == "postgresql":
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
    else:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!' "
            "ORDER BY 1"
        )
    return [name for (name,) in cursor.fetchall()]


def table_counts(cursor, vendor: str) -> dict[str, int]:
    counts = {}
    for name in table_names(cursor, vendor):
        cursor.execute(f"SELECT count(*) FROM {quote(name)}")
        counts[name] = cursor.fetchone()[0]
    return counts


def _at(value) -> str:
    if isinstance(value, str):
        value = parse_datetime(value)
    if value.tzinfo is None:  # SQLite holds UTC without an offset
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat()


def _detail(value) -> object:
    if isinstance(value, bytes | bytearray | memoryview):
        value = bytes(value).decode()
    if isinstance(value, str):
        value = json.loads(value)
    return value


def audit_digest(rows) -> tuple[int, str]:
    """(row count, SHA-256) over audit rows given in id order as AUDIT_COLUMNS tuples. Each row is one
    line of canonical JSON, so the digest does not depend on how a driver hands back dates or JSON."""
    digest = hashlib.sha256()
    count = 0
    for row in rows:
        values = list(row)
        values[1] = _at(values[1])
        values[8] = _detail(values[8])
        line = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        digest.update(line.encode() + b"\n")
        count += 1
    return count, digest.hexdigest()


def audit_rows_sql() -> str:
    return f"SELECT {', '.join(quote(c) for c in AUDIT_COLUMNS)} FROM {quote(audit_table())} ORDER BY id"


def _fetch(cursor, size: int = 2000):
    while True:
        rows = cursor.fetchmany(size)
        if not rows:
            return
        yield from rows


def build_manifest(cursor, rows_cursor, vendor: str) -> dict:
    """Counts from `cursor`; audit rows streamed through `rows_cursor` (a server-side cursor on
    PostgreSQL, so a national-size trail is not held in memory). Both must see the same snapshot."""
    counts = table_counts(cursor, vendor)
    rows_cursor.execute(audit_rows_sql())
    audit_count, sha = audit_digest(_fetch(rows_cursor))
    return {
        "format": MANIFEST_FORMAT,
        "vendor": vendor,
        "tables": counts,
        "audit": {"table": audit_table(), "columns": list(AUDIT_COLUMNS), "rows": audit_count, "sha256": sha},
    }


def differences(expected: dict, actual: dict) -> list[str]:
    """How the restored database differs from the manifest; empty when it matches."""
    problems = []
    want, got = expected["tables"], actual["tables"]
    for name in sorted(set(want) - set(got)):
        problems.append(f"table {name} is missing (backup had {want[name]} rows)")
    for name in sorted(set(got) - set(want)):
        problems.append(f"table {name} was not in the backup ({got[name]} rows)")
    for name in sorted(set(want) & set(got)):
        if want[name] != got[name]:
            problems.append(f"table {name}: {got[name]} rows, backup had {want[name]}")
    if expected["audit"]["rows"] != actual["audit"]["rows"]:
        problems.append(f"audit rows: {actual['audit']['rows']}, backup had {expected['audit']['rows']}")
    if expected["audit"]["sha256"] != actual["audit"]["sha256"]:
        problems.append(
            f"audit digest {actual['audit']['sha256']} differs from the backup's "
            f"{expected['audit']['sha256']}"
        )
    return problems


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def pg_client(program: str, settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    """Arguments and environment for pg_dump / pg_restore from a Django database setting. The password
    goes in PGPASSWORD, never on the command line (where `ps` would show it)."""
    args = [program, "--no-password"]
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"),
                             ("sslcert", "PGSSLCERT"), ("sslkey", "PGSSLKEY"), ("passfile", "PGPASSFILE")):
        if options.get(option):
            env[variable] = str(options[option])
    return args, env


def summary(manifest: dict) -> str:
    tables = manifest["tables"]
    width = max((len(n) for n in tables), default=10)
    lines = [f"  {name:<{width}}  {count:>10}" for name, count in tables.items()]
    audit = manifest["audit"]
    lines.append(
        f"{len(tables)} tables, {sum(tables.values())} rows; audit rows {audit['rows']}, "
        f"SHA-256 {audit['sha256']}"
    )
    return "\n".join(lines)
