"""The web tests' small council (two teams, staff in every role), with a head of service."""

import pytest

from safeguard.web.tests.conftest import client_for, world  # noqa: F401


@pytest.fixture
def council(world):  # noqa: F811
    from safeguard.workforce.models import User

    world.hos = User.objects.create_user(
        username="hos",
        password="correct horse battery",
        role="head_of_service",
        local_authority=world.la,
        first_name="Hos",
        last_name="Test",
    )
    return world


@pytest.fixture(autouse=True)
def _calendar(db):
    """The working-day calendar the scorecard reads (seeded by a migration; again here for a
    database made without migrations)."""
    from safeguard.timescales.models import CalendarDay
    from safeguard.timescales.services import calendar_seed

    if not CalendarDay.objects.filter(date="2025-03-31").exists():
        calendar_seed(first_year=2015, last_year=2030)


@pytest.fixture
def three_audits(council):
    """A hand-entered count (QA-01, case file audits completed) of 3 in 2026-27 Q2: a small number."""
    import datetime as dt

    from safeguard.performance.models import ManualValue, MeasureSetting

    MeasureSetting.objects.create(
        local_authority=council.la,
        indicator_id="QA-01",
        name="Case file audits done",
        unit="count",
        polarity="HIGH_GOOD",
    )
    ManualValue.objects.create(
        local_authority=council.la,
        indicator_id="QA-01",
        period_start=dt.date(2026, 7, 1),
        period_end=dt.date(2026, 9, 30),
        value=3,
    )
    return "QA-01"
