"""Two people saving the same record at the same moment: one save wins, the other gets a clear
conflict, and nothing is silently overwritten. Real threads against a real database server."""

import threading

import pytest
from django.db import connection, connections

from safeguard.core.errors import EditConflict
from safeguard.people.models import Child
from safeguard.people.services import child_update


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="row locks need a database server; SQLite serialises writers instead")
def test_simultaneous_saves_one_wins_one_conflicts(committing_db, make_child, worker, manager):
    child = make_child()
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(user, name):
        try:
            start.wait()
            child_update(by=user, child_id=child.pk, expected_version=1, first_name=name)
            outcomes[name] = "saved"
        except EditConflict:
            outcomes[name] = "conflict"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(u, n))
               for u, n in ((worker, "Ali"), (manager, "Alice"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes.values()) == ["conflict", "saved"]
    winner = next(n for n, o in outcomes.items() if o == "saved")
    stored = Child.objects.get(pk=child.pk)
    assert stored.first_name == winner and stored.version == 2
