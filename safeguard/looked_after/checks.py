"""Validation at entry for children looked after, as pure checks over a `ChildHistory`.

Every `check_<thing>_<verb>` reads only the history's lists, the candidate record (as it would be
saved) and the extra inputs passed to it, and adds violations to a `Checks`. None of them touches
the database, so a practitioner's save and the synthetic council generator apply the same rules.
Rule codes and messages follow the DfE SSDA903 validation rules 2026-27; "local" where there is
no DfE rule.
"""

from __future__ import annotations

import datetime as dt
import re

from dateutil.relativedelta import relativedelta

from safeguard.child_protection.checks import MIN_REASONS, check_agencies
from safeguard.core import codes
from safeguard.core.errors import Checks, local_time, now, today
from safeguard.record.history import ChildHistory, held
from safeguard.workforce.models import Allocation

from .models import CareLeaverStatus, HealthAssessment, LookedAfterReviewMinutes, PermanencePlan

# --- SSDA903 code groups -------------------------------------------------------------------------

TEMPORARY = frozenset({"T0", "T1", "T2", "T3", "T4"})
#: Placements with no placement provider (213): temporary moves and the 2025-26 "other" codes.
NO_PROVIDER = TEMPORARY | {"Z11", "Z12", "Z13", "Z14"}
#: Placements that are not Ofsted-registered, so carry no URN (222).
#: H5, P2 and Z1 (withdrawn in 2025-26) carried none either (903 rule 218 to 2024-25).
NO_URN = NO_PROVIDER | {"P1", "P3", "R1", "R2", "R5"} | set(codes.LEGACY_PLACEMENTS)
#: The DfE placeholder URN (seven capital X): only for regional adoption agency placements (242).
PLACEHOLDER_URN = "X" * 7
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
URN_FORMAT = re.compile(r"^(SC\d{6}|\d{6,7}|X{7})$")
E1_FIRST_VALID = dt.date(2005, 12, 1)  # placement orders: Adoption and Children Act 2002
EARLIEST_DECOM = dt.date(1991, 10, 14)  # Children Act 1989 commenced
PREVIOUS_PERMANENCE_FROM = dt.date(2016, 4, 1)
_FAR_FUTURE = dt.date(9999, 12, 31)

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
_DOLO_PLACEMENT_MESSAGE = ("a child under a deprivation of liberty order cannot be placed in a "
                           "secure children's home, with parents, in custody or in supported "
                           "accommodation")


# --- shared helpers: ages, copies, and look-ups over the history ---------------------------------

def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    """Whole years of age on a day (a child born on 29 February turns over on 1 March)."""
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month,
                                                                      date_of_birth.day))


def same_postcode(a: str, b: str) -> bool:
    return bool(a and b) and a.replace(" ", "").upper() == b.replace(" ", "").upper()


def _latest(items: list, *keys: str):
    return max(items, key=lambda x: tuple(getattr(x, k) for k in keys) + (x.pk or 0,),
               default=None)


def open_period(h: ChildHistory):
    return next((p for p in h.periods if p.end_date is None), None)


def latest_period(h: ChildHistory):
    return _latest(h.periods, "start_date")


def period_on(h: ChildHistory, day: dt.date):
    """The period of care the child was in on a day (a period's last day counts)."""
    return _latest([p for p in h.periods if p.start_date <= day
                    and (p.end_date is None or p.end_date >= day)], "start_date")


def episodes_of(h: ChildHistory, period_id) -> list:
    return sorted(h.of(h.episodes, period_of_care_id=period_id), key=lambda e: (e.decom, e.pk))


def open_episode(h: ChildHistory, period_id):
    return _latest([e for e in h.of(h.episodes, period_of_care_id=period_id) if e.dec is None],
                   "decom")


def episode_on(h: ChildHistory, day: dt.date):
    return _latest([e for e in h.episodes if e.decom <= day and (e.dec is None or e.dec >= day)],
                   "decom")


def last_episode(h: ChildHistory):
    return _latest(h.episodes, "decom")


def open_missing(h: ChildHistory):
    return next((m for m in h.missing if m.end_date is None), None)


def missing_across(h: ChildHistory, day: dt.date) -> list:
    """Missing/away episodes under way on `day` that go on after it."""
    return [m for m in h.missing if m.start_date <= day and (m.end_date is None or m.end_date > day)]


def placement_outlasted(h: ChildHistory, start_date: dt.date, end_date: dt.date | None):
    """The ended episode a missing/away episode starting on `start_date` went missing from but
    would outlast (903 575/577): the return counts the child missing from every episode live on
    that day, and a placement that has ended needs the missing episode from it ended by then."""
    return next((e for e in h.episodes if e.dec is not None and e.decom <= start_date <= e.dec
                 and (end_date is None or end_date > e.dec)), None)


def open_dolo(h: ChildHistory):
    return next((d for d in h.dolos if d.end_date is None), None)


def live_adoption_decision(h: ChildHistory, on: dt.date | None = None):
    """The decision to place for adoption still in force (not reversed, no adoption order)."""
    live = [j for j in h.adoptions if j.decision_reversed_date is None
            and j.adoption_order_date is None and (on is None or j.decision_date <= on)]
    return _latest(live, "decision_date")


def overlapping(items: list, start: dt.date, end: dt.date | None, *, leave_out=None) -> list:
    """Dated records (start_date/end_date) that overlap [start, end], other than `leave_out`."""
    return [x for x in items if (leave_out is None or x.pk != leave_out)
            and x.start_date <= (end or _FAR_FUTURE)
            and (x.end_date is None or x.end_date >= start)]


def never_or_later_in_care(h: ChildHistory, day: dt.date) -> bool:
    """Not in care on `day` because care had not started yet (rather than because it ended)."""
    return not h.periods or any(p.start_date > day for p in h.periods)


def legal_status_run_start(h: ChildHistory, ep) -> dt.date:
    """When the unbroken run of this legal status began (for the 361-365 maximum lengths)."""
    start = ep.decom
    earlier = [e for e in episodes_of(h, ep.period_of_care_id) if e.decom < ep.decom]
    for prev in sorted(earlier, key=lambda e: e.decom, reverse=True):
        if prev.legal_status != ep.legal_status or prev.rec != "X1" or prev.dec != start:
            break
        start = prev.decom
    return start


