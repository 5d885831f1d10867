import pytest


@pytest.fixture(autouse=True)
def _append_only_in_place(audit_append_only):
    """These tests start with the audit's append-only triggers in place, whatever ran before."""
