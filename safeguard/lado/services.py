"""Recording allegations against adults who work with children (KCSIE Part 4; Working Together 2023).

An allegation is about an adult, not part of a child's record, so these functions do not go
through `record.change.Change`; `_write` is its counterpart here and the one place an allegation is
written. Each function checks the acting user may record allegations, opens the allegation with
`lock_for_edit` (locked, and refused if stale), and names its change and its own rules; `_write`
validates everything with `Checks` (all violations together), saves, re-derives the T16 clocks and
audits the record it creates or changes in the record's one audit shape (`audit_detail`), in one
transaction: a refused save changes nothing. The import uses `check_allegation_entry` too, so both
refuse the same data.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from safeguard.audit.services import audit_detail, audit_record
from safeguard.core.errors import Checks
from safeguard.core.records import lock_for_edit

from .access import require_record
from .checks import check_allegation
from .clocks import sync_allegation_clocks
from .models import Allegation, Review, StrategyMeeting

RECORD_FIELDS = (
    "adult_name", "employer_name", "employer_aware_date", "employing_agency", "setting", "role",
    "category_of_harm", "response",
    "response_date", "police_involved", "court_proceedings", "disability", "non_recent",
)
CLOSE_FIELDS = ("closure_date", "outcome", "employer_action")
UPDATE_FIELDS = ("reference", "referral_date", "referring_agency", *RECORD_FIELDS, *CLOSE_FIELDS)

#: A service's own rule: (condition, field, rule, message), as `Checks.require` takes them.
Rule = tuple[bool, str, str, str]


def _check_reference_free(a: Allegation, checks: Checks) -> None:
    """Across allegations, so it reads the database (checks.py stays query-free): a LADO
    reference identifies one allegation in its council."""
    if a.reference and a.local_authority_id:
        clash = Allegation.objects.filter(local_authority_id=a.local_authority_id,
                                          reference=a.reference).exclude(pk=a.pk)
        checks.require(not clash.exists(), "reference", "local",
                       f"reference {a.reference} is already used for another allegation")


def check_allegation_entry(a: Allegation, checks: Checks, *, meetings: list[dt.date],
                           reviews: list[dt.date]) -> None:
    """Every rule an allegation must meet at entry, whether typed, imported or corrected: the pure
    ones (checks.py) and the reference's uniqueness."""
    check_allegation(a, checks, meetings=meetings, reviews=reviews)
    _check_reference_free(a, checks)


def _meetings(a: Allegation) -> list[dt.date]:
    return list(a.strategy_meetings.values_list("held_on", flat=True)) if a.pk else []


def _reviews(a: Allegation) -> list[dt.date]:
    return list(a.reviews.values_list("held_on", flat=True)) if a.pk else []


def _unknown(fields: dict, allowed) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unknown allegation fields: {sorted(unknown)}")


def _write(by, event: str, held: Allegation | None, *, to: dict | None = None,
           rules: Iterable[Rule] = (), new: StrategyMeeting | Review | None = None,
           meetings: list[dt.date] | None = None,
           reviews: list[dt.date] | None = None) -> Allegation | StrategyMeeting | Review:
    """The one way an allegation is written; returns the record created or changed.

    `held` is the allegation as locked, or None for a new one. It is never edited: a copy takes the
    changes `to`, so `held` stays the audit's `before`. The service's own `rules` come first, then
    `check_allegation_entry` with `meetings` and `reviews` (default: the dates stored), all
    violations together. `new` is a meeting or review to add: the allegation is saved with it, so
    its version still moves and a stale form cannot overwrite the meeting. Then the T16 clocks are
    re-derived and one audit row written, for the record created (`new`, or a new allegation) or
    the allegation changed.
    """
    after = copy.copy(held) if held is not None else Allegation()
    for field, value in {**(to or {}), "recorded_by": by}.items():
        setattr(after, field, value)
    checks = Checks()
    for condition, field, rule, message in rules:
        checks.require(condition, field, rule, message)
    meetings = _meetings(after) if meetings is None else meetings
    reviews = _reviews(after) if reviews is None else reviews
    if None not in (*meetings, *reviews):  # a meeting or review without its date: its rule refuses it
        check_allegation_entry(after, checks, meetings=meetings, reviews=reviews)
    checks.raise_if_any()
    after.save()
    if new is not None:
        new.allegation, new.recorded_by = after, by
        new.save()
    sync_allegation_clocks(after)
    written, before = (after, held) if new is None else (new, None)
    audit_record(actor=by, action="create" if before is None else "update", obj=written,
                 detail=audit_detail(event, before, written))
    return written