def care_since_fourteen(h: ChildHistory, up_to: dt.date) -> tuple[int, bool]:
    """Days looked after from age 14 up to a day, leaving out pre-planned short breaks (Care
    Planning Regulations 2010 reg 40), and whether any of that care was after the 16th birthday."""
    dob = h.child.date_of_birth
    if dob is None:
        return 0, False
    fourteen, sixteen = dob + relativedelta(years=14), dob + relativedelta(years=16)
    days, after_sixteen = 0, False
    for ep in h.episodes:
        if ep.decom > up_to or ep.legal_status in RESPITE:
            continue
        end = min(ep.dec or up_to, up_to)
        start = max(ep.decom, fourteen)
        if end > start:
            days += (end - start).days
        if end >= sixteen:
            after_sixteen = True
    return days, after_sixteen


def relevant_or_former_relevant(h: ChildHistory, up_to: dt.date | None = None) -> bool:
    """Looked after for 13 weeks since age 14, ending after 16 (Children (Leaving Care) Act)."""
    days, after_sixteen = care_since_fourteen(h, up_to or today())
    return days >= 91 and after_sixteen


def in_care_after(h: ChildHistory, day: dt.date) -> bool:
    """Still looked after beyond `day` (a period ending on that day counts as left)."""
    return any(p.start_date <= day and (p.end_date is None or p.end_date > day)
               for p in h.periods)


def looked_after_12_months(h: ChildHistory, year_ending: dt.date) -> bool:
    """Looked after continuously for at least 12 months at 31 March (the OC2 cohort). As the DfE
    defines it for the 903, a period that ends on 31 March itself still counts (rules 187/191)."""
    from_day = year_ending - relativedelta(years=1) + dt.timedelta(days=1)
    period = period_on(h, year_ending)
    if period is None or period.start_date > from_day:
        return False
    return not any(e.legal_status in RESPITE for e in h.of(h.episodes, period_of_care_id=period.pk))


def not_before_birth(checks: Checks, child, day: dt.date | None, field: str, rule: str,
                     label: str) -> None:
    if day is not None and child.date_of_birth is not None:
        checks.require(day >= child.date_of_birth, field, rule,
                       f"{label} cannot be before the child's date of birth")


def sex_of_adopters(sexes: list[str]) -> str:
    """The 903 SEX_ADOPTR code that describes a household's adopters (M1, F1, MM, FF or MF)."""
    sexes = sorted(sexes)
    if len(sexes) == 1 and sexes[0] in ("M", "F"):
        return f"{sexes[0]}1"
    if len(sexes) == 2 and set(sexes) <= {"M", "F"}:
        return {("M", "M"): "MM", ("F", "F"): "FF"}.get(tuple(sexes), "MF")
    return ""


# --- episodes --------------------------------------------------------------------------------------

def _episode_details(checks: Checks, ep, child) -> None:
    """Codes, placement/provider/URN combinations and age rules for a new episode."""
    checks.free_text(ep)
    now = today()
    checks.code(ep.rne, codes.ReasonForNewEpisode, "rne", "903 143", "Reason for new episode")
    checks.code(ep.legal_status, codes.LegalStatus, "legal_status", "903 144", "Legal status")
    checks.code(ep.category_of_need, codes.CategoryOfNeed, "category_of_need", "903 145",
                "Category of need")
    checks.code(ep.placement, codes.placements_on(ep.decom), "placement", "903 146", "Placement type")
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
                           f"URN {PLACEHOLDER_URN} can only be used for regional adoption agency placements")
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


def _episode_end(checks: Checks, ep, dec: dt.date, run_start: dt.date) -> None:
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


def _adoption_basis(h: ChildHistory, ep, checks: Checks) -> None:
    """A placement for adoption or a placement order needs a live decision to place (551-553)."""
    if ep.placement in PLACED_FOR_ADOPTION:
        decided = live_adoption_decision(h)
        if checks.require(decided is not None, "placement", "903 551",
                          "placed for adoption but there is no decision that the child should "
                          "be placed for adoption"):
            checks.require(decided.decision_date <= ep.decom, "placement", "903 552",
                           "the decision to place for adoption must be on or before the date "
                           "the child is placed for adoption")
    if ep.legal_status == "E1":
        checks.require(live_adoption_decision(h, on=ep.decom) is not None, "legal_status",
                       "903 553", "a placement order has been granted but there is no earlier "
                       "decision that the child should be placed for adoption")


def _dolo_placement(h: ChildHistory, ep, checks: Checks) -> None:
    dolo = open_dolo(h)
    if dolo is not None and dolo.start_date <= ep.decom:
        checks.require(ep.placement not in DOLO_FORBIDDEN, "placement", "903 710",
                       _DOLO_PLACEMENT_MESSAGE)


def check_period_of_care_start(h: ChildHistory, candidate, checks: Checks) -> None:
    """`candidate`: the first episode (RNE S) of the new period of care."""
    child, decom = h.child, candidate.decom
    _episode_details(checks, candidate, child)
    checks.require(open_period(h) is None, "decom", "903 142",
                   "the child is already looked after; end the current period of care first")
    previous = last_episode(h)
    if previous is not None and previous.dec is not None:
        checks.require(decom >= previous.dec, "decom", "903 501",
                       "a new episode cannot start before the previous episode ended")
        checks.require(decom != previous.dec, "rne", "903 431",
                       "the previous episode ended on this day, so this is a continuation, "
                       "not a new start (use a change of episode)")
    before = latest_period(h)
    if before is not None and before.end_date is not None and previous is not None:
        checks.require(previous.rec not in {"E2", "E15"}, "decom", "903 437",
                       "care ended because the child died or was assessed as 18 or over; "
                       "there can be no further episodes")
    if child.date_of_birth:
        checks.require(age_on(child.date_of_birth, decom) < 18, "decom", "903 352",
                       "a young person aged 18 or over cannot start to be looked after")
    checks.require(candidate.placement not in TEMPORARY, "placement", "903 380",
                   "a period of care cannot start with a temporary placement")
    _adoption_basis(h, candidate, checks)
    _dolo_placement(h, candidate, checks)


