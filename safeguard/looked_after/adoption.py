"""The adoption journey: the decision to place for adoption, its milestones (903 AD1) and its
reversal (903 PlacedAdoption). Validate, save, refresh clocks, audit; a refusal changes nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from safeguard.audit.services import audit_record
from safeguard.core import codes
from safeguard.core.errors import Checks
from safeguard.core.records import lock_for_edit
from safeguard.timescales.services import refresh_clocks

from ._common import live_adoption_decision, lock_child, not_before_birth, period_on
from .models import AdoptionJourney, PeriodOfCare

_MILESTONE_FIELDS = (
    "placement_order_date", "matched_date", "placed_date", "adoption_order_date",
    "foster_carer_adoption", "number_of_adopters", "sex_of_adopters", "legal_status_of_adopters",
)
_COUPLES = {"MM", "FF", "MF"}


@transaction.atomic
def adoption_decision_record(*, by, child_id: int, decision_date: dt.date) -> AdoptionJourney:
    """The agency decision maker decides the child should be placed for adoption."""
    child = lock_child(child_id)
    checks = Checks()
    checks.not_future(decision_date, "decision_date", "903 115", "the decision date")
    not_before_birth(checks, child, decision_date, "decision_date", "903 184", "the decision")
    if period_on(child, decision_date) is None:
        started_later = PeriodOfCare.objects.filter(
            child=child, start_date__gt=decision_date).exists()
        ever_in_care = PeriodOfCare.objects.filter(child=child).exists()
        if started_later or not ever_in_care:
            checks.fail("decision_date", "903 1003",
                        "the decision is before the child started to be looked after")
        else:
            checks.fail("decision_date", "903 117",
                        "the decision is after the child ceased to be looked after")
    checks.require(live_adoption_decision(child) is None, "decision_date", "903 579",
                   "an earlier decision to place for adoption is still open; record its reversal "
                   "first")
    later_reversal = AdoptionJourney.objects.filter(
        child=child, decision_reversed_date__gt=decision_date).exists()
    checks.require(not later_reversal, "decision_date", "903 579",
                   "a new decision cannot be before an earlier decision was reversed")
    checks.raise_if_any()
    journey = AdoptionJourney.objects.create(child=child, decision_date=decision_date,
                                             recorded_by=by)
    refresh_clocks(child)
    audit_record(actor=by, action="create", obj=journey)
    return journey


def _check_adopters(checks: Checks, j: AdoptionJourney) -> None:
    checks.require(j.foster_carer_adoption in (None, True, False), "foster_carer_adoption",
                   "903 114", "say whether the adopters were the child's foster carers (0 or 1)")
    checks.require(j.number_of_adopters in (None, 1, 2), "number_of_adopters", "903 175",
                   "the number of adopters must be 1 or 2")
    checks.code(j.sex_of_adopters, codes.SexOfAdopters, "sex_of_adopters", "903 176",
                "Sex of adopters", required=False)
    checks.code(j.legal_status_of_adopters, codes.LegalStatusOfAdopters,
                "legal_status_of_adopters", "903 177", "Legal status of adopters", required=False)
    n, sex, ls = j.number_of_adopters, j.sex_of_adopters, j.legal_status_of_adopters
    if n == 2 and sex:
        checks.require(sex in _COUPLES, "sex_of_adopters", "903 511",
                       "two adopters must be recorded as MM, FF or MF")
    if n == 1 and sex:
        checks.require(sex in {"M1", "F1"}, "sex_of_adopters", "local",
                       "a single adopter must be recorded as M1 or F1")
    if ls == "L0":
        checks.require(n != 2, "number_of_adopters", "903 514",
                       "a single adopter (L0) cannot be two adopters")
    if ls == "L3" and sex:
        checks.require(sex == "MF", "sex_of_adopters", "903 517",
                       "adopters with legal status L3 must be recorded as MF")
    if ls == "L4" and sex:
        checks.require(sex in {"MM", "FF"}, "sex_of_adopters", "903 518",
                       "adopters with legal status L4 must be recorded as MM or FF")
    if ls == "L12" and sex:
        if checks.require(sex in _COUPLES, "sex_of_adopters", "903 519",
                          "civil partners are a couple"):
            checks.require(sex in {"MM", "FF"}, "sex_of_adopters", "903 524",
                           "civil partners (L12) must be recorded as MM or FF")
    if ls == "L11" and sex:
        checks.require(sex not in {"MM", "FF"}, "sex_of_adopters", "903 520",
                       "legal status L11 is a different-sex married couple")


@transaction.atomic
def adoption_milestone_record(*, by, adoption_id: int, expected_version: int | None,
                              **changes) -> AdoptionJourney:
    """Record placement order, matching, placement, adoption order and adopter details."""
    unknown = set(changes) - set(_MILESTONE_FIELDS)
    if unknown:
        raise TypeError(f"unknown adoption fields: {sorted(unknown)}")
    j = lock_for_edit(AdoptionJourney, adoption_id, expected_version)
    child = j.child
    for k, v in changes.items():
        setattr(j, k, "" if v is None and k in ("sex_of_adopters",
                                                 "legal_status_of_adopters") else v)
    checks = Checks()
    if j.decision_reversed_date is not None:
        checks.require(j.adoption_order_date is None, "adoption_order_date", "903 525",
                       "the decision to place for adoption was reversed: the child cannot be "
                       "adopted under it")
        checks.fail("decision_reversed_date", "local",
                    "this decision was reversed; record a new decision to continue")
    checks.not_future(j.placement_order_date, "placement_order_date", "local",
               "the placement order date")
    checks.not_future(j.matched_date, "matched_date", "903 113", "the matching date")
    checks.not_future(j.placed_date, "placed_date", "local", "the date placed")
    checks.not_future(j.adoption_order_date, "adoption_order_date", "local",
               "the adoption order date")
    d = j.decision_date
    if j.placement_order_date:
        checks.require(d <= j.placement_order_date, "placement_order_date", "903 554",
                       "the decision must be on or before the placement order")
    if j.matched_date:
        checks.require(d <= j.matched_date, "matched_date", "903 333",
                       "the decision must be on or before matching")
    if j.placed_date:
        checks.require(d <= j.placed_date, "placed_date", "903 521",
                       "the decision must be on or before the child is placed for adoption")
        if j.matched_date:
            checks.require(j.matched_date <= j.placed_date, "placed_date", "903 331",
                           "matching must be on or before placement for adoption")
    if j.adoption_order_date:
        for name in ("placed_date", "matched_date"):
            earlier = getattr(j, name)
            if earlier:
                checks.require(earlier <= j.adoption_order_date, "adoption_order_date", "local",
                               f"the adoption order cannot be before the {name.replace('_', ' ')}")
        missing = [f for f in ("matched_date", "foster_carer_adoption", "number_of_adopters",
                               "sex_of_adopters", "legal_status_of_adopters")
                   if getattr(j, f) in (None, "")]
        checks.require(not missing, missing[0] if missing else "adoption_order_date", "903 151",
                       "all adoption (AD1) items are needed once the adoption order is made: "
                       + ", ".join(missing))
    _check_adopters(checks, j)
    checks.raise_if_any()
    j.recorded_by = by
    j.save()
    refresh_clocks(child)
    audit_record(actor=by, action="update", obj=j, detail={"changed": sorted(changes)})
    return j


@transaction.atomic
def adoption_decision_reverse(*, by, adoption_id: int, expected_version: int | None,
                              reversed_date: dt.date, reason: str) -> AdoptionJourney:
    """The child should no longer be placed for adoption (date and reason)."""
    j = lock_for_edit(AdoptionJourney, adoption_id, expected_version)
    child = j.child
    checks = Checks()
    checks.require(j.decision_reversed_date is None, "decision_reversed_date", "local",
                   "this decision has already been reversed")
    checks.require(j.adoption_order_date is None, "decision_reversed_date", "903 558",
                   "the child has been adopted; the decision cannot be reversed")
    checks.require(reversed_date is not None and bool(reason), "reason_reversed", "903 119",
                   "give both the date and the reason the decision was reversed")
    checks.code(reason, codes.ReasonPlacedCeased, "reason_reversed", "903 120",
                "Reason placed ceased", required=False)
    if reversed_date is not None:
        checks.not_future(reversed_date, "decision_reversed_date", "903 116",
                   "the date of reversal")
        checks.require(reversed_date >= j.decision_date, "decision_reversed_date", "903 522",
                       "the reversal cannot be before the decision")
        checks.require(period_on(child, reversed_date) is not None, "decision_reversed_date",
                       "903 117", "the reversal must be while the child is looked after")
    checks.raise_if_any()
    j.decision_reversed_date, j.reason_reversed, j.recorded_by = reversed_date, reason, by
    j.save()
    refresh_clocks(child)
    audit_record(actor=by, action="update", obj=j,
                 detail={"decision_reversed_date": str(reversed_date), "reason": reason})
    return j