@transaction.atomic
def allegation_record(*, by, local_authority, reference: str, referral_date: dt.date,
                      referring_agency: str, **fields) -> Allegation:
    """Record a new referral to the LADO (and, if already made, the threshold decision)."""
    require_record(by)
    _unknown(fields, RECORD_FIELDS)
    return _write(by, "allegation_record", None, to=dict(
        local_authority=local_authority, reference=(reference or "").strip(),
        referral_date=referral_date, referring_agency=referring_agency, **fields))


@transaction.atomic
def allegation_update(*, by, allegation_id: int, expected_version: int | None, **changes) -> Allegation:
    """Correct or complete an allegation's details."""
    require_record(by)
    _unknown(changes, UPDATE_FIELDS)
    a = lock_for_edit(Allegation, allegation_id, expected_version)
    return _write(by, "allegation_update", a, to=changes)


@transaction.atomic
def allegation_record_response(*, by, allegation_id: int, expected_version: int | None,
                               response: str, response_date: dt.date) -> Allegation:
    """The LADO's decision: consultation, NFA after initial consideration, or threshold met."""
    require_record(by)
    a = lock_for_edit(Allegation, allegation_id, expected_version)
    return _write(by, "allegation_record_response", a,
                  to=dict(response=response, response_date=response_date), rules=[
                      (response_date is not None, "response_date", "local",
                       "the date of the threshold decision is required")])


@transaction.atomic
def strategy_meeting_record(*, by, allegation_id: int, expected_version: int | None,
                            held_on: dt.date) -> StrategyMeeting:
    """A LADO strategy meeting held about a threshold-met allegation."""
    require_record(by)
    a = lock_for_edit(Allegation, allegation_id, expected_version)
    existing = _meetings(a)
    return _write(by, "strategy_meeting_record", a, new=StrategyMeeting(held_on=held_on),
                  meetings=[*existing, held_on], rules=[
                      (held_on is not None, "held_on", "local", "the meeting date is required"),
                      (held_on not in existing, "held_on", "local",
                       f"a strategy meeting on {held_on} is already recorded")])


@transaction.atomic
def review_record(*, by, allegation_id: int, expected_version: int | None, held_on: dt.date) -> Review:
    """A LADO strategy review (local procedures: every 4 weeks while the allegation is open)."""
    require_record(by)
    a = lock_for_edit(Allegation, allegation_id, expected_version)
    existing = _reviews(a)
    return _write(by, "review_record", a, new=Review(held_on=held_on),
                  reviews=[*existing, held_on], rules=[
                      (held_on is not None, "held_on", "local", "the review date is required"),
                      (held_on not in existing, "held_on", "local",
                       f"a review on {held_on} is already recorded")])


@transaction.atomic
def allegation_close(*, by, allegation_id: int, expected_version: int | None, closure_date: dt.date,
                     outcome: str = "", employer_action: str = "") -> Allegation:
    """Conclude an allegation with its outcome (KCSIE definitions) and the employer's action."""
    require_record(by)
    a = lock_for_edit(Allegation, allegation_id, expected_version)
    return _write(by, "allegation_close", a, to=dict(
        closure_date=closure_date, outcome=outcome or "", employer_action=employer_action or ""), rules=[
            (closure_date is not None, "closure_date", "local", "the closure date is required"),
            (a.closure_date is None, "closure_date", "local",
             f"the allegation was already closed on {a.closure_date}")])


@transaction.atomic
def allegation_record_involvement(*, by, allegation_id: int, expected_version: int | None,
                                  police_involved: bool | None,
                                  court_proceedings: bool | None) -> Allegation:
    """Whether the police are investigating and whether there are criminal or court proceedings
    (KCSIE Part 4: the LADO liaises with the police; the annual report counts both). None is "not
    known yet". A named step rather than `allegation_update`, so the audit says what was done."""
    require_record(by)
    a = lock_for_edit(Allegation, allegation_id, expected_version)
    return _write(by, "allegation_record_involvement", a, to=dict(
        police_involved=police_involved, court_proceedings=court_proceedings))


@transaction.atomic
def allegation_record_outcome(*, by, allegation_id: int, expected_version: int | None, outcome: str,
                              employer_action: str) -> Allegation:
    """Complete or correct the outcome and the employer's action of a concluded allegation: an
    employer's disciplinary decision often comes after the LADO has closed (KCSIE Part 4)."""
    require_record(by)
    a = lock_for_edit(Allegation, allegation_id, expected_version)
    return _write(by, "allegation_record_outcome", a, to=dict(
        outcome=outcome or "", employer_action=employer_action or ""), rules=[
            (a.closure_date is not None, "outcome", "local",
             "an open allegation's outcome is recorded when it is closed, with the closure date")])
