"""Recording strategy discussions, section 47 enquiries, child protection conferences, plans and
core groups. Every function validates (collecting every broken rule), saves, refreshes the clocks
and audits in one transaction; a refused save changes nothing.

Rule codes are the CIN census validation rules (data-to-insight/csc-validator-be-cin) that can be
checked when one record is saved; "local" marks checks with no DfE rule behind them.
"""

from __future__ import annotations

import datetime as dt
import string

from django.db import transaction
from django.db.models import Q

from safeguard.assessment.models import CINPlan
from safeguard.audit.services import audit_record
from safeguard.core import codes
from safeguard.core.errors import Checks
from safeguard.core.records import lock_for_edit
from safeguard.front_door.models import Referral
from safeguard.people.models import Child
from safeguard.timescales.services import refresh_clocks

from .models import (
    ChildProtectionPlan,
    Conference,
    CoreGroupMeeting,
    EmergencyOrder,
    PreProceedings,
    Section47Enquiry,
    StrategyDiscussion,
)

RC8 = codes.ReasonForClosure.RC8


# --- shared checks ---------------------------------------------------------------------------

def _within_episode(checks: Checks, referral: Referral, value: dt.date, field: str, label: str,
                    *, before_rule: str = "local", after_rule: str = "local") -> None:
    """The date must fall inside the episode of need: on/after the referral, on/before closure."""
    checks.require(value >= referral.referral_date, field, before_rule,
                   f"{label} cannot be before the referral date "
                   f"({referral.referral_date:%d/%m/%Y})")
    if referral.closure_date is not None:
        checks.require(value <= referral.closure_date, field, after_rule,
                       f"{label} cannot be after the episode closed "
                       f"({referral.closure_date:%d/%m/%Y})")


def _episode_allows_activity(checks: Checks, referral: Referral, field: str, *,
                             nfa_rule: str) -> None:
    """No S47, conference or plan on a referral with no further action, or on an episode closed
    as 'case closed after assessment, no further action' (RC8)."""
    checks.require(not referral.referral_nfa, field, nfa_rule,
                   "this referral is recorded as needing no further action")
    checks.require(referral.reason_for_closure != RC8, field, "CIN 2990",
                   "this episode was closed after assessment with no further action (RC8)")


def _icpc_date(s47: Section47Enquiry) -> dt.date | None:
    """The S47's DateOfInitialCPC: the date of the initial conference it led to."""
    icpc = (Conference.objects.filter(section47=s47, kind=Conference.Kind.INITIAL)
            .order_by("held_on").first())
    return icpc.held_on if icpc else None


def _check_other_s47s(checks: Checks, referral: Referral, start: dt.date,
                      exclude_pk: int | None = None) -> None:
    """CIN 8839 / 8890: only one S47 awaiting its ICPC per episode, and no S47 starting while
    another in the same episode is still running (up to its ICPC, or open-ended if neither an
    ICPC was held nor 'ICPC not required' recorded)."""
    others = referral.section47_enquiries.exclude(pk=exclude_pk) if exclude_pk else \
        referral.section47_enquiries.all()
    for other in others:
        icpc = _icpc_date(other)
        awaiting = icpc is None and not other.icpc_not_required
        if awaiting:
            checks.fail("start_date", "CIN 8839",
                        f"the section 47 enquiry started {other.start_date:%d/%m/%Y} has neither "
                        "an initial conference nor 'ICPC not required'; record its outcome first")
        running = other.start_date <= start and (awaiting or (icpc is not None and start <= icpc))
        if running:
            checks.fail("start_date", "CIN 8890",
                        f"another section 47 enquiry (started {other.start_date:%d/%m/%Y}) "
                        "is still ongoing on this date")


def _cin_plans_of(child_id: int):
    return CINPlan.objects.filter(referral__child_id=child_id)


def _cp_plans_of(child_id: int):
    return ChildProtectionPlan.objects.filter(referral__child_id=child_id)


# --- strategy discussions and section 47 enquiries -------------------------------------------

