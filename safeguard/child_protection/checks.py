"""Validation at entry for child protection records, as pure checks over a `ChildHistory`.

Each `check_<thing>_<verb>` reads only the history's lists and the candidate (the record as it
would be saved) and never queries the database, so a practitioner's save and the synthetic council
generator apply exactly the same rules.

Rule codes are the CIN census validation rules (data-to-insight/csc-validator-be-cin) that can be
checked when one record is saved; "local" marks checks with no DfE rule behind them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import string

from safeguard.access.policy import Decider, require_decider
from safeguard.core import codes
from safeguard.core.errors import Checks
from safeguard.record.history import ChildHistory
from safeguard.workforce.models import User

from .models import (
    Agency,
    ChildParticipation,
    ChildProtectionPlan,
    Conference,
    ConferenceDecision,
    ConferenceMinutes,
    CoreGroupMeeting,
    EmergencyOrder,
    PlanEndReason,
    PreProceedings,
    Section47Decision,
    Section47Enquiry,
    StrategyDiscussion,
)

RC8 = codes.ReasonForClosure.RC8
_DECIDING = (Conference.Kind.INITIAL, Conference.Kind.TRANSFER_IN)
IRO = User.Role.IRO
#: The fewest characters of a reason or rationale that says anything ("see notes" does not).
MIN_REASONS = 10

# Who decides (local rules; sources: Working Together to Safeguard Children 2023, ch. 3, child
# protection conferences and child protection plans; the council's local child protection
# procedures). A conference is chaired by an independent chair (an IRO / CP chair, with no
# operational or line management responsibility for the case), who records its decision; a plan
# starts from that decision; the outcome of a section 47 enquiry is a manager's decision; a plan
# ends at a review conference. Which roles take each decision is the council's table of decisions
# (`access.DecisionRule`, read by `access.policy.decider`): the service hands the answer in as
# `decider`, so these checks never read it. These rules apply at live entry, when a service passes `by`:
# the CIN census importer and the synthetic council generator call the same checks without it,
# as a return carries no chair and the generator's staff stand in for the decisions.
_CHAIRED = {
    Conference.Kind.INITIAL: "an initial child protection conference",
    Conference.Kind.TRANSFER_IN: "a transfer-in child protection conference",
    Conference.Kind.REVIEW: "a review child protection conference",
}

# Children Act 1989 s46(6): police protection lasts at most 72 hours; s45(1),(5),(6): an EPO lasts
# at most 8 days and may be extended once by up to 7 days.
EMERGENCY_ORDER_MAX_DAYS = {EmergencyOrder.Kind.PPO: 3, EmergencyOrder.Kind.EPO: 15}
_FAR_FUTURE = dt.date(9999, 12, 31)

PP_OUTCOME_CODES = frozenset(string.ascii_uppercase)  # DfE PPOutcome: one capital letter
_PP_DATE_LABELS = {
    "letter_before_proceedings_date": "The letter before proceedings",
    "initial_meeting_date": "The initial pre-proceedings meeting",
    "step_decision_date": "The step-up/step-down decision",
    "court_application_date": "The court application",
    "initial_cp_letter_date": "The letter initiating care proceedings",
}


# --- shared helpers --------------------------------------------------------------------------

def _by_pk(items, pk):
    """The held record with this primary key, or None (e.g. it belongs to another child)."""
    if pk is None:
        return None
    return next((x for x in items if x.pk == pk), None)


def _open_on(items, day: dt.date) -> list:
    """Plans running on `day`: started on/before it and not ended by it (an end on `day` is over)."""
    return [x for x in items if x.start_date <= day and (x.end_date is None or x.end_date > day)]


def _within_episode(checks: Checks, referral, value: dt.date, field: str, label: str,
                    *, before_rule: str = "local", after_rule: str = "local") -> None:
    """The date must fall inside the episode of need: on/after the referral, on/before closure."""
    checks.require(value >= referral.referral_date, field, before_rule,
                   f"{label} cannot be before the referral date "
                   f"({referral.referral_date:%d/%m/%Y})")
    if referral.closure_date is not None:
        checks.require(value <= referral.closure_date, field, after_rule,
                       f"{label} cannot be after the episode closed "
                       f"({referral.closure_date:%d/%m/%Y})")


def _episode_allows_activity(checks: Checks, referral, field: str, *, nfa_rule: str) -> None:
    """No S47, conference or plan on a referral with no further action, or on an episode closed
    as 'case closed after assessment, no further action' (RC8)."""
    checks.require(not referral.referral_nfa, field, nfa_rule,
                   "this referral is recorded as needing no further action")
    checks.require(referral.reason_for_closure != RC8, field, "CIN 2990",
                   "this episode was closed after assessment with no further action (RC8)")


def icpc_date(history: ChildHistory, section47_id: int) -> dt.date | None:
    """The S47's DateOfInitialCPC: the date of the (earliest) initial conference it led to."""
    dates = [c.held_on for c in history.of(history.conferences, section47_id=section47_id)
             if c.kind == Conference.Kind.INITIAL]
    return min(dates) if dates else None