def check_episode_change(h: ChildHistory, candidate, checks: Checks, *,
                         reason_place_change: str = "",
                         category_of_need: str | None = None) -> None:
    """`candidate`: the episode that opens on the change date, with whatever did not change
    copied from the open episode; no period of care when the child is not looked after.
    `reason_place_change` is recorded on the episode that ends; `category_of_need` is the one
    the worker gave (None if they gave none)."""
    child, rne, change_date = h.child, candidate.rne, candidate.decom
    if candidate.period_of_care_id is None:
        if latest_period(h) is None:
            checks.fail("rne", "903 357", "this would be the child's first episode, so its "
                        "reason must be S: start a period of care")
        else:
            checks.fail("rne", "903 432", "the child ceased to be looked after at the end of "
                        "the previous episode, so the next episode must start a period of care")
        return
    prev = open_episode(h, candidate.period_of_care_id)
    first = episodes_of(h, candidate.period_of_care_id)[0]
    if rne == "S":
        checks.fail("rne", "903 431", "a change of episode cannot be a new start (S): the "
                    "previous episode ends on the same day")
    if category_of_need is not None and category_of_need != first.category_of_need:
        checks.fail("category_of_need", "903 504", "category of need stays as recorded at the "
                    f"start of the period of care ({first.category_of_need})")
    if change_date < prev.decom:
        checks.fail("decom", "903 501", "a new episode cannot start before the previous one "
                    "started")
    else:
        _episode_end(checks, prev, change_date, legal_status_run_start(h, prev))
    _episode_details(checks, candidate, child)

    status_changed = candidate.legal_status != prev.legal_status
    place_changed = any(getattr(candidate, f) != getattr(prev, f) for f in
                        ("placement", "placement_provider", "placement_postcode", "urn"))
    if rne == "L":
        checks.require(status_changed and not place_changed, "rne", "903 434",
                       "RNE L means only the legal status changed")
    elif rne in {"P", "T"}:
        checks.require(place_changed and not status_changed, "rne", "903 435",
                       f"RNE {rne} means only the placement changed")
    elif rne in {"B", "U"}:
        checks.require(place_changed and status_changed, "rne", "903 436",
                       f"RNE {rne} means both the legal status and the placement changed")

    moved = rne in {"P", "T", "B", "U"}
    temporary = prev.placement in TEMPORARY or candidate.placement in TEMPORARY
    checks.code(reason_place_change, codes.ReasonPlaceChange, "reason_place_change", "903 1009",
                "Reason for placement change", required=False)
    if reason_place_change and temporary:
        checks.fail("reason_place_change", "903 226",
                    "reason for placement change is not needed for temporary placements")
    elif moved and not temporary:
        checks.require(bool(reason_place_change), "reason_place_change", "903 225",
                       "give the reason the placement changed")
    if reason_place_change and not moved:
        checks.fail("reason_place_change", "local",
                    "there is no reason for placement change when only the legal status changes")
    if reason_place_change == "CUSTOD" and child.date_of_birth:
        checks.require(age_on(child.date_of_birth, change_date) >= 10, "reason_place_change",
                       "903 234", "a child under 10 cannot change placement because of custody")
    checks.require(candidate.legal_status != "V3", "legal_status", "903 366",
                   "a child cannot change placement or status during an individual short break: "
                   "each V3 break is its own period of care")
    if candidate.placement == "T3" and prev.placement != "T3":
        year_ago = change_date - relativedelta(years=1)
        holidays = [e for e in h.episodes if e.placement == "T3"
                    and year_ago < e.decom <= change_date]
        checks.require(len(holidays) < 2, "placement", "903 377",
                       "only two temporary placements for the foster carer's holiday (T3) are "
                       "allowed in any 12 months")
    if place_changed:
        checks.require(open_missing(h) is None and not missing_across(h, change_date),
                       "placement", "903 575",
                       "the child is recorded as missing/away; end that episode before ending the "
                       "placement they went missing from")
    if candidate.placement != prev.placement or candidate.legal_status != prev.legal_status:
        _adoption_basis(h, candidate, checks)
    _dolo_placement(h, candidate, checks)


def check_period_of_care_end(h: ChildHistory, candidate, checks: Checks) -> None:
    """`candidate`: the open episode as it would close (dec, rec set); no period of care when
    the child is not looked after."""
    if candidate.period_of_care_id is None:
        checks.fail("end_date", "local", "the child is not looked after")
        return
    child, end_date, rec = h.child, candidate.dec, candidate.rec
    checks.code(rec, codes.ReasonEpisodeCeased, "rec", "903 149", "Reason episode ceased")
    checks.require(rec != "X1", "rec", "903 388",
                   "X1 means a new episode begins; record a change of episode instead")
    _episode_end(checks, candidate, end_date, legal_status_run_start(h, candidate))
    if child.date_of_birth:
        age = age_on(child.date_of_birth, end_date)
        checks.require(not (rec in ADOPTED and age >= 18), "rec", "903 386",
                       "a young person aged 18 or over cannot be adopted from care")
        checks.require(not (rec in {"E5", "E6"} and age < 14), "rec", "903 387",
                       "a child under 14 cannot move into independent living")
        checks.require(not (rec == "E7" and age < 16), "rec", "903 389",
                       "a child under 16 cannot transfer to adult social care")
        checks.require(not (rec in SGO and age >= 18), "rec", "903 407",
                       "a special guardianship order cannot be made for a young person aged 18+")
        checks.require(not (rec == "E17" and age < 18), "rec", "903 460",
                       "'remained with current carers at 18+' needs the young person to be 18")
    checks.require(candidate.placement not in TEMPORARY, "rec", "903 381",
                   "a period of care cannot end with a temporary placement")
    if rec in ADOPTED:
        placed = [e for e in h.of(h.episodes, period_of_care_id=candidate.period_of_care_id)
                  if e.placement in PLACED_FOR_ADOPTION]
        checks.require(bool(placed), "rec", "903 390", "the child cannot be adopted without "
                       "first being placed for adoption (placement A3-A6)")
    if rec in {"E45", "E46"}:
        checks.require(candidate.placement in FOSTER, "rec", "903 516",
                       "an SGO to former foster carers needs the child to be in foster care")
    if any(m.start_date <= end_date and (m.end_date is None or m.end_date >= end_date)
           for m in h.missing):
        checks.require(rec == "E8", "rec", "903 580",
                       "the child is missing when care ends, so the reason must be E8")
    checks.require(open_missing(h) is None and not (end_date and missing_across(h, end_date)),
                   "end_date",
                   "903 577", "the child is recorded as missing/away after this date: record "
                   "that the missing/away episode ended by the day care ends first")
    checks.require(open_dolo(h) is None, "end_date", "903 707",
                   "record when the deprivation of liberty order ended first")
    if rec not in ADOPTED:
        checks.require(live_adoption_decision(h) is None, "rec", "903 557",
                       "the child leaves care without being adopted: record that the decision "
                       "to place for adoption was reversed first")


# --- reviews, health, education and permanence plans -------------------------------------------

