"""The front door: contacts and their decisions, referrals (episodes of need) from opening to
closure, early help and private fostering. Each function is one `Change` to the child's record
(record/change.py): checked, saved, audited and the clocks refreshed in one transaction; a refused
save changes nothing.

Cross-record CIN census rules that can be known when the worker saves are checked (in
`checks.py`, over the child's `ChildHistory`) with the rule's code, so the census return is valid
by construction.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from safeguard.access import policy
from safeguard.record.change import Change

from . import checks as c
from .models import Contact, EarlyHelpEpisode, PrivateFosteringArrangement, Referral

# --- contacts -------------------------------------------------------------------------------

@transaction.atomic
def contact_record(*, by, child_id: int, received_at: dt.datetime, source: str,
                   summary: str = "") -> Contact:
    """Record information received about a child; the front door decides on it later."""
    change = Change.of_child(child_id, by=by, event="contact_record")
    contact = change.new(Contact(child=change.child, received_at=received_at, source=source,
                                 summary=summary), c.check_contact_record)
    return change.save(contact)


@transaction.atomic
def contact_decide(*, by, contact_id: int, expected_version: int | None, decision: str,
                   decided_at: dt.datetime) -> Contact:
    """Record the front door's decision on a contact. A decision to refer opens a referral
    (an episode of need) dated the day of the decision, with the contact's source, in the same
    change: both are saved or neither."""
    change = Change.of(Contact, contact_id, by=by, event="contact_decide", expected_version=expected_version)
    decider = policy.decider(by, policy.CONTACT_DECISION) if by is not None else None
    contact = change.edit(change.held, c.check_contact_decide, decider=decider,
                          to=dict(decision=decision, decided_at=decided_at, decided_by=by))
    if decision == Contact.Decision.REFERRAL:
        change.new(Referral(child=change.child, contact=contact, source=contact.source,
                            referral_date=decided_at and timezone.localdate(decided_at)),
                   c.check_referral_open)
    return change.save(contact)


# --- referrals (episodes of need) -------------------------------------------------------------

@transaction.atomic
def referral_open(*, by, child_id: int, referral_date: dt.date, source: str,
                  primary_need: str = "", contact_id: int | None = None,
                  is_transfer_in_request: bool = False) -> Referral:
    """Open an episode of need (CIN census CINdetails). The T01 decision clock starts here.
    The child is locked while it is checked, so two workers cannot open overlapping episodes."""
    change = Change.of_child(child_id, by=by, event="referral_open")
    referral = change.new(Referral(child=change.child, contact_id=contact_id, referral_date=referral_date,
                                   source=source, primary_need=primary_need,
                                   is_transfer_in_request=is_transfer_in_request), c.check_referral_open)
    return change.save(referral)


@transaction.atomic
def referral_record_response(*, by, referral_id: int, expected_version: int | None,
                             response: str, response_date: dt.date) -> Referral:
    """The manager's decision on the type of response; it stops the T01 clock. "nfa" makes the
    referral a referral with no further action (CIN ReferralNFA)."""
    change = Change.of(Referral, referral_id, by=by, event="referral_record_response",
                       expected_version=expected_version)
    decider = policy.decider(by, policy.REFERRAL_RESPONSE) if by is not None else None
    referral = change.edit(change.held, c.check_referral_record_response, by=by, decider=decider,
                           to=dict(response=response, response_date=response_date, response_by=by,
                                   referral_nfa=response == Referral.Response.NFA))
    return change.save(referral)


@transaction.atomic
def referral_set_primary_need(*, by, referral_id: int, expected_version: int | None,
                              primary_need: str) -> Referral:
    """Record (or correct) the child's primary need for this episode (CIN PrimaryNeedCode)."""
    change = Change.of(Referral, referral_id, by=by, event="referral_set_primary_need",
                       expected_version=expected_version)
    referral = change.edit(change.held, c.check_referral_set_primary_need, to=dict(primary_need=primary_need))
    return change.save(referral)


@transaction.atomic
def referral_close(*, by, referral_id: int, expected_version: int | None,
                   closure_date: dt.date, reason_for_closure: str, rationale: str,
                   authorised_by, primary_need: str = "") -> Referral:
    """Close an episode of need with its reason and the manager's recorded rationale. The primary
    need can be given here too: an episode that led to action cannot close without one (CIN 8610),
    and the manager closing it is often the one who settles it."""
    change = Change.of(Referral, referral_id, by=by, event="referral_close",
                       expected_version=expected_version)
    # The one who authorises decides (the council's table); the one recording may be someone else.
    decider = policy.decider(authorised_by, policy.REFERRAL_CLOSURE) if by is not None else None
    referral = change.edit(change.held, c.check_referral_close, authorised_by=authorised_by,
                           decider=decider, to=dict(
        closure_date=closure_date, reason_for_closure=reason_for_closure, closure_authorised_by=authorised_by,
        closure_rationale=(rationale or "").strip(), primary_need=primary_need or change.held.primary_need))
    return change.save(referral)


# --- early help ---------------------------------------------------------------------------

@transaction.atomic
def early_help_start(*, by, child_id: int, start_date: dt.date,
                     organisation: str = "") -> EarlyHelpEpisode:
    """Start early help for a child (Annex A List 2)."""
    change = Change.of_child(child_id, by=by, event="early_help_start")
    episode = change.new(EarlyHelpEpisode(child=change.child, start_date=start_date,
                                          organisation=organisation), c.check_early_help_start)
    return change.save(episode)


@transaction.atomic
def early_help_record_assessment(*, by, episode_id: int, expected_version: int | None,
                                 assessment_completed_date: dt.date) -> EarlyHelpEpisode:
    """Record the date the early help assessment was completed."""
    change = Change.of(EarlyHelpEpisode, episode_id, by=by, event="early_help_record_assessment",
                       expected_version=expected_version)
    episode = change.edit(change.held, c.check_early_help_record_assessment,
                          to=dict(assessment_completed_date=assessment_completed_date))
    return change.save(episode)


@transaction.atomic
def early_help_end(*, by, episode_id: int, expected_version: int | None,
                   end_date: dt.date) -> EarlyHelpEpisode:
    """End early help (stepped up, needs met, or declined)."""
    change = Change.of(EarlyHelpEpisode, episode_id, by=by, event="early_help_end",
                       expected_version=expected_version)
    episode = change.edit(change.held, c.check_early_help_end, to=dict(end_date=end_date))
    return change.save(episode)


# --- private fostering --------------------------------------------------------------------

@transaction.atomic
def private_fostering_notify(*, by, child_id: int, notified_date: dt.date, start_date: dt.date,
                             carer_name: str) -> PrivateFosteringArrangement:
    """Record a notified private fostering arrangement; the T15 visit clock starts from it.
    A proposed arrangement may be notified before it starts (Children Act 1989 Part IX)."""
    change = Change.of_child(child_id, by=by, event="private_fostering_notify")
    arrangement = change.new(PrivateFosteringArrangement(
        child=change.child, notified_date=notified_date, start_date=start_date,
        carer_name=(carer_name or "").strip()), c.check_private_fostering_notify)
    return change.save(arrangement)


@transaction.atomic
def private_fostering_end(*, by, arrangement_id: int, expected_version: int | None,
                          end_date: dt.date) -> PrivateFosteringArrangement:
    """End a private fostering arrangement; its visit clock stops."""
    change = Change.of(PrivateFosteringArrangement, arrangement_id, by=by,
                       event="private_fostering_end", expected_version=expected_version)
    arrangement = change.edit(change.held, c.check_private_fostering_end, to=dict(end_date=end_date))
    return change.save(arrangement)
