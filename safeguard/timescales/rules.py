"""The catalogue of clocks (INDICATORS.md Part A): what starts each, its limits, and their sources.

This module is the one statement of every clock's limits (issue 22, "Clock limits stated twice"):
`derive.py` reads each limit from `RULES` and states none itself, so changing a limit here changes
the due dates derived, and a test (`tests/test_one_statement_of_limits.py`) fails if a limit is
written into `derive.py` again.

A limit is (unit, amount): WD working days (start date is day 0), D calendar days, M calendar
months, H elapsed hours (INDICATORS.md §0.4). Local choices [L] are settings a council may change;
national rules cite their statutory source. A rule states which record starts its clock and which
regime applies only in prose: choosing the regime from the record is `derive.py`'s work, the
amounts are stated here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import calendar

Limit = tuple[str, int]


@dataclass(frozen=True)
class Legacy:
    """An earlier first-link limit, in force for clocks that start before `until` (a rule replaced
    by later guidance or regulations, kept so that historical records are judged by their day)."""

    until: dt.date
    limit: Limit
    source: str


@dataclass(frozen=True)
class FromAge:
    """A limit that applies instead of the rule's own to links starting once the child is `years` old."""

    years: int
    limit: Limit


@dataclass(frozen=True)
class ClockRule:
    code: str
    name: str
    limit: Limit
    source: str
    later: Limit | None = None  # for chains: the limit of links after the first
    second: Limit | None = None  # for chains whose second link differs (LAC reviews)
    iro: bool = False  # shown on the IRO's worklist
    legacy: Legacy | None = None  # the first link's limit under earlier rules (T03I, T10)
    after_first_year: Limit | None = None  # later links starting once the first year is over
    until_first_review: Limit | None = None  # later links starting before the first review
    from_age: FromAge | None = None  # links starting once the child reaches an age (T12R)
    timed: Limit | None = None  # the limit when the start's time of day is held (T14, hours)
    ages: tuple[int, int] | None = None  # the clock applies to ages [from, to) at its start (T13)

    def limit_for(self, sequence: int) -> Limit:
        if sequence == 1 or self.later is None:
            return self.limit
        if sequence == 2 and self.second is not None:
            return self.second
        return self.later

    def first_limit(self, start: dt.date) -> Limit:
        """The first link's limit for a clock starting on `start`: the legacy one before its end."""
        if self.legacy is not None and start < self.legacy.until:
            return self.legacy.limit
        return self.limit

    def limit_at(self, start: dt.date, date_of_birth: dt.date) -> Limit:
        """The limit of a link starting on `start` for a child born on `date_of_birth`."""
        if self.from_age is not None and start >= calendar.add_years(date_of_birth, self.from_age.years):
            return self.from_age.limit
        return self.limit

    def applies_at_age(self, age: int) -> bool:
        return self.ages is None or self.ages[0] <= age < self.ages[1]


