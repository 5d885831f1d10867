"""`safeguard backup --out FILE`: a consistent copy of the whole database (issue 15, finding 11).

PostgreSQL: `pg_dump -Fc` of a snapshot exported from the transaction that counts the rows, so the
manifest describes exactly what was dumped. SQLite: Python's online backup API (`Connection.backup`),
safe while the service runs; the manifest is read from the copy itself.
Beside FILE it writes FILE.manifest.json: every table's row count, a SHA-256 digest of the audit rows
and of the file; `safeguard restore FILE` checks the restored database against it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from safeguard.core.backups import build_manifest, file_sha256, manifest_path, pg_client, summary


class Command(BaseCommand):
    help = "Back up the whole database to FILE, with FILE.manifest.json (row counts, audit digest)."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="backup file to write (must not exist)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, out, database, **opts):
        path = Path(out)
        if path.exists() or manifest_path(path).exists():
            raise CommandError(f"{path} or its manifest already exists; choose a new file name")
        if not path.parent.is_dir():
            raise CommandError(f"no directory {path.parent}")
        connection = connections[database]
        if connection.in_atomic_block:
            raise CommandError("run backup outside a transaction")
        partial = path.with_name(path.name + ".partial")
        partial.unlink(missing_ok=True)
        try:
            if connection.vendor == "postgresql":
                manifest = self._postgres(connection, database, partial)
            elif connection.vendor == "sqlite":
                manifest = self._sqlite(connection, partial)
            else:
                raise CommandError(f"backup supports PostgreSQL and SQLite, not {connection.vendor}")
            manifest["file"] = path.name
            manifest["file_sha256"] = file_sha256(partial)
            manifest["database"] = str(connection.settings_dict["NAME"])
            manifest["made_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        manifest_path(path).write_text(json.dumps(manifest, indent=2) + "\n")
        self.stdout.write(summary(manifest))
        self.stdout.write(
            f"backed up {connection.vendor} database {manifest['database']} to {path} "
            f"({path.stat().st_size} bytes, SHA-256 {manifest['file_sha256']}); "
            f"manifest {manifest_path(path)}"
        )

    def _postgres(self, connection, database: str, partial: Path) -> dict:
        connection.ensure_connection()
        with transaction.atomic(using=database):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                (snapshot,) = cursor.fetchone()
                with connection.chunked_cursor() as rows:
                    manifest = build_manifest(cursor, rows, "postgresql")
            # pg_dump reads the same snapshot, so it dumps exactly what was counted; the transaction
            # stays open until it has finished.
            args, env = pg_client("pg_dump", connection.settings_dict)
            args += ["--format=custom", f"--snapshot={snapshot}", f"--file={partial}",
                     f"--dbname={connection.settings_dict['NAME']}"]
            result = subprocess.run(args, env=env, capture_output=True, text=True)
            if result.returncode != 0:
                raise CommandError(f"pg_dump failed ({result.returncode}): {result.stderr.strip()}")
        return manifest

    def _sqlite(self, connection, partial: Path) -> dict:
        connection.ensure_connection()
        copy = sqlite3.connect(partial)
        try:
            connection.connection.backup(copy)
            # A self-contained file: no -wal beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
            manifest = build_manifest(copy.cursor(), copy.cursor(), "sqlite")
        finally:
            copy.close()
        return manifest
