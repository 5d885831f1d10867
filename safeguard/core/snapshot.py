"""Read-only work spread over several database connections that all see one state of the record.

A council's scorecard is some ninety independent aggregate queries; one connection runs them one
after another, leaving a core idle while Python builds the next query. On PostgreSQL the caller's
snapshot is exported (`pg_export_snapshot`) and each helper thread's connection reads through it
(`SET TRANSACTION SNAPSHOT`, repeatable read, read only), so every figure is of the same moment,
as if one connection had read them all. Anywhere else (SQLite, or a transaction that has itself
written, whose uncommitted rows another connection could not see) the work runs one task after
another on the caller's own connection."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from django.db import connection, transaction

T = TypeVar("T")

#: What PostgreSQL's exported snapshot names look like (checked before they are put into SQL).
_SNAPSHOT_NAME = re.compile(r"^[0-9A-F]+-[0-9A-F]+-[0-9]+$")


def run_together(tasks: Sequence[Callable[[], T]], connections: int) -> list[T]:
    """Each task's result, in order. Tasks only read, and must not rely on running in any order."""
    if (connections < 2 or len(tasks) < 2 or connection.vendor != "postgresql"
            or connection.savepoint_ids):  # PostgreSQL exports no snapshot from a savepoint
        return [task() for task in tasks]
    # The exporting transaction (the caller's own, if it is in one) holds the snapshot until all
    # have read it.
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute("SELECT txid_current_if_assigned() IS NULL, pg_export_snapshot()")
            unwritten, snapshot = cursor.fetchone()
        if not unwritten or not _SNAPSHOT_NAME.match(snapshot):
            return [task() for task in tasks]
        results: list = [None] * len(tasks)
        failures: list[BaseException] = []
        queue = iter(range(len(tasks)))
        lock = threading.Lock()

        def work() -> None:
            try:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                        cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                    while not failures:
                        with lock:
                            i = next(queue, None)
                        if i is None:
                            return
                        results[i] = tasks[i]()
            except BaseException as error:  # noqa: BLE001 - raised again in the caller's thread
                failures.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=work, name=f"snapshot-reader-{n}")
                   for n in range(min(connections, len(tasks)))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise failures[0]
        return results