@transaction.atomic
def strategy_discussion_record(*, by, referral_id: int, held_on: dt.date, s47_initiated: bool,
                               attendees: str = "") -> StrategyDiscussion:
    """Record a strategy discussion; one that starts S47 enquiries starts the ICPC clock (T05)."""
    referral = Referral.objects.select_related("child").get(pk=referral_id)
    checks = Checks()
    checks.not_future(held_on, "held_on", "local", "A strategy discussion")
    _within_episode(checks, referral, held_on, "held_on", "A strategy discussion")
    checks.raise_if_any()
    sd = StrategyDiscussion.objects.create(
        referral=referral, held_on=held_on, s47_initiated=s47_initiated, attendees=attendees,
        recorded_by=by,
    )
    refresh_clocks(referral.child)
    audit_record(actor=by, action="create", obj=sd)
    return sd


@transaction.atomic
def section47_start(*, by, referral_id: int, start_date: dt.date,
                    strategy_discussion_id: int | None = None) -> Section47Enquiry:
    """Start a section 47 enquiry in an episode of need (CIN census Section47)."""
    referral = Referral.objects.select_related("child").get(pk=referral_id)
    checks = Checks()
    checks.not_future(start_date, "start_date", "local", "The S47 start date")
    _within_episode(checks, referral, start_date, "start_date", "The S47 start date",
                    before_rule="CIN 2889", after_rule="CIN 8565")
    _episode_allows_activity(checks, referral, "start_date", nfa_rule="CIN 8831")
    sd = None
    if strategy_discussion_id is not None:
        sd = StrategyDiscussion.objects.filter(pk=strategy_discussion_id).first()
        if checks.require(sd is not None and sd.referral_id == referral.pk,
                          "strategy_discussion", "local",
                          "the strategy discussion must belong to the same referral"):
            checks.require(sd.held_on <= start_date, "strategy_discussion", "local",
                           "the strategy discussion must be on or before the S47 start date")
            checks.require(sd.s47_initiated, "strategy_discussion", "local",
                           "that strategy discussion did not decide to start S47 enquiries")
    _check_other_s47s(checks, referral, start_date)
    checks.raise_if_any()
    s47 = Section47Enquiry.objects.create(
        referral=referral, strategy_discussion=sd, start_date=start_date, recorded_by=by,
    )
    refresh_clocks(referral.child)
    audit_record(actor=by, action="create", obj=s47)
    return s47


@transaction.atomic
def section47_record_outcome(*, by, section47_id: int, expected_version: int | None,
                             end_date: dt.date, outcome: str,
                             icpc_not_required: bool) -> Section47Enquiry:
    """Record how a section 47 enquiry ended and whether an ICPC is needed (ICPCnotRequired)."""
    s47 = lock_for_edit(Section47Enquiry, section47_id, expected_version)
    referral = Referral.objects.select_related("child").get(pk=s47.referral_id)
    checks = Checks()
    checks.code(outcome, Section47Enquiry.Outcome, "outcome", "local", "S47 outcome")
    checks.not_future(end_date, "end_date", "local", "The S47 end date")
    checks.require(end_date >= s47.start_date, "end_date", "local",
                   "the S47 end date cannot be before its start date")
    if referral.closure_date is not None:
        checks.require(end_date <= referral.closure_date, "end_date", "local",
                       "the S47 end date cannot be after the episode closed")
    if outcome == Section47Enquiry.Outcome.ICPC:
        checks.require(not icpc_not_required, "icpc_not_required", "local",
                       "an outcome of 'initial child protection conference' contradicts "
                       "'ICPC not required'")
    elif outcome:
        checks.require(icpc_not_required, "icpc_not_required", "local",
                       "an enquiry that does not lead to a conference must record "
                       "'ICPC not required'")
    if icpc_not_required:
        checks.require(_icpc_date(s47) is None, "icpc_not_required", "CIN 8868",
                       "an initial conference is already recorded for this enquiry, so "
                       "'ICPC not required' cannot be set")
    checks.raise_if_any()
    before = {"end_date": str(s47.end_date), "outcome": s47.outcome,
              "icpc_not_required": s47.icpc_not_required}
    s47.end_date, s47.outcome, s47.icpc_not_required = end_date, outcome, icpc_not_required
    s47.recorded_by = by
    s47.save()
    refresh_clocks(referral.child)
    audit_record(actor=by, action="update", obj=s47, detail={"before": before})
    return s47


# --- conferences -----------------------------------------------------------------------------

