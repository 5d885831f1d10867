"""Validation at entry for the front door, as pure functions over a `ChildHistory`.

Each `check_<thing>_<verb>` reads only the history's lists and the candidate (the record as it
would be saved) and adds violations to `checks`; none touches the database, so the synthetic
council generator runs exactly the rules a practitioner's save runs. For a change, the version
on file is the one held in the history (same primary key as the candidate).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from safeguard.access.policy import Decider, require_decider
from safeguard.core import codes
from safeguard.core.errors import Checks, now, today
from safeguard.record.history import ChildHistory, held

from .models import Contact, EarlyHelpEpisode, PrivateFosteringArrangement, Referral

# The DfE requires ReferralSource (CIN 8866) for referrals on or after this date.
SOURCE_REQUIRED_FROM = dt.date(2013, 4, 1)
# CIN 8606: a referral may be up to 40 weeks before the (expected) date of birth.
PRE_BIRTH_DAYS = 280
CLOSED_AFTER_ASSESSMENT = ("RC8", "RC9")


# --- shared helpers (the assessment checks use them too) ------------------------------------









def check_not_after_death(history: ChildHistory, when: dt.date | None, field: str, label: str,
                          checks: Checks, rule: str = "local") -> None:
    """A dated event cannot follow the child's death (local; the CIN census checks some)."""
    death = history.child.date_of_death
    if death and when is not None and when > death:
        checks.fail(field, rule, f"{label} cannot be after the child's date of death")


# --- contacts -------------------------------------------------------------------------------

def check_contact_record(history: ChildHistory, candidate: Contact, checks: Checks) -> None:
    """A contact has a valid source and came in at a known time, not in the future."""
    checks.free_text(candidate)
    checks.code(candidate.source, codes.ReferralSource, "source", "CIN 8866", "Source of contact")
    if candidate.received_at is None:
        checks.fail("received_at", "local", "the date and time the contact came in is required")
    else:
        checks.require(candidate.received_at <= now(), "received_at", "local",
                       "a contact cannot be received in the future")


def check_contact_decide(history: ChildHistory, candidate: Contact, checks: Checks, *,
                         decider: Decider | None = None) -> None:
    """The decision follows the contact, and a contact that became a referral is settled.
    `decider` (live entry): who decides, from the council's table of decisions."""
    checks.free_text(candidate)
    require_decider(checks, "decision", decider)
    checks.code(candidate.decision, Contact.Decision, "decision", "local", "Contact decision")
    decided_at = candidate.decided_at
    if decided_at is None:
        checks.fail("decided_at", "local", "the date and time of the decision is required")
    else:
        checks.require(decided_at >= candidate.received_at, "decided_at", "local",
                       "a decision cannot be made before the contact was received")
        checks.require(decided_at <= now(), "decided_at", "local",
                       "a decision cannot be recorded in the future")
    checks.require(not history.of(history.referrals, contact_id=candidate.pk), "decision",
                   "local", "this contact has already led to a referral; change the referral instead")


# --- referrals (episodes of need) -------------------------------------------------------------

def check_no_overlap(history: ChildHistory, referral_date: dt.date, checks: Checks,
                     exclude_pk: int | None = None) -> None:
    """CIN 8815 (only one open episode unless NFA) and CIN 8820 (episodes must not overlap;
    one may start on the day the previous one closed). The new episode is open and not NFA."""
    for other in history.referrals:
        if exclude_pk is not None and other.pk == exclude_pk:
            continue
        if other.closure_date is None and not other.referral_nfa:
            if other.referral_date <= referral_date:
                checks.fail("referral_date", "CIN 8815",
                            f"the child already has an open episode of need from "
                            f"{other.referral_date:%d/%m/%Y}; close it first")
            else:
                checks.fail("referral_date", "CIN 8820",
                            f"an open episode of need starts on {other.referral_date:%d/%m/%Y}, "
                            "after this referral date")
            continue
        if other.referral_date >= referral_date:
            # The new episode has no closure date, so any later episode would fall inside it.
            checks.fail("referral_date", "CIN 8820",
                        f"another episode of need starts on {other.referral_date:%d/%m/%Y}; "
                        "episodes of need cannot overlap")
            continue
        if other.closure_date is not None and referral_date < other.closure_date:
            checks.fail("referral_date", "CIN 8820",
                        f"this date falls inside the episode of need from "
                        f"{other.referral_date:%d/%m/%Y} to {other.closure_date:%d/%m/%Y}")


