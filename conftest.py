"""Shared fixtures: a council, staff in each role, and a child on the record."""

import datetime as dt

import pytest


@pytest.fixture
def la(db):
    from safeguard.workforce.models import LocalAuthority

    return LocalAuthority.objects.create(code="E06000049", la_number=895, name="Cheshire East")


@pytest.fixture
def team(la):
    from safeguard.workforce.models import Team

    return Team.objects.create(local_authority=la, name="Assessment Team 1", service="Front door")


@pytest.fixture
def worker(la, team):
    from safeguard.workforce.models import User

    return User.objects.create_user(
        username="sw1", password="x", first_name="Sam", last_name="Worker",
        role=User.Role.SOCIAL_WORKER, team=team, local_authority=la, sw_id="SW1234567",
    )


@pytest.fixture
def manager(la, team):
    from safeguard.workforce.models import User

    return User.objects.create_user(
        username="tm1", password="x", first_name="Tara", last_name="Manager",
        role=User.Role.TEAM_MANAGER, team=team, local_authority=la,
    )


@pytest.fixture
def iro(la):
    from safeguard.workforce.models import User

    return User.objects.create_user(
        username="iro1", password="x", first_name="Ira", last_name="Reviewer",
        role=User.Role.IRO, local_authority=la,
    )


@pytest.fixture
def make_child(la, worker):
    """Register a child through the service, with sensible defaults that any test may override."""
    from safeguard.people.services import child_register

    counter = {"n": 0}

    def _make(**fields):
        counter["n"] += 1
        defaults = dict(
            la_child_id=f"C{counter['n']:05d}", first_name="Alex", last_name=f"Child{counter['n']}",
            date_of_birth=dt.date(2015, 6, 1), sex="F", ethnicity="WBRI",
        )
        defaults.update(fields)
        return child_register(by=worker, local_authority=la, **defaults)

    return _make


@pytest.fixture
def child(make_child):
    return make_child()