@transaction.atomic
def conference_record(*, by, referral_id: int, kind: str, held_on: dt.date,
                      section47_id: int | None = None, cp_plan_id: int | None = None,
                      notification_date: dt.date | None = None, plan_required: bool | None = None,
                      chair=None) -> Conference:
    """Record an initial, transfer-in or review child protection conference for one child."""
    referral = Referral.objects.select_related("child").get(pk=referral_id)
    checks = Checks()
    checks.code(kind, Conference.Kind, "kind", "local", "Conference type")
    checks.not_future(held_on, "held_on", "local", "A conference")
    s47 = plan = None
    if kind == Conference.Kind.INITIAL:
        _within_episode(checks, referral, held_on, "held_on", "The initial conference date",
                        before_rule="CIN 1104", after_rule="CIN 8565")
        _episode_allows_activity(checks, referral, "held_on", nfa_rule="CIN 8831")
        checks.require(held_on.weekday() < 5, "held_on", "CIN 8875",
                       "the date of an initial child protection conference cannot be a weekend")
        checks.require(plan_required is not None, "plan_required", "local",
                       "record whether the conference decided the child needs a CP plan")
        s47 = Section47Enquiry.objects.filter(pk=section47_id).first() if section47_id else None
        if checks.require(s47 is not None and s47.referral_id == referral.pk, "section47",
                          "local", "an initial conference must be linked to a section 47 "
                          "enquiry in the same referral"):
            checks.require(not s47.icpc_not_required, "section47", "CIN 8868",
                           "this section 47 enquiry is recorded as 'ICPC not required'")
            checks.require(held_on >= s47.start_date, "held_on", "local",
                           "the initial conference cannot be before the S47 start date "
                           f"({s47.start_date:%d/%m/%Y})")
            checks.require(_icpc_date(s47) is None, "section47", "local",
                           "an initial conference is already recorded for this enquiry")
        on_plan = _cp_plans_of(referral.child_id).filter(
            Q(end_date__isnull=True) | Q(end_date__gt=held_on), start_date__lte=held_on)
        checks.require(not on_plan.exists(), "kind", "local",
                       "the child is already on a CP plan on this date: hold a review instead")
    elif kind == Conference.Kind.TRANSFER_IN:
        _within_episode(checks, referral, held_on, "held_on", "The transfer-in conference date",
                        after_rule="CIN 8565")
        _episode_allows_activity(checks, referral, "held_on", nfa_rule="CIN 8831")
        checks.require(plan_required is not None, "plan_required", "local",
                       "record whether the conference decided the child needs a CP plan")
        if checks.require(notification_date is not None, "notification_date", "local",
                          "a transfer-in conference needs the date of written notification"):
            checks.not_future(notification_date, "notification_date", "local", "The notification")
            checks.require(notification_date <= held_on, "notification_date", "local",
                           "the notification cannot be after the conference")
    elif kind == Conference.Kind.REVIEW:
        _within_episode(checks, referral, held_on, "held_on", "A review conference")
        plan = ChildProtectionPlan.objects.filter(pk=cp_plan_id).first() if cp_plan_id else None
        if checks.require(plan is not None and plan.referral_id == referral.pk, "cp_plan",
                          "local", "a review conference must be linked to a CP plan in the "
                          "same referral"):
            checks.require(held_on > plan.start_date, "held_on", "CIN 8841",
                           "the review date cannot be on the same day as or before the CP plan "
                           f"start date ({plan.start_date:%d/%m/%Y})")
            checks.require(plan.end_date is None or held_on <= plan.end_date, "cp_plan", "local",
                           "a review needs an open CP plan (the plan ended "
                           f"{plan.end_date:%d/%m/%Y})" if plan.end_date else "")
            checks.require(not plan.conferences.filter(kind=Conference.Kind.REVIEW,
                                                       held_on=held_on).exists(),
                           "held_on", "local", "a review is already recorded on this date")
            if plan.end_date != held_on:
                clash = _cin_plans_of(referral.child_id).filter(
                    Q(end_date__isnull=True) | Q(end_date__gt=held_on), start_date__lte=held_on)
                checks.require(not clash.exists(), "held_on", "CIN 4003",
                               "a CP review cannot be held while a CIN plan is open (unless it "
                               "is the review that ends the CP plan)")
    checks.raise_if_any()
    conf = Conference.objects.create(
        referral=referral, kind=kind, held_on=held_on, section47=s47, cp_plan=plan,
        notification_date=notification_date, plan_required=plan_required, chair=chair,
        recorded_by=by,
    )
    refresh_clocks(referral.child)
    audit_record(actor=by, action="create", obj=conf)
    return conf


