"""A plan's words through its pages: outcomes, actions and contingency written and changed, progress
recorded at a review, and the plan as it stood at that review shown (Working Together 2023 ch. 3:
the child protection plan, reviewed by the core group and at review conferences)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from safeguard.casework.models import Plan
from safeguard.child_protection import services as cp
from safeguard.child_protection.models import ChildProtectionPlan
from safeguard.front_door import services as front_door

from .test_journey_pages import last_working_day

pytestmark = pytest.mark.django_db


def _management(prefix: str, total: int) -> dict:
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": "0"}


def _cp_plan_for(world, child, day: dt.date) -> ChildProtectionPlan:
    """A CP plan made as Working Together 2023 ch. 3 has it: the manager decides the response and
    the enquiry's outcome; the IRO chairs the conference and starts the plan."""
    r = front_door.referral_open(by=world.sw_a, child_id=child.pk, referral_date=day, source="1A")
    r = front_door.referral_record_response(by=world.tm_a, referral_id=r.pk, expected_version=r.version,
                                            response="strategy", response_date=day)
    sd = cp.strategy_discussion_record(by=world.sw_a, referral_id=r.pk, held_on=day, s47_initiated=True)
    s47 = cp.section47_start(by=world.sw_a, referral_id=r.pk, start_date=day, strategy_discussion_id=sd.pk)
    cp.section47_record_outcome(by=world.tm_a, section47_id=s47.pk, expected_version=s47.version,
                                end_date=day, outcome="icpc", icpc_not_required=False,
                                rationale="Significant harm likely")
    conf = cp.conference_record(by=world.iro, referral_id=r.pk, kind="initial", held_on=day,
                                section47_id=s47.pk, plan_required=True, chair=world.iro)
    return cp.cp_plan_start(by=world.iro, referral_id=r.pk, start_date=day, initial_category="PHY",
                            conference_id=conf.pk)


def test_a_plan_written_reviewed_and_shown_as_it_stood(world, client_for):
    child = world.own
    day = last_working_day() - dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    plan = _cp_plan_for(world, child, day)
    sw = client_for(world.sw_a)
    base = f"/children/{child.pk}/plans/cp/{plan.pk}/"
    assert sw.get(f"/children/{child.pk}/record/cp-plan-words/")["Location"] == base
    assert "have not been written yet" in sw.get(base).content.decode()
    due = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    refused = sw.post(base + "change/", {
        "version": "", "contingency": "", **_management("o", 2), **_management("a", 1),
        "o-0-text": "", "o-1-text": "", "a-0-what": "Parenting course", "a-0-who": "",
        "a-0-status": "not_started"})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "at least one outcome" in body and "actions[0].who" in body
    assert not Plan.objects.exists()
    saved = sw.post(base + "change/", {
        "version": "", "contingency": "If the father returns, a strategy discussion the same day",
        **_management("o", 2), **_management("a", 2),
        "o-0-text": "The child is safe from physical harm at home", "o-1-text": "",
        "a-0-what": "Attend a parenting course", "a-0-who": "Father", "a-0-by_when": due,
        "a-0-status": "in_progress", "a-0-outcome_index": "0",
        "a-1-what": "See the child at school weekly", "a-1-who": "Social worker", "a-1-by_when": due,
        "a-1-status": "not_started", "a-1-outcome_index": "0"})
    assert saved.status_code == 302, saved.content.decode()[:3000]
    page = sw.get(base).content.decode()
    assert "Attend a parenting course" in page and "If the father returns" in page
    form = sw.get(base + "review/").content.decode()
    ids = re.findall(r'name="p-(\d)-action_id" value="(\d+)"', form)
    assert len(ids) == 2
    reviewed = sw.post(base + "review/", {
        "held_on": last_working_day().isoformat(), "meeting_kind": "core_group",
        "progress": "The course has begun; school reports the child happier",
        **_management("p", 2),
        "p-0-action_id": ids[0][1], "p-0-status": "done", "p-0-progress": "Finished early",
        "p-1-action_id": ids[1][1], "p-1-status": "in_progress", "p-1-progress": ""})
    assert reviewed.status_code == 302, reviewed.content.decode()[:3000]
    review = Plan.objects.get().reviews.get()
    shown = sw.get(f"{base}reviews/{review.pk}/").content.decode()
    assert "as it stood" in shown and "Finished early" in shown and "Done" in shown
    assert ChildProtectionPlan.objects.filter(pk=plan.pk).exists()


def test_a_care_leavers_pathway_plan_is_written_from_the_childs_page(world, client_for):
    """Care Leavers (England) Regulations 2010 reg 6 and Sch 1: a pathway plan for a young person
    who has left care, written by their worker, with outcomes, actions and contingency."""
    from safeguard.looked_after import services as looked_after

    leaver = world.new_child(date_of_birth=dt.date(2009, 1, 10))
    world.allocate(leaver, world.sw_a)
    day = last_working_day() - dt.timedelta(days=60)
    looked_after.period_of_care_start(by=world.sw_a, child_id=leaver.pk, decom=day, legal_status="C2",
                                      category_of_need="N1", placement="U4", placement_provider="PR1",
                                      urn="SC123456")
    looked_after.period_of_care_end(by=world.tm_a, child_id=leaver.pk, end_date=last_working_day(),
                                    reason_ceased="E8")
    sw = client_for(world.sw_a)
    base = f"/children/{leaver.pk}/plans/pathway/{leaver.pk}/"
    assert sw.get(f"/children/{leaver.pk}/record/pathway-plan-words/")["Location"] == base
    assert sw.get(f"/children/{leaver.pk}/plans/pathway/{world.own.pk}/").status_code == 404
    due = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    saved = sw.post(base + "change/", {
        "version": "", "contingency": "If the tenancy fails, supported lodgings the same week",
        **_management("o", 1), **_management("a", 1),
        "o-0-text": "Lives independently in a home of their own",
        "a-0-what": "Apply for a council tenancy", "a-0-who": "Personal adviser", "a-0-by_when": due,
        "a-0-status": "in_progress", "a-0-outcome_index": "0"})
    assert saved.status_code == 302, saved.content.decode()[:3000]
    page = sw.get(base).content.decode()
    assert "Pathway plan" in page and "Apply for a council tenancy" in page
    assert Plan.objects.get(child=leaver).kind == "pathway"
