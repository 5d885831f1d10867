"""The front door: contacts and their decisions, referrals (episodes of need) from opening to
closure, early help and private fostering. Every function validates, saves, refreshes the clocks
and audits in one transaction; a refused save changes nothing.

Cross-record CIN census rules that can be known when the worker saves are checked (in
`checks.py`, over the child's `ChildHistory`) with the rule's code, so the census return is valid
by construction.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from safeguard.audit.services import audit_record
from safeguard.record.history import ChildHistory, edited, run_check
from safeguard.timescales.services import refresh_clocks

from .checks import (
    check_contact_decide,
    check_contact_record,
    check_early_help_end,
    check_early_help_record_assessment,
    check_early_help_start,
    check_private_fostering_end,
    check_private_fostering_notify,
    check_referral_close,
    check_referral_open,
    check_referral_record_response,
    check_referral_set_primary_need,
)
from .models import Contact, EarlyHelpEpisode, PrivateFosteringArrangement, Referral

# --- contacts -------------------------------------------------------------------------------

@transaction.atomic
def contact_record(*, by, child_id: int, received_at: dt.datetime, source: str,
                   summary: str = "") -> Contact:
    """Record information received about a child; the front door decides on it later."""
    history = ChildHistory.load(child_id)
    contact = Contact(child=history.child, received_at=received_at, source=source,
                      summary=summary, recorded_by=by)
    run_check(check_contact_record, history, contact)
    contact.save()
    history.add(contact)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="create", obj=contact)
    return contact


@transaction.atomic
def contact_decide(*, by, contact_id: int, expected_version: int | None, decision: str,
                   decided_at: dt.datetime) -> Contact:
    """Record the front door's decision on a contact. A decision to refer opens a referral
    (an episode of need) dated the day of the decision, with the contact's source."""
    history = ChildHistory.load_for(Contact, contact_id)
    held = history.for_edit("contacts", contact_id, expected_version)
    contact = edited(held, decision=decision, decided_at=decided_at, decided_by=by,
                     recorded_by=by)
    run_check(check_contact_decide, history, contact)
    contact.save()
    history.replace(contact)
    audit_record(actor=by, action="update", obj=contact,
                 detail={"decision": decision, "previous_decision": held.decision})
    if decision == Contact.Decision.REFERRAL:
        _open_referral(by=by, history=history, referral_date=timezone.localdate(decided_at),
                       source=contact.source, contact_id=contact.pk)
    else:
        refresh_clocks(history.child, history)
    return contact


# --- referrals (episodes of need) -------------------------------------------------------------

def _open_referral(*, by, history: ChildHistory, referral_date: dt.date, source: str,
                   primary_need: str = "", contact_id: int | None = None,
                   is_transfer_in_request: bool = False) -> Referral:
    """Open an episode of need on a loaded (and locked) history; shared by the contact decision."""
    referral = Referral(
        child=history.child, contact_id=contact_id, referral_date=referral_date, source=source,
        primary_need=primary_need, is_transfer_in_request=is_transfer_in_request,
        recorded_by=by,
    )
    run_check(check_referral_open, history, referral)
    referral.save()
    history.add(referral)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="create", obj=referral)
    return referral


@transaction.atomic
def referral_open(*, by, child_id: int, referral_date: dt.date, source: str,
                  primary_need: str = "", contact_id: int | None = None,
                  is_transfer_in_request: bool = False) -> Referral:
    """Open an episode of need (CIN census CINdetails). The T01 decision clock starts here."""
    # Loading locks the child, so two workers cannot open overlapping episodes at once.
    history = ChildHistory.load(child_id)
    return _open_referral(by=by, history=history, referral_date=referral_date, source=source,
                          primary_need=primary_need, contact_id=contact_id,
                          is_transfer_in_request=is_transfer_in_request)


@transaction.atomic
def referral_record_response(*, by, referral_id: int, expected_version: int | None,
                             response: str, response_date: dt.date) -> Referral:
    """The manager's decision on the type of response; it stops the T01 clock. "nfa" makes the
    referral a referral with no further action (CIN ReferralNFA)."""
    history = ChildHistory.load_for(Referral, referral_id)
    held = history.for_edit("referrals", referral_id, expected_version)
    referral = edited(held, response=response, response_date=response_date, response_by=by,
                      referral_nfa=response == Referral.Response.NFA, recorded_by=by)
    run_check(check_referral_record_response, history, referral, by=by)
    before = {"response": held.response, "referral_nfa": held.referral_nfa}
    referral.save()
    history.replace(referral)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="update", obj=referral,
                 detail={"response": response, "before": before})
    return referral


