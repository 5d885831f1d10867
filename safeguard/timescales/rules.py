"""The catalogue of clocks (INDICATORS.md Part A): what starts each, its limit, and its source.

A limit is (unit, amount): WD working days (start date is day 0), D calendar days, M calendar months.
Local choices [L] are settings a council may change; national rules cite their statutory source.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import calendar

Limit = tuple[str, int]


@dataclass(frozen=True)
class ClockRule:
    code: str
    name: str
    limit: Limit
    source: str
    later: Limit | None = None  # for chains: the limit of links after the first
    second: Limit | None = None  # for chains whose second link differs (LAC reviews)
    iro: bool = False  # shown on the IRO's worklist

    def limit_for(self, sequence: int) -> Limit:
        if sequence == 1 or self.later is None:
            return self.limit
        if sequence == 2 and self.second is not None:
            return self.second
        return self.later


RULES: dict[str, ClockRule] = {r.code: r for r in [
    ClockRule("T01", "Referral decision", ("WD", 1),
              "Working Together 2023: decision on the response within one working day of referral"),
    ClockRule("T02", "Child and family assessment", ("WD", 45),
              "Working Together 2023: assessment within 45 working days from the point of referral"),
    ClockRule("T03I", "Initial assessment (legacy)", ("WD", 10),
              "Working Together 2010: initial assessment within 10 working days (7 before April 2010)"),
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
    ClockRule("T09", "Child protection visit", ("WD", 10),
              "[L] local CP procedures: child seen every 10 working days while on a plan",
              later=("WD", 10)),
    ClockRule("T10", "Looked-after review", ("WD", 20),
              "Care Planning, Placement and Case Review Regulations 2010 reg 33: first review "
              "within 20 working days, second within 3 months, then every 6 months",
              second=("M", 3), later=("M", 6), iro=True),
    ClockRule("T11", "Looked-after statutory visit", ("D", 7),
              "Care Planning Regulations 2010 reg 28: within 1 week of placement, then at most "
              "6-weekly in the first year, 3-monthly after if long-term", later=("D", 42)),
    ClockRule("T12Q", "Initial health assessment requested", ("WD", 2),
              "[L] local standard: IHA requested within 48 hours of entering care"),
    ClockRule("T12I", "Initial health assessment", ("WD", 20),
              "Promoting the health and wellbeing of looked-after children 2015: IHA within "
              "20 working days of becoming looked after"),
    ClockRule("T12R", "Review health assessment", ("M", 12),
              "Promoting the health and wellbeing of looked-after children 2015: every 6 months "
              "under 5, every 12 months from 5"),
    ClockRule("T13", "Personal education plan", ("WD", 10),
              "Promoting the education of looked-after children 2018: PEP within 10 working days "
              "of an emergency placement"),
    ClockRule("T14", "Return home interview", ("D", 3),
              "Children who run away or go missing from home or care 2014: return interview "
              "offered within 72 hours (date-only records count 3 calendar days)"),
    ClockRule("T15", "Private fostering visit", ("WD", 7),
              "Children (Private Arrangements for Fostering) Regulations 2005 reg 8: initial visit "
              "within 7 working days, then 6-weekly in year 1, 12-weekly after", later=("D", 42)),
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
