"""The notifications page (issue 18, item 5): a member of staff's own notifications, unread first,
paged with the totals (GOV.UK pagination, never a silent cap), mark read and mark all read; opening
one marks it read and follows its link, on this site only (OWASP: unvalidated redirects). A child is
named only to a reader the access policy lets open the record, and each child named is an audited
view (ARCHITECTURE.md "Reading"; UK GDPR Art. 5(1)(f))."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from safeguard.access import services as access
from safeguard.audit.models import AuditEvent
from safeguard.notifications import services
from safeguard.notifications.models import Notification
from safeguard.web.notifications import unread

pytestmark = pytest.mark.django_db
Kind = Notification.Kind


@pytest.fixture(autouse=True)
def _empty_inboxes(world):
    """Each test starts from empty inboxes (setting up the small council allocates children, which
    tells the workers)."""
    Notification.objects.all().delete()


def _tell(user, child, n: int = 1, kind=Kind.ALLOCATED):
    for i in range(n):
        services.notify(user, kind, f"Synthetic notice {i}.", f"/children/{child.pk}/", child)


def test_unread_first_with_the_totals_and_paged(world, client_for):
    _tell(world.sw_a, world.own, 30)
    services.notifications_mark_all_read(by=world.sw_a)
    services.notify(world.sw_a, Kind.RETURNED, "Returned to you, latest.", f"/children/{world.own.pk}/",
                    world.own)
    page = client_for(world.sw_a).get("/notifications/").content.decode()
    assert "1 unread</strong> of 31 notifications" in page
    assert "Showing 1 to 25 of 31" in page and 'aria-label="Pages of notifications"' in page
    assert page.index("Returned to you, latest.") < page.index("Synthetic notice")
    assert "Mark all as read" in page
    second = client_for(world.sw_a).get("/notifications/", {"page": "2"}).content.decode()
    assert "Showing 26 to 31 of 31" in second
    assert client_for(world.sw_a).get("/notifications/", {"page": "99"}).status_code == 200


def test_the_page_makes_the_same_queries_for_one_notification_or_many(world, client_for):
    """ARCHITECTURE.md "Fast by design": a fixed number of queries whatever the inbox's size."""
    client = client_for(world.sw_a)
    _tell(world.sw_a, world.own, 1)
    client.get("/notifications/")  # the session is saved on the first request only
    with CaptureQueriesContext(connection) as small:
        assert client.get("/notifications/").status_code == 200
    _tell(world.sw_a, world.own, 40)
    _tell(world.sw_a, world.team, 40)
    with CaptureQueriesContext(connection) as large:
        assert client.get("/notifications/").status_code == 200
    assert len(large) == len(small), [q["sql"][:70] for q in large.captured_queries]


def test_a_child_is_named_only_to_a_reader_who_may_open_the_record(world, client_for):
    """A manager told of break-glass on a restricted record they may not open reads the reason but
    not the child's name; a child named on the page is an audited view of that child."""
    access.break_glass(by=world.tm_a, child_id=world.restricted.pk,
                       reason="Out of hours call from the police")
    page = client_for(world.tm_b).get("/notifications/").content.decode()
    assert "a child whose record is closed to you" in page and world.restricted.last_name not in page
    assert "Out of hours call from the police" in page

    _tell(world.sw_a, world.own)
    client_for(world.sw_a).get("/notifications/")
    assert AuditEvent.objects.filter(actor=world.sw_a, child_id=world.own.pk, action="view",
                                     detail__worklist="notifications").exists()


def test_opening_marks_read_and_follows_the_link_and_someone_elses_is_a_404(world, client_for):
    _tell(world.sw_a, world.own)
    notice = Notification.objects.get(to=world.sw_a)
    assert client_for(world.sw_b).get(f"/notifications/{notice.pk}/").status_code == 404
    assert client_for(world.sw_b).post(f"/notifications/{notice.pk}/read/").status_code == 404
    response = client_for(world.sw_a).get(f"/notifications/{notice.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/children/{world.own.pk}/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    # a link that is no longer on this site (written around the service) goes to the inbox instead
    Notification.objects.filter(pk=notice.pk).update(link="/\\evil.example")
    assert client_for(world.sw_a).get(f"/notifications/{notice.pk}/")["Location"] == "/notifications/"


def test_mark_read_and_mark_all_read(world, client_for):
    _tell(world.sw_a, world.own, 3)
    client = client_for(world.sw_a)
    first = Notification.objects.filter(to=world.sw_a).order_by("pk").first()
    response = client.post(f"/notifications/{first.pk}/read/", {"next": "/notifications/?page=1"})
    assert response["Location"] == "/notifications/?page=1"
    assert Notification.objects.filter(to=world.sw_a, read_at__isnull=True).count() == 2
    assert client.get("/notifications/read/").status_code == 405  # a change is a POST
    assert client.post("/notifications/read/")["Location"] == "/notifications/"
    assert not Notification.objects.filter(to=world.sw_a, read_at__isnull=True).exists()
    assert "0 unread" in client.get("/notifications/").content.decode()


def test_the_unread_count_for_the_navigation_is_one_query_and_only_when_shown(world):
    _tell(world.sw_a, world.own, 2)
    request = RequestFactory().get("/")
    request.user = world.sw_a
    with CaptureQueriesContext(connection) as none_yet:
        count = unread(request)["unread_notifications"]
    assert len(none_yet) == 0
    with CaptureQueriesContext(connection) as one:
        assert str(count) == "2" and bool(count)
    assert len(one) == 1


def test_the_banner_on_the_managers_pages_names_only_what_they_may_open(world, client_for):
    """Break-glass notices stay as banners on My work and the manager's queue until marked seen."""
    access.break_glass(by=world.sw_a, child_id=world.restricted.pk,
                       reason="Police at the door, child missing")
    page = client_for(world.tm_a).get("/my-work/").content.decode()
    assert "broke the glass on a child&#x27;s record" in page and "Mark as seen" in page