# --- child protection plans ------------------------------------------------------------------

def _deciding_conference(checks: Checks, referral: Referral, start_date: dt.date,
                         conference_id: int | None) -> Conference | None:
    """CIN 2885: a CP plan starts on the date of the ICPC (or transfer-in) that decided it."""
    deciding = (Conference.Kind.INITIAL, Conference.Kind.TRANSFER_IN)
    if conference_id is None:
        conf = referral.conferences.filter(kind__in=deciding, held_on=start_date,
                                           cp_plan__isnull=True).exclude(plan_required=False) \
            .first()
        checks.require(conf is not None, "start_date", "CIN 2885",
                       "a CP plan must start on the date of the initial (or transfer-in) "
                       "conference that decided it; no such conference is recorded on "
                       f"{start_date:%d/%m/%Y}")
        return conf
    conf = Conference.objects.filter(pk=conference_id).first()
    if not checks.require(conf is not None and conf.referral_id == referral.pk, "conference",
                          "local", "the conference must belong to the same referral"):
        return None
    checks.require(conf.kind in deciding, "conference", "local",
                   "only an initial or transfer-in conference starts a CP plan")
    checks.require(conf.plan_required is not False, "conference", "local",
                   "that conference decided the child did not need a CP plan")
    checks.require(conf.cp_plan_id is None, "conference", "local",
                   "that conference has already started a CP plan")
    checks.require(conf.held_on == start_date, "start_date", "CIN 2885",
                   "a CP plan must start on the date of the conference that decided it "
                   f"({conf.held_on:%d/%m/%Y})")
    return conf


@transaction.atomic
def cp_plan_start(*, by, referral_id: int, start_date: dt.date, initial_category: str,
                  conference_id: int | None = None,
                  number_of_previous_cpp: int | None = None) -> ChildProtectionPlan:
    """Start a child protection plan decided at an initial or transfer-in conference."""
    referral = Referral.objects.select_related("child").get(pk=referral_id)
    child_id = referral.child_id
    checks = Checks()
    checks.code(initial_category, codes.CategoryOfAbuse, "initial_category", "CIN 8905",
                "Initial category of abuse")
    checks.not_future(start_date, "start_date", "local", "The CP plan start date")
    _within_episode(checks, referral, start_date, "start_date", "The CP plan start date",
                    before_rule="CIN 1105", after_rule="CIN 8565")
    _episode_allows_activity(checks, referral, "start_date", nfa_rule="CIN 8832")
    conf = _deciding_conference(checks, referral, start_date, conference_id)
    plans = _cp_plans_of(child_id)
    checks.require(not plans.filter(end_date__isnull=True).exists(), "start_date", "CIN 8935",
                   "the child already has an open CP plan")
    overlapping = plans.filter(
        Q(start_date__lte=start_date, end_date__gte=start_date) | Q(start_date__gte=start_date))
    checks.require(not overlapping.exists(), "start_date", "CIN 8940",
                   "CP plan dates would overlap another CP plan of this child")
    in_cin_plan = _cin_plans_of(child_id).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=start_date), start_date__lte=start_date)
    checks.require(not in_cin_plan.exists(), "start_date", "CIN 4017",
                   "a CIN plan is open on this date: end it (on or before this date) first")
    checks.require(not CINPlan.objects.filter(referral=referral, end_date__isnull=True).exists(),
                   "start_date", "CIN 4001",
                   "a CIN plan cannot run concurrently with a CP plan in the same episode")
    if number_of_previous_cpp is not None:
        checks.require(number_of_previous_cpp >= 0, "number_of_previous_cpp", "CIN 8730",
                       "the number of previous CP plans must be zero or more")
    checks.raise_if_any()
    if number_of_previous_cpp is None:
        number_of_previous_cpp = plans.filter(start_date__lt=start_date).count()
    plan = ChildProtectionPlan.objects.create(
        referral=referral, start_date=start_date, initial_category=initial_category,
        latest_category=initial_category, number_of_previous_cpp=number_of_previous_cpp,
        recorded_by=by,
    )
    if conf is not None:
        conf = lock_for_edit(Conference, conf.pk, None)
        conf.cp_plan = plan
        conf.save()
        audit_record(actor=by, action="update", obj=conf, detail={"cp_plan": plan.pk})
    refresh_clocks(referral.child)
    audit_record(actor=by, action="create", obj=plan,
                 detail={"conference": conf.pk if conf else None})
    return plan


