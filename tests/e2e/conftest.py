"""Browser journeys: Playwright drives Debian's Chromium (/usr/bin/chromium, never a downloaded
browser) against pytest-django's live server."""

from __future__ import annotations

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around it
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("SAFEGUARD_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

from safeguard.web.tests.conftest import world  # noqa: E402,F401  (the same small council)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium; .ci/run does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def site(live_server, settings):
    """The live server over plain http on loopback, so cookies cannot be Secure-only here."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    return live_server.url


@pytest.fixture
def sign_in(browser, site):
    contexts = []

    def _sign_in(username: str, password: str = "correct horse battery"):
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto(f"{site}/sign-in/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/sign-in/" not in url)
        return page

    yield _sign_in
    for c in contexts:
        c.close()


@pytest.fixture(autouse=True)
def _audit_triggers_around_flush(transactional_db):
    """The live server needs real commits, so pytest-django empties the tables after each journey.
    On SQLite that is a DELETE, which the audit's append-only trigger rightly refuses: lift the
    trigger for that clean-up only, and put it back before the next journey. (PostgreSQL empties
    with TRUNCATE, which row triggers do not see.)"""
    import importlib

    from django.db import connection

    migration = importlib.import_module("safeguard.audit.migrations.0003_append_only")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for sql in migration.SQLITE_REVERSE + migration.SQLITE:
                cursor.execute(sql)
    yield
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for sql in migration.SQLITE_REVERSE:
                cursor.execute(sql)


@pytest.fixture(scope="module", autouse=True)
def _audit_triggers_restored(django_db_blocker):
    """After the journeys' last clean-up, put the append-only triggers back for any later test."""
    yield
    import importlib

    from django.db import connection

    migration = importlib.import_module("safeguard.audit.migrations.0003_append_only")
    if connection.vendor == "sqlite":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            for sql in migration.SQLITE_REVERSE + migration.SQLITE:
                cursor.execute(sql)
