"""Recording strategy discussions, section 47 enquiries, conferences, child protection plans, core
groups, emergency orders and pre-proceedings. Each function is one `Change` to the child's record
(record/change.py), checked by the pure checks in `checks.py` (collecting every broken rule), then
saved, audited and the clocks refreshed in one transaction; a refused save changes nothing.

Rule codes are the CIN census validation rules (data-to-insight/csc-validator-be-cin) that can be
checked when one record is saved; "local" marks checks with no DfE rule behind them.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse

from safeguard.access import policy
from safeguard.access.selectors import deciders_for_child
from safeguard.core.errors import now
from safeguard.front_door.models import Referral
from safeguard.notifications.services import Kind, notify
from safeguard.record.change import Change

from . import checks as c
from .models import (
    ChildProtectionPlan,
    Conference,
    ConferenceMinutes,
    CoreGroupMeeting,
    CoreGroupMinutes,
    EmergencyOrder,
    PreProceedings,
    Section47Decision,
    Section47Enquiry,
    StrategyDiscussion,
)


def _decider(by, code: str):
    """Who may take this decision, from the council's table (`access.policy`), for the pure check;
    none without `by` (an importer, the generator), so no rule, as the checks say."""
    return policy.decider(by, code) if by is not None else None


# --- strategy discussions and section 47 enquiries -------------------------------------------

@transaction.atomic
def strategy_discussion_record(*, by, referral_id: int, held_on: dt.date, s47_initiated: bool,
                               attendees: str = "") -> StrategyDiscussion:
    """Record a strategy discussion; one that starts S47 enquiries starts the ICPC clock (T05)."""
    change = Change.of(Referral, referral_id, by=by, event="strategy_discussion_record")
    sd = change.new(StrategyDiscussion(referral=change.held, held_on=held_on, s47_initiated=s47_initiated,
                                       attendees=attendees), c.check_strategy_discussion_record)
    return change.save(sd)


@transaction.atomic
def section47_start(*, by, referral_id: int, start_date: dt.date,
                    strategy_discussion_id: int | None = None) -> Section47Enquiry:
    """Start a section 47 enquiry in an episode of need (CIN census Section47)."""
    change = Change.of(Referral, referral_id, by=by, event="section47_start")
    s47 = change.new(Section47Enquiry(referral=change.held, start_date=start_date,
                                      strategy_discussion_id=strategy_discussion_id), c.check_section47_start)
    return change.save(s47)


def _s47_decision(change: Change, section47_id: int):
    """The enquiry's attached decision record, locked for this change, or None if none yet."""
    pk = Section47Decision.objects.filter(section47_id=section47_id).values_list("pk", flat=True).first()
    return None if pk is None else change.attached(Section47Decision, pk, None)


@transaction.atomic
def section47_submit(*, by, section47_id: int, expected_version: int | None, findings: str,
                     proposed_outcome: str) -> Section47Decision:
    """The worker submits the enquiry's findings and the outcome they propose, for their manager
    to decide (`section47_record_outcome`); they may submit again until it is decided.
    `expected_version` is the enquiry's, as the worker read it."""
    change = Change.of(Section47Enquiry, section47_id, by=by, event="section47_submit",
                       expected_version=expected_version)
    s47 = change.held
    fields = dict(findings=findings, proposed_outcome=proposed_outcome,
                  submitted_by_id=getattr(by, "pk", None), submitted_at=now())
    held = _s47_decision(change, s47.pk)
    if held is None:
        decision = change.new(Section47Decision(section47=s47, **fields), c.check_section47_submit,
                              section47=s47)
    else:
        decision = change.edit(held, c.check_section47_submit, to=fields, section47=s47)
    saved = change.save(decision)
    notify(deciders_for_child(change.child.pk, policy.SECTION47_OUTCOME), Kind.DECISION_AWAITING,
           f"{by} submitted the findings of a section 47 enquiry for your decision on its outcome.",
           reverse("web:step", args=[change.child.pk, "section47-outcome"]), change.child, by=by)
    return saved


@transaction.atomic
def section47_record_outcome(*, by, section47_id: int, expected_version: int | None, end_date: dt.date,
                             outcome: str, icpc_not_required: bool,
                             rationale: str = "") -> Section47Enquiry:
    """Record how a section 47 enquiry ended and whether an ICPC is needed (ICPCnotRequired): a
    team manager's decision, with their rationale (kept with the worker's submission, if any)."""
    change = Change.of(Section47Enquiry, section47_id, by=by, event="section47_record_outcome",
                       expected_version=expected_version)
    decider = _decider(by, policy.SECTION47_OUTCOME)
    s47 = change.edit(change.held, c.check_section47_record_outcome, by=by, rationale=rationale,
                      decider=decider,
                      to=dict(end_date=end_date, outcome=outcome, icpc_not_required=icpc_not_required))
    decided = dict(rationale=rationale, decided_by_id=getattr(by, "pk", None), decided_at=now())
    held = _s47_decision(change, s47.pk)
    if held is None:
        change.new(Section47Decision(section47=change.held, **decided))
    else:
        change.edit(held, to=decided)
    return change.save(s47)