@transaction.atomic
def cp_plan_change_category(*, by, cp_plan_id: int, expected_version: int | None,
                            latest_category: str) -> ChildProtectionPlan:
    """Change the latest category of abuse (usually at a review conference)."""
    plan = lock_for_edit(ChildProtectionPlan, cp_plan_id, expected_version)
    checks = Checks()
    checks.code(latest_category, codes.CategoryOfAbuse, "latest_category", "CIN 8910",
                "Latest category of abuse")
    checks.require(plan.end_date is None, "latest_category", "local",
                   "the category of an ended plan cannot change")
    checks.raise_if_any()
    before = plan.latest_category
    plan.latest_category = latest_category
    plan.recorded_by = by
    plan.save()
    refresh_clocks(plan.referral.child)
    audit_record(actor=by, action="update", obj=plan,
                 detail={"latest_category": [before, latest_category]})
    return plan


@transaction.atomic
def cp_plan_end(*, by, cp_plan_id: int, expected_version: int | None,
                end_date: dt.date) -> ChildProtectionPlan:
    """End a child protection plan (or correct its end date)."""
    plan = lock_for_edit(ChildProtectionPlan, cp_plan_id, expected_version)
    referral = Referral.objects.select_related("child").get(pk=plan.referral_id)
    checks = Checks()
    checks.not_future(end_date, "end_date", "local", "The CP plan end date")
    checks.require(end_date >= plan.start_date, "end_date", "CIN 8925",
                   "the CP plan end date cannot be before its start date")
    checks.require(end_date != plan.start_date, "end_date", "CIN 8840",
                   "a CP plan cannot start and end on the same day")
    if referral.closure_date is not None:
        checks.require(end_date <= referral.closure_date, "end_date", "CIN 8565",
                       "the CP plan cannot end after the episode closed")
    later_reviews = plan.conferences.filter(kind=Conference.Kind.REVIEW, held_on__gt=end_date)
    checks.require(not later_reviews.exists(), "end_date", "local",
                   "a review conference is recorded after this end date")
    checks.require(not plan.core_groups.filter(held_on__gt=end_date).exists(), "end_date",
                   "local", "a core group meeting is recorded after this end date")
    others = _cp_plans_of(referral.child_id).exclude(pk=plan.pk)
    checks.require(not others.filter(start_date__gte=plan.start_date,
                                     start_date__lte=end_date).exists(),
                   "end_date", "CIN 8940",
                   "CP plan dates would overlap another CP plan of this child")
    cin_inside = _cin_plans_of(referral.child_id).filter(start_date__gte=plan.start_date,
                                                         start_date__lt=end_date)
    checks.require(not cin_inside.exists(), "end_date", "CIN 4016",
                   "a CIN plan starts while this CP plan would still be open")
    checks.raise_if_any()
    before = str(plan.end_date)
    plan.end_date = end_date
    plan.recorded_by = by
    plan.save()
    refresh_clocks(referral.child)
    audit_record(actor=by, action="update", obj=plan, detail={"end_date": [before, str(end_date)]})
    return plan


@transaction.atomic
def core_group_record(*, by, cp_plan_id: int, held_on: dt.date) -> CoreGroupMeeting:
    """Record a core group meeting; the first stops the core-group clock (T07)."""
    plan = ChildProtectionPlan.objects.select_related("referral__child").get(pk=cp_plan_id)
    checks = Checks()
    checks.not_future(held_on, "held_on", "local", "A core group meeting")
    checks.require(held_on >= plan.start_date, "held_on", "local",
                   "a core group cannot meet before the CP plan started")
    if plan.end_date is not None:
        checks.require(held_on <= plan.end_date, "held_on", "local",
                       "a core group cannot meet after the CP plan ended")
    checks.raise_if_any()
    meeting = CoreGroupMeeting.objects.create(cp_plan=plan, held_on=held_on, recorded_by=by)
    refresh_clocks(plan.referral.child)
    audit_record(actor=by, action="create", obj=meeting)
    return meeting


