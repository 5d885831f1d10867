"""The adoption journey: the decision to place for adoption, its milestones (903 AD1) and its
reversal (903 PlacedAdoption), each one `Change` to the child's record (record/change.py); and the
council's prospective adopters (Ofsted Annex A List 11) and their match with a child. A household
is the council's, not a child's record, so it is checked, saved and audited (in the one audit shape)
here. Either way a refusal saves nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from safeguard.audit.services import audit_record
from safeguard.core.errors import Checks
from safeguard.core.records import lock_for_edit
from safeguard.record.change import Change, audit_detail
from safeguard.record.history import ChildHistory, edited
from safeguard.timescales.derive import sync_child_clocks

from . import checks as c
from .models import Adopter, AdopterHousehold, AdoptionJourney

_MILESTONE_FIELDS = (
    "placement_order_date", "matched_date", "placed_date", "adoption_order_date",
    "foster_carer_adoption", "number_of_adopters", "sex_of_adopters", "legal_status_of_adopters",
)
_BLANK_IS_EMPTY = ("sex_of_adopters", "legal_status_of_adopters")
_HOUSEHOLD_EDITABLE = (*c.HOUSEHOLD_DATES, "fostering_for_adoption", "reason_left")


@transaction.atomic
def adoption_decision_record(*, by, child_id: int, decision_date: dt.date) -> AdoptionJourney:
    """The agency decision maker decides the child should be placed for adoption."""
    change = Change.of_child(child_id, by=by, event="adoption_decision_record")
    return change.save(change.new(AdoptionJourney(child=change.child, decision_date=decision_date),
                                  c.check_adoption_decision_record))


@transaction.atomic
def adoption_milestone_record(*, by, adoption_id: int, expected_version: int | None,
                              **changes) -> AdoptionJourney:
    """Record placement order, matching, placement, adoption order and adopter details."""
    unknown = set(changes) - set(_MILESTONE_FIELDS)
    if unknown:
        raise TypeError(f"unknown adoption fields: {sorted(unknown)}")
    change = Change.of(AdoptionJourney, adoption_id, by=by, event="adoption_milestone_record",
                       expected_version=expected_version)
    to = {k: "" if v is None and k in _BLANK_IS_EMPTY else v for k, v in changes.items()}
    return change.save(change.edit(change.held, c.check_adoption_milestone_record, to=to))


@transaction.atomic
def adoption_decision_reverse(*, by, adoption_id: int, expected_version: int | None,
                              reversed_date: dt.date, reason: str) -> AdoptionJourney:
    """The child should no longer be placed for adoption (date and reason)."""
    change = Change.of(AdoptionJourney, adoption_id, by=by, event="adoption_decision_reverse",
                       expected_version=expected_version)
    return change.save(change.edit(change.held, c.check_adoption_decision_reverse,
                                   to=dict(decision_reversed_date=reversed_date, reason_reversed=reason)))


# --- prospective adopters (Annex A List 11) --------------------------------------------------

@transaction.atomic
def adopter_household_register(*, by, local_authority, reference: str, enquiry_date: dt.date,
                               adopters: list[dict]) -> AdopterHousehold:
    """Register one or two prospective adopters when they first enquire. Each adopter is a dict
    with reference, sex, ethnicity and disability."""
    unknown = {k for a in adopters for k in a} - {"reference", "sex", "ethnicity", "disability"}
    if unknown:
        raise TypeError(f"unknown adopter fields: {sorted(unknown)}")
    household = AdopterHousehold(local_authority=local_authority, reference=(reference or "").strip(),
                                 enquiry_date=enquiry_date, recorded_by=by)
    same = AdopterHousehold.objects.filter(local_authority=local_authority, reference=household.reference)
    checks = Checks()
    c.check_adopter_household_register(household, checks, adopters=adopters,
                                       taken_references=set(same.values_list("reference", flat=True)))
    checks.raise_if_any()
    household.save()
    people = [Adopter.objects.create(
        household=household, reference=str(adopter["reference"]).strip(), sex=adopter["sex"],
        ethnicity=adopter["ethnicity"], disability=adopter.get("disability", False), recorded_by=by)
        for adopter in adopters]
    for record in (household, *people):
        audit_record(actor=by, action="create", obj=record,
                     detail=audit_detail("adopter_household_register", None, record))
    return household


@transaction.atomic
def adopter_household_update(*, by, household_id: int, expected_version: int | None,
                             **dates) -> AdopterHousehold:
    """Record the household's progress: stages 1 and 2, application, approval, fostering for
    adoption, or leaving the process (with the reason)."""
    unknown = set(dates) - set(_HOUSEHOLD_EDITABLE)
    if unknown:
        raise TypeError(f"unknown adopter household fields: {sorted(unknown)}")
    held = lock_for_edit(AdopterHousehold, household_id, expected_version)
    if "reason_left" in dates:
        dates["reason_left"] = (dates["reason_left"] or "").strip()
    if "fostering_for_adoption" in dates:
        dates["fostering_for_adoption"] = bool(dates["fostering_for_adoption"])
    household = edited(held, recorded_by=by, **dates)
    matched = list(AdoptionJourney.objects.filter(adopter_household_id=household_id))
    checks = Checks()
    c.check_adopter_household_update(household, checks, matched=matched)
    checks.raise_if_any()
    household.save()
    for child_id in sorted({j.child_id for j in matched}):  # each child locked, as in a change
        sync_child_clocks(ChildHistory.load(child_id))
    audit_record(actor=by, action="update", obj=household,
                 detail=audit_detail("adopter_household_update", held, household))
    return household


@transaction.atomic
def adoption_match_household(*, by, adoption_id: int, expected_version: int | None,
                             household_id: int) -> AdoptionJourney:
    """Record which approved adopter household the child is matched with; fills the number and
    sex of adopters (903 AD1) from the household where they are not yet recorded."""
    change = Change.of(AdoptionJourney, adoption_id, by=by, event="adoption_match_household",
                       expected_version=expected_version)
    j = change.held
    household = AdopterHousehold.objects.filter(pk=household_id).first()
    sexes = list(household.adopters.values_list("sex", flat=True)) if household else []
    to = {} if household is None else {
        "adopter_household": household,
        "number_of_adopters": len(sexes) if j.number_of_adopters is None else j.number_of_adopters,
        "sex_of_adopters": j.sex_of_adopters or c.sex_of_adopters(sexes)}
    return change.save(change.edit(j, c.check_adoption_match_household, to=to, household=household,
                                   adopter_sexes=sexes))
