"""The front door: contacts and their decisions, referrals (episodes of need) from opening to
closure, early help and private fostering. Every function validates, saves, refreshes the clocks
and audits in one transaction; a refused save changes nothing.

Cross-record CIN census rules that can be known when the worker saves are checked here with the
rule's code, so the census return is valid by construction.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from safeguard.audit.services import audit_record
from safeguard.core import codes
from safeguard.core.errors import Checks, today
from safeguard.core.records import lock_for_edit
from safeguard.people.models import Child
from safeguard.timescales.services import refresh_clocks

from .models import Contact, EarlyHelpEpisode, PrivateFosteringArrangement, Referral

# The DfE requires ReferralSource (CIN 8866) for referrals on or after this date.
SOURCE_REQUIRED_FROM = dt.date(2013, 4, 1)
# CIN 8606: a referral may be up to 40 weeks before the (expected) date of birth.
PRE_BIRTH_DAYS = 280
CLOSED_AFTER_ASSESSMENT = ("RC8", "RC9")


def _check_date_against_child(child: Child, when: dt.date, field: str, label: str,
                              checks: Checks) -> None:
    """A dated event cannot follow the child's death (local; the CIN census checks some)."""
    if child.date_of_death and when > child.date_of_death:
        checks.fail(field, "local", f"{label} cannot be after the child's date of death")


# --- contacts -------------------------------------------------------------------------------

@transaction.atomic
def contact_record(*, by, child_id: int, received_at: dt.datetime, source: str,
                   summary: str = "") -> Contact:
    """Record information received about a child; the front door decides on it later."""
    child = Child.objects.get(pk=child_id)
    checks = Checks()
    checks.code(source, codes.ReferralSource, "source", "CIN 8866", "Source of contact")
    if received_at is None:
        checks.fail("received_at", "local", "the date and time the contact came in is required")
    else:
        checks.require(received_at <= timezone.now(), "received_at", "local",
                       "a contact cannot be received in the future")
    checks.raise_if_any()
    contact = Contact.objects.create(child=child, received_at=received_at, source=source,
                                     summary=summary, recorded_by=by)
    refresh_clocks(child)
    audit_record(actor=by, action="create", obj=contact)
    return contact


@transaction.atomic
def contact_decide(*, by, contact_id: int, expected_version: int | None, decision: str,
                   decided_at: dt.datetime) -> Contact:
    """Record the front door's decision on a contact. A decision to refer opens a referral
    (an episode of need) dated the day of the decision, with the contact's source."""
    contact = lock_for_edit(Contact, contact_id, expected_version)
    checks = Checks()
    checks.code(decision, Contact.Decision, "decision", "local", "Contact decision")
    if decided_at is None:
        checks.fail("decided_at", "local", "the date and time of the decision is required")
    else:
        checks.require(decided_at >= contact.received_at, "decided_at", "local",
                       "a decision cannot be made before the contact was received")
        checks.require(decided_at <= timezone.now(), "decided_at", "local",
                       "a decision cannot be recorded in the future")
    checks.require(not Referral.objects.filter(contact=contact).exists(), "decision", "local",
                   "this contact has already led to a referral; change the referral instead")
    checks.raise_if_any()
    before = contact.decision
    contact.decision = decision
    contact.decided_at = decided_at
    contact.decided_by = by
    contact.recorded_by = by
    contact.save()
    audit_record(actor=by, action="update", obj=contact,
                 detail={"decision": decision, "previous_decision": before})
    if decision == Contact.Decision.REFERRAL:
        referral_open(by=by, child_id=contact.child_id,
                      referral_date=timezone.localdate(decided_at), source=contact.source,
                      contact_id=contact.pk)
    else:
        refresh_clocks(contact.child)
    return contact


# --- referrals (episodes of need) -------------------------------------------------------------

def _check_no_overlap(child: Child, referral_date: dt.date, checks: Checks,
                      exclude_pk: int | None = None) -> None:
    """CIN 8815 (only one open episode unless NFA) and CIN 8820 (episodes must not overlap;
    one may start on the day the previous one closed). The new episode is open and not NFA."""
    others = Referral.objects.filter(child=child).exclude(pk=exclude_pk)
    for other in others:
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