def deciding_conference(history: ChildHistory, plan: ChildProtectionPlan,
                        conference_id: int | None) -> Conference | None:
    """The conference that decided this plan: the one named, or else the first initial or
    transfer-in conference of the referral on the plan's start date not yet linked to a plan."""
    if conference_id is not None:
        return _by_pk(history.conferences, conference_id)
    return next((c for c in history.of(history.conferences, referral_id=plan.referral_id)
                 if c.kind in _DECIDING and c.held_on == plan.start_date
                 and c.cp_plan_id is None and c.plan_required is not False), None)


def previous_cp_plans(history: ChildHistory, start_date: dt.date) -> int:
    """NumberOfPreviousCPP when the worker does not give it: this child's plans started before."""
    return sum(1 for p in history.cp_plans if p.start_date < start_date)


# --- strategy discussions and section 47 enquiries -------------------------------------------

def check_strategy_discussion_record(history: ChildHistory, candidate: StrategyDiscussion,
                                     checks: Checks) -> None:
    checks.free_text(candidate)
    referral = history.referral(candidate.referral_id)
    checks.not_future(candidate.held_on, "held_on", "local", "A strategy discussion")
    _within_episode(checks, referral, candidate.held_on, "held_on", "A strategy discussion")


def _check_other_s47s(checks: Checks, history: ChildHistory, s47: Section47Enquiry) -> None:
    """CIN 8839 / 8890: only one S47 awaiting its ICPC per episode, and no S47 starting while
    another in the same episode is still running (up to its ICPC, or open-ended if neither an
    ICPC was held nor 'ICPC not required' recorded)."""
    start = s47.start_date
    for other in history.of(history.section47s, referral_id=s47.referral_id):
        if s47.pk is not None and other.pk == s47.pk:
            continue
        icpc = icpc_date(history, other.pk)
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


def check_section47_start(history: ChildHistory, candidate: Section47Enquiry,
                          checks: Checks) -> None:
    referral = history.referral(candidate.referral_id)
    start_date = candidate.start_date
    checks.not_future(start_date, "start_date", "local", "The S47 start date")
    _within_episode(checks, referral, start_date, "start_date", "The S47 start date",
                    before_rule="CIN 2889", after_rule="CIN 8565")
    _episode_allows_activity(checks, referral, "start_date", nfa_rule="CIN 8831")
    if candidate.strategy_discussion_id is not None:
        sd = _by_pk(history.strategy_discussions, candidate.strategy_discussion_id)
        if checks.require(sd is not None and sd.referral_id == referral.pk,
                          "strategy_discussion", "local",
                          "the strategy discussion must belong to the same referral"):
            checks.require(sd.held_on <= start_date, "strategy_discussion", "local",
                           "the strategy discussion must be on or before the S47 start date")
            checks.require(sd.s47_initiated, "strategy_discussion", "local",
                           "that strategy discussion did not decide to start S47 enquiries")
    _check_other_s47s(checks, history, candidate)
    if candidate.end_date is not None:  # imported with the end a return implies
        _s47_end_in_order(checks, referral, candidate)


