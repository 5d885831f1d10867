"""The web tests' small council (two teams, staff in every role), a head of service who keeps the
improvement plan, and an inspection with one recommendation."""

import datetime as dt

import pytest

from safeguard.web.tests.conftest import client_for, world  # noqa: F401


@pytest.fixture
def hos(world):  # noqa: F811
    from safeguard.workforce.models import User

    return User.objects.create_user(
        username="hos",
        password="correct horse battery",
        role="head_of_service",
        local_authority=world.la,
        first_name="Helen",
        last_name="Head",
    )


@pytest.fixture
def inspection(hos):
    from safeguard.assurance.improvement import services

    return services.inspection_record(
        by=hos,
        source="Ofsted ILACS inspection",
        reported_on=dt.date.today() - dt.timedelta(days=200),
        reference="ILACS-1",
    )


@pytest.fixture
def rec(hos, inspection):
    from safeguard.assurance.improvement import services

    return services.recommendation_add(
        by=hos,
        inspection_id=inspection.pk,
        text="Ensure that assessments are completed within timescales that meet children's needs.",
        background="Too many assessments went beyond 45 working days.",
    )