# Who chairs a looked-after review (Children Act 1989 s25A-25B: the council appoints an IRO for
# each looked-after child, who chairs the child's reviews; Care Planning, Placement and Case Review
# (England) Regulations 2010 reg 36 (the IRO's functions) and reg 45 (the IRO chairs the review
# and records it); IRO Handbook 2010 ch. 3-4): the child's IRO is the worker of the open IRO
# allocation on the review date, who alone records the review and its minutes. These rules bind
# live entry, when a service passes `by`: the SSDA903 importer (a return carries no staff) and the
# generator call the same checks without it.
IRO_NEEDED = "allocate an IRO to the child before recording a review (Children Act 1989 s25A)"


def iro_on(h: ChildHistory, day: dt.date):
    """The child's IRO allocation open on `day` (an allocation's last day counts), or None."""
    return _latest([a for a in h.allocations if a.kind == Allocation.Kind.IRO and a.start_date <= day
                    and (a.end_date is None or a.end_date >= day)], "start_date")


def _worker_name(allocation) -> str:
    """The allocated worker's name if the service loaded it with the history (a check never
    queries: `services` loads the IRO allocations' workers before a live save)."""
    if Allocation.worker.is_cached(allocation):
        return str(allocation.worker)
    return "another worker"


def _check_chaired_by_iro(checks: Checks, h: ChildHistory, review_date: dt.date, by) -> None:
    """Live entry: the child's IRO on the review date records the review (see IRO_NEEDED)."""
    iro = iro_on(h, review_date)
    if iro is None:
        checks.fail("chair", "local", IRO_NEEDED)
        return
    checks.require(getattr(by, "pk", None) == iro.worker_id, "chair", "local",
                   f"this review is chaired by the child's IRO, {_worker_name(iro)}: only they "
                   "can record it (Children Act 1989 s25B; Care Planning Regulations 2010 reg 45)")


def check_review_record(h: ChildHistory, candidate, checks: Checks, *, by=None) -> None:
    """`candidate`: the review, in the period of care it falls in (none if it falls in none).
    `by` (live entry only): the child's IRO records it."""
    if by is not None and candidate.review_date is not None:
        _check_chaired_by_iro(checks, h, candidate.review_date, by)
    child, review_date, participation = h.child, candidate.review_date, candidate.participation
    checks.code(participation, codes.ReviewParticipation, "participation", "903 167",
                "Review participation")
    checks.not_future(review_date, "review_date", "903 166", "a review date")
    period = held(h.periods, candidate.period_of_care_id)
    in_period = period is not None and period.start_date <= review_date and (
        period.end_date is None or period.end_date >= review_date)
    checks.require(in_period, "review_date", "local",
                   "a review must fall within a period of care")
    if in_period:
        same_day = [x for x in h.of(h.la_reviews, period_of_care_id=period.pk)
                    if x.review_date == review_date and x.pk != candidate.pk]
        checks.require(not same_day, "review_date", "local",
                       "a review is already recorded on this day")
        ep = episode_on(h, review_date)
        checks.require(ep is None or ep.legal_status not in RESPITE, "review_date", "903 399",
                       "reviews are not returned for children on short breaks (V3/V4)")
    if child.date_of_birth and participation:
        under_four = age_on(child.date_of_birth, review_date) < 4
        if participation == "PN0":
            checks.require(under_four, "participation", "903 440",
                           "PN0 is only for a child under 4 at the review")
        else:
            checks.require(not under_four, "participation", "903 441",
                           "a child under 4 at the review must be recorded as PN0")


def check_review_minutes(h: ChildHistory, candidate: LookedAfterReviewMinutes, checks: Checks, *,
                         review, by=None) -> None:
    """What the review heard and decided (Care Planning Regulations 2010 reg 36 and 45, IRO
    Handbook 2010 ch. 3-4: the child's wishes and feelings, the parents' views, the decisions and
    recommendations with their reasons, and whether the care plan still meets the child's needs).
    The agencies are codes of the conference list (`child_protection.models.Agency`). A decision,
    or a care plan found no longer appropriate, needs its reasons. `by` is given when the minutes
    are written after the review was recorded: the child's IRO on the review date writes them."""
    if by is not None:
        _check_chaired_by_iro(checks, h, review.review_date, by)
    check_agencies(candidate.agencies, checks)
    checks.require(candidate.care_plan_appropriate in (None, True, False), "care_plan_appropriate",
                   "local", "say whether the care plan remains appropriate (yes or no)")
    reasons = len((candidate.decision_reasons or "").strip()) >= MIN_REASONS
    if (candidate.decisions or "").strip():
        checks.require(reasons, "decision_reasons", "local",
                       f"give the reasons for the decisions (at least {MIN_REASONS} characters)")
    if candidate.care_plan_appropriate is False:
        checks.require(reasons, "decision_reasons", "local",
                       "the review found the care plan no longer appropriate: give the reasons "
                       f"(at least {MIN_REASONS} characters; IRO Handbook 2010 ch. 3)")


def check_health_assessment_record(h: ChildHistory, candidate, checks: Checks) -> None:
    requested, completed = candidate.requested_date, candidate.completed_date
    checks.code(candidate.kind, HealthAssessment.Kind, "kind", "local", "Health assessment type")
    checks.require(requested is not None or completed is not None, "completed_date",
                   "local", "give the date requested or the date completed")
    checks.not_future(requested, "requested_date", "local", "the date requested")
    checks.not_future(completed, "completed_date", "local", "the date completed")
    not_before_birth(checks, h.child, requested, "requested_date", "local", "the request")
    not_before_birth(checks, h.child, completed, "completed_date", "local", "the assessment")
    if requested and completed:
        checks.require(completed >= requested, "completed_date", "local",
                       "an assessment cannot be completed before it was requested")


def check_health_assessment_request(h: ChildHistory, candidate, checks: Checks) -> None:
    """A request for a health assessment (Promoting the health and well-being of looked-after
    children, DfE/DHSC 2015: the IHA is done within 20 working days of entering care, so it is
    requested at once): for a child looked after on the day, and not while a request of the same
    kind is still waiting (record that one as done instead of requesting it twice)."""
    check_health_assessment_record(h, candidate, checks)
    requested = candidate.requested_date
    if not checks.require(requested is not None, "requested_date", "local",
                          "give the date the assessment was requested"):
        return
    checks.require(period_on(h, requested) is not None, "requested_date", "local",
                   "a health assessment is requested for a child looked after on that date")
    waiting = [a for a in h.health_assessments if a.kind == candidate.kind and a.pk != candidate.pk
               and a.requested_date is not None and a.completed_date is None]
    if waiting:
        label = dict(HealthAssessment.Kind.choices).get(candidate.kind, candidate.kind).lower()
        checks.fail("kind", "local", f"a {label} was requested on {waiting[0].requested_date:%d/%m/%Y} "
                                     "and is not yet done: record it as done rather than asking again")