def check_section47_still_open(history: ChildHistory, candidate: Section47Enquiry,
                               checks: Checks) -> None:
    """A return shows an enquiry that needed no ICPC still open on its year's first day (the CIN
    census carries no end date for it): that day, kept as its end, must fall within the enquiry
    and its episode of need."""
    _s47_end_in_order(checks, history.referral(candidate.referral_id), candidate)


def _s47_end_in_order(checks: Checks, referral, candidate: Section47Enquiry) -> None:
    """An enquiry's end: not in the future, not before it began, not after its episode closed."""
    end_date = candidate.end_date
    checks.not_future(end_date, "end_date", "local", "The S47 end date")
    checks.require(end_date >= candidate.start_date, "end_date", "local",
                   "the S47 end date cannot be before its start date")
    if referral.closure_date is not None:
        checks.require(end_date <= referral.closure_date, "end_date", "local",
                       "the S47 end date cannot be after the episode closed")


def check_section47_submit(history: ChildHistory, candidate: Section47Decision, checks: Checks,
                           *, section47: Section47Enquiry) -> None:
    """The worker submits the enquiry's findings and the outcome they propose; their manager then
    decides it (`check_section47_record_outcome`). Resubmitting is allowed until it is decided."""
    checks.require(not section47.outcome, "proposed_outcome", "local",
                   "the outcome of this enquiry has already been decided")
    checks.require(len((candidate.findings or "").strip()) >= MIN_REASONS, "findings", "local",
                   f"set out the findings of the enquiry (at least {MIN_REASONS} characters)")
    checks.code(candidate.proposed_outcome, Section47Enquiry.Outcome, "proposed_outcome", "local",
                "The proposed outcome")


def check_section47_record_outcome(history: ChildHistory, candidate: Section47Enquiry,
                                   checks: Checks, *, by=None, rationale: str | None = None,
                                   decider: Decider | None = None) -> None:
    """`by` (live entry only): the outcome is a manager's decision (`decider`: the council's
    table), with their rationale."""
    if by is not None:
        if decider is not None and not decider.allowed:
            checks.fail("outcome", "local", f"{decider.message}: submit the findings and proposed "
                        "outcome for their decision")
        checks.require(len((rationale or "").strip()) >= MIN_REASONS, "rationale", "local",
                       f"give the rationale for the outcome (at least {MIN_REASONS} characters)")
    outcome = candidate.outcome
    checks.code(outcome, Section47Enquiry.Outcome, "outcome", "local", "S47 outcome")
    _s47_end_in_order(checks, history.referral(candidate.referral_id), candidate)
    if outcome == Section47Enquiry.Outcome.ICPC:
        checks.require(not candidate.icpc_not_required, "icpc_not_required", "local",
                       "an outcome of 'initial child protection conference' contradicts "
                       "'ICPC not required'")
    elif outcome:
        checks.require(candidate.icpc_not_required, "icpc_not_required", "local",
                       "an enquiry that does not lead to a conference must record "
                       "'ICPC not required'")
    if candidate.icpc_not_required:
        checks.require(icpc_date(history, candidate.pk) is None, "icpc_not_required", "CIN 8868",
                       "an initial conference is already recorded for this enquiry, so "
                       "'ICPC not required' cannot be set")


# --- conferences -----------------------------------------------------------------------------

def _check_chaired_by(checks: Checks, conference: Conference, by, decider: Decider | None) -> None:
    """Live entry: an IRO / CP chair chairs the conference and records its decision. The chair is
    the User the service was given (never fetched here); whether they may record it at all is the
    council's table (`decider`)."""
    if conference.kind not in _CHAIRED:
        return  # not a conference kind: `checks.code` says so
    label = _CHAIRED[conference.kind]
    chair = conference.chair if conference.chair_id is not None else None
    if chair is None:
        checks.fail("chair", "local", f"{label} must be chaired by an IRO or CP chair: "
                                      "record who chaired it")
        return
    if checks.require(getattr(chair, "role", None) == IRO, "chair", "local",
                      f"{label} must be chaired by an IRO or CP chair ({chair} is not one)"):
        if checks.require(getattr(by, "pk", None) == chair.pk, "chair", "local",
                          "only the conference chair can record its decision: the chair "
                          f"({chair}) records the conference"):
            require_decider(checks, "chair", decider)


