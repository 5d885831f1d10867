"""Restricted records, grants and break-glass (ARCHITECTURE.md: restricted records need an
explicit, reasoned, time-limited grant; break-glass asks for a reason, is time-limited, alerts the
manager and is audited), and the audit rows every view writes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from safeguard.access.models import AccessGrant
from safeguard.access.policy import children_visible_to
from safeguard.audit.models import AuditEvent
from safeguard.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_break_glass_opens_a_restricted_record_for_a_time_and_alerts_the_manager(world, client_for):
    r = world.restricted
    client = client_for(world.sw_a)
    assert client.get(f"/children/{r.pk}/").status_code == 403

    response = client.post(f"/children/{r.pk}/break-glass/", {"reason": "Police at the door, child missing"})
    assert response.status_code == 302
    grant = AccessGrant.objects.get(child=r, user=world.sw_a, kind="break_glass")
    minutes = (grant.expires_at - grant.starts_at).total_seconds() / 60
    assert minutes == 60
    alert = Notification.objects.get(kind="break_glass", child=r)
    assert alert.to == world.tm_a and "Police at the door" in alert.text

    page = client.get(f"/children/{r.pk}/")
    assert page.status_code == 200 and r.last_name in page.content.decode()
    view = AuditEvent.objects.filter(actor=world.sw_a, child_id=r.pk, action="view").latest("pk")
    assert view.reason == "break-glass: Police at the door, child missing"

    # The manager sees the alert on their queue and the break-glass row in the audit search.
    manager = client_for(world.tm_a)
    assert "broke the glass" in manager.get("/manager/").content.decode()
    audit_page = manager.get("/audit/", {"child": r.pk, "break_glass": "1"}).content.decode()
    assert "break-glass: Police at the door" in audit_page

    # When the time is up the record closes again.
    past = timezone.now() - dt.timedelta(hours=2)
    AccessGrant.objects.filter(pk=grant.pk).update(starts_at=past, expires_at=past + dt.timedelta(minutes=60))
    assert client.get(f"/children/{r.pk}/").status_code == 403


def test_break_glass_needs_a_reason_and_a_practitioner(world, client_for):
    r = world.restricted
    response = client_for(world.sw_a).post(f"/children/{r.pk}/break-glass/", {"reason": "need it"})
    assert response.status_code == 403
    assert "at least 10 characters" in response.content.decode()
    for user in (world.councillor, world.lado, world.admin, world.sw_x):
        client_for(user).post(f"/children/{r.pk}/break-glass/", {"reason": "I would like to look please"})
    assert not AccessGrant.objects.exists()
    assert r not in children_visible_to(world.councillor)


def test_manager_grant_opens_restricted_record_to_one_worker(world, client_for):
    r = world.restricted
    manager = client_for(world.tm_a)
    # Managers too need to break the glass (or be granted) to open a restricted record.
    assert manager.get(f"/children/{r.pk}/").status_code == 403
    manager.post(f"/children/{r.pk}/break-glass/", {"reason": "Checking before granting access"})
    response = manager.post(
        f"/children/{r.pk}/grant/",
        {"user": world.sw_a2.pk, "reason": "Covering while Sam is on leave", "days": 14},
    )
    assert response.status_code == 302
    assert client_for(world.sw_a2).get(f"/children/{r.pk}/").status_code == 200
    assert client_for(world.sw_b).get(f"/children/{r.pk}/").status_code == 403
    assert AuditEvent.objects.filter(
        object_type="access.AccessGrant", actor=world.tm_a, reason="Covering while Sam is on leave"
    ).exists()


def test_child_page_shows_who_has_viewed(world, client_for):
    client_for(world.sw_a2).get(f"/children/{world.own.pk}/")
    body = client_for(world.sw_a).get(f"/children/{world.own.pk}/").content.decode()
    assert "Sw_A2 Test" in body and "team&#x27;s case" in body


def test_search_is_audited_with_its_terms(world, client_for):
    client_for(world.sw_a).get("/children/", {"name": "Famly"})
    row = AuditEvent.objects.filter(actor=world.sw_a, action="search").latest("pk")
    assert row.detail["name"] == "Famly" and row.request_id


def test_search_tolerates_misspelt_names(world, client_for):
    """'Famliy3' finds Family3; DOB, LA child ID and NHS number also find the child."""
    c = world.own
    client = client_for(world.sw_a)
    assert (
        f"/children/{c.pk}/"
        in client.get("/children/", {"name": f"kit {c.last_name[:3]}mliy"}).content.decode()
    )
    for params in (
        {"identifier": c.la_child_id.lower()},
        {"identifier": c.nhs_number},
        {"date_of_birth_day": "4", "date_of_birth_month": "3", "date_of_birth_year": "2016"},
    ):
        assert f"/children/{c.pk}/" in client.get("/children/", params).content.decode(), params
    assert f"/children/{c.pk}/" not in client.get("/children/", {"name": "Zebedee"}).content.decode()


def test_request_id_echoed_and_recorded(world, client_for):
    response = client_for(world.sw_a).get(f"/children/{world.own.pk}/", HTTP_X_REQUEST_ID="trace-12345678")
    assert response["X-Request-ID"] == "trace-12345678"
    assert AuditEvent.objects.filter(
        request_id="trace-12345678", child_id=world.own.pk, action="view"
    ).exists()


def test_manager_restricts_a_record_with_a_reason(world, client_for):
    own = world.own
    manager = client_for(world.tm_a)
    refused = manager.post(f"/children/{own.pk}/restrict/", {"restricted": "yes", "reason": "staff"})
    assert refused.status_code == 200 and "at least 10 characters" in refused.content.decode()
    assert client_for(world.sw_a).get(f"/children/{own.pk}/").status_code == 200
    done = manager.post(
        f"/children/{own.pk}/restrict/", {"restricted": "yes", "reason": "Adoption placement"}
    )
    assert done.status_code == 302
    assert client_for(world.sw_a).get(f"/children/{own.pk}/").status_code == 403
    assert client_for(world.sw_a).get(f"/children/{own.pk}/restrict/").status_code == 403


def test_worklist_hides_a_restricted_childs_clocks_until_access_is_given(world, client_for):
    """A restricted child's clocks stay off the allocated worker's list without a grant (its name
    would say the record exists), and show once access is given."""
    import datetime as dt

    from safeguard.front_door import services as front_door

    r, own = world.restricted, world.own
    for child in (r, own):
        front_door.referral_open(by=world.tm_a, child_id=child.pk, referral_date=dt.date.today(), source="1A")
    client = client_for(world.sw_a)
    body = client.get("/my-work/").content.decode()
    assert own.last_name in body and r.last_name not in body
    client.post(f"/children/{r.pk}/break-glass/", {"reason": "Urgent call from the hospital"})
    assert r.last_name in client.get("/my-work/").content.decode()


def _note_form(child, **more) -> dict:
    day = dt.date.today() - dt.timedelta(days=1)
    return {"kind": "phone_call", "occurred_on_day": day.day, "occurred_on_month": day.month,
            "occurred_on_year": day.year, "title": "Call with the school", "text": "Attendance is better.",
            "children": [str(child.pk)], **more}


def test_a_save_keeps_the_audit_of_its_opening_whatever_its_end(world, client_for):
    """A save is one transaction with the opening of the child (one commit, issue 20), yet every
    opening stays audited (Data Protection Act 2018 s.62, logging of consultation) when the save
    is refused by the policy, refused by a check, or written."""
    child = world.own
    openings = AuditEvent.objects.filter(child_id=child.pk, action="view", detail__what="new case note")

    refused = client_for(world.analyst).post(f"/children/{child.pk}/notes/new/", _note_form(child))
    assert refused.status_code == 403
    assert openings.filter(actor=world.analyst).count() == 1

    invalid = client_for(world.sw_a).post(f"/children/{child.pk}/notes/new/", _note_form(child, kind=""))
    assert invalid.status_code == 400
    assert openings.filter(actor=world.sw_a).count() == 1

    saved = client_for(world.sw_a).post(f"/children/{child.pk}/notes/new/", _note_form(child))
    assert saved.status_code == 302
    assert openings.filter(actor=world.sw_a).count() == 2
    assert AuditEvent.objects.filter(child_id=child.pk, action="create",
                                     object_type="casework.CaseNote").exists()



def test_a_failed_save_raises_its_own_error_even_when_its_commit_fails_too(rf):
    """The save's one transaction (issue 20) must never hide why a save failed. A view that swallowed
    a database error outside a savepoint leaves PostgreSQL's transaction aborted, so the save's commit
    fails as well: the view's own error is raised, the commit's kept as its context. (SQLite carries on
    after a failed statement, so there the commit succeeds and the view's error is raised alone.)"""
    from django.db import DatabaseError, connection

    from safeguard.web.views import refusing

    def view(request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT no_such_column FROM people_child")
        except DatabaseError:
            pass  # swallowed, outside any savepoint
        raise ValueError("the view's own")

    with pytest.raises(ValueError, match="the view's own") as raised:
        refusing(view)(rf.post("/"))
    if connection.vendor == "postgresql":
        assert isinstance(raised.value.__context__, DatabaseError)