# --- emergency protection orders and police protection (Annex A List 7) ----------------------

# Children Act 1989 s46(6): police protection lasts at most 72 hours; s45(1),(5),(6): an EPO lasts
# at most 8 days and may be extended once by up to 7 days.
EMERGENCY_ORDER_MAX_DAYS = {EmergencyOrder.Kind.PPO: 3, EmergencyOrder.Kind.EPO: 15}
_FAR_FUTURE = dt.date(9999, 12, 31)


def _check_emergency_order(checks: Checks, child: Child, kind: str, start: dt.date,
                           end: dt.date | None, exclude_pk: int | None = None) -> None:
    checks.not_future(end, "end_date", "local", "The end date")
    if end is not None:
        if checks.require(end >= start, "end_date", "local",
                          "the order cannot end before it started"):
            limit = EMERGENCY_ORDER_MAX_DAYS.get(kind)
            if limit is not None:
                checks.require((end - start).days <= limit, "end_date", "local",
                               f"{EmergencyOrder.Kind(kind).label.lower()} can last at most "
                               f"{limit} days (Children Act 1989 s45/s46)")
    clash = EmergencyOrder.objects.filter(child=child, kind=kind, start_date__lte=end or _FAR_FUTURE) \
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start)).exclude(pk=exclude_pk)
    checks.require(not clash.exists(), "start_date", "local",
                   "this order would overlap another order of the same kind for this child")


@transaction.atomic
def emergency_order_record(*, by, child_id: int, kind: str, start_date: dt.date,
                           end_date: dt.date | None = None) -> EmergencyOrder:
    """Record an emergency protection order or police protection for a child."""
    child = Child.objects.select_for_update().get(pk=child_id)
    checks = Checks()
    checks.code(kind, EmergencyOrder.Kind, "kind", "local", "Order type")
    if checks.require(start_date is not None, "start_date", "local", "the start date is required"):
        checks.not_future(start_date, "start_date", "local", "The start date")
        if child.date_of_birth is not None:
            checks.require(start_date >= child.date_of_birth, "start_date", "local",
                           "an order cannot start before the child was born")
        if child.date_of_death is not None:
            checks.require(start_date <= child.date_of_death, "start_date", "local",
                           "an order cannot start after the child died")
        if kind in EmergencyOrder.Kind.values:
            _check_emergency_order(checks, child, kind, start_date, end_date)
    checks.raise_if_any()
    order = EmergencyOrder.objects.create(child=child, kind=kind, start_date=start_date,
                                          end_date=end_date, recorded_by=by)
    refresh_clocks(child)
    audit_record(actor=by, action="create", obj=order)
    return order


@transaction.atomic
def emergency_order_end(*, by, order_id: int, expected_version: int | None,
                        end_date: dt.date) -> EmergencyOrder:
    """Record when an emergency order or police protection ended (or correct the date)."""
    order = lock_for_edit(EmergencyOrder, order_id, expected_version)
    checks = Checks()
    if checks.require(end_date is not None, "end_date", "local", "the end date is required"):
        _check_emergency_order(checks, order.child, order.kind, order.start_date, end_date,
                               exclude_pk=order.pk)
    checks.raise_if_any()
    before = str(order.end_date)
    order.end_date, order.recorded_by = end_date, by
    order.save()
    refresh_clocks(order.child)
    audit_record(actor=by, action="update", obj=order, detail={"end_date": [before, str(end_date)]})
    return order


# --- pre-proceedings (Public Law Outline; CIN census PreProceedingsandFGDM) ---------------------

PP_OUTCOME_CODES = frozenset(string.ascii_uppercase)  # DfE PPOutcome: one capital letter
_PP_EDITABLE = (
    "start_date", "letter_before_proceedings_date", "fgdm_offered", "fgdm_facilitated",
    "initial_meeting_date", "review_meetings_count", "step_decision_date", "outcome",
    "court_application_date", "initial_cp_letter_date",
)
_PP_DATE_LABELS = {
    "letter_before_proceedings_date": "The letter before proceedings",
    "initial_meeting_date": "The initial pre-proceedings meeting",
    "step_decision_date": "The step-up/step-down decision",
    "court_application_date": "The court application",
    "initial_cp_letter_date": "The letter initiating care proceedings",
}