def check_conference_record(history: ChildHistory, candidate: Conference, checks: Checks,
                            *, by=None, decider: Decider | None = None) -> None:
    """The candidate carries `section47_id` only for an initial conference and `cp_plan_id` only
    for a review (the service drops the other links, as they mean nothing for that kind). `by`
    (live entry only): the chair rules above."""
    if by is not None:
        _check_chaired_by(checks, candidate, by, decider)
    referral = history.referral(candidate.referral_id)
    kind, held_on, plan_required = candidate.kind, candidate.held_on, candidate.plan_required
    checks.code(kind, Conference.Kind, "kind", "local", "Conference type")
    checks.not_future(held_on, "held_on", "local", "A conference")
    if kind == Conference.Kind.INITIAL:
        _within_episode(checks, referral, held_on, "held_on", "The initial conference date",
                        before_rule="CIN 1104", after_rule="CIN 8565")
        _episode_allows_activity(checks, referral, "held_on", nfa_rule="CIN 8831")
        checks.require(held_on.weekday() < 5, "held_on", "CIN 8875",
                       "the date of an initial child protection conference cannot be a weekend")
        checks.require(plan_required is not None, "plan_required", "local",
                       "record whether the conference decided the child needs a CP plan")
        s47 = _by_pk(history.section47s, candidate.section47_id)
        if checks.require(s47 is not None and s47.referral_id == referral.pk, "section47",
                          "local", "an initial conference must be linked to a section 47 "
                          "enquiry in the same referral"):
            checks.require(not s47.icpc_not_required, "section47", "CIN 8868",
                           "this section 47 enquiry is recorded as 'ICPC not required'")
            checks.require(held_on >= s47.start_date, "held_on", "local",
                           "the initial conference cannot be before the S47 start date "
                           f"({s47.start_date:%d/%m/%Y})")
            checks.require(icpc_date(history, s47.pk) is None, "section47", "local",
                           "an initial conference is already recorded for this enquiry")
        checks.require(not _open_on(history.cp_plans, held_on), "kind", "local",
                       "the child is already on a CP plan on this date: hold a review instead")
    elif kind == Conference.Kind.TRANSFER_IN:
        _within_episode(checks, referral, held_on, "held_on", "The transfer-in conference date",
                        after_rule="CIN 8565")
        _episode_allows_activity(checks, referral, "held_on", nfa_rule="CIN 8831")
        checks.require(plan_required is not None, "plan_required", "local",
                       "record whether the conference decided the child needs a CP plan")
        notification_date = candidate.notification_date
        if checks.require(notification_date is not None, "notification_date", "local",
                          "a transfer-in conference needs the date of written notification"):
            checks.not_future(notification_date, "notification_date", "local", "The notification")
            checks.require(notification_date <= held_on, "notification_date", "local",
                           "the notification cannot be after the conference")
    elif kind == Conference.Kind.REVIEW:
        _within_episode(checks, referral, held_on, "held_on", "A review conference")
        plan = _by_pk(history.cp_plans, candidate.cp_plan_id)
        if checks.require(plan is not None and plan.referral_id == referral.pk, "cp_plan",
                          "local", "a review conference must be linked to a CP plan in the "
                          "same referral"):
            checks.require(held_on > plan.start_date, "held_on", "CIN 8841",
                           "the review date cannot be on the same day as or before the CP plan "
                           f"start date ({plan.start_date:%d/%m/%Y})")
            checks.require(plan.end_date is None or held_on <= plan.end_date, "cp_plan", "local",
                           "a review needs an open CP plan (the plan ended "
                           f"{plan.end_date:%d/%m/%Y})" if plan.end_date else "")
            same_day = [c for c in history.of(history.conferences, cp_plan_id=plan.pk)
                        if c.kind == Conference.Kind.REVIEW and c.held_on == held_on]
            checks.require(not same_day, "held_on", "local",
                           "a review is already recorded on this date")
            if plan.end_date != held_on:
                checks.require(not _open_on(history.cin_plans, held_on), "held_on", "CIN 4003",
                               "a CP review cannot be held while a CIN plan is open (unless it "
                               "is the review that ends the CP plan)")