def check_health_assessment_complete(h: ChildHistory, candidate, checks: Checks) -> None:
    """Completing a requested assessment (or correcting the date it was done): the request's row
    gains its completion date, so one assessment is one row, requested and done."""
    check_health_assessment_record(h, candidate, checks)
    checks.require(candidate.completed_date is not None, "completed_date", "local",
                   "give the date the assessment was done")


OC2_FLAGS = ("convicted", "health_check", "immunisations", "teeth_check", "health_assessment",
             "substance_misuse", "intervention_received", "intervention_offered")
OC2_FIELDS = ("sdq_score", "sdq_reason", *OC2_FLAGS)
_OC2_CORE = ("immunisations", "teeth_check", "health_assessment", "substance_misuse")


def check_annual_outcomes_record(h: ChildHistory, candidate, checks: Checks) -> None:
    """`candidate`: the OC2 record for the year (new, or the year's record with new values)."""
    child, year_ending = h.child, candidate.year_ending
    values = {k: getattr(candidate, k) for k in OC2_FIELDS}
    checks.require((year_ending.month, year_ending.day) == (3, 31), "year_ending", "local",
                   "the year for annual outcomes ends on 31 March")
    score, reason = values["sdq_score"], values["sdq_reason"]
    if score is not None:
        checks.require(isinstance(score, int) and 0 <= score <= 40, "sdq_score", "903 180",
                       "an SDQ score is a whole number from 0 to 40")
    checks.code(reason, codes.SDQReason, "sdq_reason", "903 196", "SDQ reason", required=False)
    checks.require(not (score is not None and reason), "sdq_reason", "903 197a",
                   "a reason for no SDQ score is not needed when a score is given")
    for name in OC2_FLAGS:
        checks.require(values[name] is None or isinstance(values[name], bool), name, "903 181",
                       "answer with yes (1) or no (0)")
    if any(v not in (None, "") for v in values.values()):
        for name in _OC2_CORE:
            checks.require(values[name] is not None, name, "903 182",
                           "immunisations, teeth check, health assessment and substance misuse "
                           "must be completed when any outcome is recorded")
    if values["substance_misuse"] is True:
        checks.require(values["intervention_received"] is not None, "intervention_received",
                       "903 192", "say whether an intervention for substance misuse was received")
    if values["substance_misuse"] is False:
        checks.require(values["intervention_received"] is None
                       and values["intervention_offered"] is None, "intervention_received",
                       "903 193", "no substance misuse problem: leave the intervention items blank")
    if values["intervention_received"] is True:
        checks.require(values["intervention_offered"] is None, "intervention_offered", "903 158",
                       "an intervention was received: leave 'offered' blank")
    if values["intervention_received"] is False:
        checks.require(values["intervention_offered"] is not None, "intervention_offered",
                       "903 159", "no intervention received: say whether one was offered")
    if child.date_of_birth:
        year_start = year_ending - relativedelta(years=1) + dt.timedelta(days=1)
        age_end = age_on(child.date_of_birth, year_ending)
        age_start = age_on(child.date_of_birth, year_start)
        has_sdq = score is not None or bool(reason)
        checks.require(not (has_sdq and age_end < 4), "sdq_score", "903 188",
                       "no SDQ score or reason for a child under 4 at 31 March")
        checks.require(not (has_sdq and age_start >= 17), "sdq_score", "903 189",
                       "no SDQ score or reason for a young person 17 or over on 1 April")
        checks.require(not (reason == "SDQ1" and age_start >= 4 and age_end <= 16),
                       "sdq_reason", "903 157", "SDQ1 is only for a child under 4 or over 16")
        checks.require(not (age_end < 10 and values["convicted"] is not None), "convicted",
                       "903 542", "no conviction information for a child under 10 at 31 March")
        if age_end < 5:
            checks.require(values["health_check"] is not None, "health_check", "903 545",
                           "a child under 5 at 31 March needs the health promotion item")
        else:
            checks.require(values["health_check"] is None, "health_check", "903 546",
                           "no health promotion item for a child aged 5 or over at 31 March")
    checks.require(looked_after_12_months(h, year_ending), "year_ending", "903 190",
                   "annual outcomes are only for children looked after continuously for 12 "
                   "months at 31 March")


def check_pep_record(h: ChildHistory, candidate, checks: Checks) -> None:
    checks.not_future(candidate.plan_date, "plan_date", "local", "a PEP date")
    checks.require(period_on(h, candidate.plan_date) is not None, "plan_date", "local",
                   "a PEP is for a child who is looked after on that date")


def check_permanence_plan_record(h: ChildHistory, candidate, checks: Checks) -> None:
    plan_date = candidate.plan_date
    checks.code(candidate.plan, PermanencePlan.Plan, "plan", "local", "Permanence plan")
    if checks.require(plan_date is not None, "plan_date", "local", "the plan date is required"):
        checks.not_future(plan_date, "plan_date", "local", "The plan date")
        not_before_birth(checks, h.child, plan_date, "plan_date", "local", "The plan")
        checks.require(period_on(h, plan_date) is not None, "plan_date", "local",
                       "the child was not looked after on that date")
        same_day = [p for p in h.permanence_plans
                    if p.plan_date == plan_date and p.pk != candidate.pk]
        checks.require(not same_day, "plan_date", "local",
                       "a permanence plan is already recorded on that date")


# --- adoption ---------------------------------------------------------------------------------------

_COUPLES = {"MM", "FF", "MF"}


def check_adoption_decision_record(h: ChildHistory, candidate, checks: Checks) -> None:
    decision_date = candidate.decision_date
    checks.not_future(decision_date, "decision_date", "903 115", "the decision date")
    not_before_birth(checks, h.child, decision_date, "decision_date", "903 184", "the decision")
    if period_on(h, decision_date) is None:
        if never_or_later_in_care(h, decision_date):
            checks.fail("decision_date", "903 1003",
                        "the decision is before the child started to be looked after")
        else:
            checks.fail("decision_date", "903 117",
                        "the decision is after the child ceased to be looked after")
    checks.require(live_adoption_decision(h) is None, "decision_date", "903 579",
                   "an earlier decision to place for adoption is still open; record its reversal "
                   "first")
    later_reversal = [j for j in h.adoptions if j.decision_reversed_date is not None
                      and j.decision_reversed_date > decision_date]
    checks.require(not later_reversal, "decision_date", "903 579",
                   "a new decision cannot be before an earlier decision was reversed")