@transaction.atomic
def referral_open(*, by, child_id: int, referral_date: dt.date, source: str,
                  primary_need: str = "", contact_id: int | None = None,
                  is_transfer_in_request: bool = False) -> Referral:
    """Open an episode of need (CIN census CINdetails). The T01 decision clock starts here."""
    # Lock the child so two workers cannot open overlapping episodes at the same moment.
    child = Child.objects.select_for_update().get(pk=child_id)
    checks = Checks()
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
        _check_no_overlap(child, referral_date, checks)
    if referral_date is None or referral_date >= SOURCE_REQUIRED_FROM:
        checks.code(source, codes.ReferralSource, "source", "CIN 8866", "Source of referral")
    checks.code(primary_need, codes.PrimaryNeed, "primary_need", "CIN 8650", "Primary need",
                required=False)
    contact = None
    if contact_id is not None:
        contact = Contact.objects.filter(pk=contact_id).first()
        if checks.require(contact is not None, "contact", "local", "the contact does not exist"):
            checks.require(contact.child_id == child.pk, "contact", "local",
                           "the contact is about a different child")
            checks.require(not Referral.objects.filter(contact=contact).exists(), "contact",
                           "local", "this contact has already led to a referral")
            if referral_date is not None:
                checks.require(referral_date >= timezone.localdate(contact.received_at),
                               "referral_date", "local",
                               "the referral date cannot be before the contact was received")
    checks.raise_if_any()
    referral = Referral.objects.create(
        child=child, contact=contact, referral_date=referral_date, source=source,
        primary_need=primary_need, is_transfer_in_request=is_transfer_in_request,
        recorded_by=by,
    )
    refresh_clocks(child)
    audit_record(actor=by, action="create", obj=referral)
    return referral


@transaction.atomic
def referral_record_response(*, by, referral_id: int, expected_version: int | None,
                             response: str, response_date: dt.date) -> Referral:
    """The manager's decision on the type of response; it stops the T01 clock. "nfa" makes the
    referral a referral with no further action (CIN ReferralNFA)."""
    referral = lock_for_edit(Referral, referral_id, expected_version)
    checks = Checks()
    checks.require(by.can_authorise, "response_by", "local",
                   "the decision on a referral must be made by a team manager")
    checks.code(response, Referral.Response, "response", "local", "Response to referral")
    checks.require(referral.closure_date is None, "response", "local",
                   "the episode of need is closed; reopen it by a new referral")
    if response_date is None:
        checks.fail("response_date", "local", "the date of the decision is required")
    else:
        checks.require(response_date >= referral.referral_date, "response_date", "local",
                       "the decision cannot be before the referral date")
        checks.require(response_date <= today(), "response_date", "local",
                       "the decision cannot be recorded in the future")
    nfa = response == Referral.Response.NFA
    if nfa:
        checks.require(not referral.assessments.exists()
                       and not referral.section47_enquiries.exists(), "response", "CIN 8831",
                       "a referral with no further action cannot have assessments or "
                       "section 47 enquiries")
        checks.require(not referral.cin_plans.exists(), "response", "CIN 4000",
                       "a referral with no further action cannot have a CIN plan")
        checks.require(not referral.cp_plans.exists() and not referral.conferences.exists(),
                       "response", "CIN 8832",
                       "a referral with no further action cannot have child protection details")
    elif referral.referral_nfa and referral.closure_date is None:
        # Turning an NFA referral back into an open episode: it must not overlap another.
        _check_no_overlap(referral.child, referral.referral_date, checks, exclude_pk=referral.pk)
    checks.raise_if_any()
    before = {"response": referral.response, "referral_nfa": referral.referral_nfa}
    referral.response = response
    referral.response_date = response_date
    referral.response_by = by
    referral.referral_nfa = nfa
    referral.recorded_by = by
    referral.save()
    refresh_clocks(referral.child)
    audit_record(actor=by, action="update", obj=referral,
                 detail={"response": response, "before": before})
    return referral


@transaction.atomic
def referral_set_primary_need(*, by, referral_id: int, expected_version: int | None,
                              primary_need: str) -> Referral:
    """Record (or correct) the child's primary need for this episode (CIN PrimaryNeedCode)."""
    referral = lock_for_edit(Referral, referral_id, expected_version)
    checks = Checks()
    checks.code(primary_need, codes.PrimaryNeed, "primary_need", "CIN 8650", "Primary need")
    checks.raise_if_any()
    before = referral.primary_need
    referral.primary_need = primary_need
    referral.recorded_by = by
    referral.save()
    refresh_clocks(referral.child)
    audit_record(actor=by, action="update", obj=referral,
                 detail={"primary_need": primary_need, "before": before})
    return referral


