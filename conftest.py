"""Shared fixtures: a council, staff in each role, and a child on the record."""

import datetime as dt
import importlib

import pytest


def pytest_configure(config):
    """The suite runs as if it were noon (London) on the day it started, the clock ticking from there.
    Tests set dates when they are collected (a parametrised "tomorrow") and the record checks them
    against the day they run: a run that crosses midnight would find "tomorrow" had become today.
    From noon no run of the suite reaches midnight, and no test depends on the hour CI starts."""
    from zoneinfo import ZoneInfo

    import time_machine

    london = ZoneInfo("Europe/London")
    noon = dt.datetime.combine(dt.datetime.now(london).date(), dt.time(12), tzinfo=london)
    config._safeguard_clock = time_machine.travel(noon, tick=True)
    config._safeguard_clock.start()


def pytest_unconfigure(config):
    clock = getattr(config, "_safeguard_clock", None)
    if clock is not None:
        clock.stop()


@pytest.fixture(autouse=True)
def _plain_http(settings):
    """The test client and the browser tests speak plain http on loopback, as `make demo` does
    (SAFEGUARD_INSECURE_COOKIES=1); production redirects to HTTPS (test_deployment.py checks that)."""
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: ids repeat from test to test, and what one test kept (a
    manager's tab counts, a drawn chart) must not answer the next."""
    from django.core.cache import cache

    cache.clear()


def append_only(on: bool) -> None:
    """Put the audit's append-only refusal in place (on) or lift it on this test connection (off).
    Only pytest-django's clean-up after a committing test lifts it: see `committing_db`."""
    from django.db import connection

    triggers = importlib.import_module("safeguard.audit.migrations.0003_append_only")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for sql in triggers.SQLITE_REVERSE + (triggers.SQLITE if on else []):
                cursor.execute(sql)
        else:
            cursor.execute(
                "RESET session_replication_role" if on else "SET session_replication_role = replica"
            )


@pytest.fixture
def committing_db(transactional_db):
    """For tests that need real commits (a live server, threads, a backup). Afterwards pytest-django
    empties every table (DELETE on SQLite, TRUNCATE on PostgreSQL), which the audit rightly refuses:
    the refusal is lifted for that clean-up only (this teardown runs just before it), on the test
    connection alone (PostgreSQL's is closed after the clean-up; SQLite's triggers come back at the
    next committing test, and before every audit test)."""
    append_only(True)
    yield
    append_only(False)


@pytest.fixture
def audit_append_only(db):
    """The audit's append-only refusal in place, whatever ran before (see `committing_db`)."""
    append_only(True)


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


@pytest.fixture
def chair_review(iro, manager):
    """Record a looked-after review as the child's IRO, allocating the IRO from the start of the
    child's first period of care if none is (Children Act 1989 s25A-25B: the review is the IRO's)."""
    from safeguard.looked_after.services import review_record
    from safeguard.workforce.models import Allocation
    from safeguard.workforce.services import allocation_start

    def _review(child, review_date, participation, **minutes):
        if not Allocation.objects.filter(child=child, kind=Allocation.Kind.IRO).exists():
            start = child.periods_of_care.order_by("start_date").values_list("start_date", flat=True)[0]
            allocation_start(by=manager, child_id=child.pk, worker_id=iro.pk, start_date=start,
                             kind=Allocation.Kind.IRO)
        return review_record(by=iro, child_id=child.pk, review_date=review_date,
                             participation=participation, **minutes)

    return _review
