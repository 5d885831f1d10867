"""Fixtures for the IRO's desk: a child allocated to the IRO, and a checker that a refused save
named the field and left the IRO's tables (and the audit) as they were."""

import datetime as dt

import pytest
from django.apps import apps

from safeguard.core.errors import RecordInvalid
from safeguard.workforce.models import Allocation, User

D = dt.date
ALLOCATED = D(2025, 1, 6)


def snapshot() -> dict:
    from safeguard.audit.models import AuditEvent

    state = {m.__name__: list(m.objects.order_by("pk").values())
             for m in apps.get_app_config("iro").get_models()}
    state["audit"] = AuditEvent.objects.count()
    return state


@pytest.fixture
def allocate():
    def _allocate(child, worker, kind=Allocation.Kind.IRO, start=ALLOCATED):
        return Allocation.objects.create(child=child, worker=worker, kind=kind, start_date=start,
                                         team=worker.team)
    return _allocate


@pytest.fixture
def iro_child(child, iro, allocate):
    """The test child (born 1 June 2015), with `iro` as their IRO."""
    allocate(child, iro)
    return child


@pytest.fixture
def other_iro(la):
    return User.objects.create_user(username="iro2", password="x", first_name="Ola", last_name="Chair",
                                    role=User.Role.IRO, local_authority=la)


@pytest.fixture
def refused():
    """Call a service expecting a refusal on `field`; return the messages; nothing changed."""

    def _check(field: str, call, **kwargs) -> list[str]:
        before = snapshot()
        with pytest.raises(RecordInvalid) as exc:
            call(**kwargs)
        fields = {v.field for v in exc.value.violations}
        assert field in fields, exc.value
        assert snapshot() == before
        return [v.message for v in exc.value.violations if v.field == field]

    return _check
