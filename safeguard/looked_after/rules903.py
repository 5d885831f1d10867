"""SSDA903 episode rules that can be checked the moment an episode is saved.

Pure checks: they read the record passed in and add violations to a `Checks`; they never write.
Rule codes and messages follow the DfE SSDA903 validation rules 2026-27.
"""

from __future__ import annotations

import datetime as dt
import re

from safeguard.core import codes
from safeguard.core.errors import Checks, today

TEMPORARY = frozenset({"T0", "T1", "T2", "T3", "T4"})
#: Placements with no placement provider (213): temporary moves and the 2025-26 "other" codes.
NO_PROVIDER = TEMPORARY | {"Z11", "Z12", "Z13", "Z14"}
#: Placements that are not Ofsted-registered, so carry no URN (222).
NO_URN = NO_PROVIDER | {"P1", "P3", "R1", "R2", "R5"}
#: Only regional adoption agency placements may use the placeholder URN XXXXXXX (242).
PLACEHOLDER_URN = "XXXXXXX"
PLACEHOLDER_URN_OK = frozenset({"A3", "A4", "A5", "A6", "U1", "U2", "U3", "U4", "U5", "U6"})
PLACED_FOR_ADOPTION = frozenset({"A3", "A4", "A5", "A6"})
FOSTER = frozenset({"U1", "U2", "U3", "U4", "U5", "U6"})
LONG_TERM_FOSTER = frozenset({"U1", "U4"})
RESPITE = frozenset({"V3", "V4"})
YOUTH_JUSTICE = frozenset({"J1", "J2", "J3"})
ADOPTED = frozenset({"E11", "E12"})
SGO = frozenset({"E45", "E46", "E47", "E48"})
#: Placements a child under a deprivation of liberty order cannot be in (710).
DOLO_FORBIDDEN = frozenset({"K1", "P1", "R5", "K3"})
URN_FORMAT = re.compile(r"^(SC\d{6}|\d{6,7}|XXXXXXX)$")
E1_FIRST_VALID = dt.date(2005, 12, 1)  # placement orders: Adoption and Children Act 2002
EARLIEST_DECOM = dt.date(1991, 10, 14)  # Children Act 1989 commenced

#: Legal statuses with a statutory maximum length: days, rule, label.
LEGAL_STATUS_MAX_DAYS = {
    "L1": (3, "903 361", "police protection (72 hours)"),
    "L2": (21, "903 362", "an emergency protection order"),
    "L3": (7, "903 363", "a child assessment order"),
    "J2": (21, "903 364", "PACE accommodation"),
    "V3": (17, "903 365", "an individual short break"),
}
#: Temporary placements with a maximum length: days, rule, label.
TEMPORARY_MAX_DAYS = {
    "T1": (42, "903 375", "a temporary period in hospital (six weeks)"),
    "T3": (21, "903 376", "cover for the usual foster carer's holiday (three weeks)"),
    "T4": (7, "903 379", "a temporary placement for an unspecified reason (seven days)"),
}
#: Minimum age at the start of the placement: years, rule, label.
PLACEMENT_MIN_AGE = {
    "K3": (16, "903 371", "supported accommodation"),
    "R5": (10, "903 372", "youth custody or prison"),
    "S1": (4, "903 373", "a residential school"),
    "P3": (14, "903 374", "residential employment"),
}
#: Placement provider -> placements it cannot provide.
PROVIDER_CANNOT_PROVIDE = {
    "PR1": ({"P1", "R2", "R5"}, "903 527"),
    "PR2": ({"P1", "R2", "R5"}, "903 528"),
    "PR3": ({"P1", "K1", "K2"} | PLACED_FOR_ADOPTION | FOSTER, "903 529"),
    "PR4": ({"P1"}, "903 530"),
    "PR5": ({"P1"}, "903 531"),
}


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    """Whole years of age on a day (a child born on 29 February turns over on 1 March)."""
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month,
                                                                      date_of_birth.day))


def same_postcode(a: str, b: str) -> bool:
    return bool(a and b) and a.replace(" ", "").upper() == b.replace(" ", "").upper()


