"""The adoption journey: the decision to place for adoption, its milestones (903 AD1) and its
reversal (903 PlacedAdoption); and the council's prospective adopters (Ofsted Annex A List 11) and
their match with a child. Validate, save, refresh clocks, audit; a refusal changes nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from safeguard.audit.services import audit_record
from safeguard.core import codes
from safeguard.core.errors import Checks
from safeguard.core.records import lock_for_edit
from safeguard.timescales.services import refresh_clocks

from ._common import live_adoption_decision, lock_child, not_before_birth, period_on
from .models import Adopter, AdopterHousehold, AdoptionJourney, PeriodOfCare

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


# --- prospective adopters (Annex A List 11) --------------------------------------------------

_HOUSEHOLD_DATES = {
    "enquiry_date": "the initial enquiry",
    "stage1_start": "the start of stage 1",
    "stage1_end": "the end of stage 1",
    "stage2_start": "the start of stage 2",
    "stage2_end": "the end of stage 2",
    "application_date": "the formal application",
    "approval_date": "the approval",
    "left_process_date": "leaving the process",
}
_HOUSEHOLD_EDITABLE = (*_HOUSEHOLD_DATES, "fostering_for_adoption", "reason_left")
# (later, earlier, message): the two-stage process of the Adoption Agencies Regulations 2005 as
# amended in 2013 (stage 1 pre-assessment, then stage 2 assessment from the formal application).
_HOUSEHOLD_ORDER = (
    ("stage1_start", "enquiry_date", "stage 1 cannot start before the initial enquiry"),
    ("stage1_end", "stage1_start", "stage 1 cannot end before it started"),
    ("stage2_start", "stage1_end", "stage 2 cannot start before stage 1 ended"),
    ("stage2_end", "stage2_start", "stage 2 cannot end before it started"),
    ("application_date", "enquiry_date", "the application cannot be before the initial enquiry"),
    ("approval_date", "application_date", "approval cannot be before the application"),
    ("approval_date", "stage2_start", "approval cannot be before stage 2 started"),
    ("left_process_date", "enquiry_date", "a household cannot leave before its initial enquiry"),
)


def _check_household(checks: Checks, h: AdopterHousehold) -> None:
    for name, label in _HOUSEHOLD_DATES.items():
        checks.not_future(getattr(h, name), name, "local", label.capitalize())
    checks.require(h.enquiry_date is not None, "enquiry_date", "local",
                   "the date of the initial enquiry is required")
    for later, earlier, message in _HOUSEHOLD_ORDER:
        a, b = getattr(h, later), getattr(h, earlier)
        if a is not None and b is not None:
            checks.require(a >= b, later, "local", message)
    for end, start in (("stage1_end", "stage1_start"), ("stage2_end", "stage2_start")):
        if getattr(h, end) is not None:
            checks.require(getattr(h, start) is not None, start, "local",
                           f"record {_HOUSEHOLD_DATES[start]} before {_HOUSEHOLD_DATES[end]}")
    if h.stage2_start is not None and h.stage1_start is not None:
        checks.require(h.stage1_end is not None, "stage1_end", "local",
                       "stage 2 cannot start while stage 1 is still open")
    if h.approval_date is not None:
        checks.require(h.application_date is not None, "application_date", "local",
                       "only a household that applied can be approved")
    if h.left_process_date is not None:
        checks.require(bool(h.reason_left.strip()), "reason_left", "local",
                       "give the reason the household left the process")
        for name, label in _HOUSEHOLD_DATES.items():
            value = getattr(h, name)
            if name != "left_process_date" and value is not None:
                checks.require(value <= h.left_process_date, name, "local",
                               f"{label.capitalize()} cannot be after the household left the process")
    elif h.reason_left:
        checks.fail("left_process_date", "local", "a reason for leaving needs the date they left")


def _check_adopter(checks: Checks, n: int, adopter: dict) -> None:
    who = f"adopter {n}"
    checks.require(bool(str(adopter.get("reference") or "").strip()), "reference", "local",
                   f"{who}: a reference is required")
    checks.code(adopter.get("sex"), codes.Sex, "sex", "local", f"{who}: sex")
    checks.code(adopter.get("ethnicity"), codes.Ethnicity, "ethnicity", "local", f"{who}: ethnicity")
    checks.require(adopter.get("disability", False) in (True, False), "disability", "local",
                   f"{who}: say whether the adopter has a disability (yes or no)")


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
    checks = Checks()
    if checks.require(bool(household.reference), "reference", "local", "a reference is required"):
        taken = AdopterHousehold.objects.filter(local_authority=local_authority,
                                                reference=household.reference)
        checks.require(not taken.exists(), "reference", "local",
                       "another adopter household already has this reference")
    _check_household(checks, household)
    if checks.require(len(adopters) in (1, 2), "adopters", "local",
                      "an adopter household is one or two people"):
        for n, adopter in enumerate(adopters, start=1):
            _check_adopter(checks, n, adopter)
        refs = [str(a.get("reference") or "").strip() for a in adopters]
        checks.require(len(set(refs)) == len(refs), "reference", "local",
                       "the two adopters need different references")
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
    household = lock_for_edit(AdopterHousehold, household_id, expected_version)
    before = {k: str(getattr(household, k)) for k in dates}
    for name, value in dates.items():
        if name == "reason_left":
            value = (value or "").strip()
        elif name == "fostering_for_adoption":
            value = bool(value)
        setattr(household, name, value)
    checks = Checks()
    _check_household(checks, household)
    matched = AdoptionJourney.objects.filter(adopter_household=household)
    if household.approval_date is not None:
        early = matched.filter(matched_date__lt=household.approval_date)
        checks.require(not early.exists(), "approval_date", "local",
                       "a child was matched with this household before this approval date")
    elif matched.exists():
        checks.fail("approval_date", "local",
                    "this household is matched with a child, so its approval must stay recorded")
    checks.raise_if_any()
    household.recorded_by = by
    household.save()
    for child_id in set(matched.values_list("child_id", flat=True)):
        refresh_clocks(lock_child(child_id))
    audit_record(actor=by, action="update", obj=household, detail={"before": before})
    return household


def _sex_of_adopters(household: AdopterHousehold) -> str:
    """The 903 SEX_ADOPTR code that describes the household (M1, F1, MM, FF or MF)."""
    sexes = sorted(household.adopters.values_list("sex", flat=True))
    if len(sexes) == 1 and sexes[0] in ("M", "F"):
        return f"{sexes[0]}1"
    if len(sexes) == 2 and set(sexes) <= {"M", "F"}:
        return {("M", "M"): "MM", ("F", "F"): "FF"}.get(tuple(sexes), "MF")
    return ""


@transaction.atomic
def adoption_match_household(*, by, adoption_id: int, expected_version: int | None,
                             household_id: int) -> AdoptionJourney:
    """Record which approved adopter household the child is matched with; fills the number and
    sex of adopters (903 AD1) from the household where they are not yet recorded."""
    j = lock_for_edit(AdoptionJourney, adoption_id, expected_version)
    household = AdopterHousehold.objects.filter(pk=household_id).first()
    checks = Checks()
    checks.require(j.decision_reversed_date is None, "adopter_household", "local",
                   "this decision to place for adoption was reversed")
    checks.require(j.adoption_order_date is None or j.adopter_household_id in (None, household_id),
                   "adopter_household", "local",
                   "the child has been adopted; the adopters cannot change")
    if checks.require(household is not None, "adopter_household", "local", "no such household"):
        if checks.require(household.approval_date is not None, "adopter_household", "local",
                          "only approved adopters can be matched with a child"):
            if j.matched_date is not None:
                checks.require(household.approval_date <= j.matched_date, "adopter_household",
                               "local", "the household was approved after the match date")
        left = household.left_process_date
        checks.require(left is None or (j.matched_date is not None and left > j.matched_date),
                       "adopter_household", "local", "this household has left the process")
    if household is not None:
        j.adopter_household = household
        n = household.adopters.count()
        if j.number_of_adopters is None:
            j.number_of_adopters = n
        else:
            checks.require(j.number_of_adopters == n, "number_of_adopters", "local",
                           f"the household has {n} adopter(s) but {j.number_of_adopters} are recorded")
        derived = _sex_of_adopters(household)
        if not j.sex_of_adopters:
            j.sex_of_adopters = derived
        elif derived:
            checks.require(j.sex_of_adopters == derived, "sex_of_adopters", "local",
                           f"the household's adopters are {derived}, not {j.sex_of_adopters}")
        _check_adopters(checks, j)
    checks.raise_if_any()
    j.recorded_by = by
    j.save()
    refresh_clocks(j.child)
    audit_record(actor=by, action="update", obj=j, detail={"adopter_household": household_id})
    return j