# --- conferences -----------------------------------------------------------------------------

#: What a conference's minutes hold (`ConferenceMinutes`), each optional.
MINUTES_FIELDS = frozenset((
    "invited", "attended", "apologies", "agencies", "child_participation", "child_views",
    "decision", "decision_reasons", "progress"))


@transaction.atomic
def conference_record(*, by, referral_id: int, kind: str, held_on: dt.date, section47_id: int | None = None,
                      cp_plan_id: int | None = None, notification_date: dt.date | None = None,
                      plan_required: bool | None = None, chair=None, invited: str = "",
                      attended: str = "", apologies: str = "", agencies=(),
                      child_participation: str = "", child_views: str = "", decision: str = "",
                      decision_reasons: str = "", progress: str = "") -> Conference:
    """Record an initial, transfer-in or review child protection conference for one child, by
    its chair (an IRO / CP chair, the `chair` User), with its minutes if any are given (staged in
    the same change). Only an initial conference follows an S47, and only a review belongs to a
    plan."""
    change = Change.of(Referral, referral_id, by=by, event="conference_record")
    decider = _decider(by, policy.CONFERENCE)
    conf = change.new(Conference(
        referral=change.held, kind=kind, held_on=held_on, notification_date=notification_date,
        section47_id=section47_id if kind == Conference.Kind.INITIAL else None,
        cp_plan_id=cp_plan_id if kind == Conference.Kind.REVIEW else None,
        plan_required=plan_required, chair=chair), c.check_conference_record, by=by, decider=decider)
    minutes = dict(invited=invited, attended=attended, apologies=apologies,
                   agencies=list(agencies or ()), child_participation=child_participation,
                   child_views=child_views, decision=decision, decision_reasons=decision_reasons,
                   progress=progress)
    if any(minutes.values()):
        change.new(ConferenceMinutes(conference=conf, **minutes), c.check_conference_minutes,
                   conference=conf)
    return change.save(conf)


@transaction.atomic
def conference_minutes_record(*, by, conference_id: int, expected_version: int | None = None,
                              **fields) -> ConferenceMinutes:
    """Write or correct a conference's minutes after it was recorded (by its chair).
    `expected_version` is the minutes' version as read (None when there are none yet)."""
    if unknown := set(fields) - MINUTES_FIELDS:
        raise TypeError(f"unknown conference minutes fields: {sorted(unknown)}")
    if "agencies" in fields:
        fields["agencies"] = list(fields["agencies"] or ())
    change = Change.of(Conference, conference_id, by=by, event="conference_minutes_record")
    decider = _decider(by, policy.CONFERENCE)
    conf = change.held
    pk = ConferenceMinutes.objects.filter(conference_id=conf.pk).values_list("pk", flat=True).first()
    if pk is None:
        minutes = change.new(ConferenceMinutes(conference=conf, **fields), c.check_conference_minutes,
                             conference=conf, by=by, decider=decider)
    else:
        held = change.attached(ConferenceMinutes, pk, expected_version)
        minutes = change.edit(held, c.check_conference_minutes, to=fields, conference=conf, by=by,
                              decider=decider)
    return change.save(minutes)


# --- child protection plans ------------------------------------------------------------------

@transaction.atomic
def cp_plan_start(*, by, referral_id: int, start_date: dt.date, initial_category: str,
                  conference_id: int | None = None,
                  number_of_previous_cpp: int | None = None) -> ChildProtectionPlan:
    """Start a child protection plan decided at an initial or transfer-in conference, by that
    conference's chair; the deciding conference is linked to the new plan in the same change.
    NumberOfPreviousCPP, when not given, counts the child's earlier plans."""
    change = Change.of(Referral, referral_id, by=by, event="cp_plan_start")
    plan = change.new(ChildProtectionPlan(
        referral=change.held, start_date=start_date, initial_category=initial_category,
        latest_category=initial_category, number_of_previous_cpp=number_of_previous_cpp),
        c.check_cp_plan_start, conference_id=conference_id, by=by, decider=_decider(by, policy.CP_PLAN_START))
    if plan.number_of_previous_cpp is None:
        plan.number_of_previous_cpp = c.previous_cp_plans(change.history, start_date)
    conf = c.deciding_conference(change.history, plan, conference_id)
    if conf is not None:
        change.edit(conf, to={"cp_plan": plan})
    return change.save(plan)