def check_agencies(agencies, checks: Checks) -> None:
    """The agencies represented at a meeting: codes of `Agency`, each listed once (the conference's
    list, used by looked-after reviews too)."""
    if checks.require(isinstance(agencies, list), "agencies", "local",
                      "the agencies represented must be a list of agency codes"):
        for code in agencies:
            checks.code(code, Agency, "agencies", "local", "Agency")
        checks.require(len(set(map(str, agencies))) == len(agencies), "agencies", "local",
                       "an agency is listed more than once")


def check_conference_minutes(history: ChildHistory, candidate: ConferenceMinutes, checks: Checks,
                             *, conference: Conference, by=None,
                             decider: Decider | None = None) -> None:
    """What the conference heard and decided (Working Together 2023 ch. 3: the child's wishes and
    feelings, the agencies' information, the decision and its reasons). An initial or transfer-in
    conference decides whether a plan is needed (agreeing with `plan_required`); a review whether
    the plan continues or ends, and records progress against it. `by` is given when the minutes
    are written after the conference was recorded: only its chair writes them (or an IRO / CP
    chair for a conference on file with no chair)."""
    if by is not None:
        if conference.chair_id is not None:
            if checks.require(getattr(by, "pk", None) == conference.chair_id, "chair", "local",
                              "only the conference chair can record its decision and minutes"):
                require_decider(checks, "chair", decider)
        elif decider is not None:
            require_decider(checks, "chair", decider)
        else:
            checks.require(getattr(by, "role", None) == IRO, "chair", "local",
                           "no chair is recorded for this conference: an IRO or CP chair must "
                           "record its minutes")
    check_agencies(candidate.agencies, checks)
    checks.code(candidate.child_participation, ChildParticipation, "child_participation", "local",
                "How the child took part", required=False)
    decision, kind = candidate.decision, conference.kind
    checks.code(decision, ConferenceDecision, "decision", "local", "The decision", required=False)
    if decision in ConferenceDecision.values:
        deciding = kind in _DECIDING
        allowed = ((ConferenceDecision.PLAN_NEEDED, ConferenceDecision.PLAN_NOT_NEEDED) if deciding
                   else (ConferenceDecision.CONTINUE_PLAN, ConferenceDecision.END_PLAN))
        if checks.require(decision in allowed, "decision", "local",
                          "an initial or transfer-in conference decides whether a CP plan is "
                          "needed; a review decides whether the plan continues or ends"):
            if deciding and conference.plan_required is not None:
                checks.require((decision == ConferenceDecision.PLAN_NEEDED)
                               == conference.plan_required, "decision", "local",
                               "the decision must agree with whether the conference decided the "
                               "child needs a CP plan")
        checks.require(len((candidate.decision_reasons or "").strip()) >= MIN_REASONS,
                       "decision_reasons", "local",
                       f"give the reasons for the decision (at least {MIN_REASONS} characters)")
    if (candidate.progress or "").strip():
        checks.require(kind == Conference.Kind.REVIEW, "progress", "local",
                       "progress against the plan is recorded at a review conference")


# --- child protection plans ------------------------------------------------------------------