def _adopters(checks: Checks, j) -> None:
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


def check_adoption_milestone_record(h: ChildHistory, candidate, checks: Checks) -> None:
    """`candidate`: the adoption journey with the new milestones and adopter details."""
    j = candidate
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
    _adopters(checks, j)


def check_adoption_decision_reverse(h: ChildHistory, candidate, checks: Checks) -> None:
    """`candidate`: the journey with the reversal date and reason set; the history still holds
    it as it was."""
    before = held(h.adoptions, candidate.pk) or candidate
    reversed_date, reason = candidate.decision_reversed_date, candidate.reason_reversed
    checks.require(before.decision_reversed_date is None, "decision_reversed_date", "local",
                   "this decision has already been reversed")
    checks.require(before.adoption_order_date is None, "decision_reversed_date", "903 558",
                   "the child has been adopted; the decision cannot be reversed")
    checks.require(reversed_date is not None and bool(reason), "reason_reversed", "903 119",
                   "give both the date and the reason the decision was reversed")
    checks.code(reason, codes.ReasonPlacedCeased, "reason_reversed", "903 120",
                "Reason placed ceased", required=False)
    if reversed_date is not None:
        checks.not_future(reversed_date, "decision_reversed_date", "903 116",
                          "the date of reversal")
        checks.require(reversed_date >= candidate.decision_date, "decision_reversed_date",
                       "903 522", "the reversal cannot be before the decision")
        checks.require(period_on(h, reversed_date) is not None, "decision_reversed_date",
                       "903 117", "the reversal must be while the child is looked after")


def check_adoption_match_household(h: ChildHistory, candidate, checks: Checks, *, household,
                                   adopter_sexes: list[str]) -> None:
    """`candidate`: the journey linked to `household` (None if there is no such household),
    with the number and sex of adopters filled from it where they were blank; `adopter_sexes`
    are the sexes of the household's adopters."""
    before = held(h.adoptions, candidate.pk) or candidate
    checks.require(before.decision_reversed_date is None, "adopter_household", "local",
                   "this decision to place for adoption was reversed")
    checks.require(before.adoption_order_date is None
                   or before.adopter_household_id in (None, candidate.adopter_household_id),
                   "adopter_household", "local",
                   "the child has been adopted; the adopters cannot change")
    if not checks.require(household is not None, "adopter_household", "local",
                          "no such household"):
        return
    if checks.require(household.approval_date is not None, "adopter_household", "local",
                      "only approved adopters can be matched with a child"):
        if candidate.matched_date is not None:
            checks.require(household.approval_date <= candidate.matched_date, "adopter_household",
                           "local", "the household was approved after the match date")
    left = household.left_process_date
    checks.require(left is None or (candidate.matched_date is not None
                                    and left > candidate.matched_date),
                   "adopter_household", "local", "this household has left the process")
    n = len(adopter_sexes)
    checks.require(candidate.number_of_adopters == n, "number_of_adopters", "local",
                   f"the household has {n} adopter(s) but {candidate.number_of_adopters} are "
                   "recorded")
    derived = sex_of_adopters(adopter_sexes)
    if derived:
        checks.require(candidate.sex_of_adopters == derived, "sex_of_adopters", "local",
                       f"the household's adopters are {derived}, not {candidate.sex_of_adopters}")
    _adopters(checks, candidate)


# --- prospective adopters (Annex A List 11): a council's register, not one child's record ------

HOUSEHOLD_DATES = {
    "enquiry_date": "the initial enquiry",
    "stage1_start": "the start of stage 1",
    "stage1_end": "the end of stage 1",
    "stage2_start": "the start of stage 2",
    "stage2_end": "the end of stage 2",
    "application_date": "the formal application",
    "approval_date": "the approval",
    "left_process_date": "leaving the process",
}
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


def _household(checks: Checks, h) -> None:
    checks.free_text(h)
    for name, label in HOUSEHOLD_DATES.items():
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
                           f"record {HOUSEHOLD_DATES[start]} before {HOUSEHOLD_DATES[end]}")
    if h.stage2_start is not None and h.stage1_start is not None:
        checks.require(h.stage1_end is not None, "stage1_end", "local",
                       "stage 2 cannot start while stage 1 is still open")
    if h.approval_date is not None:
        checks.require(h.application_date is not None, "application_date", "local",
                       "only a household that applied can be approved")
    if h.left_process_date is not None:
        checks.require(bool(h.reason_left.strip()), "reason_left", "local",
                       "give the reason the household left the process")
        for name, label in HOUSEHOLD_DATES.items():
            value = getattr(h, name)
            if name != "left_process_date" and value is not None:
                checks.require(value <= h.left_process_date, name, "local",
                               f"{label.capitalize()} cannot be after the household left the process")
    elif h.reason_left:
        checks.fail("left_process_date", "local", "a reason for leaving needs the date they left")


def _adopter(checks: Checks, n: int, adopter: dict) -> None:
    who = f"adopter {n}"
    checks.require(bool(str(adopter.get("reference") or "").strip()), "reference", "local",
                   f"{who}: a reference is required")
    checks.text(str(adopter.get("reference") or ""), "reference", f"{who}: reference", limit=36)
    checks.code(adopter.get("sex"), codes.Sex, "sex", "local", f"{who}: sex")
    checks.code(adopter.get("ethnicity"), codes.Ethnicity, "ethnicity", "local", f"{who}: ethnicity")
    checks.require(adopter.get("disability", False) in (True, False), "disability", "local",
                   f"{who}: say whether the adopter has a disability (yes or no)")


def check_adopter_household_register(candidate, checks: Checks, *, adopters: list[dict],
                                     taken_references: set[str]) -> None:
    """A household belongs to the council, not to one child, so there is no ChildHistory:
    `taken_references` are the references the council's other households already use."""
    if checks.require(bool(candidate.reference), "reference", "local", "a reference is required"):
        checks.require(candidate.reference not in taken_references, "reference", "local",
                       "another adopter household already has this reference")
    _household(checks, candidate)
    if checks.require(len(adopters) in (1, 2), "adopters", "local",
                      "an adopter household is one or two people"):
        for n, adopter in enumerate(adopters, start=1):
            _adopter(checks, n, adopter)
        refs = [str(a.get("reference") or "").strip() for a in adopters]
        checks.require(len(set(refs)) == len(refs), "reference", "local",
                       "the two adopters need different references")


