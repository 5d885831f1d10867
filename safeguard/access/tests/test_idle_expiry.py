"""Idle session expiry without a session write on every request (issue 6: "idle session expiry";
NCSC Cloud Security Principle 10, identity and authentication: sessions end after inactivity).

The session row is renewed at most once a minute, so an idle session ends between 29 and 30
minutes after the last request, never later."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from safeguard.web.middleware import IdleExpiryMiddleware


def _row(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_session_renewed_at_most_once_a_minute(world, client_for):
    client = client_for(world.sw_a)
    assert client.get("/my-work/").status_code == 200
    first = _row(client).expire_date
    age = (first - timezone.now()).total_seconds()
    assert settings.SESSION_COOKIE_AGE - 60 < age <= settings.SESSION_COOKIE_AGE

    assert client.get("/my-work/").status_code == 200
    assert _row(client).expire_date == first  # no write within the minute

    session = client.session
    session[IdleExpiryMiddleware.KEY] -= IdleExpiryMiddleware.REFRESH_AFTER + 1
    session.save()
    before = _row(client).expire_date
    assert client.get("/my-work/").status_code == 200
    assert _row(client).expire_date > before  # a minute on: renewed


def test_idle_session_is_refused(world, client_for):
    client = client_for(world.sw_a)
    assert client.get("/my-work/").status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get("/my-work/")
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_signed_out_session_is_not_renewed(world, client_for):
    client = client_for(world.sw_a)
    assert client.get("/my-work/").status_code == 200
    key = client.session.session_key
    client.post("/sign-out/")
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/my-work/").status_code == 302
