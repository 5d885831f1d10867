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


@pytest.fixture(scope="session", autouse=True)
def _plain_http_live_server():
    """The live server speaks plain http on loopback, as `make demo` does: no redirect to HTTPS.
    Set before the server starts, since its middleware reads the setting once."""
    from django.test import override_settings

    plain = override_settings(SECURE_SSL_REDIRECT=False, SECURE_HSTS_SECONDS=0)
    plain.enable()
    yield
    plain.disable()


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
def _commits(committing_db):
    """The live server needs real commits (see `committing_db` in the root conftest)."""
    yield