def _check_deciding_conference(checks: Checks, history: ChildHistory,
                               candidate: ChildProtectionPlan,
                               conference_id: int | None,
                               census_year: tuple[dt.date, dt.date] | None = None) -> None:
    """CIN 2885: a CP plan starts on the date of the ICPC (or transfer-in) that decided it. For a
    return (`census_year`) the DfE applies it only to plans starting within the year: an earlier
    plan's conference belongs to an earlier return, which this file need not hold."""
    start_date = candidate.start_date
    conf = deciding_conference(history, candidate, conference_id)
    if conference_id is None:
        if census_year is not None and not census_year[0] <= start_date <= census_year[1]:
            return
        checks.require(conf is not None, "start_date", "CIN 2885",
                       "a CP plan must start on the date of the initial (or transfer-in) "
                       "conference that decided it; no such conference is recorded on "
                       f"{start_date:%d/%m/%Y}")
        return
    if not checks.require(conf is not None and conf.referral_id == candidate.referral_id,
                          "conference", "local",
                          "the conference must belong to the same referral"):
        return
    checks.require(conf.kind in _DECIDING, "conference", "local",
                   "only an initial or transfer-in conference starts a CP plan")
    checks.require(conf.plan_required is not False, "conference", "local",
                   "that conference decided the child did not need a CP plan")
    checks.require(conf.cp_plan_id is None, "conference", "local",
                   "that conference has already started a CP plan")
    checks.require(conf.held_on == start_date, "start_date", "CIN 2885",
                   "a CP plan must start on the date of the conference that decided it "
                   f"({conf.held_on:%d/%m/%Y})")


def _check_started_by_chair(checks: Checks, history: ChildHistory,
                            candidate: ChildProtectionPlan, conference_id: int | None, by,
                            decider: Decider | None) -> None:
    """Live entry: a plan starts from the conference's decision, recorded by its chair (or, for a
    conference on file with no chair, e.g. imported, by an IRO / CP chair: `decider`)."""
    conf = deciding_conference(history, candidate, conference_id)
    if conf is None:
        return  # CIN 2885 already says no conference decided it
    if conf.chair_id is not None:
        if checks.require(getattr(by, "pk", None) == conf.chair_id, "chair", "local",
                          "only the chair of the conference that decided the plan can start it "
                          "(the plan starts from the conference's decision, recorded by its chair)"):
            require_decider(checks, "chair", decider)
    elif decider is not None:
        require_decider(checks, "chair", decider)
    else:
        checks.require(getattr(by, "role", None) == IRO, "chair", "local",
                       "no chair is recorded for the conference that decided the plan: an IRO or "
                       "CP chair must start it")


def check_cp_plan_start(history: ChildHistory, candidate: ChildProtectionPlan, checks: Checks,
                        *, conference_id: int | None = None, by=None,
                        decider: Decider | None = None,
                        census_year: tuple[dt.date, dt.date] | None = None) -> None:
    """`candidate.number_of_previous_cpp` is None when the worker did not give it. `by` (live
    entry only): the chair of the deciding conference starts the plan. `census_year` (a return's
    import only): the first and last day of the collection year, outside which 2885 is not
    applied."""
    if by is not None:
        _check_started_by_chair(checks, history, candidate, conference_id, by, decider)
    referral = history.referral(candidate.referral_id)
    start_date = candidate.start_date
    checks.code(candidate.initial_category, codes.CategoryOfAbuse, "initial_category", "CIN 8905",
                "Initial category of abuse")
    checks.not_future(start_date, "start_date", "local", "The CP plan start date")
    _within_episode(checks, referral, start_date, "start_date", "The CP plan start date",
                    before_rule="CIN 1105", after_rule="CIN 8565")
    _episode_allows_activity(checks, referral, "start_date", nfa_rule="CIN 8832")
    _check_deciding_conference(checks, history, candidate, conference_id, census_year)
    plans = [p for p in history.cp_plans if candidate.pk is None or p.pk != candidate.pk]
    checks.require(all(p.end_date is not None for p in plans), "start_date", "CIN 8935",
                   "the child already has an open CP plan")
    overlapping = [p for p in plans if p.start_date >= start_date
                   or (p.end_date is not None and p.start_date <= start_date <= p.end_date)]
    checks.require(not overlapping, "start_date", "CIN 8940",
                   "CP plan dates would overlap another CP plan of this child")
    checks.require(not _open_on(history.cin_plans, start_date), "start_date", "CIN 4017",
                   "a CIN plan is open on this date: end it (on or before this date) first")
    open_cin_here = [p for p in history.of(history.cin_plans, referral_id=referral.pk)
                     if p.end_date is None]
    checks.require(not open_cin_here, "start_date", "CIN 4001",
                   "a CIN plan cannot run concurrently with a CP plan in the same episode")
    if candidate.number_of_previous_cpp is not None:
        checks.require(candidate.number_of_previous_cpp >= 0, "number_of_previous_cpp",
                       "CIN 8730", "the number of previous CP plans must be zero or more")


