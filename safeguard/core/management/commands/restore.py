"""`safeguard restore FILE [--force]`: put a `safeguard backup` back, then prove it (issue 15,
finding 11).

Refuses a database that holds any rows unless --force. Checks the file against its manifest first,
and afterwards the restored database: every table's row count and the audit rows' SHA-256 digest
must equal the manifest's, or it fails loudly. PostgreSQL: `pg_restore --clean --if-exists
--no-owner --no-acl --single-transaction` (all or nothing; privileges are not restored, so run
`safeguard database_role` again). SQLite: Python's online backup API into the database file.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import quote

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from safeguard.core.backups import (
    build_manifest,
    differences,
    file_sha256,
    manifest_path,
    pg_client,
    table_counts,
)


class Command(BaseCommand):
    help = "Restore a `safeguard backup` FILE and verify it against FILE.manifest.json."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--force", action="store_true",
                            help="replace the contents of a database that is not empty")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, file, force, database, **opts):
        path = Path(file)
        manifest = self._manifest(path)
        connection = connections[database]
        if connection.vendor != manifest["vendor"]:
            raise CommandError(
                f"{path} is a {manifest['vendor']} backup; this database is {connection.vendor}"
            )
        if connection.in_atomic_block:
            raise CommandError("run restore outside a transaction")
        name = connection.settings_dict["NAME"]
        connection.ensure_connection()
        with connection.cursor() as cursor:
            before = {t: n for t, n in table_counts(cursor, connection.vendor).items() if n}
        if before and not force:
            shown = ", ".join(f"{t} ({n})" for t, n in sorted(before.items(), key=lambda x: -x[1])[:5])
            raise CommandError(
                f"database {name} is not empty: {len(before)} tables hold {sum(before.values())} rows "
                f"({shown}, ...). Restoring would replace them; pass --force to do so."
            )
        if connection.vendor == "postgresql":
            self._postgres(connection, path)
        else:
            self._sqlite(connection, path)

        with transaction.atomic(using=database), connection.cursor() as cursor:
            with connection.chunked_cursor() as rows:
                restored = build_manifest(cursor, rows, connection.vendor)
        problems = differences(manifest, restored)
        if problems:
            raise CommandError(
                f"RESTORED DATABASE {name} DOES NOT MATCH THE BACKUP {path}:\n  " + "\n  ".join(problems)
            )
        tables = manifest["tables"]
        replaced = f"replaced {sum(before.values())} rows in {len(before)} tables; " if before else ""
        self.stdout.write(
            f"restored {path} (made {manifest.get('made_at', '?')} from {manifest.get('database', '?')}) "
            f"into {connection.vendor} database {name}: {replaced}{len(tables)} tables, "
            f"{sum(tables.values())} rows. Verified against {manifest_path(path).name}: every table's row "
            f"count and the digest of {manifest['audit']['rows']} audit rows "
            f"(SHA-256 {manifest['audit']['sha256']}) match."
        )
        if connection.vendor == "postgresql":
            self.stdout.write(
                "Privileges were not restored: run `safeguard database_role --role ROLE` again."
            )

    def _manifest(self, path: Path) -> dict:
        if not path.is_file():
            raise CommandError(f"no backup file {path}")
        mpath = manifest_path(path)
        if not mpath.is_file():
            raise CommandError(f"no manifest {mpath}: cannot verify the restore, so refusing it")
        try:
            manifest = json.loads(mpath.read_text())
            manifest["tables"], manifest["audit"]["sha256"], manifest["vendor"]  # noqa: B018
        except (ValueError, KeyError, TypeError) as error:
            raise CommandError(f"{mpath} is not a backup manifest: {error}") from error
        actual = file_sha256(path)
        if manifest.get("file_sha256") != actual:
            raise CommandError(
                f"{path} has SHA-256 {actual}, but its manifest says {manifest.get('file_sha256')}: "
                "the file is damaged or not the one backed up; nothing was restored"
            )
        return manifest

    def _postgres(self, connection, path: Path) -> None:
        connection.close()  # hold no locks while pg_restore drops and recreates the tables
        args, env = pg_client("pg_restore", connection.settings_dict)
        args += ["--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction",
                 f"--dbname={connection.settings_dict['NAME']}", str(path)]
        result = subprocess.run(args, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise CommandError(
                f"pg_restore failed ({result.returncode}); nothing was changed: {result.stderr.strip()}"
            )

    def _sqlite(self, connection, path: Path) -> None:
        source = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
