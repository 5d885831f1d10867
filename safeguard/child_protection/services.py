"""Recording strategy discussions, section 47 enquiries, child protection conferences, plans and
core groups. Every function loads the child's history (locking the child), validates it with the
pure checks in `checks.py` (collecting every broken rule), saves, refreshes the clocks and audits in
one transaction; a refused save changes nothing.

Rule codes are the CIN census validation rules (data-to-insight/csc-validator-be-cin) that can be
checked when one record is saved; "local" marks checks with no DfE rule behind them.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from safeguard.audit.services import audit_record
from safeguard.core.errors import Checks
from safeguard.front_door.models import Referral
from safeguard.record.history import ChildHistory
from safeguard.timescales.services import refresh_clocks

from .checks import (
    EMERGENCY_ORDER_MAX_DAYS,  # noqa: F401  (re-exported: callers read the limits from here)
    PP_OUTCOME_CODES,  # noqa: F401
    check_conference_record,
    check_core_group_record,
    check_cp_plan_change_category,
    check_cp_plan_end,
    check_cp_plan_start,
    check_emergency_order_end,
    check_emergency_order_record,
    check_pre_proceedings_start,
    check_pre_proceedings_update,
    check_section47_record_outcome,
    check_section47_start,
    check_strategy_discussion_record,
    deciding_conference,
    previous_cp_plans,
)
from .models import (
    ChildProtectionPlan,
    Conference,
    CoreGroupMeeting,
    EmergencyOrder,
    PreProceedings,
    Section47Enquiry,
    StrategyDiscussion,
)

# --- strategy discussions and section 47 enquiries -------------------------------------------

@transaction.atomic
def strategy_discussion_record(*, by, referral_id: int, held_on: dt.date, s47_initiated: bool,
                               attendees: str = "") -> StrategyDiscussion:
    """Record a strategy discussion; one that starts S47 enquiries starts the ICPC clock (T05)."""
    history = ChildHistory.load_for(Referral, referral_id)
    sd = StrategyDiscussion(
        referral=history.referral(referral_id), held_on=held_on, s47_initiated=s47_initiated,
        attendees=attendees, recorded_by=by,
    )
    checks = Checks()
    check_strategy_discussion_record(history, sd, checks)
    checks.raise_if_any()
    sd.save()
    history.add(sd)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="create", obj=sd)
    return sd


@transaction.atomic
def section47_start(*, by, referral_id: int, start_date: dt.date,
                    strategy_discussion_id: int | None = None) -> Section47Enquiry:
    """Start a section 47 enquiry in an episode of need (CIN census Section47)."""
    history = ChildHistory.load_for(Referral, referral_id)
    s47 = Section47Enquiry(
        referral=history.referral(referral_id), strategy_discussion_id=strategy_discussion_id,
        start_date=start_date, recorded_by=by,
    )
    checks = Checks()
    check_section47_start(history, s47, checks)
    checks.raise_if_any()
    s47.save()
    history.add(s47)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="create", obj=s47)
    return s47


@transaction.atomic
def section47_record_outcome(*, by, section47_id: int, expected_version: int | None,
                             end_date: dt.date, outcome: str,
                             icpc_not_required: bool) -> Section47Enquiry:
    """Record how a section 47 enquiry ended and whether an ICPC is needed (ICPCnotRequired)."""
    history = ChildHistory.load_for(Section47Enquiry, section47_id)
    s47 = history.for_edit("section47s", section47_id, expected_version)
    before = {"end_date": str(s47.end_date), "outcome": s47.outcome,
              "icpc_not_required": s47.icpc_not_required}
    s47.end_date, s47.outcome, s47.icpc_not_required = end_date, outcome, icpc_not_required
    checks = Checks()
    check_section47_record_outcome(history, s47, checks)
    checks.raise_if_any()
    s47.recorded_by = by
    s47.save()
    history.replace(s47)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="update", obj=s47, detail={"before": before})
    return s47


# --- conferences -----------------------------------------------------------------------------

@transaction.atomic
def conference_record(*, by, referral_id: int, kind: str, held_on: dt.date,
                      section47_id: int | None = None, cp_plan_id: int | None = None,
                      notification_date: dt.date | None = None, plan_required: bool | None = None,
                      chair=None) -> Conference:
    """Record an initial, transfer-in or review child protection conference for one child."""
    history = ChildHistory.load_for(Referral, referral_id)
    # Only an initial conference follows an S47, and only a review belongs to a plan.
    conf = Conference(
        referral=history.referral(referral_id), kind=kind, held_on=held_on,
        section47_id=section47_id if kind == Conference.Kind.INITIAL else None,
        cp_plan_id=cp_plan_id if kind == Conference.Kind.REVIEW else None,
        notification_date=notification_date, plan_required=plan_required, chair=chair,
        recorded_by=by,
    )
    checks = Checks()
    check_conference_record(history, conf, checks)
    checks.raise_if_any()
    conf.save()
    history.add(conf)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="create", obj=conf)
    return conf


# --- child protection plans ------------------------------------------------------------------

@transaction.atomic
def cp_plan_start(*, by, referral_id: int, start_date: dt.date, initial_category: str,
                  conference_id: int | None = None,
                  number_of_previous_cpp: int | None = None) -> ChildProtectionPlan:
    """Start a child protection plan decided at an initial or transfer-in conference."""
    history = ChildHistory.load_for(Referral, referral_id)
    plan = ChildProtectionPlan(
        referral=history.referral(referral_id), start_date=start_date,
        initial_category=initial_category, latest_category=initial_category,
        number_of_previous_cpp=number_of_previous_cpp, recorded_by=by,
    )
    checks = Checks()
    check_cp_plan_start(history, plan, checks, conference_id=conference_id)
    checks.raise_if_any()
    if plan.number_of_previous_cpp is None:
        plan.number_of_previous_cpp = previous_cp_plans(history, start_date)
    conf = deciding_conference(history, plan, conference_id)
    plan.save()
    history.add(plan)
    if conf is not None:
        conf = history.for_edit("conferences", conf.pk, None)
        conf.cp_plan = plan
        conf.save()
        history.replace(conf)
        audit_record(actor=by, action="update", obj=conf, detail={"cp_plan": plan.pk})
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="create", obj=plan,
                 detail={"conference": conf.pk if conf else None})
    return plan


@transaction.atomic
def cp_plan_change_category(*, by, cp_plan_id: int, expected_version: int | None,
                            latest_category: str) -> ChildProtectionPlan:
    """Change the latest category of abuse (usually at a review conference)."""
    history = ChildHistory.load_for(ChildProtectionPlan, cp_plan_id)
    plan = history.for_edit("cp_plans", cp_plan_id, expected_version)
    before = plan.latest_category
    plan.latest_category = latest_category
    checks = Checks()
    check_cp_plan_change_category(history, plan, checks)
    checks.raise_if_any()
    plan.recorded_by = by
    plan.save()
    history.replace(plan)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="update", obj=plan,
                 detail={"latest_category": [before, latest_category]})
    return plan


@transaction.atomic
def cp_plan_end(*, by, cp_plan_id: int, expected_version: int | None,
                end_date: dt.date) -> ChildProtectionPlan:
    """End a child protection plan (or correct its end date)."""
    history = ChildHistory.load_for(ChildProtectionPlan, cp_plan_id)
    plan = history.for_edit("cp_plans", cp_plan_id, expected_version)
    before = str(plan.end_date)
    plan.end_date = end_date
    checks = Checks()
    check_cp_plan_end(history, plan, checks)
    checks.raise_if_any()
    plan.recorded_by = by
    plan.save()
    history.replace(plan)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="update", obj=plan, detail={"end_date": [before, str(end_date)]})
    return plan


@transaction.atomic
def core_group_record(*, by, cp_plan_id: int, held_on: dt.date) -> CoreGroupMeeting:
    """Record a core group meeting; the first stops the core-group clock (T07)."""
    history = ChildHistory.load_for(ChildProtectionPlan, cp_plan_id)
    plan = next(p for p in history.cp_plans if p.pk == cp_plan_id)
    meeting = CoreGroupMeeting(cp_plan=plan, held_on=held_on, recorded_by=by)
    checks = Checks()
    check_core_group_record(history, meeting, checks)
    checks.raise_if_any()
    meeting.save()
    history.add(meeting)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="create", obj=meeting)
    return meeting


# --- emergency protection orders and police protection (Annex A List 7) ----------------------

@transaction.atomic
def emergency_order_record(*, by, child_id: int, kind: str, start_date: dt.date,
                           end_date: dt.date | None = None) -> EmergencyOrder:
    """Record an emergency protection order or police protection for a child."""
    history = ChildHistory.load(child_id)
    order = EmergencyOrder(child=history.child, kind=kind, start_date=start_date,
                           end_date=end_date, recorded_by=by)
    checks = Checks()
    check_emergency_order_record(history, order, checks)
    checks.raise_if_any()
    order.save()
    history.add(order)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="create", obj=order)
    return order


@transaction.atomic
def emergency_order_end(*, by, order_id: int, expected_version: int | None,
                        end_date: dt.date) -> EmergencyOrder:
    """Record when an emergency order or police protection ended (or correct the date)."""
    history = ChildHistory.load_for(EmergencyOrder, order_id)
    order = history.for_edit("emergency_orders", order_id, expected_version)
    before = str(order.end_date)
    order.end_date = end_date
    checks = Checks()
    check_emergency_order_end(history, order, checks)
    checks.raise_if_any()
    order.recorded_by = by
    order.save()
    history.replace(order)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="update", obj=order, detail={"end_date": [before, str(end_date)]})
    return order


# --- pre-proceedings (Public Law Outline; CIN census PreProceedingsandFGDM) ---------------------

_PP_EDITABLE = (
    "start_date", "letter_before_proceedings_date", "fgdm_offered", "fgdm_facilitated",
    "initial_meeting_date", "review_meetings_count", "step_decision_date", "outcome",
    "court_application_date", "initial_cp_letter_date",
)


@transaction.atomic
def pre_proceedings_start(*, by, referral_id: int, start_date: dt.date) -> PreProceedings:
    """Start pre-proceedings under the Public Law Outline in an episode of need."""
    history = ChildHistory.load_for(Referral, referral_id)
    pp = PreProceedings(referral=history.referral(referral_id), start_date=start_date,
                        recorded_by=by)
    checks = Checks()
    check_pre_proceedings_start(history, pp, checks)
    checks.raise_if_any()
    pp.save()
    history.add(pp)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="create", obj=pp)
    return pp


@transaction.atomic
def pre_proceedings_update(*, by, pre_proceedings_id: int, expected_version: int | None,
                           **fields) -> PreProceedings:
    """Record letters, meetings, family group decision making, the step decision and outcome."""
    unknown = set(fields) - set(_PP_EDITABLE)
    if unknown:
        raise TypeError(f"unknown pre-proceedings fields: {sorted(unknown)}")
    history = ChildHistory.load_for(PreProceedings, pre_proceedings_id)
    pp = history.for_edit("pre_proceedings", pre_proceedings_id, expected_version)
    before = {k: str(getattr(pp, k)) for k in fields}
    for name, value in fields.items():
        setattr(pp, name, "" if name == "outcome" and value is None else value)
    checks = Checks()
    check_pre_proceedings_update(history, pp, checks, by=by, changed=set(fields))
    checks.raise_if_any()
    pp.recorded_by = by
    pp.save()
    history.replace(pp)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="update", obj=pp, detail={"before": before})
    return pp
