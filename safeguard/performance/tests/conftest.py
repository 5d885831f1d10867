"""Builders for hand-made cases: every record goes through the services a practitioner uses,
so the clocks the indicators read are derived exactly as in production."""

from __future__ import annotations

import datetime as dt

import pytest

from safeguard.performance import catalogue as cat
from safeguard.performance.compute import evaluate, rows
from safeguard.performance.periods import Period

D = dt.date


@pytest.fixture
def analyst(la):
    from safeguard.workforce.models import User

    return User.objects.create_user(
        username="analyst1", password="x", role=User.Role.ANALYST, local_authority=la
    )


@pytest.fixture
def population(la):
    """10,000 children aged 0-17 at mid-2024 and mid-2025 (rates then read as plain counts)."""
    from safeguard.people.models import PopulationEstimate

    for year in (2023, 2024, 2025):
        PopulationEstimate.objects.bulk_create(
            [
                PopulationEstimate(
                    local_authority=la, mid_year=year, age=a, count=10_000 // 18 + (a < 10_000 % 18)
                )
                for a in range(18)
            ]
        )


class Front:
    def __init__(self, worker, manager):
        self.by, self.manager = worker, manager

    def refer(self, child, day, **kw):
        from safeguard.front_door.services import referral_open

        kw.setdefault("primary_need", "N1")
        return referral_open(
            by=self.by, child_id=child.pk, referral_date=day, source=kw.pop("source", "6"), **kw
        )

    def close(self, referral, day, reason="RC7"):
        from safeguard.front_door.services import referral_close

        return referral_close(
            by=self.by,
            referral_id=referral.pk,
            expected_version=None,
            closure_date=day,
            reason_for_closure=reason,
            rationale="test",
            authorised_by=self.manager,
        )


@pytest.fixture
def front(worker, manager):
    return Front(worker, manager)


def figure(indicator_id: str, la, period: Period):
    return evaluate(cat.get(indicator_id), la, period)


def drill(indicator_id: str, la, period: Period) -> list[dict]:
    return rows(cat.get(indicator_id), la, period)


def period(start: dt.date, end: dt.date) -> Period:
    return Period(start, end, f"{start} to {end}")


def at(day: dt.date) -> Period:
    """A snapshot column: the period of one day."""
    return period(day, day)


def flags(indicator_id: str, la, column: Period) -> dict:
    """Child -> in the numerator, from the drill-down (one row per child)."""
    got = drill(indicator_id, la, column)
    out = {r["k_child"]: r["in_numerator"] for r in got}
    assert len(out) == len(got), "a child listed twice"
    return out