def check_cp_plan_change_category(history: ChildHistory, candidate: ChildProtectionPlan,
                                  checks: Checks) -> None:
    checks.code(candidate.latest_category, codes.CategoryOfAbuse, "latest_category", "CIN 8910",
                "Latest category of abuse")
    checks.require(candidate.end_date is None, "latest_category", "local",
                   "the category of an ended plan cannot change")


def check_cp_plan_end(history: ChildHistory, candidate: ChildProtectionPlan, checks: Checks,
                      *, by=None, decider: Decider | None = None) -> None:
    """`by` (live entry only): the plan's end is decided at a review conference, so the IRO / CP
    chair or a team manager records it (`decider`: the council's table), with the reason it ended."""
    live = by is not None
    if live and decider is not None and not decider.allowed:
        checks.fail("end_reason", "local",
                    f"{decider.message}: the end is decided at a review conference")
    reason = candidate.end_reason
    checks.code(reason, PlanEndReason, "end_reason", "local", "The reason the plan ended",
                required=live)
    if reason == PlanEndReason.OTHER:
        checks.require(bool((candidate.end_detail or "").strip()), "end_detail", "local",
                       "say why the plan ended when the reason is 'other'")
    if reason == PlanEndReason.REACHED_18 and history.child.date_of_birth is not None:
        dob = history.child.date_of_birth
        # born on 29 February: 18 on 1 March in a year that has none
        eighteen = (dt.date(dob.year + 18, 3, 1) if (dob.month, dob.day) == (2, 29)
                    and not calendar.isleap(dob.year + 18) else dob.replace(year=dob.year + 18))
        checks.require(candidate.end_date is None or candidate.end_date >= eighteen, "end_reason",
                       "local", f"the child is not 18 until {eighteen:%d/%m/%Y}")
    referral = history.referral(candidate.referral_id)
    start_date, end_date = candidate.start_date, candidate.end_date
    checks.not_future(end_date, "end_date", "local", "The CP plan end date")
    checks.require(end_date >= start_date, "end_date", "CIN 8925",
                   "the CP plan end date cannot be before its start date")
    checks.require(end_date != start_date, "end_date", "CIN 8840",
                   "a CP plan cannot start and end on the same day")
    if referral.closure_date is not None:
        checks.require(end_date <= referral.closure_date, "end_date", "CIN 8565",
                       "the CP plan cannot end after the episode closed")
    later_reviews = [c for c in history.of(history.conferences, cp_plan_id=candidate.pk)
                     if c.kind == Conference.Kind.REVIEW and c.held_on > end_date]
    checks.require(not later_reviews, "end_date", "local",
                   "a review conference is recorded after this end date")
    later_groups = [g for g in history.of(history.core_groups, cp_plan_id=candidate.pk)
                    if g.held_on > end_date]
    checks.require(not later_groups, "end_date", "local",
                   "a core group meeting is recorded after this end date")
    overlapping = [p for p in history.cp_plans
                   if p.pk != candidate.pk and start_date <= p.start_date <= end_date]
    checks.require(not overlapping, "end_date", "CIN 8940",
                   "CP plan dates would overlap another CP plan of this child")
    cin_inside = [p for p in history.cin_plans if start_date <= p.start_date < end_date]
    checks.require(not cin_inside, "end_date", "CIN 4016",
                   "a CIN plan starts while this CP plan would still be open")


def check_core_group_record(history: ChildHistory, candidate: CoreGroupMeeting,
                            checks: Checks) -> None:
    plan = _by_pk(history.cp_plans, candidate.cp_plan_id)
    held_on = candidate.held_on
    checks.not_future(held_on, "held_on", "local", "A core group meeting")
    checks.require(held_on >= plan.start_date, "held_on", "local",
                   "a core group cannot meet before the CP plan started")
    if plan.end_date is not None:
        checks.require(held_on <= plan.end_date, "held_on", "local",
                       "a core group cannot meet after the CP plan ended")


