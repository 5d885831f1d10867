"""Fixtures for the looked-after services: a child in care, and a checker that a refused save
raised the expected rule and left the database exactly as it was."""

import datetime as dt

import pytest
from django.apps import apps

from safeguard.core.errors import RecordInvalid

D0 = dt.date(2023, 1, 10)  # the day the test child starts to be looked after

BASE_START = dict(
    decom=D0, legal_status="C2", category_of_need="N1", placement="U4",
    placement_provider="PR1", urn="SC123456", home_postcode="AB1 1AA",
    placement_postcode="CD2 2BB",
)


def snapshot() -> dict:
    """Every row of every looked-after table (and the audit trail), to prove nothing changed."""
    from safeguard.audit.models import AuditEvent

    state = {m.__name__: list(m.objects.order_by("pk").values())
             for m in apps.get_app_config("looked_after").get_models()}
    state["audit"] = AuditEvent.objects.count()
    return state


@pytest.fixture
def start_care(worker):
    """Start a period of care with sensible defaults that a test may override."""
    from safeguard.looked_after.services import period_of_care_start

    def _start(child, **overrides):
        kwargs = {**BASE_START, **overrides}
        return period_of_care_start(by=worker, child_id=child.pk, **kwargs)

    return _start


@pytest.fixture
def in_care(child, start_care):
    """A child (born 1 June 2015) looked after from 10 January 2023: C2, U4 with own provision."""
    start_care(child)
    return child


@pytest.fixture
def refused():
    """Call a service expecting a refusal under `rule`; assert nothing in the database changed."""

    def _check(rule: str, call, *args, **kwargs) -> RecordInvalid:
        before = snapshot()
        with pytest.raises(RecordInvalid) as exc:
            call(*args, **kwargs)
        assert rule in exc.value.rules, exc.value.rules
        assert snapshot() == before
        return exc.value

    return _check


@pytest.fixture
def allocate_iro(manager, iro):
    """Allocate an IRO (by default the `iro` user) to a child from a day (by default D0)."""
    from safeguard.workforce.services import allocation_start

    def _allocate(child, who=None, start_date=D0):
        return allocation_start(by=manager, child_id=child.pk, worker_id=(who or iro).pk,
                                start_date=start_date, kind="iro")

    return _allocate


@pytest.fixture
def reviewed_by_iro(in_care, allocate_iro, iro):
    """The child in care with the `iro` user allocated as their IRO from the day care began: the
    one who records their reviews (Children Act 1989 s25A-25B)."""
    allocate_iro(in_care)
    return iro
