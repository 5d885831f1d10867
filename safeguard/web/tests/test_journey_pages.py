"""Recording the child's journey through the pages: contact → referral → strategy discussion →
section 47 → initial conference → CP plan (Working Together 2023, chapter 2 and 3; CIN census
2025-26 guide), a manager's closure with rationale, and a refused save showing each rule beside
its field with what was typed kept."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from safeguard.child_protection.models import ChildProtectionPlan
from safeguard.front_door import services as front_door

pytestmark = pytest.mark.django_db


def last_working_day() -> dt.date:
    """The latest working day before today: conferences cannot sit at weekends (CIN 8875)."""
    from safeguard.timescales import calendar

    cal, day = calendar.current(), dt.date.today() - dt.timedelta(days=1)
    while not cal.is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def _post(client, child, step, data, expect=302):
    """Open the step's form, then save it with what it carries (issue 15, finding 5), as a browser does."""
    url = f"/children/{child.pk}/record/{step}/"
    shown = client.get(url).content.decode()
    carried = dict(re.findall(r'<input type="hidden" name="(record_\w+)" value="([^"]*)"', shown))
    response = client.post(url, {**carried, **data})
    body = response.content.decode()
    assert response.status_code == expect, body[body.find("govuk-error-summary") :][:1500]
    return response


def test_contact_to_child_protection_plan(world, client_for):
    child = world.unallocated
    sw, tm = client_for(world.sw_a), client_for(world.tm_a)
    day = last_working_day()
    today = day.isoformat()
    _post(
        sw,
        child,
        "contact",
        {"received_at": f"{today}T09:00", "source": "5A", "summary": "School reports bruising"},
    )
    # Whether a contact becomes a referral is the manager's decision (the council's table of decisions).
    assert sw.get(f"/children/{child.pk}/record/contact-decision/").status_code == 403
    assert f"/children/{child.pk}/record/contact-decision/" in tm.get("/manager/").content.decode()
    _post(tm, child, "contact-decision", {"decision": "referral", "decided_at": f"{today}T11:30"})
    # The response to a referral is a manager's decision: the worker is refused.
    assert sw.get(f"/children/{child.pk}/record/referral-response/").status_code == 403
    _post(tm, child, "referral-response", {"response": "strategy", "response_date": today})
    _post(sw, child, "primary-need", {"primary_need": "N1"})
    _post(sw, child, "strategy-discussion", {"held_on": today, "s47_initiated": "yes", "attendees": "Police"})
    _post(sw, child, "section47", {"start_date": today})
    # Working Together 2023 ch. 3: the worker submits the findings; the outcome is the manager's.
    _post(sw, child, "section47-submit", {"findings": "Bruising not explained; father's account differs",
                                          "proposed_outcome": "icpc"})
    assert sw.get(f"/children/{child.pk}/record/section47-outcome/").status_code == 403
    _post(tm, child, "section47-outcome", {"end_date": today, "outcome": "icpc", "icpc_not_required": "no",
                                           "rationale": "Significant harm likely: conference needed"})
    # The conference is its chair's to record, an IRO or CP chair: the worker and manager are refused.
    assert sw.get(f"/children/{child.pk}/record/icpc/").status_code == 403
    assert tm.get(f"/children/{child.pk}/record/icpc/").status_code == 403
    _post(tm, child, "allocate-iro", {"worker": world.iro.pk, "start_date": today})
    iro = client_for(world.iro)
    _post(iro, child, "icpc", {
        "held_on": today, "plan_required": "yes", "invited": "Mother, father, school, police",
        "attended": "Mother, school, police", "apologies": "Father", "agencies": ["police", "school"],
        "child_participation": "conveyed", "child_views": "Wants to stay at home with mum",
        "decision_reasons": "Risk of physical harm from father; plan needed"})
    assert sw.get(f"/children/{child.pk}/record/cp-plan/").status_code == 403
    _post(iro, child, "cp-plan", {"start_date": today, "initial_category": "PHY"})
    plan = ChildProtectionPlan.objects.get(referral__child=child)
    assert plan.initial_category == "PHY" and plan.end_date is None
    page = sw.get(f"/children/{child.pk}/").content.decode()
    assert "Child protection plan" in page and "Initial child protection conference" in page
    assert plan.conferences.get().minutes.child_views == "Wants to stay at home with mum"


def test_manager_authorises_closure_with_rationale(world, client_for):
    child = world.own
    tm = client_for(world.tm_a)
    today = dt.date.today()
    referral = front_door.referral_open(
        by=world.sw_a, child_id=child.pk, referral_date=last_working_day(), source="1A"
    )
    tm_page = tm.get("/manager/").content.decode()
    assert f"/children/{child.pk}/record/referral-response/" in tm_page
    _post(tm, child, "referral-response", {"response": "nfa", "response_date": today.isoformat()})
    assert f"/children/{child.pk}/record/close/" in tm.get("/manager/").content.decode()
    # Without a rationale the closure is refused, beside the rationale field.
    refused = _post(
        tm,
        child,
        "close",
        {"closure_date": today.isoformat(), "reason_for_closure": "RC7", "rationale": ""},
        expect=400,
    )
    assert "govuk-error-message" in refused.content.decode()
    assert client_for(world.sw_a).get(f"/children/{child.pk}/record/close/").status_code == 403
    _post(
        tm,
        child,
        "close",
        {
            "closure_date": today.isoformat(),
            "reason_for_closure": "RC7",
            "rationale": "Assessed at the front door; needs met by school support",
        },
    )
    referral.refresh_from_db()
    assert referral.closure_date == today and referral.closure_authorised_by == world.tm_a
    assert "needs met by school support" in referral.closure_rationale


def test_refused_save_shows_the_rule_beside_the_field_and_keeps_what_was_typed(world, client_for):
    """A contact dated in the future is refused (DfE: dates cannot be in the future); the message
    sits with the 'Received' field and the summary typed is still there."""
    child = world.own
    future = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = _post(
        client_for(world.sw_a),
        child,
        "contact",
        {"received_at": future, "source": "5A", "summary": "Typed by hand, keep me"},
        expect=400,
    )
    body = response.content.decode()
    error_at = body.index('id="id_received_at-error"')
    field_at = body.index('id="id_received_at"')
    assert 0 < field_at - error_at < 400  # the message sits with its field
    assert "[rule" in body[error_at:field_at]
    assert "Typed by hand, keep me" in body and future in body
    assert 'aria-describedby="id_received_at-error"' in body
