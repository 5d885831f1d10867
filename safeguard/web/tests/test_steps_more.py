"""The steps for child in need plans, periods of care and their episodes, and the IRO or
conference chair, through the pages: each saved step shows on the child's page, each refused one
shows the rule beside its field with what was typed kept and nothing saved, and each is offered
only when the record it acts on is there."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from safeguard.assessment import services as assessment
from safeguard.assessment.models import CINPlan
from safeguard.assessment.tests.helpers import submit
from safeguard.audit.models import AuditEvent
from safeguard.front_door import services as front_door
from safeguard.looked_after import services as looked_after
from safeguard.looked_after.models import Episode, PeriodOfCare
from safeguard.workforce.models import Allocation, User

from .test_journey_pages import _post

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


def ago(days: int) -> str:
    return (TODAY - dt.timedelta(days=days)).isoformat()


def page(client, child) -> str:
    return client.get(f"/children/{child.pk}/").content.decode()


def step_link(child, key: str) -> str:
    return f"/children/{child.pk}/record/{key}/"


def assert_beside(body: str, field: str, rule: str) -> None:
    """The rule's message sits with its field (between the label and the input, or inside the
    fieldset of a GOV.UK date input or radios), not only in the summary at the top."""
    group = re.search(rf'<fieldset[^>]*id="id_{field}"[^>]*>', body)
    if group:
        inside = body[group.end():body.index("</fieldset>", group.end())]
        assert f'id="id_{field}-error"' in inside and f"[rule {rule}]" in inside
        assert re.search(rf'aria-describedby="[^"]*id_{field}-error', group.group(0)), group.group(0)
        return
    error_at = body.index(f'id="id_{field}-error"')
    field_at = body.index(f'id="id_{field}"', error_at)
    assert 0 < field_at - error_at < 600
    assert f"[rule {rule}]" in body[error_at:field_at]
    tag = re.search(rf'<(input|select)[^>]*id="id_{field}"[^>]*>', body).group(0)
    assert re.search(rf'aria-describedby="[^"]*id_{field}-error', tag), tag


def assert_kept(body: str, field: str, value: str) -> None:
    """What the worker typed or chose is still in the form they are sent back to (a date in its
    three fields, a choice among radios as the one checked)."""
    if f'name="{field}_day"' in body:
        year, month, day = value.split("-")
        for part, typed in (("day", str(int(day))), ("month", str(int(month))), ("year", year)):
            assert re.search(rf'name="{field}_{part}"[^>]*value="{typed}"', body), (field, part)
        return
    radio = re.search(
        rf'<input class="govuk-radios__input"[^>]*name="{field}"[^>]*value="{re.escape(value)}"[^>]*>', body)
    if radio:
        assert "checked" in radio.group(0), (field, value)
        return
    tag = re.search(rf'<(input|select)[^>]*id="id_{field}"[^>]*>', body)
    assert tag, field
    if tag.group(1) == "input":
        assert f'value="{value}"' in tag.group(0), tag.group(0)
    else:
        rest = body[tag.end() : body.index("</select>", tag.end())]
        assert re.search(rf'<option value="{re.escape(value)}"[^>]*selected', rest), (field, value)


def refused(client, child, key: str, data: dict, **beside: str) -> str:
    """Post a step the rules refuse; each field named sits beside its rule's message. The page
    sent back, for checking what was kept."""
    body = _post(client, child, key, data, expect=400).content.decode()
    for field, rule in beside.items():
        assert_beside(body, field, rule)
    return body


def unchanged(*models):
    """Every row of the given tables and the number of audited changes, to prove a refusal saved
    nothing (opening the form is itself audited as a view of the record, so views are left out)."""
    changes = AuditEvent.objects.exclude(action=AuditEvent.Action.VIEW).count()
    return [list(m.objects.order_by("pk").values()) for m in models] + [changes]


def referral_assessed(world, child):
    """An episode of need whose referral led to an assessment the manager signed off as needing
    support (the usual way to a child in need plan)."""
    referral = front_door.referral_open(
        by=world.sw_a, child_id=child.pk, referral_date=TODAY - dt.timedelta(days=20), source="1A"
    )
    referral = front_door.referral_record_response(
        by=world.tm_a,
        referral_id=referral.pk,
        expected_version=referral.version,
        response="assessment",
        response_date=TODAY - dt.timedelta(days=19),
    )
    a = assessment.assessment_start(by=world.sw_a, referral_id=referral.pk, start_date=referral.response_date)
    a = submit(world.sw_a, a, child_seen_date=referral.response_date, factors=["2B"])
    assessment.assessment_authorise(
        by=world.tm_a,
        assessment_id=a.pk,
        expected_version=a.version,
        authorisation_date=TODAY - dt.timedelta(days=10),
        factors=["2B"],
        requires_support=True,
    )
    return referral


START_CARE = {
    "decom": ago(30),
    "legal_status": "C2",
    "category_of_need": "N1",
    "placement": "U6",
    "placement_provider": "PR1",
    "placement_postcode": "CW1 2AB",
    "urn": "SC123456",
}


def in_care(world, child):
    """Looked after for the last 30 days on a care order, with a foster carer (SSDA903 U6)."""
    looked_after.period_of_care_start(
        by=world.sw_a, child_id=child.pk, **{**START_CARE, "decom": TODAY - dt.timedelta(days=30)}
    )


# --- child in need plans ------------------------------------------------------------------------


def test_cin_plan_start_shows_on_the_childs_page(world, client_for):
    """CIN census 2025-26 guide (CINPlanStartDate): a CIN plan starts within an open episode of
    need; it is offered only once the referral has led to an assessment."""
    child, sw = world.own, client_for(world.sw_a)
    assert step_link(child, "cin-plan-start") not in page(sw, child)  # no episode of need yet
    referral_assessed(world, child)
    assert step_link(child, "cin-plan-start") in page(sw, child)
    response = _post(sw, child, "cin-plan-start", {"start_date": ago(5)})
    assert response.url == f"/children/{child.pk}/"
    body = page(sw, child)
    assert "Child in need plan since" in body and "Child in need plan started" in body
    # One plan at a time (CIN 4004): now the plan can be ended, not started again.
    assert step_link(child, "cin-plan-end") in body and step_link(child, "cin-plan-start") not in body
    assert CINPlan.objects.get(referral__child=child).start_date == TODAY - dt.timedelta(days=5)


def test_cin_plan_cannot_start_before_the_referral(world, client_for):
    """CIN census validation rule 4015: the CIN plan start date cannot be before the referral
    date. The message sits beside the start date, the date typed is kept, nothing is saved."""
    child = world.own
    referral_assessed(world, child)
    before = unchanged(CINPlan)
    body = refused(client_for(world.sw_a), child, "cin-plan-start", {"start_date": ago(25)},
                   start_date="CIN 4015")
    assert_kept(body, "start_date", ago(25))
    assert unchanged(CINPlan) == before


def test_cin_plan_end_shows_on_the_childs_page(world, client_for):
    """CIN census 2025-26 guide (CINPlanEndDate): the plan ends when the child no longer needs it;
    the ended plan leaves the current plans and its end is in the chronology."""
    child, sw = world.own, client_for(world.sw_a)
    referral = referral_assessed(world, child)
    assessment.cin_plan_start(by=world.sw_a, referral_id=referral.pk, start_date=TODAY - dt.timedelta(days=8))
    _post(sw, child, "cin-plan-end", {"end_date": ago(1)})
    body = page(sw, child)
    assert "Child in need plan ended" in body and "Child in need plan since" not in body
    assert step_link(child, "cin-plan-end") not in body
    assert CINPlan.objects.get(referral__child=child).end_date == TODAY - dt.timedelta(days=1)


def test_cin_plan_cannot_end_before_it_started(world, client_for):
    """CIN census validation rule 4011: a CIN plan cannot end before it started."""
    child = world.own
    referral = referral_assessed(world, child)
    assessment.cin_plan_start(by=world.sw_a, referral_id=referral.pk, start_date=TODAY - dt.timedelta(days=8))
    before = unchanged(CINPlan)
    body = refused(client_for(world.sw_a), child, "cin-plan-end", {"end_date": ago(9)}, end_date="CIN 4011")
    assert_kept(body, "end_date", ago(9))
    assert unchanged(CINPlan) == before


# --- periods of care and their episodes ---------------------------------------------------------


def test_starting_care_shows_on_the_childs_page(world, client_for):
    """SSDA903 guidance: a period of care begins with an episode whose reason for new episode is
    S, giving DECOM, legal status, category of need, placement, provider, postcode and URN."""
    child, sw = world.own, client_for(world.sw_a)
    assert step_link(child, "care-episode") not in page(sw, child)  # not looked after yet
    _post(sw, child, "care-start", START_CARE)
    body = page(sw, child)
    assert "Became looked after" in body and "Looked after since" in body
    assert step_link(child, "care-episode") in body and step_link(child, "care-start") not in body
    ep = Episode.objects.get(period_of_care__child=child)
    assert (ep.rne, ep.legal_status, ep.placement, ep.urn) == ("S", "C2", "U6", "SC123456")


def test_starting_care_in_a_registered_placement_needs_its_urn(world, client_for):
    """SSDA903 validation rule 218: an Ofsted URN is needed for a placement Ofsted registers (a
    foster placement, U6); the other items typed are kept."""
    child = world.own
    before = unchanged(PeriodOfCare, Episode)
    body = refused(client_for(world.sw_a), child, "care-start", {**START_CARE, "urn": ""}, urn="903 218")
    for field in ("decom", "legal_status", "category_of_need", "placement", "placement_provider"):
        assert_kept(body, field, START_CARE[field])
    assert_kept(body, "placement_postcode", "CW1 2AB")
    assert unchanged(PeriodOfCare, Episode) == before


def test_change_of_placement_is_a_new_episode(world, client_for):
    """SSDA903 guidance: a change of placement within a period of care ends the open episode with
    REC X1 and starts the next on the same day with RNE P and the reason for the change; the form
    starts from the open episode, so only what changed is typed."""
    child, sw = world.own, client_for(world.sw_a)
    in_care(world, child)
    form = sw.get(step_link(child, "care-episode")).content.decode()
    assert_kept(form, "legal_status", "C2")
    assert_kept(form, "urn", "SC123456")
    change = {
        **START_CARE,
        "decom": ago(10),
        "rne": "P",
        "placement": "U4",
        "urn": "SC654321",
        "reason_place_change": "CARPL",
    }
    carried = dict(re.findall(r'<input type="hidden" name="(record_\w+)" value="([^"]*)"', form))
    saved = sw.post(step_link(child, "care-episode"), {**carried, **change}, follow=True)
    body = saved.content.decode()
    assert saved.status_code == 200 and "Saved: record a change of placement or legal status" in body
    assert "Looked after since" in body  # still in the same period of care
    first, second = Episode.objects.filter(period_of_care__child=child).order_by("decom")
    assert (first.dec, first.rec, first.reason_place_change) == (TODAY - dt.timedelta(days=10), "X1", "CARPL")
    assert (second.rne, second.placement, second.legal_status, second.dec) == ("P", "U4", "C2", None)


def test_change_of_placement_refused_beside_each_item(world, client_for):
    """SSDA903 validation rules 355 (an episode must last at least 24 hours: the change date is
    the ending episode's DEC) and 225 (a change of placement gives its reason): each message sits
    beside the item the worker typed, the items are kept, and nothing is saved."""
    child = world.own
    in_care(world, child)
    before = unchanged(PeriodOfCare, Episode)
    change = {**START_CARE, "rne": "P", "placement": "U4", "urn": "SC654321", "reason_place_change": ""}
    body = refused(client_for(world.sw_a), child, "care-episode", change,
                   decom="903 355", reason_place_change="903 225")
    assert_kept(body, "decom", START_CARE["decom"])
    assert_kept(body, "rne", "P")
    assert_kept(body, "placement", "U4")
    assert_kept(body, "urn", "SC654321")
    assert unchanged(PeriodOfCare, Episode) == before


def test_ending_care_shows_on_the_childs_page(world, client_for):
    """SSDA903 guidance: care ends when the open episode ends with a reason other than X1 (here
    E4A, returned home as part of care planning); the episode steps are then no longer offered."""
    child, sw = world.own, client_for(world.sw_a)
    in_care(world, child)
    _post(sw, child, "care-end", {"dec": ago(2), "rec": "E4A"})
    body = page(sw, child)
    assert "Ceased to be looked after" in body and "Looked after since" not in body
    assert step_link(child, "care-episode") not in body and step_link(child, "care-end") not in body
    assert step_link(child, "care-start") in body
    assert sw.get(step_link(child, "care-end")).status_code == 302  # does not apply now
    period = PeriodOfCare.objects.get(child=child)
    assert period.end_date == TODAY - dt.timedelta(days=2)
    assert Episode.objects.get(period_of_care=period).rec == "E4A"


def test_ending_care_for_independent_living_under_14_is_refused(world, client_for):
    """SSDA903 validation rule 387: a child under 14 cannot leave care to live independently (REC
    E5); the message is beside REC, the date typed is kept, and care has not ended."""
    child = world.own  # born 4 March 2016
    in_care(world, child)
    before = unchanged(PeriodOfCare, Episode)
    body = refused(client_for(world.sw_a), child, "care-end", {"dec": ago(2), "rec": "E5"}, rec="903 387")
    assert_kept(body, "dec", ago(2))
    assert_kept(body, "rec", "E5")
    assert unchanged(PeriodOfCare, Episode) == before


# --- IRO or child protection conference chair ---------------------------------------------------


def test_manager_allocates_an_iro_to_a_looked_after_child(world, client_for):
    """Children Act 1989 s25A and the IRO Handbook (2010): every looked-after child has an
    independent reviewing officer, whom the authority appoints; allocating is a manager's decision
    here, and the IRO then shows among the child's workers."""
    child, tm = world.own, client_for(world.tm_a)
    assert step_link(child, "allocate-iro") not in page(tm, child)  # neither looked after nor on a plan
    in_care(world, child)
    assert step_link(child, "allocate-iro") in page(tm, child)
    assert client_for(world.sw_a).get(step_link(child, "allocate-iro")).status_code == 403
    _post(tm, child, "allocate-iro", {"worker": world.iro.pk, "start_date": ago(25)})
    body = page(tm, child)
    assert re.search(r"Independent reviewing officer</dt><dd [^>]*><strong>Iro Test</strong>", body)
    allocation = Allocation.objects.get(child=child, kind="iro", end_date__isnull=True)
    assert allocation.worker == world.iro and allocation.recorded_by == world.tm_a


def test_a_new_iro_cannot_start_before_the_current_one(world, client_for):
    """IRO Handbook (2010): a change of IRO follows the one before, so the child has one IRO at a
    time; SSDA903 rule SW10STG2 (an allocation starts after the current one). The message is
    beside the start date, the IRO chosen is kept, and the current IRO stays."""
    child, tm = world.own, client_for(world.tm_a)
    in_care(world, child)
    _post(tm, child, "allocate-iro", {"worker": world.iro.pk, "start_date": ago(25)})
    other = User.objects.create_user(
        username="iro2", password="x", role="iro", local_authority=world.la, first_name="Ola", last_name="Cy"
    )
    before = unchanged(Allocation)
    body = refused(tm, child, "allocate-iro", {"worker": other.pk, "start_date": ago(28)},
                   start_date="903 SW10STG2")
    assert_kept(body, "start_date", ago(28))
    assert_kept(body, "worker", str(other.pk))
    assert unchanged(Allocation) == before


def test_a_conference_chair_is_allocated_only_while_a_plan_runs(world):
    """Working Together to Safeguard Children 2023: a child protection conference is chaired by a
    professional independent of the case's line management, so a child on a plan (not looked
    after) is offered the chair's allocation, and a child whose plan has ended is not."""
    from safeguard.child_protection.models import ChildProtectionPlan
    from safeguard.record.history import ChildHistory
    from safeguard.web.steps import STEPS

    plan = ChildProtectionPlan(start_date=TODAY - dt.timedelta(days=40), end_date=None)
    history = ChildHistory(child=world.own, cp_plans=[plan])
    assert STEPS["allocate-iro"].target(history) is plan
    plan.end_date = TODAY - dt.timedelta(days=1)
    assert STEPS["allocate-iro"].target(history) is None