RULES: dict[str, ClockRule] = {r.code: r for r in [
    ClockRule("T01", "Referral decision", ("WD", 1),
              "Working Together 2023: decision on the response within one working day of referral"),
    ClockRule("T02", "Child and family assessment", ("WD", 45),
              "Working Together 2023: assessment within 45 working days from the point of referral"),
    # INDICATORS.md T03: "initial assessment within 7 working days of referral (NI 59, 2008-10;
    # WT 2006), raised to 10 working days (WT 2010)". derive.py has always applied 7 to referrals
    # before 1 April 2010; this rule used to state only the 10.
    ClockRule("T03I", "Initial assessment (legacy)", ("WD", 10),
              "Working Together 2010: initial assessment within 10 working days of referral",
              legacy=Legacy(dt.date(2010, 4, 1), ("WD", 7),
                            "Working Together 2006 / NI 59: initial assessment within 7 working "
                            "days of referral, for referrals before 1 April 2010")),
    ClockRule("T03C", "Core assessment (legacy)", ("WD", 35),
              "NI 60: core assessment within 35 working days of its start"),
    ClockRule("T04", "Section 47 enquiry outcome", ("WD", 15),
              "[L] local standard: section 47 outcome within 15 working days"),
    ClockRule("T05", "Initial child protection conference", ("WD", 15),
              "Working Together 2023: ICPC within 15 working days of the strategy discussion "
              "at which section 47 enquiries were initiated (CIN census InitialCPCtarget)", iro=True),
    ClockRule("T06", "Transfer-in child protection conference", ("WD", 15),
              "[L] local CP procedures: transfer-in conference within 15 working days of "
              "written notification", iro=True),
    ClockRule("T07", "First core group", ("WD", 10),
              "Working Together: first core group within 10 working days of the ICPC"),
    ClockRule("T08", "Child protection review conference", ("M", 3),
              "Working Together 2023: first review within 3 months of the ICPC, then at most "
              "every 6 months", later=("M", 6), iro=True),
    # A plan may set its own interval in working days (ChildProtectionPlan.visit_interval_working_days).
    ClockRule("T09", "Child protection visit", ("WD", 10),
              "[L] local CP procedures: child seen every 10 working days while on a plan",
              later=("WD", 10)),
    # INDICATORS.md T10: "Legacy rule (pre-April 2011, Review of Children's Cases Regs 1991): first
    # review within 28 days, then 3 months, then 6-monthly". derive.py has always applied it to
    # periods of care starting before 1 April 2011; this rule used to state only the 2010 rule.
    ClockRule("T10", "Looked-after review", ("WD", 20),
              "Care Planning, Placement and Case Review (England) Regulations 2010 reg 33: first "
              "review within 20 working days, second within 3 months, then every 6 months",
              second=("M", 3), later=("M", 6), iro=True,
              legacy=Legacy(dt.date(2011, 4, 1), ("D", 28),
                            "Review of Children's Cases Regulations 1991: first review within 28 "
                            "days, for periods of care starting before 1 April 2011")),
    # INDICATORS.md T11 (reg 28): "within 1 week of the start of any placement; at intervals of not
    # more than 6 weeks for the first year of any placement; thereafter not more than 3 months where
    # the placement is intended to last until age 18 (long-term) ...; reg 19 (placed with parent
    # before assessment complete) ...: at least weekly until the first review, then <=6 weeks".
    # derive.py applied the 3 months and the weekly visits; this rule used to state neither.
    ClockRule("T11", "Looked-after statutory visit", ("D", 7),
              "Care Planning, Placement and Case Review (England) Regulations 2010 reg 28: within "
              "1 week of placement, then at most 6-weekly in the first year, 3-monthly after if "
              "long-term; weekly until the first review when placed with a parent (reg 19)",
              later=("D", 42), after_first_year=("M", 3), until_first_review=("D", 7)),
    ClockRule("T12Q", "Initial health assessment requested", ("WD", 2),
              "[L] local standard: IHA requested within 48 hours of entering care"),
    ClockRule("T12I", "Initial health assessment", ("WD", 20),
              "Promoting the health and wellbeing of looked-after children 2015: IHA within "
              "20 working days of becoming looked after"),
    # INDICATORS.md T12: "RHA rule: every 6 months for children under 5; every 12 months for
    # children aged 5+ ... an RHA done before age 5 makes the next one due at last + 6 months even
    # if the child turns 5 in between". derive.py applied the 6 months; this rule used to state
    # only the 12 as its limit.
    ClockRule("T12R", "Review health assessment", ("M", 6),
              "Promoting the health and wellbeing of looked-after children 2015: every 6 months "
              "under 5, every 12 months from 5", from_age=FromAge(5, ("M", 12))),
    ClockRule("T13", "Personal education plan", ("WD", 10),
              "Promoting the education of looked-after children 2018: PEP within 10 working days "
              "of an emergency placement; [L] for children of school age (Reception to Year 11: "
              "aged 4 to 15 when the period of care starts)", ages=(4, 16)),
    # INDICATORS.md §0.4: "'72 hours' = 72 elapsed hours from the timestamp of return (if only a
    # date is held, treat as <= 3 calendar days and flag lower precision)". derive.py stated the 72.
    ClockRule("T14", "Return home interview", ("D", 3),
              "Children who run away or go missing from home or care 2014: return interview "
              "offered within 72 hours (date-only records count 3 calendar days)", timed=("H", 72)),
    # INDICATORS.md T15: "initial visit within 7 working days ...; then visits at intervals of not
    # more than 6 weeks in the first year and not more than 12 weeks in any later year" (reg 8).
    # derive.py applied the 12 weeks; this rule used to state only the 6.
    ClockRule("T15", "Private fostering visit", ("WD", 7),
              "Children (Private Arrangements for Fostering) Regulations 2005 reg 8: initial visit "
              "within 7 working days, then 6-weekly in year 1, 12-weekly after", later=("D", 42),
              after_first_year=("D", 84)),
    ClockRule("T16R", "Allegation referred to the LADO", ("WD", 1),
              "Working Together / KCSIE: allegation referred to the LADO within one working day"),
    ClockRule("T16S", "LADO strategy meeting", ("WD", 5),
              "[L] local LADO procedures: strategy meeting within 5 working days of threshold met"),
    ClockRule("T16V", "LADO review", ("D", 28),
              "[L] local LADO procedures: strategy review every 4 weeks", later=("D", 28)),
    ClockRule("T16C", "Allegation concluded", ("M", 1),
              "Keeping Children Safe in Education: 80% within 1 month, 90% within 3 months, all "
              "but exceptional within 12 months"),
]}