def check_episode_details(checks: Checks, ep, child) -> None:
    """Codes, placement/provider/URN combinations and age rules for a new episode."""
    now = today()
    checks.code(ep.rne, codes.ReasonForNewEpisode, "rne", "903 143", "Reason for new episode")
    checks.code(ep.legal_status, codes.LegalStatus, "legal_status", "903 144", "Legal status")
    checks.code(ep.category_of_need, codes.CategoryOfNeed, "category_of_need", "903 145",
                "Category of need")
    checks.code(ep.placement, codes.Placement, "placement", "903 146", "Placement type")
    checks.code(ep.placement_provider, codes.PlacementProvider, "placement_provider", "903 178",
                "Placement provider", required=False)
    checks.require(ep.decom <= now, "decom", "local",
                   "an episode cannot start in the future")
    checks.require(ep.decom >= EARLIEST_DECOM, "decom", "903 353",
                   "no episode can start before 14 October 1991")
    place, provider, urn, ls = ep.placement, ep.placement_provider, ep.urn, ep.legal_status

    # Placement provider (213, 526-531, 550)
    if place in NO_PROVIDER:
        checks.require(not provider, "placement_provider", "903 213",
                       f"placement provider is not required for placement {place}")
    elif place:
        checks.require(bool(provider), "placement_provider", "903 526",
                       f"a placement provider is needed for placement {place}")
    if provider in PROVIDER_CANNOT_PROVIDE:
        places, rule = PROVIDER_CANNOT_PROVIDE[provider]
        checks.require(place not in places, "placement_provider", rule,
                       f"placement provider {provider} cannot provide placement {place}")
    if provider == "PR0":
        checks.require(place == "P1", "placement_provider", "903 550",
                       "placement provider PR0 (parents) goes only with placement P1")

    # Ofsted URN (1008, 218, 222, 242)
    if urn:
        checks.require(bool(URN_FORMAT.match(urn)), "urn", "903 1008",
                       f"Ofsted URN '{urn}' is not a valid URN")
        if urn == PLACEHOLDER_URN:
            checks.require(place in PLACEHOLDER_URN_OK, "urn", "903 242",
                           "URN XXXXXXX can only be used for regional adoption agency placements")
        else:
            checks.require(place not in NO_URN, "urn", "903 222",
                           f"an Ofsted URN should not be recorded for placement {place}")
    elif place and place not in NO_URN:
        checks.require(False, "urn", "903 218", f"an Ofsted URN is needed for placement {place}")

    # Legal status and placement combinations
    checks.require(not (place == "P1" and ls == "V2"), "legal_status", "903 378",
                   "a child placed with parents cannot be accommodated under a single period of "
                   "section 20 accommodation (V2)")
    checks.require(not (ls in RESPITE and place in LONG_TERM_FOSTER), "placement", "903 384",
                   "a child receiving short breaks cannot be in a long-term foster placement")
    checks.require(not (ls in RESPITE and place in TEMPORARY), "placement", "903 382",
                   "a child receiving short breaks cannot be in a temporary placement")
    checks.require(not (place in {"A5", "A6"} and ls not in {"E1", "D1"}), "legal_status",
                   "903 408", "placed for adoption under a placement order needs legal status E1")
    checks.require(not (place in {"A3", "A5"} and ep.rne not in {"S", "T", "U"}), "rne", "903 217",
                   "placement for adoption with current foster carers needs RNE S, T or U")
    if ls == "E1":
        checks.require(ep.decom >= E1_FIRST_VALID, "legal_status", "903 446",
                       "E1 is not a valid legal status before December 2005")
    if place != "P1":
        checks.require(not same_postcode(ep.home_postcode, ep.placement_postcode),
                       "placement_postcode", "903 392d",
                       "home and placement postcodes should differ unless placed with parents")

    # Age rules
    dob = child.date_of_birth
    if dob is None:
        checks.fail("decom", "local", "an unborn child cannot be looked after; record the birth")
        return
    checks.require(ep.decom >= dob, "decom", "903 302", "an episode cannot start before birth")
    if child.date_of_death:
        checks.require(ep.decom <= child.date_of_death, "decom", "local",
                       "an episode cannot start after the child's death")
    age = age_on(dob, ep.decom)
    if ls in YOUTH_JUSTICE:
        checks.require(age >= 10, "legal_status", "903 358",
                       f"legal status {ls} is not possible for a child under 10")
    if age >= 18:
        checks.require(ls == "V2", "legal_status", "903 359",
                       "a young person looked after past 18 must be accommodated under s20(5) (V2)")
    if place in PLACEMENT_MIN_AGE:
        years, rule, label = PLACEMENT_MIN_AGE[place]
        checks.require(age >= years, "placement", rule,
                       f"a child placed in {label} should be at least {years}")


def check_episode_end(checks: Checks, ep, dec: dt.date, run_start: dt.date) -> None:
    """Rules on an episode as it ends on `dec`.

    `run_start` is when the current unbroken run of this legal status began, because the
    statutory maximum lengths (361-365) apply to the order, not to one episode of it.
    """
    checks.require(dec <= today(), "dec", "local", "an episode cannot end in the future")
    if dec < ep.decom:
        checks.fail("dec", "903 356", "the episode cannot end before it started")
        return
    checks.require(dec != ep.decom, "dec", "903 355",
                   "an episode must last at least 24 hours (it started on the same day)")
    if ep.legal_status in LEGAL_STATUS_MAX_DAYS:
        days, rule, label = LEGAL_STATUS_MAX_DAYS[ep.legal_status]
        checks.require((dec - run_start).days <= days, "dec", rule,
                       f"{label} cannot last longer than {days} days")
    if ep.placement in TEMPORARY_MAX_DAYS:
        days, rule, label = TEMPORARY_MAX_DAYS[ep.placement]
        checks.require((dec - ep.decom).days <= days, "dec", rule,
                       f"{label} cannot last longer than {days} days")