def check_adopter_household_update(candidate, checks: Checks, *, matched: list) -> None:
    """`matched`: the adoption journeys (of any child) matched with this household."""
    _household(checks, candidate)
    if candidate.approval_date is not None:
        early = [j for j in matched
                 if j.matched_date is not None and j.matched_date < candidate.approval_date]
        checks.require(not early, "approval_date", "local",
                       "a child was matched with this household before this approval date")
    elif matched:
        checks.fail("approval_date", "local",
                    "this household is matched with a child, so its approval must stay recorded")


# --- missing episodes and return interviews ----------------------------------------------------

def _returned_at(checks: Checks, end_date, returned_at) -> None:
    if returned_at is not None:
        checks.require(end_date is not None and local_time(returned_at).date() == end_date, "returned_at",
                       "local", "the time the child returned must be on the day the episode ended")


def check_missing_episode_start(h: ChildHistory, candidate, checks: Checks) -> None:
    start_date, end_date = candidate.start_date, candidate.end_date
    checks.code(candidate.kind, codes.MissingType, "kind", "903 1006", "Missing type")
    if checks.require(start_date is not None, "start_date", "903 564",
                      "the date the child went missing is required"):
        checks.not_future(start_date, "start_date", "903 1004", "the start date")
        not_before_birth(checks, h.child, start_date, "start_date", "903 586",
                         "the missing episode")
        if period_on(h, start_date) is None:
            if never_or_later_in_care(h, start_date):
                checks.fail("start_date", "903 581",
                            "the child had not started to be looked after on that date")
            else:
                checks.fail("start_date", "903 578",
                            "the child had ceased to be looked after on that date")
        if end_date is not None:
            checks.not_future(end_date, "end_date", "903 1005", "the end date")
            checks.require(end_date >= start_date, "end_date", "903 567",
                           "the episode cannot end before it started")
        clash = overlapping(h.missing, start_date, end_date, leave_out=candidate.pk)
        checks.require(not clash, "start_date", "903 574",
                       "missing/away episodes cannot overlap or start while another is open")
        _not_outlasting_placement(h, checks, start_date, end_date)
    _returned_at(checks, end_date, candidate.returned_at)


def check_missing_episode_end(h: ChildHistory, candidate, checks: Checks) -> None:
    """`candidate`: the missing episode with its end date (and return time) set."""
    before = held(h.missing, candidate.pk) or candidate
    end_date = candidate.end_date
    checks.require(before.end_date is None, "end_date", "local",
                   "this missing episode has already ended")
    checks.not_future(end_date, "end_date", "903 1005", "the end date")
    checks.require(end_date >= candidate.start_date, "end_date", "903 567",
                   "the episode cannot end before it started")
    clash = overlapping(h.missing, candidate.start_date, end_date, leave_out=candidate.pk)
    checks.require(not clash, "end_date", "903 574", "missing/away episodes cannot overlap")
    _not_outlasting_placement(h, checks, candidate.start_date, end_date)
    _returned_at(checks, end_date, candidate.returned_at)


def _not_outlasting_placement(h: ChildHistory, checks: Checks, start_date, end_date) -> None:
    ended = placement_outlasted(h, start_date, end_date)
    if ended is not None:
        checks.fail("end_date", "903 575", f"the placement the child went missing from ended on "
                    f"{ended.dec:%d/%m/%Y}: the missing/away episode must end by then")


def check_return_interview_record(h: ChildHistory, candidate, checks: Checks) -> None:
    """`candidate`: the missing episode with the return interview offer recorded."""
    offered_at = candidate.return_interview_offered_at
    checks.require(candidate.end_date is not None, "return_interview_offered_at", "local",
                   "a return interview follows the child's return; end the episode first")
    checks.require(offered_at.replace(tzinfo=offered_at.tzinfo or now().tzinfo) <= now(),
                   "return_interview_offered_at", "local", "the offer cannot be in the future")
    if candidate.returned_at is not None:
        checks.require(offered_at >= candidate.returned_at, "return_interview_offered_at",
                       "local", "the interview cannot be offered before the child returned")
    elif candidate.end_date is not None:
        checks.require(local_time(offered_at).date() >= candidate.end_date, "return_interview_offered_at",
                       "local", "the interview cannot be offered before the child returned")
    held_on = candidate.return_interview_held_on
    if held_on is not None:
        checks.not_future(held_on, "return_interview_held_on", "local", "the interview")
        checks.require(candidate.return_interview_accepted is not False, "return_interview_held_on",
                       "local", "the child declined the interview; it cannot also have been held")
        checks.require(held_on >= local_time(offered_at).date(), "return_interview_held_on", "local",
                       "the interview cannot be held before it was offered")


# --- deprivation of liberty -----------------------------------------------------------------------

def check_deprivation_of_liberty_record(h: ChildHistory, candidate, checks: Checks) -> None:
    start_date, end_date = candidate.start_date, candidate.end_date
    checks.not_future(start_date, "start_date", "903 700", "the start date")
    not_before_birth(checks, h.child, start_date, "start_date", "903 708", "the order")
    if end_date is not None:
        checks.not_future(end_date, "end_date", "903 701", "the end date")
        checks.require(end_date >= start_date, "end_date", "903 702",
                       "the order cannot end before it started")
    clash = overlapping(h.dolos, start_date, end_date, leave_out=candidate.pk)
    checks.require(not clash, "start_date", "903 705",
                   "an order cannot start while another is still open, or overlap one")
    ep = episode_on(h, start_date)
    if checks.require(ep is not None, "start_date", "local",
                      "the child must be looked after when the order starts"):
        checks.require(ep.placement not in DOLO_FORBIDDEN, "start_date", "903 710",
                       _DOLO_PLACEMENT_MESSAGE)


def check_deprivation_of_liberty_end(h: ChildHistory, candidate, checks: Checks) -> None:
    """`candidate`: the order with its end date set."""
    before = held(h.dolos, candidate.pk) or candidate
    end_date = candidate.end_date
    checks.require(before.end_date is None, "end_date", "local", "this order has already ended")
    checks.not_future(end_date, "end_date", "903 701", "the end date")
    checks.require(end_date >= candidate.start_date, "end_date", "903 702",
                   "the order cannot end before it started")
    clash = overlapping(h.dolos, candidate.start_date, end_date, leave_out=candidate.pk)
    checks.require(not clash, "end_date", "903 705", "orders cannot overlap")