def _check_pre_proceedings(checks: Checks, pp: PreProceedings, referral: Referral) -> None:
    """Every PLO date in order: on/after the start, inside the episode of need, not future."""
    checks.not_future(pp.start_date, "start_date", "local", "The pre-proceedings start date")
    _within_episode(checks, referral, pp.start_date, "start_date", "The pre-proceedings start date")
    for name, label in _PP_DATE_LABELS.items():
        value = getattr(pp, name)
        if value is None:
            continue
        checks.not_future(value, name, "local", label)
        checks.require(value >= pp.start_date, name, "local",
                       f"{label} cannot be before pre-proceedings started ({pp.start_date:%d/%m/%Y})")
        if referral.closure_date is not None:
            checks.require(value <= referral.closure_date, name, "local",
                           f"{label} cannot be after the episode closed "
                           f"({referral.closure_date:%d/%m/%Y})")
    if pp.initial_meeting_date and pp.letter_before_proceedings_date:
        checks.require(pp.initial_meeting_date >= pp.letter_before_proceedings_date,
                       "initial_meeting_date", "local",
                       "the letter before proceedings invites the parents to the initial meeting, "
                       "so the meeting cannot be before it")
    if pp.fgdm_facilitated:
        checks.require(pp.fgdm_offered is True, "fgdm_facilitated", "local",
                       "a family group decision making meeting can only be facilitated if offered")
    count = pp.review_meetings_count
    if count is not None:
        if checks.require(isinstance(count, int) and count >= 0, "review_meetings_count", "local",
                          "the number of review meetings must be zero or more"):
            checks.require(count == 0 or pp.initial_meeting_date is not None,
                           "review_meetings_count", "local",
                           "review meetings follow the initial meeting: record its date first")
    checks.code(pp.outcome, PP_OUTCOME_CODES, "outcome", "local", "Pre-proceedings outcome",
                required=False)


@transaction.atomic
def pre_proceedings_start(*, by, referral_id: int, start_date: dt.date) -> PreProceedings:
    """Start pre-proceedings under the Public Law Outline in an episode of need."""
    referral = Referral.objects.select_for_update().select_related("child").get(pk=referral_id)
    checks = Checks()
    pp = PreProceedings(referral=referral, start_date=start_date, recorded_by=by)
    if checks.require(start_date is not None, "start_date", "local", "the start date is required"):
        _check_pre_proceedings(checks, pp, referral)
    checks.require(not referral.referral_nfa, "start_date", "local",
                   "this referral is recorded as needing no further action")
    undecided = referral.pre_proceedings.filter(step_decision_date__isnull=True)
    checks.require(not undecided.exists(), "start_date", "local",
                   "pre-proceedings are already under way in this episode with no step decision")
    checks.raise_if_any()
    pp.save()
    refresh_clocks(referral.child)
    audit_record(actor=by, action="create", obj=pp)
    return pp


@transaction.atomic
def pre_proceedings_update(*, by, pre_proceedings_id: int, expected_version: int | None,
                           **fields) -> PreProceedings:
    """Record letters, meetings, family group decision making, the step decision and outcome."""
    unknown = set(fields) - set(_PP_EDITABLE)
    if unknown:
        raise TypeError(f"unknown pre-proceedings fields: {sorted(unknown)}")
    pp = lock_for_edit(PreProceedings, pre_proceedings_id, expected_version)
    referral = Referral.objects.select_related("child").get(pk=pp.referral_id)
    before = {k: str(getattr(pp, k)) for k in fields}
    for name, value in fields.items():
        setattr(pp, name, "" if name == "outcome" and value is None else value)
    checks = Checks()
    if checks.require(pp.start_date is not None, "start_date", "local", "the start date is required"):
        _check_pre_proceedings(checks, pp, referral)
    if {"step_decision_date", "outcome"} & set(fields):
        checks.require(by.can_authorise, "step_decision_date", "local",
                       "the decision to issue proceedings or step down is a manager's decision")
    checks.raise_if_any()
    pp.recorded_by = by
    pp.save()
    refresh_clocks(referral.child)
    audit_record(actor=by, action="update", obj=pp, detail={"before": before})
    return pp