def _check_closure_activity(referral: Referral, closure_date: dt.date, reason: str,
                            checks: Checks) -> None:
    """Everything in the episode must be finished, and dated on or before the closure."""
    assessments = list(referral.assessments.all())
    s47s = list(referral.section47_enquiries.all())
    cin_plans = list(referral.cin_plans.all())
    cp_plans = list(referral.cp_plans.all())
    initial_conferences = list(referral.conferences.filter(kind="initial"))

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


@transaction.atomic
def referral_close(*, by, referral_id: int, expected_version: int | None,
                   closure_date: dt.date, reason_for_closure: str, rationale: str,
                   authorised_by) -> Referral:
    """Close an episode of need with its reason and the manager's recorded rationale."""
    referral = lock_for_edit(Referral, referral_id, expected_version)
    child = referral.child
    checks = Checks()
    checks.require(referral.closure_date is None, "closure_date", "local",
                   "this episode of need is already closed")
    checks.code(reason_for_closure, codes.ReasonForClosure, "reason_for_closure", "CIN 8640",
                "Reason for closure")
    if reason_for_closure and closure_date is None:
        checks.fail("closure_date", "CIN 8810", "a reason for closure needs a closure date")
    if closure_date is not None:
        if not reason_for_closure:
            checks.fail("reason_for_closure", "CIN 8805", "a closure date needs a reason")
        checks.require(closure_date >= referral.referral_date, "closure_date", "CIN 8630",
                       "the closure date cannot be before the referral date")
        checks.require(closure_date <= today(), "closure_date", "local",
                       "the closure date cannot be in the future")
    checks.require(bool(rationale and rationale.strip()), "closure_rationale", "local",
                   "record the management rationale for closing")
    checks.require(authorised_by is not None and authorised_by.can_authorise,
                   "closure_authorised_by", "local", "closure must be authorised by a team manager")
    if reason_for_closure == "RC2":
        checks.require(child.date_of_death is not None, "reason_for_closure", "CIN 8585Q",
                       "RC2 (died) needs the child's date of death to be recorded")
    if not referral.referral_nfa:
        checks.require(bool(referral.primary_need), "primary_need", "CIN 8610",
                       "record the primary need before closing an episode that led to action")
    _check_closure_activity(referral, closure_date, reason_for_closure, checks)
    checks.raise_if_any()
    referral.closure_date = closure_date
    referral.reason_for_closure = reason_for_closure
    referral.closure_rationale = rationale.strip()
    referral.closure_authorised_by = authorised_by
    referral.recorded_by = by
    referral.save()
    refresh_clocks(child)
    audit_record(actor=by, action="update", obj=referral,
                 detail={"event": "closed", "closure_date": str(closure_date),
                         "reason": reason_for_closure, "authorised_by": authorised_by.pk})
    return referral


# --- early help ---------------------------------------------------------------------------

@transaction.atomic
def early_help_start(*, by, child_id: int, start_date: dt.date,
                     organisation: str = "") -> EarlyHelpEpisode:
    """Start early help for a child (Annex A List 2)."""
    child = Child.objects.select_for_update().get(pk=child_id)
    checks = Checks()
    if checks.require(start_date is not None, "start_date", "local", "a start date is required"):
        checks.require(start_date <= today(), "start_date", "local",
                       "early help cannot start in the future")
        _check_date_against_child(child, start_date, "start_date", "early help", checks)
        checks.require(
            not EarlyHelpEpisode.objects.filter(child=child, end_date__isnull=True).exists(),
            "start_date", "local", "the child already has open early help; end it first")
        checks.require(
            not EarlyHelpEpisode.objects.filter(child=child, start_date__lte=start_date,
                                                end_date__gt=start_date).exists(),
            "start_date", "local", "this date falls inside an earlier early help episode")
    checks.raise_if_any()
    episode = EarlyHelpEpisode.objects.create(child=child, start_date=start_date,
                                              organisation=organisation, recorded_by=by)
    refresh_clocks(child)
    audit_record(actor=by, action="create", obj=episode)
    return episode