@transaction.atomic
def cp_plan_change_category(*, by, cp_plan_id: int, expected_version: int | None,
                            latest_category: str) -> ChildProtectionPlan:
    """Change the latest category of abuse (usually at a review conference)."""
    change = Change.of(ChildProtectionPlan, cp_plan_id, by=by, event="cp_plan_change_category",
                       expected_version=expected_version)
    plan = change.edit(change.held, c.check_cp_plan_change_category, to={"latest_category": latest_category})
    return change.save(plan)


@transaction.atomic
def cp_plan_end(*, by, cp_plan_id: int, expected_version: int | None, end_date: dt.date,
                end_reason: str = "", end_detail: str = "") -> ChildProtectionPlan:
    """End a child protection plan (or correct its end date), with the reason it ended: decided
    at a review conference and recorded by the IRO / CP chair or a team manager."""
    change = Change.of(ChildProtectionPlan, cp_plan_id, by=by, event="cp_plan_end",
                       expected_version=expected_version)
    plan = change.edit(change.held, c.check_cp_plan_end, by=by, decider=_decider(by, policy.CP_PLAN_END),
                       to=dict(
        end_date=end_date, end_reason=end_reason, end_detail=end_detail.strip()))
    return change.save(plan)


@transaction.atomic
def core_group_record(*, by, cp_plan_id: int, held_on: dt.date, attended: str = "",
                      progress: str = "") -> CoreGroupMeeting:
    """Record a core group meeting, with who attended and the progress it found against the plan
    (attached to the meeting); the first stops the core-group clock (T07)."""
    change = Change.of(ChildProtectionPlan, cp_plan_id, by=by, event="core_group_record")
    meeting = change.new(CoreGroupMeeting(cp_plan=change.held, held_on=held_on), c.check_core_group_record)
    if attended or progress:
        change.new(CoreGroupMinutes(meeting=meeting, attended=attended, progress=progress))
    return change.save(meeting)


# --- emergency protection orders and police protection (Annex A List 7) ----------------------

@transaction.atomic
def emergency_order_record(*, by, child_id: int, kind: str, start_date: dt.date,
                           end_date: dt.date | None = None) -> EmergencyOrder:
    """Record an emergency protection order or police protection for a child."""
    change = Change.of_child(child_id, by=by, event="emergency_order_record")
    order = change.new(EmergencyOrder(child=change.child, kind=kind, start_date=start_date,
                                      end_date=end_date), c.check_emergency_order_record)
    return change.save(order)


@transaction.atomic
def emergency_order_end(*, by, order_id: int, expected_version: int | None,
                        end_date: dt.date) -> EmergencyOrder:
    """Record when an emergency order or police protection ended (or correct the date)."""
    change = Change.of(EmergencyOrder, order_id, by=by, event="emergency_order_end",
                       expected_version=expected_version)
    order = change.edit(change.held, c.check_emergency_order_end, to={"end_date": end_date})
    return change.save(order)


# --- pre-proceedings (Public Law Outline; CIN census PreProceedingsandFGDM) ---------------------

_PP_EDITABLE = frozenset((
    "start_date", "letter_before_proceedings_date", "fgdm_offered", "fgdm_facilitated",
    "initial_meeting_date", "review_meetings_count", "step_decision_date", "outcome",
    "court_application_date", "initial_cp_letter_date"))


@transaction.atomic
def pre_proceedings_start(*, by, referral_id: int, start_date: dt.date) -> PreProceedings:
    """Start pre-proceedings under the Public Law Outline in an episode of need."""
    change = Change.of(Referral, referral_id, by=by, event="pre_proceedings_start")
    pp = change.new(PreProceedings(referral=change.held, start_date=start_date),
                    c.check_pre_proceedings_start)
    return change.save(pp)


@transaction.atomic
def pre_proceedings_update(*, by, pre_proceedings_id: int, expected_version: int | None,
                           **fields) -> PreProceedings:
    """Record letters, meetings, family group decision making, the step decision and outcome
    (the last two are a manager's decision)."""
    if unknown := set(fields) - _PP_EDITABLE:
        raise TypeError(f"unknown pre-proceedings fields: {sorted(unknown)}")
    change = Change.of(PreProceedings, pre_proceedings_id, by=by, event="pre_proceedings_update",
                       expected_version=expected_version)
    to = {k: "" if k == "outcome" and v is None else v for k, v in fields.items()}
    pp = change.edit(change.held, c.check_pre_proceedings_update, to=to, by=by, changed=set(fields),
                     decider=_decider(by, policy.PRE_PROCEEDINGS_DECISION))
    return change.save(pp)
