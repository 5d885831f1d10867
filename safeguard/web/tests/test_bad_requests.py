"""Issue 15, finding 6, one case each: the requests that gave a server error or an off-site
redirect now give a plain refusal (OWASP: unvalidated redirects; no stack trace for bad input).
`test_every_url.py` walks every URL the same way; these name the cases the probe found."""

from __future__ import annotations

import pytest
from django.test import Client

from safeguard.access import services as access
from safeguard.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_break_glass_with_a_non_numeric_id_is_a_404(world):
    response = _client(world.sw_a).post("/children/abc/break-glass/", {"reason": "x" * 20})
    assert response.status_code == 404


def _break_glass_notice(world) -> Notification:
    access.break_glass(by=world.sw_a, child_id=world.restricted.pk, reason="Police at the door now")
    return Notification.objects.get(kind="break_glass", child=world.restricted)


def test_reading_a_missing_or_someone_elses_alert_is_a_404(world):
    alert = _break_glass_notice(world)
    assert alert.to == world.tm_a
    assert _client(world.tm_b).post(f"/notifications/{alert.pk}/read/").status_code == 404
    assert _client(world.tm_b).get(f"/notifications/{alert.pk}/").status_code == 404
    assert _client(world.tm_a).post("/notifications/999999/read/").status_code == 404
    alert.refresh_from_db()
    assert alert.read_at is None


def test_marking_an_alert_read_never_redirects_off_site(world):
    alert = _break_glass_notice(world)
    client = _client(world.tm_a)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(f"/notifications/{alert.pk}/read/", {"next": target})
        assert response.status_code == 302 and response["Location"] == "/notifications/", target
    response = client.post(f"/notifications/{alert.pk}/read/", {"next": "/audit/?child=1"})
    assert response["Location"] == "/audit/?child=1"


def test_the_scorecard_for_a_year_before_the_calendar_is_a_400_naming_the_years(world):
    response = _client(world.analyst).get("/performance/", {"year": "2001"})
    assert response.status_code == 400
    assert "is not a reporting year from" in response.content.decode()


def test_resetting_a_missing_users_second_factor_says_so(world):
    response = _client(world.admin).post("/second-factor/reset/999999/", follow=True)
    assert response.status_code == 200
    assert "there is no such member of staff" in response.content.decode()
