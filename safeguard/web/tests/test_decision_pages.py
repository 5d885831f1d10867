"""Who decides, through its pages (issue 17): every member of staff reads the council's table of
decisions; an administrator changes a local row with a reason, and the steps follow it at once; a
row set by law (Working Together 2023 ch. 3: the conference chair) cannot be changed; a team
manager delegates their decisions for a period."""

from __future__ import annotations

import datetime as dt

import pytest

from safeguard.access import policy
from safeguard.access.models import DecisionDelegation, DecisionRule
from safeguard.front_door import services as front_door

pytestmark = pytest.mark.django_db


def test_staff_read_the_table_and_an_administrator_changes_a_local_row(world, client_for):
    page = client_for(world.sw_a).get("/decisions/").content.decode()
    assert "The decision on a contact" in page and "Set by law" in page and "Change" not in page
    assert client_for(world.sw_a).get(f"/decisions/{policy.CONTACT_DECISION}/").status_code == 403
    admin = client_for(world.admin)
    assert admin.get(f"/decisions/{policy.CONFERENCE}/").status_code == 200
    fixed = admin.post(f"/decisions/{policy.CONFERENCE}/", {"roles": ["team_manager"],
                                                             "reason": "Leadership team decision, June"})
    assert fixed.status_code == 400 and "set by law" in fixed.content.decode()
    assert DecisionRule.objects.get(code=policy.CONFERENCE).roles == ["iro"]
    # The local rule: the council lets social workers decide on contacts too.
    contact = front_door.contact_record(by=world.sw_a, child_id=world.own.pk, received_at=_at(),
                                        source="5A", summary="Neighbour worried")
    step = f"/children/{world.own.pk}/record/contact-decision/"
    assert client_for(world.sw_a).get(step).status_code == 403
    changed = admin.post(f"/decisions/{policy.CONTACT_DECISION}/", {
        "roles": ["team_manager", "social_worker"], "reason": "Leadership team decision of 3 June"})
    assert changed.status_code == 302, changed.content.decode()[:2000]
    assert client_for(world.sw_a).get(step).status_code == 200
    assert contact.decision == ""
    history = admin.get(f"/decisions/{policy.CONTACT_DECISION}/").content.decode()
    assert "Earlier" in history


def test_a_manager_delegates_their_decisions_for_their_leave(world, client_for):
    tm = client_for(world.tm_a)
    today = dt.date.today()
    saved = tm.post("/decisions/delegate/", {"delegate": str(world.sw_a2.pk), "starts_on": today.isoformat(),
                                             "ends_on": (today + dt.timedelta(days=7)).isoformat(),
                                             "reason": "Annual leave"})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    fresh = type(world.sw_a2).objects.get(pk=world.sw_a2.pk)
    assert policy.may_decide(fresh, policy.ASSESSMENT_AUTHORISATION)
    delegation = DecisionDelegation.objects.get()
    assert "Annual leave" in tm.get("/decisions/").content.decode()
    assert tm.post("/decisions/delegate/", {"end": str(delegation.pk)}).status_code == 302
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None
    assert client_for(world.sw_a).get("/decisions/delegate/").status_code == 403


def _at():
    from django.utils import timezone

    return timezone.now() - dt.timedelta(hours=2)