def check_referral_open(history: ChildHistory, candidate: Referral, checks: Checks) -> None:
    """A new episode of need: dated sensibly against the child's life, not overlapping another
    episode, with a valid source and need, from an undecided contact about this child."""
    child = history.child
    referral_date = candidate.referral_date
    if referral_date is None:
        checks.fail("referral_date", "CIN 8600", "the referral date is required")
    else:
        checks.require(referral_date <= today(), "referral_date", "CIN 8600",
                       "the referral date cannot be in the future")
        for birth, label in ((child.date_of_birth, "date of birth"),
                             (child.expected_date_of_birth, "expected date of birth")):
            if birth is not None:
                checks.require(referral_date >= birth - dt.timedelta(days=PRE_BIRTH_DAYS),
                               "referral_date", "CIN 8606",
                               f"the referral date is more than 40 weeks before the {label}")
        if child.date_of_death:
            checks.require(referral_date <= child.date_of_death, "referral_date", "CIN 8555Q",
                           "a child cannot be referred after their date of death")
        check_no_overlap(history, referral_date, checks)
    if referral_date is None or referral_date >= SOURCE_REQUIRED_FROM:
        checks.code(candidate.source, codes.ReferralSource, "source", "CIN 8866",
                    "Source of referral")
    checks.code(candidate.primary_need, codes.PrimaryNeed, "primary_need", "CIN 8650",
                "Primary need", required=False)
    if candidate.contact_id is not None:
        # Only this child's contacts are held: one missing is either unknown or another child's.
        contact = held(history.contacts, candidate.contact_id)
        if checks.require(contact is not None, "contact", "local",
                          "the contact does not exist or is about a different child"):
            checks.require(not history.of(history.referrals, contact_id=contact.pk), "contact",
                           "local", "this contact has already led to a referral")
            if referral_date is not None:
                checks.require(referral_date >= timezone.localdate(contact.received_at),
                               "referral_date", "local",
                               "the referral date cannot be before the contact was received")


def check_referral_record_response(history: ChildHistory, candidate: Referral, checks: Checks,
                                   *, by=None, decider: Decider | None = None) -> None:
    """The manager's decision on the response; NFA only for a referral with no work in it.
    `decider` (live entry): who decides, from the council's table of decisions."""
    current = history.on_file(candidate)
    require_decider(checks, "response_by", decider)
    checks.code(candidate.response, Referral.Response, "response", "local",
                "Response to referral")
    checks.require(current.closure_date is None, "response", "local",
                   "the episode of need is closed; reopen it by a new referral")
    response_date = candidate.response_date
    if response_date is None:
        checks.fail("response_date", "local", "the date of the decision is required")
    else:
        checks.require(response_date >= current.referral_date, "response_date", "local",
                       "the decision cannot be before the referral date")
        checks.require(response_date <= today(), "response_date", "local",
                       "the decision cannot be recorded in the future")
    if candidate.response == Referral.Response.NFA:
        in_episode = {"referral_id": current.pk}
        checks.require(not history.of(history.assessments, **in_episode)
                       and not history.of(history.section47s, **in_episode), "response",
                       "CIN 8831", "a referral with no further action cannot have assessments "
                       "or section 47 enquiries")
        checks.require(not history.of(history.cin_plans, **in_episode), "response", "CIN 4000",
                       "a referral with no further action cannot have a CIN plan")
        checks.require(not history.of(history.cp_plans, **in_episode)
                       and not history.of(history.conferences, **in_episode), "response",
                       "CIN 8832",
                       "a referral with no further action cannot have child protection details")
    elif current.referral_nfa and current.closure_date is None:
        # Turning an NFA referral back into an open episode: it must not overlap another.
        check_no_overlap(history, current.referral_date, checks, exclude_pk=current.pk)


def check_referral_set_primary_need(history: ChildHistory, candidate: Referral,
                                    checks: Checks) -> None:
    """The primary need is a CIN census PrimaryNeedCode."""
    checks.code(candidate.primary_need, codes.PrimaryNeed, "primary_need", "CIN 8650",
                "Primary need")


