"""The adoption journey: the decision to place for adoption, its milestones (903 AD1) and its
reversal (903 PlacedAdoption); and the council's prospective adopters (Ofsted Annex A List 11) and
their match with a child. Load the history, run the pure checks, save, refresh clocks, audit; a
refusal changes nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from safeguard.audit.services import audit_record
from safeguard.core.errors import Checks
from safeguard.core.records import lock_for_edit
from safeguard.record.history import ChildHistory, edited
from safeguard.timescales.services import refresh_clocks

from . import checks as c
from .models import Adopter, AdopterHousehold, AdoptionJourney

_MILESTONE_FIELDS = (
    "placement_order_date", "matched_date", "placed_date", "adoption_order_date",
    "foster_carer_adoption", "number_of_adopters", "sex_of_adopters", "legal_status_of_adopters",
)
_HOUSEHOLD_EDITABLE = (*c.HOUSEHOLD_DATES, "fostering_for_adoption", "reason_left")


@transaction.atomic
def adoption_decision_record(*, by, child_id: int, decision_date: dt.date) -> AdoptionJourney:
    """The agency decision maker decides the child should be placed for adoption."""
    history = ChildHistory.load(child_id)
    journey = AdoptionJourney(child=history.child, decision_date=decision_date, recorded_by=by)
    checks = Checks()
    c.check_adoption_decision_record(history, journey, checks)
    checks.raise_if_any()
    journey.save()
    history.add(journey)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="create", obj=journey)
    return journey


@transaction.atomic
def adoption_milestone_record(*, by, adoption_id: int, expected_version: int | None,
                              **changes) -> AdoptionJourney:
    """Record placement order, matching, placement, adoption order and adopter details."""
    unknown = set(changes) - set(_MILESTONE_FIELDS)
    if unknown:
        raise TypeError(f"unknown adoption fields: {sorted(unknown)}")
    history = ChildHistory.load_for(AdoptionJourney, adoption_id)
    j = history.for_edit("adoptions", adoption_id, expected_version)
    blank_is_empty = ("sex_of_adopters", "legal_status_of_adopters")
    j = edited(j, recorded_by=by, **{k: "" if v is None and k in blank_is_empty else v
                                       for k, v in changes.items()})
    checks = Checks()
    c.check_adoption_milestone_record(history, j, checks)
    checks.raise_if_any()
    j.save()
    history.replace(j)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="update", obj=j, detail={"changed": sorted(changes)})
    return j


@transaction.atomic
def adoption_decision_reverse(*, by, adoption_id: int, expected_version: int | None,
                              reversed_date: dt.date, reason: str) -> AdoptionJourney:
    """The child should no longer be placed for adoption (date and reason)."""
    history = ChildHistory.load_for(AdoptionJourney, adoption_id)
    j = history.for_edit("adoptions", adoption_id, expected_version)
    j = edited(j, decision_reversed_date=reversed_date, reason_reversed=reason, recorded_by=by)
    checks = Checks()
    c.check_adoption_decision_reverse(history, j, checks)
    checks.raise_if_any()
    j.save()
    history.replace(j)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="update", obj=j,
                 detail={"decision_reversed_date": str(reversed_date), "reason": reason})
    return j


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
    taken = set(AdopterHousehold.objects.filter(local_authority=local_authority,
                                                reference=household.reference)
                .values_list("reference", flat=True))
    checks = Checks()
    c.check_adopter_household_register(household, checks, adopters=adopters,
                                       taken_references=taken)
    checks.raise_if_any()
    household.save()
    audit_record(actor=by, action="create", obj=household)
    for adopter in adopters:
        person = Adopter.objects.create(
            household=household, reference=str(adopter["reference"]).strip(), sex=adopter["sex"],
            ethnicity=adopter["ethnicity"], disability=adopter.get("disability", False),
            recorded_by=by)
        audit_record(actor=by, action="create", obj=person)
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
    before = {k: str(getattr(held, k)) for k in dates}
    changes = {}
    for name, value in dates.items():
        if name == "reason_left":
            value = (value or "").strip()
        elif name == "fostering_for_adoption":
            value = bool(value)
        changes[name] = value
    household = edited(held, recorded_by=by, **changes)
    matched = list(AdoptionJourney.objects.filter(adopter_household_id=household_id))
    checks = Checks()
    c.check_adopter_household_update(household, checks, matched=matched)
    checks.raise_if_any()
    household.save()
    for child_id in sorted({j.child_id for j in matched}):
        history = ChildHistory.load(child_id)
        refresh_clocks(history.child, history)
    audit_record(actor=by, action="update", obj=household, detail={"before": before})
    return household


@transaction.atomic
def adoption_match_household(*, by, adoption_id: int, expected_version: int | None,
                             household_id: int) -> AdoptionJourney:
    """Record which approved adopter household the child is matched with; fills the number and
    sex of adopters (903 AD1) from the household where they are not yet recorded."""
    history = ChildHistory.load_for(AdoptionJourney, adoption_id)
    j = history.for_edit("adoptions", adoption_id, expected_version)
    household = AdopterHousehold.objects.filter(pk=household_id).first()
    sexes = list(household.adopters.values_list("sex", flat=True)) if household else []
    candidate = edited(j, recorded_by=by)
    if household is not None:
        candidate.adopter_household = household
        if candidate.number_of_adopters is None:
            candidate.number_of_adopters = len(sexes)
        if not candidate.sex_of_adopters:
            candidate.sex_of_adopters = c.sex_of_adopters(sexes)
    checks = Checks()
    c.check_adoption_match_household(history, candidate, checks, household=household,
                                     adopter_sexes=sexes)
    checks.raise_if_any()
    candidate.save()
    history.replace(candidate)
    refresh_clocks(history.child, history)
    audit_record(actor=by, action="update", obj=candidate,
                 detail={"adopter_household": household_id})
    return candidate