@transaction.atomic
def early_help_record_assessment(*, by, episode_id: int, expected_version: int | None,
                                 assessment_completed_date: dt.date) -> EarlyHelpEpisode:
    """Record the date the early help assessment was completed."""
    episode = lock_for_edit(EarlyHelpEpisode, episode_id, expected_version)
    checks = Checks()
    if checks.require(assessment_completed_date is not None, "assessment_completed_date",
                      "local", "the date is required"):
        checks.require(assessment_completed_date >= episode.start_date,
                       "assessment_completed_date", "local",
                       "the assessment cannot be completed before early help started")
        checks.require(assessment_completed_date <= today(), "assessment_completed_date",
                       "local", "the date cannot be in the future")
        if episode.end_date:
            checks.require(assessment_completed_date <= episode.end_date,
                           "assessment_completed_date", "local",
                           "the assessment cannot be completed after early help ended")
    checks.raise_if_any()
    episode.assessment_completed_date = assessment_completed_date
    episode.recorded_by = by
    episode.save()
    refresh_clocks(episode.child)
    audit_record(actor=by, action="update", obj=episode,
                 detail={"assessment_completed_date": str(assessment_completed_date)})
    return episode


@transaction.atomic
def early_help_end(*, by, episode_id: int, expected_version: int | None,
                   end_date: dt.date) -> EarlyHelpEpisode:
    """End early help (stepped up, needs met, or declined)."""
    episode = lock_for_edit(EarlyHelpEpisode, episode_id, expected_version)
    checks = Checks()
    checks.require(episode.end_date is None, "end_date", "local", "early help has already ended")
    if checks.require(end_date is not None, "end_date", "local", "an end date is required"):
        checks.require(end_date >= episode.start_date, "end_date", "local",
                       "early help cannot end before it started")
        checks.require(end_date <= today(), "end_date", "local",
                       "the end date cannot be in the future")
        if episode.assessment_completed_date:
            checks.require(end_date >= episode.assessment_completed_date, "end_date", "local",
                           "early help cannot end before its assessment was completed")
    checks.raise_if_any()
    episode.end_date = end_date
    episode.recorded_by = by
    episode.save()
    refresh_clocks(episode.child)
    audit_record(actor=by, action="update", obj=episode,
                 detail={"event": "ended", "end_date": str(end_date)})
    return episode


# --- private fostering --------------------------------------------------------------------

@transaction.atomic
def private_fostering_notify(*, by, child_id: int, notified_date: dt.date, start_date: dt.date,
                             carer_name: str) -> PrivateFosteringArrangement:
    """Record a notified private fostering arrangement; the T15 visit clock starts from it.
    A proposed arrangement may be notified before it starts (Children Act 1989 Part IX)."""
    child = Child.objects.select_for_update().get(pk=child_id)
    checks = Checks()
    checks.require(bool(carer_name and carer_name.strip()), "carer_name", "local",
                   "name the private foster carer")
    if checks.require(notified_date is not None, "notified_date", "local",
                      "the notification date is required"):
        checks.require(notified_date <= today(), "notified_date", "local",
                       "the notification date cannot be in the future")
    if checks.require(start_date is not None, "start_date", "local", "a start date is required"):
        if child.date_of_birth:
            checks.require(start_date >= child.date_of_birth, "start_date", "local",
                           "the arrangement cannot start before the child's birth")
        _check_date_against_child(child, start_date, "start_date", "the arrangement", checks)
        checks.require(
            not PrivateFosteringArrangement.objects.filter(child=child,
                                                           end_date__isnull=True).exists(),
            "start_date", "local",
            "the child already has an open private fostering arrangement; end it first")
    checks.raise_if_any()
    arrangement = PrivateFosteringArrangement.objects.create(
        child=child, notified_date=notified_date, start_date=start_date,
        carer_name=carer_name.strip(), recorded_by=by,
    )
    refresh_clocks(child)
    audit_record(actor=by, action="create", obj=arrangement)
    return arrangement


@transaction.atomic
def private_fostering_end(*, by, arrangement_id: int, expected_version: int | None,
                          end_date: dt.date) -> PrivateFosteringArrangement:
    """End a private fostering arrangement; its visit clock stops."""
    arrangement = lock_for_edit(PrivateFosteringArrangement, arrangement_id, expected_version)
    checks = Checks()
    checks.require(arrangement.end_date is None, "end_date", "local",
                   "the arrangement has already ended")
    if checks.require(end_date is not None, "end_date", "local", "an end date is required"):
        checks.require(end_date >= arrangement.start_date, "end_date", "local",
                       "the arrangement cannot end before it started")
        checks.require(end_date <= today(), "end_date", "local",
                       "the end date cannot be in the future")
    checks.raise_if_any()
    arrangement.end_date = end_date
    arrangement.recorded_by = by
    arrangement.save()
    refresh_clocks(arrangement.child)
    audit_record(actor=by, action="update", obj=arrangement,
                 detail={"event": "ended", "end_date": str(end_date)})
    return arrangement