def _check_closure_activity(history: ChildHistory, referral_id: int, closure_date: dt.date | None,
                            reason: str, checks: Checks) -> None:
    """Everything in the episode must be finished, and dated on or before the closure."""
    assessments = history.of(history.assessments, referral_id=referral_id)
    s47s = history.of(history.section47s, referral_id=referral_id)
    cin_plans = history.of(history.cin_plans, referral_id=referral_id)
    cp_plans = history.of(history.cp_plans, referral_id=referral_id)
    initial_conferences = history.of(history.conferences, referral_id=referral_id, kind="initial")

    if any(a.authorisation_date is None for a in assessments):
        checks.fail("closure_date", "CIN 8867",
                    "every assessment in the episode must be authorised before it is closed")
    icpc_s47_ids = {c.section47_id for c in initial_conferences if c.section47_id}
    if any(not s.icpc_not_required and s.pk not in icpc_s47_ids for s in s47s):
        checks.fail("closure_date", "CIN 8868",
                    "every section 47 enquiry must have an initial conference or be marked "
                    "'conference not required' before the episode is closed")
    if any(p.end_date is None for p in cin_plans):
        checks.fail("closure_date", "local", "end the child in need plan before closing")
    if any(p.end_date is None for p in cp_plans):
        checks.fail("closure_date", "local", "end the child protection plan before closing")

    later = [d for a in assessments for d in (a.start_date, a.authorisation_date)]
    later += [s.start_date for s in s47s]
    later += [c.held_on for c in initial_conferences]
    later += [p.end_date for p in cp_plans]
    later += [d for p in cin_plans for d in (p.start_date, p.end_date)]
    latest = max((d for d in later if d is not None), default=None)
    if latest is not None and closure_date is not None and closure_date < latest:
        checks.fail("closure_date", "CIN 8565",
                    f"activity is recorded on {latest:%d/%m/%Y}, after the closure date")

    if reason in CLOSED_AFTER_ASSESSMENT:
        checks.require(bool(assessments), "reason_for_closure", "CIN 8825Q",
                       f"{reason} means closed after assessment, but there is no assessment")
        # CIN 2990 covers RC8 only; keeping RC9 episodes free of this work is a local rule.
        checks.require(not (s47s or cp_plans or cin_plans or initial_conferences),
                       "reason_for_closure", "CIN 2990" if reason == "RC8" else "local",
                       f"{reason} cannot be used when the episode had a section 47 enquiry, "
                       "conference, child protection plan or CIN plan")


def check_referral_close(history: ChildHistory, candidate: Referral, checks: Checks, *,
                         authorised_by=None, decider: Decider | None = None) -> None:
    """Closing an episode: a dated reason, a manager's rationale, and all its work finished.
    `decider` (live entry): whether `authorised_by` may close it (the council's table)."""
    checks.free_text(candidate)
    current = history.on_file(candidate)
    closure_date, reason = candidate.closure_date, candidate.reason_for_closure
    checks.require(current.closure_date is None, "closure_date", "local",
                   "this episode of need is already closed")
    checks.code(reason, codes.ReasonForClosure, "reason_for_closure", "CIN 8640",
                "Reason for closure")
    if reason and closure_date is None:
        checks.fail("closure_date", "CIN 8810", "a reason for closure needs a closure date")
    if closure_date is not None:
        if not reason:
            checks.fail("reason_for_closure", "CIN 8805", "a closure date needs a reason")
        checks.require(closure_date >= current.referral_date, "closure_date", "CIN 8630",
                       "the closure date cannot be before the referral date")
        checks.require(closure_date <= today(), "closure_date", "local",
                       "the closure date cannot be in the future")
    checks.require(bool(candidate.closure_rationale), "closure_rationale", "local",
                   "record the management rationale for closing")
    require_decider(checks, "closure_authorised_by", decider)
    if reason == "RC2":
        checks.require(history.child.date_of_death is not None, "reason_for_closure",
                       "CIN 8585Q", "RC2 (died) needs the child's date of death to be recorded")
    if candidate.primary_need != current.primary_need:
        checks.code(candidate.primary_need, codes.PrimaryNeed, "primary_need", "CIN 8650",
                    "Primary need")
    if not current.referral_nfa:
        checks.require(bool(candidate.primary_need), "primary_need", "CIN 8610",
                       "record the primary need before closing an episode that led to action")
    _check_closure_activity(history, current.pk, closure_date, reason, checks)