# --- previous permanence and care leavers ----------------------------------------------------------

def check_previous_permanence_record(h: ChildHistory, candidate, checks: Checks) -> None:
    checks.free_text(candidate)
    option, la_code, order_date = candidate.option, candidate.la_code, candidate.order_date
    checks.code(option, codes.PreviousPermanence, "option", "903 631", "Previous permanence")
    if la_code:
        checks.require(la_code.isdigit() and len(la_code) == 3, "la_code", "903 633",
                       "the LA where permanence was arranged is a 3-digit DfE LA number")
    if option == "Z1":
        checks.require(not la_code and order_date is None, "option", "903 635",
                       "no date or LA when there was no previous permanence (Z1)")
    period = latest_period(h)
    checks.require(period is not None and period.start_date >= PREVIOUS_PERMANENCE_FROM,
                   "option", "903 634", "previous permanence is recorded for children who "
                   "started to be looked after from 1 April 2016")
    if order_date is not None:
        checks.not_future(order_date, "order_date", "903 632", "the order date")
        not_before_birth(checks, h.child, order_date, "order_date", "903 632", "the order")
        if period is not None:
            checks.require(order_date <= period.start_date, "order_date", "903 632",
                           "the previous order must be before the child started to be looked after")


def check_care_leaver_contact_record(h: ChildHistory, candidate, checks: Checks) -> None:
    child, contact_date = h.child, candidate.contact_date
    in_touch, activity, accommodation = (candidate.in_touch, candidate.activity,
                                         candidate.accommodation)
    checks.not_future(contact_date, "contact_date", "local", "the contact date")
    not_before_birth(checks, child, contact_date, "contact_date", "local", "the contact")
    checks.not_future(candidate.pathway_plan_review_date, "pathway_plan_review_date", "local",
                      "the pathway plan review")
    checks.code(in_touch, codes.CareLeaverInTouch, "in_touch", "903 131", "In touch")
    if checks.require(bool(activity) and bool(accommodation), "activity", "903 153",
                      "activity and accommodation are both needed"):
        checks.code(activity, codes.CareLeaverActivity, "activity", "903 132", "Activity")
        checks.code(accommodation, codes.CareLeaverAccommodation, "accommodation", "903 133",
                    "Accommodation")
    if in_touch in {"DIED", "RHOM"}:
        checks.require(activity == "0" and accommodation == "0", "activity", "903 344",
                       "the young person died or returned home: activity and accommodation are 0")
    if in_touch == "YES":
        checks.require(activity != "0" and accommodation != "0", "activity", "903 345",
                       "the council is in touch: give the activity and accommodation")
    last = last_episode(h)
    if checks.require(last is not None, "contact_date", "903 1002",
                      "the young person has never been looked after"):
        checks.require(open_period(h) is None, "contact_date", "903 1007",
                       "the young person is still looked after")
        checks.require(last.rec != "E2", "contact_date", "903 1000",
                       "the child died in care")
        checks.require(last.rec != "E3", "contact_date", "903 1011",
                       "care was transferred to another local authority")
        checks.require(relevant_or_former_relevant(h), "contact_date", "903 1001",
                       "the young person is not a relevant or former relevant child (13 weeks "
                       "looked after since 14, including after 16)")
    if child.date_of_birth:
        age = age_on(child.date_of_birth, contact_date)
        checks.require(not (age < 18 and accommodation in {"T1", "T2"}), "accommodation",
                       "903 347", "a care leaver under 18 cannot be accommodated in a foyer")
        seventeen = child.date_of_birth + relativedelta(years=17)
        near_17 = seventeen - relativedelta(months=3) <= contact_date < (
            seventeen + relativedelta(years=1))
        checks.require(not (near_17 and accommodation in {"Z1", "Z2"}), "accommodation",
                       "903 3001", "around their 17th birthday a care leaver cannot be living "
                       "with former foster carers (that is staying put after 18)")


def check_care_leaver_eligibility_record(h: ChildHistory, candidate, checks: Checks) -> None:
    """`candidate`: the young person's leaving-care status as it would be saved."""
    E = CareLeaverStatus.Eligibility
    child, eligibility, since_date = h.child, candidate.eligibility, candidate.since_date
    checks.code(eligibility, E, "eligibility", "local", "Care leaver eligibility")
    dob = child.date_of_birth
    if checks.require(since_date is not None, "since_date", "local", "the date is required"):
        checks.not_future(since_date, "since_date", "local", "The date")
        not_before_birth(checks, child, since_date, "since_date", "local", "The date")
    if not (checks.require(dob is not None, "eligibility", "local",
                           "leaving-care status depends on age: record the date of birth first")
            and since_date is not None and eligibility in E.values and since_date >= dob):
        return
    age = age_on(dob, since_date)
    days, after_sixteen = care_since_fourteen(h, since_date)
    thirteen_weeks = days >= 91
    if eligibility in (E.ELIGIBLE, E.RELEVANT):
        checks.require(16 <= age < 18, "eligibility", "local",
                       "eligible and relevant children are aged 16 or 17")
    elif eligibility == E.FORMER_RELEVANT:
        checks.require(18 <= age < 25, "eligibility", "local",
                       "a former relevant child is aged 18 to 24")
    else:
        checks.require(16 <= age < 25, "eligibility", "local",
                       "a qualifying care leaver is aged 16 to 24")
    if eligibility == E.ELIGIBLE:
        checks.require(period_on(h, since_date) is not None, "since_date", "local",
                       "an eligible child is looked after on that date")
        checks.require(thirteen_weeks, "eligibility", "local",
                       "an eligible child has been looked after for at least 13 weeks since "
                       "age 14 (not counting pre-planned short breaks)")
    elif eligibility == E.RELEVANT:
        checks.require(not in_care_after(h, since_date), "since_date", "local",
                       "a relevant child is no longer looked after")
    if eligibility in (E.RELEVANT, E.FORMER_RELEVANT):
        checks.require(thirteen_weeks and after_sixteen, "eligibility", "local",
                       "relevant and former relevant children were looked after for at least "
                       "13 weeks since age 14, including after their 16th birthday")
    if eligibility == E.QUALIFYING:
        checks.require(not (thirteen_weeks and after_sixteen), "eligibility", "local",
                       "the care history shows 13 weeks looked after since 14 including after "
                       "16: the young person is eligible, relevant or former relevant instead")