# --- emergency protection orders and police protection (Annex A List 7) ----------------------

def _check_emergency_order_dates(checks: Checks, history: ChildHistory,
                                 order: EmergencyOrder) -> None:
    """The order ends after it starts, within its statutory maximum, and does not overlap
    another order of the same kind."""
    kind, start, end = order.kind, order.start_date, order.end_date
    checks.not_future(end, "end_date", "local", "The end date")
    if end is not None:
        if checks.require(end >= start, "end_date", "local",
                          "the order cannot end before it started"):
            limit = EMERGENCY_ORDER_MAX_DAYS.get(kind)
            if limit is not None:
                checks.require((end - start).days <= limit, "end_date", "local",
                               f"{EmergencyOrder.Kind(kind).label.lower()} can last at most "
                               f"{limit} days (Children Act 1989 s45/s46)")
    clash = [o for o in history.emergency_orders
             if o.kind == kind and (order.pk is None or o.pk != order.pk)
             and o.start_date <= (end or _FAR_FUTURE) and (o.end_date is None or o.end_date >= start)]
    checks.require(not clash, "start_date", "local",
                   "this order would overlap another order of the same kind for this child")


def check_emergency_order_record(history: ChildHistory, candidate: EmergencyOrder,
                                 checks: Checks) -> None:
    child, start_date = history.child, candidate.start_date
    checks.code(candidate.kind, EmergencyOrder.Kind, "kind", "local", "Order type")
    if checks.require(start_date is not None, "start_date", "local", "the start date is required"):
        checks.not_future(start_date, "start_date", "local", "The start date")
        if child.date_of_birth is not None:
            checks.require(start_date >= child.date_of_birth, "start_date", "local",
                           "an order cannot start before the child was born")
        if child.date_of_death is not None:
            checks.require(start_date <= child.date_of_death, "start_date", "local",
                           "an order cannot start after the child died")
        if candidate.kind in EmergencyOrder.Kind.values:
            _check_emergency_order_dates(checks, history, candidate)


def check_emergency_order_end(history: ChildHistory, candidate: EmergencyOrder,
                              checks: Checks) -> None:
    if checks.require(candidate.end_date is not None, "end_date", "local",
                      "the end date is required"):
        _check_emergency_order_dates(checks, history, candidate)


# --- pre-proceedings (Public Law Outline; CIN census PreProceedingsandFGDM) ---------------------

def _check_pre_proceedings(checks: Checks, history: ChildHistory, pp: PreProceedings) -> None:
    """Every PLO date in order: on/after the start, inside the episode of need, not future."""
    checks.free_text(pp)
    if not checks.require(pp.start_date is not None, "start_date", "local",
                          "the start date is required"):
        return
    referral = history.referral(pp.referral_id)
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


def check_pre_proceedings_start(history: ChildHistory, candidate: PreProceedings,
                                checks: Checks) -> None:
    referral = history.referral(candidate.referral_id)
    _check_pre_proceedings(checks, history, candidate)
    checks.require(not referral.referral_nfa, "start_date", "local",
                   "this referral is recorded as needing no further action")
    undecided = [p for p in history.of(history.pre_proceedings, referral_id=referral.pk)
                 if p.step_decision_date is None
                 and (candidate.pk is None or p.pk != candidate.pk)]
    checks.require(not undecided, "start_date", "local",
                   "pre-proceedings are already under way in this episode with no step decision")


def check_pre_proceedings_update(history: ChildHistory, candidate: PreProceedings, checks: Checks,
                                 *, by=None, changed: set[str] | frozenset[str] = frozenset(),
                                 decider: Decider | None = None) -> None:
    """`changed` names the fields this save sets: a step decision or outcome needs a manager
    (`decider`: the council's table; none for an importer or the generator)."""
    _check_pre_proceedings(checks, history, candidate)
    if {"step_decision_date", "outcome"} & set(changed):
        require_decider(checks, "step_decision_date", decider)