# --- early help ---------------------------------------------------------------------------

def check_early_help_start(history: ChildHistory, candidate: EarlyHelpEpisode,
                           checks: Checks) -> None:
    """Early help starts on a past date, with no other early help open or spanning it."""
    checks.free_text(candidate)
    start_date = candidate.start_date
    if checks.require(start_date is not None, "start_date", "local", "a start date is required"):
        checks.require(start_date <= today(), "start_date", "local",
                       "early help cannot start in the future")
        check_not_after_death(history, start_date, "start_date", "early help", checks)
        checks.require(not history.of(history.early_help, end_date=None), "start_date", "local",
                       "the child already has open early help; end it first")
        checks.require(
            not any(e.start_date <= start_date and e.end_date is not None
                    and e.end_date > start_date for e in history.early_help),
            "start_date", "local", "this date falls inside an earlier early help episode")


def check_early_help_record_assessment(history: ChildHistory, candidate: EarlyHelpEpisode,
                                       checks: Checks) -> None:
    """The early help assessment is completed within the episode."""
    completed = candidate.assessment_completed_date
    if checks.require(completed is not None, "assessment_completed_date", "local",
                      "the date is required"):
        checks.require(completed >= candidate.start_date, "assessment_completed_date", "local",
                       "the assessment cannot be completed before early help started")
        checks.require(completed <= today(), "assessment_completed_date", "local",
                       "the date cannot be in the future")
        if candidate.end_date:
            checks.require(completed <= candidate.end_date, "assessment_completed_date", "local",
                           "the assessment cannot be completed after early help ended")


def check_early_help_end(history: ChildHistory, candidate: EarlyHelpEpisode,
                         checks: Checks) -> None:
    """Early help ends once, after it started and after its assessment."""
    current = history.on_file(candidate)
    end_date = candidate.end_date
    checks.require(current.end_date is None, "end_date", "local", "early help has already ended")
    if checks.require(end_date is not None, "end_date", "local", "an end date is required"):
        checks.require(end_date >= candidate.start_date, "end_date", "local",
                       "early help cannot end before it started")
        checks.require(end_date <= today(), "end_date", "local",
                       "the end date cannot be in the future")
        if candidate.assessment_completed_date:
            checks.require(end_date >= candidate.assessment_completed_date, "end_date", "local",
                           "early help cannot end before its assessment was completed")


# --- private fostering --------------------------------------------------------------------

def check_private_fostering_notify(history: ChildHistory, candidate: PrivateFosteringArrangement,
                                   checks: Checks) -> None:
    """A notified arrangement names the carer and starts within the child's life, with no other
    arrangement open. It may be notified before it starts (Children Act 1989 Part IX)."""
    checks.free_text(candidate)
    checks.require(bool(candidate.carer_name), "carer_name", "local",
                   "name the private foster carer")
    if checks.require(candidate.notified_date is not None, "notified_date", "local",
                      "the notification date is required"):
        checks.require(candidate.notified_date <= today(), "notified_date", "local",
                       "the notification date cannot be in the future")
    start_date = candidate.start_date
    if checks.require(start_date is not None, "start_date", "local", "a start date is required"):
        birth = history.child.date_of_birth
        if birth:
            checks.require(start_date >= birth, "start_date", "local",
                           "the arrangement cannot start before the child's birth")
        check_not_after_death(history, start_date, "start_date", "the arrangement", checks)
        checks.require(not history.of(history.private_fostering, end_date=None), "start_date",
                       "local",
                       "the child already has an open private fostering arrangement; end it first")


def check_private_fostering_end(history: ChildHistory, candidate: PrivateFosteringArrangement,
                                checks: Checks) -> None:
    """An arrangement ends once, on or after it started, not in the future."""
    current = history.on_file(candidate)
    end_date = candidate.end_date
    checks.require(current.end_date is None, "end_date", "local",
                   "the arrangement has already ended")
    if checks.require(end_date is not None, "end_date", "local", "an end date is required"):
        checks.require(end_date >= candidate.start_date, "end_date", "local",
                       "the arrangement cannot end before it started")
        checks.require(end_date <= today(), "end_date", "local",
                       "the end date cannot be in the future")