@transaction.atomic
def referral_set_primary_need(*, by, referral_id: int, expected_version: int | None,
                              primary_need: str) -> Referral:
    """Record (or correct) the child's primary need for this episode (CIN PrimaryNeedCode)."""
    history = ChildHistory.load_for(Referral, referral_id)
    held = history.for_edit("referrals", referral_id, expected_version)
    referral = edited(held, primary_need=primary_need, recorded_by=by)
    run_check(check_referral_set_primary_need, history, referral)
    referral.save()
    history.replace(referral)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="update", obj=referral,
                 detail={"primary_need": primary_need, "before": held.primary_need})
    return referral


@transaction.atomic
def referral_close(*, by, referral_id: int, expected_version: int | None,
                   closure_date: dt.date, reason_for_closure: str, rationale: str,
                   authorised_by, primary_need: str = "") -> Referral:
    """Close an episode of need with its reason and the manager's recorded rationale. The primary
    need can be given here too: an episode that led to action cannot close without one (CIN 8610),
    and the manager closing it is often the one who settles it."""
    history = ChildHistory.load_for(Referral, referral_id)
    held = history.for_edit("referrals", referral_id, expected_version)
    referral = edited(held, closure_date=closure_date, reason_for_closure=reason_for_closure,
                      closure_rationale=(rationale or "").strip(),
                      primary_need=primary_need or held.primary_need,
                      closure_authorised_by=authorised_by, recorded_by=by)
    run_check(check_referral_close, history, referral, authorised_by=authorised_by)
    referral.save()
    history.replace(referral)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="update", obj=referral,
                 detail={"event": "closed", "closure_date": str(closure_date),
                         "reason": reason_for_closure, "authorised_by": authorised_by.pk,
                         "primary_need": referral.primary_need, "primary_need_before": held.primary_need})
    return referral


# --- early help ---------------------------------------------------------------------------

@transaction.atomic
def early_help_start(*, by, child_id: int, start_date: dt.date,
                     organisation: str = "") -> EarlyHelpEpisode:
    """Start early help for a child (Annex A List 2)."""
    history = ChildHistory.load(child_id)
    episode = EarlyHelpEpisode(child=history.child, start_date=start_date,
                               organisation=organisation, recorded_by=by)
    run_check(check_early_help_start, history, episode)
    episode.save()
    history.add(episode)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="create", obj=episode)
    return episode


@transaction.atomic
def early_help_record_assessment(*, by, episode_id: int, expected_version: int | None,
                                 assessment_completed_date: dt.date) -> EarlyHelpEpisode:
    """Record the date the early help assessment was completed."""
    history = ChildHistory.load_for(EarlyHelpEpisode, episode_id)
    held = history.for_edit("early_help", episode_id, expected_version)
    episode = edited(held, assessment_completed_date=assessment_completed_date, recorded_by=by)
    run_check(check_early_help_record_assessment, history, episode)
    episode.save()
    history.replace(episode)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="update", obj=episode,
                 detail={"assessment_completed_date": str(assessment_completed_date)})
    return episode


@transaction.atomic
def early_help_end(*, by, episode_id: int, expected_version: int | None,
                   end_date: dt.date) -> EarlyHelpEpisode:
    """End early help (stepped up, needs met, or declined)."""
    history = ChildHistory.load_for(EarlyHelpEpisode, episode_id)
    held = history.for_edit("early_help", episode_id, expected_version)
    episode = edited(held, end_date=end_date, recorded_by=by)
    run_check(check_early_help_end, history, episode)
    episode.save()
    history.replace(episode)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="update", obj=episode,
                 detail={"event": "ended", "end_date": str(end_date)})
    return episode


# --- private fostering --------------------------------------------------------------------

@transaction.atomic
def private_fostering_notify(*, by, child_id: int, notified_date: dt.date, start_date: dt.date,
                             carer_name: str) -> PrivateFosteringArrangement:
    """Record a notified private fostering arrangement; the T15 visit clock starts from it.
    A proposed arrangement may be notified before it starts (Children Act 1989 Part IX)."""
    history = ChildHistory.load(child_id)
    arrangement = PrivateFosteringArrangement(
        child=history.child, notified_date=notified_date, start_date=start_date,
        carer_name=(carer_name or "").strip(), recorded_by=by,
    )
    run_check(check_private_fostering_notify, history, arrangement)
    arrangement.save()
    history.add(arrangement)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="create", obj=arrangement)
    return arrangement


@transaction.atomic
def private_fostering_end(*, by, arrangement_id: int, expected_version: int | None,
                          end_date: dt.date) -> PrivateFosteringArrangement:
    """End a private fostering arrangement; its visit clock stops."""
    history = ChildHistory.load_for(PrivateFosteringArrangement, arrangement_id)
    held = history.for_edit("private_fostering", arrangement_id, expected_version)
    arrangement = edited(held, end_date=end_date, recorded_by=by)
    run_check(check_private_fostering_end, history, arrangement)
    arrangement.save()
    history.replace(arrangement)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="update", obj=arrangement,
                 detail={"event": "ended", "end_date": str(end_date)})
    return arrangement
