"""Sign-in protection: lockout (django-axes), idle expiry, CSRF, Content-Security-Policy and
cookies (NCSC Cloud Security Principle 9 "secure user management"; OWASP ASVS V2, V3, V14)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


def test_sign_in_then_my_work(world):
    client = Client()
    page = client.get("/sign-in/")
    assert page.status_code == 200 and 'name="csrfmiddlewaretoken"' in page.content.decode()
    response = client.post("/sign-in/", {"username": "sw_a", "password": "correct horse battery"})
    assert response.status_code == 302 and response["Location"] == "/my-work/"
    assert client.get("/my-work/").status_code == 200
    assert client.post("/sign-out/").status_code == 302
    assert client.get("/my-work/").status_code == 302


def test_lockout_after_five_failures(world):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/sign-in/", {"username": "sw_a", "password": "wrong"})
    response = client.post("/sign-in/", {"username": "sw_a", "password": "correct horse battery"})
    assert response.status_code == 429 and "locked" in response.content.decode()
    # Another account from the same address is not locked by sw_a's failures.
    ok = Client().post("/sign-in/", {"username": "sw_a2", "password": "correct horse battery"})
    assert ok.status_code == 302


def test_csrf_is_enforced(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.sw_a)
    response = client.post(f"/children/{world.own.pk}/record/visit/", {"visit_date": "2026-01-05"})
    assert response.status_code == 403


def test_strict_content_security_policy(world, client_for):
    response = client_for(world.sw_a).get("/my-work/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "style=" not in response.content.decode()  # no inline styles for the CSP to forbid
    assert response["X-Frame-Options"] == "DENY"


def test_session_and_cookie_settings():
    assert settings.SESSION_COOKIE_AGE == 30 * 60  # renewal: safeguard/access/tests/test_idle_expiry.py
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SECURE is (not settings.DEBUG)
    assert settings.PASSWORD_HASHERS[0].endswith(("Argon2PasswordHasher", "MD5PasswordHasher"))