#: The statutory visits' clocks: a visit out of time is drift, and the manager's tray lists them.
VISIT_CLOCKS = ("T09", "T11", "T15")

#: CP plan and CIN drift thresholds in months (INDICATORS.md T19d/T19e) [L].
CP_PLAN_DRIFT_MONTHS = (9, 15, 18)
CIN_EPISODE_DRIFT_MONTHS = 6


def due_date(start: dt.date, limit: Limit, cal: calendar.WorkingCalendar | None = None) -> dt.date:
    unit, amount = limit
    if unit == "WD":
        return (cal or calendar.current()).add_working_days(start, amount)
    if unit == "D":
        return start + dt.timedelta(days=amount)
    if unit == "M":
        return calendar.add_months(start, amount)
    raise ValueError(f"unknown clock unit {unit!r}")


def deadline(moment: dt.datetime, limit: Limit) -> dt.datetime:
    """When a limit counted in elapsed hours from a moment runs out (T14: 72 hours from the time
    of return, INDICATORS.md §0.4); elapsed, so a change of clocks in between does not move it
    when `moment` is in UTC."""
    unit, amount = limit
    if unit == "H":
        return moment + dt.timedelta(hours=amount)
    raise ValueError(f"{unit!r} is not a limit in elapsed hours")

#: The children's statutory complaints procedure (issue 21): the Children Act 1989 Representations
#: Procedure (England) Regulations 2006 and "Getting the Best from Complaints" (DfES 2006). Kept out
#: of `RULES`, whose every clock is a child's and met by a step of the child's record: these are a
#: complaint's (Clock.child is empty, as for the LADO's), met on the complaints desk, and kept apart
#: from the child's case record as the guidance asks. Derived by `safeguard.assurance.complaints.clocks`.
COMPLAINT_RULES: dict[str, ClockRule] = {r.code: r for r in [
    ClockRule("CMP1", "Complaint stage 1: local resolution", ("WD", 10),
              "Representations Procedure (England) Regulations 2006; Getting the Best from Complaints "
              "2006: stage 1 response within 10 working days of receipt, extendable to 20"),
    ClockRule("CMP2", "Complaint stage 2: investigation", ("WD", 25),
              "Representations Procedure (England) Regulations 2006; Getting the Best from Complaints "
              "2006: stage 2 investigation and response within 25 working days of the request, "
              "extendable to 65"),
    ClockRule("CMP3", "Complaint stage 3: review panel", ("WD", 30),
              "Representations Procedure (England) Regulations 2006; Getting the Best from Complaints "
              "2006: review panel held within 30 working days of the complainant's request"),
    ClockRule("CMP3R", "Complaint stage 3: panel's report", ("WD", 5),
              "Getting the Best from Complaints 2006: the panel's report within 5 working days of "
              "the panel"),
    ClockRule("CMP3D", "Complaint stage 3: council's response", ("WD", 15),
              "Getting the Best from Complaints 2006: the council's response within 15 working days "
              "of receiving the panel's report"),
]}

#: The longest a complaint's stage may be extended to, with a reason recorded (stage 1: to 20
#: working days; stage 2: to 65), the same sources as `COMPLAINT_RULES`.
COMPLAINT_EXTENDED: dict[str, Limit] = {"CMP1": ("WD", 20), "CMP2": ("WD", 65)}
