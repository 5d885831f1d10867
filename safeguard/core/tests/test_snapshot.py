"""Read-only work on several connections sees one state of the database (`core.snapshot`): a
figure read on a helper connection is of the same moment as the caller's, whatever is committed
meanwhile; where that cannot be promised the work runs on the caller's own connection."""

import threading

import pytest
from django.db import connection, connections, transaction

from safeguard.core.snapshot import run_together

TABLE = "core_snapshot_probe"


@pytest.fixture
def probe_table(django_db_blocker):
    """A table of the test database committed to (outside any test transaction), so that other
    connections can read it; it is all the test writes, and it is dropped after."""
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE {TABLE} (n integer)")
            cursor.execute(f"INSERT INTO {TABLE} (n) VALUES (1), (2)")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE {TABLE}")


def _count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
        return cursor.fetchone()[0]


def _backend() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="helper connections are PostgreSQL's")
def test_helpers_read_the_callers_snapshot_while_others_commit(probe_table):
    """Two tasks that can only finish together (a barrier) run on two other connections; a row
    committed by a third connection after the work began is seen by neither, and is seen by the
    caller once the work is done."""
    both = threading.Barrier(2, timeout=20)

    def first():
        both.wait()
        other = connections.create_connection("default")  # an outside writer, committing at once
        try:
            with other.cursor() as cursor:
                cursor.execute(f"INSERT INTO {TABLE} (n) VALUES (3)")
        finally:
            other.close()
        both.wait()
        return _backend(), _count()

    def second():
        both.wait()
        both.wait()  # after the outside writer has committed
        return _backend(), _count()

    (pid_a, seen_a), (pid_b, seen_b) = run_together([first, second], connections=2)
    assert seen_a == seen_b == 2
    assert pid_a != pid_b and _backend() not in (pid_a, pid_b)
    assert _count() == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="helper connections are PostgreSQL's")
def test_a_helpers_failure_is_raised_in_the_caller(probe_table):
    def fails():
        raise ValueError("a measure that cannot be read")

    with pytest.raises(ValueError, match="cannot be read"):
        run_together([_count, fails, _count], connections=2)


def test_after_the_caller_has_written_the_work_stays_on_its_connection(probe_table):
    """Rows the caller has written and not committed are invisible to any other connection, so
    the tasks run on the caller's own connection, in order, and see them (SQLite always does so)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {TABLE} (n) VALUES (3)")
        assert run_together([_count, _count], connections=2) == [3, 3]
