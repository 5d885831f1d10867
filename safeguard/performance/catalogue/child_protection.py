"""INDICATORS.md B3. Child protection."""

from __future__ import annotations

from dataclasses import replace

from dateutil.relativedelta import relativedelta
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from safeguard.child_protection.models import ChildProtectionPlan, Conference, Section47Enquiry

from ..expressions import add_months_key, date_key
from ..periods import IN_PERIOD, ROLLING_12M, SNAPSHOT, YTD
from .base import (
    _CLOCK_FIELDS,
    _CLOCK_WHY,
    CHILDREN,
    COUNT,
    CP_LONG_PLAN_MONTHS,
    EVENTS,
    HAND_ENTERED,
    HIGH_GOOD,
    LOW_GOOD,
    NONE,
    PERCENT,
    RANGE,
    RATE,
    Context,
    Windowed,
    _in,
    _open_at,
    _open_between,
    _wd,
    children,
    clocks_due,
    define,
    flag,
    late_link,
    of_council,
    on_cp_plan_at,
)


def _s47_started(c: Context) -> QuerySet:
    return (
        of_council(Section47Enquiry.objects, "referral__child__local_authority", c)
        .filter(_in("start_date", c))
        .annotate(k_child=F("referral__child_id"))
    )


define(
    id="CP-01",
    name="Section 47 enquiries",
    section="Child protection",
    definition="Section 47 enquiries started (S47ActualStartDate) in the period, as events.",
    source="DfE C4 [G: S10]",
    cohort="S47 enquiries started",
    numerator="enquiries",
    denominator="-",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=COUNT,
    counts=EVENTS,
    units=_s47_started,
    fields=("start_date",),
    why="S47 started {start_date:%d/%m/%Y}",
)

define(
    id="CP-01R",
    name="Section 47 enquiries per 10,000 children",
    section="Child protection",
    definition="Section 47 enquiries started in the 12 months to the date per 10,000 children 0-17.",
    source="DfE C4 [G: S10]; F6",
    cohort="S47 enquiries, rolling 12 months",
    numerator="enquiries",
    denominator="population aged 0-17",
    period_type=ROLLING_12M,
    polarity=NONE,
    unit=RATE,
    counts=EVENTS,
    units=_s47_started,
    fields=("start_date",),
    why="S47 started {start_date:%d/%m/%Y}",
)

_ICPC_FOR_S47 = Conference.objects.filter(kind=Conference.Kind.INITIAL, section47=OuterRef("pk"))

define(
    id="CP-02",
    name="Section 47 enquiries leading to an initial conference",
    section="Child protection",
    definition="S47 enquiries started in the period that led to an initial child protection "
    "conference (transfer-in conferences excluded; ICPCnotRequired excluded from the "
    "numerator). Recent enquiries may not yet have reached conference.",
    source="[council report]; T05 edge (b)",
    cohort="S47 enquiries started",
    numerator="led to an ICPC",
    denominator="S47 enquiries started",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: _s47_started(c).annotate(k_num=flag(Exists(_ICPC_FOR_S47) & Q(icpc_not_required=False))),
    fields=("start_date", "icpc_not_required"),
    why="S47 started {start_date:%d/%m/%Y}",
)


def _conferences(c: Context, kind: str = Conference.Kind.INITIAL) -> QuerySet:
    return (
        of_council(Conference.objects.filter(kind=kind), "referral__child__local_authority", c)
        .filter(_in("held_on", c))
        .annotate(k_child=F("referral__child_id"))
    )


define(
    id="CP-03",
    name="Initial child protection conferences",
    section="Child protection",
    definition="Initial child protection conferences (one per child) held in the period; "
    "transfer-in conferences are counted separately (CP-03T).",
    source="DfE C4 [G: S10]",
    cohort="ICPCs held",
    numerator="ICPCs",
    denominator="-",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=COUNT,
    counts=EVENTS,
    units=_conferences,
    fields=("held_on",),
    why="ICPC held {held_on:%d/%m/%Y}",
)

define(
    id="CP-03T",
    name="Transfer-in child protection conferences",
    section="Child protection",
    definition="Transfer-in conferences (one per child) held in the period.",
    source="DfE COLLECT 'Transfer-in ICPC' [G: S10]; T06",
    cohort="transfer-in conferences held",
    numerator="conferences",
    denominator="-",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=COUNT,
    counts=EVENTS,
    units=lambda c: _conferences(c, Conference.Kind.TRANSFER_IN),
    fields=("held_on",),
    why="transfer-in conference {held_on:%d/%m/%Y}",
)


def _icpc_timeliness(c: Context) -> QuerySet:
    return (
        _conferences(c)
        .filter(section47__isnull=False, held_on__gte=F("section47__start_date"))
        .annotate(s47_start=F("section47__start_date"), wd=_wd("held_on", "section47__start_date"))
        .annotate(k_num=flag(Q(wd__lte=15)))
    )


define(
    id="CP-04",
    name="Initial conferences within 15 working days",
    section="Child protection",
    definition="ICPCs held in the period (transfer-in excluded) with at most 15 working days from "
    "S47ActualStartDate (day 0, the DfE benchmark clock) to the conference; conferences "
    "dated before the enquiry, or with no enquiry, are left out of both counts.",
    source="Working Together 2023 [G: S3]; DfE C4 and metric 3217 [G: S10, S12]",
    cohort="ICPCs held in the period",
    numerator="within 15 working days",
    denominator="ICPCs with an S47",
    period_type=YTD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    units=_icpc_timeliness,
    fields=("s47_start", "held_on", "wd"),
    why="S47 {s47_start:%d/%m/%Y}, ICPC {held_on:%d/%m/%Y}: {wd} working days",
)

define(
    id="CP-05",
    name="Initial conferences resulting in a plan",
    section="Child protection",
    definition="ICPCs held in the period that decided the child needs a child protection plan.",
    source="Annex A List 5 [G: S15]",
    cohort="ICPCs held",
    numerator="resulted in a CP plan",
    denominator="ICPCs held",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: _conferences(c).annotate(k_num=flag(Q(plan_required=True) | Q(cp_plan__isnull=False))),
    fields=("held_on", "plan_required"),
    why="ICPC {held_on:%d/%m/%Y}: plan {plan_required}",
)


def _plans(c: Context) -> QuerySet:
    return of_council(ChildProtectionPlan.objects, "referral__child__local_authority", c).annotate(
        k_child=F("referral__child_id")
    )


_PLANS_OPEN = Windowed(
    base=_plans,
    member=lambda c: _open_at("start_date", "end_date", c.end),
    cover=lambda c: _open_between("start_date", "end_date", c),
)


define(
    id="CP-06",
    name="Children subject to a child protection plan",
    section="Child protection",
    definition="Children with a CP plan open at the date (CPPstartDate on or before it, no "
    "CPPendDate or one after it); unborn children included.",
    source="DfE D1 [G: S10]",
    cohort="children on a plan at the date",
    numerator="children",
    denominator="-",
    period_type=SNAPSHOT,
    polarity=NONE,
    unit=COUNT,
    counts=CHILDREN,
    windowed=_PLANS_OPEN,
    fields=("start_date",),
    why="on a plan since {start_date:%d/%m/%Y}",
)

define(
    id="CP-07",
    name="Children subject to a CP plan per 10,000",
    section="Child protection",
    definition="CP-06 per 10,000 children aged 0-17.",
    source="DfE D1 [G: S10]; F6",
    cohort="children on a plan at the date",
    numerator="children",
    denominator="population aged 0-17",
    period_type=SNAPSHOT,
    polarity=NONE,
    unit=RATE,
    counts=CHILDREN,
    windowed=_PLANS_OPEN,
    fields=("start_date",),
    why="on a plan since {start_date:%d/%m/%Y}",
)

define(
    id="CP-08",
    name="Children becoming subject to a CP plan per 10,000 (rolling)",
    section="Child protection",
    definition="Distinct children starting a CP plan in the 12 months to the date per 10,000 "
    "children aged 0-17.",
    source="[council report]; DfE D1 [G: S10]",
    cohort="children starting a plan, rolling 12 months",
    numerator="children",
    denominator="population aged 0-17",
    period_type=ROLLING_12M,
    polarity=NONE,
    unit=RATE,
    counts=CHILDREN,
    units=lambda c: _plans(c).filter(_in("start_date", c)),
    fields=("start_date",),
    why="plan started {start_date:%d/%m/%Y}",
)


def _second_plans(c: Context) -> QuerySet:
    earlier = ChildProtectionPlan.objects.filter(
        referral__child=OuterRef("k_child"), start_date__lt=OuterRef("start_date")
    )
    return (
        _plans(c)
        .filter(_in("start_date", c))
        .annotate(
            k_num=flag(Q(number_of_previous_cpp__gt=0) | Exists(earlier)),
            previous=Subquery(earlier.order_by("-start_date").values("start_date")[:1]),
        )
    )


define(
    id="CP-09",
    name="Children becoming subject of a plan for a second or subsequent time",
    section="Child protection",
    definition="Children starting a CP plan in the period who had been the subject of a plan of "
    "this council before, however long ago (NumberOfPreviousCPP > 0 or an earlier plan "
    "on the record).",
    source="Former NI 65; DfE D3; LG Inform metric 100 [G: S12]; INDICATORS.md F5",
    cohort="children starting a plan",
    numerator="with a previous plan",
    denominator="children starting a plan",
    period_type=YTD,
    polarity=RANGE,
    unit=PERCENT,
    counts=CHILDREN,
    units=_second_plans,
    fields=("start_date", "number_of_previous_cpp", "previous"),
    why="plan started {start_date:%d/%m/%Y}; previous plan from {previous}; NumberOfPreviousCPP "
    "{number_of_previous_cpp}",
)

define(
    id="CP-10",
    name="Plans ending that had lasted two years or more",
    section="Child protection",
    definition="CP plans ending in the period with CPPendDate on or after CPPstartDate + 2 years "
    "(calendar arithmetic, §0.4).",
    source="Former NI 64; DfE D7 [G: S10]",
    cohort="plans ended in the period",
    numerator="lasted 2 years or more",
    denominator="plans ended",
    period_type=YTD,
    polarity=LOW_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: (
        _plans(c)
        .filter(_in("end_date", c))
        .annotate(end_key=date_key("end_date"), two_years=add_months_key("start_date", 24))
        .annotate(k_num=flag(Q(end_key__gte=F("two_years"))))
    ),
    fields=("start_date", "end_date"),
    why="plan {start_date:%d/%m/%Y} to {end_date:%d/%m/%Y}",
)

define(
    id="CP-11",
    name=f"Open plans lasting {CP_LONG_PLAN_MONTHS} months or more",
    section="Child protection",
    definition=f"Children on a CP plan at the date whose plan started at least {CP_LONG_PLAN_MONTHS} "
    "calendar months before it.",
    source="[council report] T19e",
    cohort="children on a plan at the date",
    numerator=f"plan {CP_LONG_PLAN_MONTHS}+ months",
    denominator="children on a plan",
    period_type=SNAPSHOT,
    polarity=LOW_GOOD,
    unit=PERCENT,
    counts=CHILDREN,
    windowed=replace(
        _PLANS_OPEN, numerator=lambda c: Q(start_date__lte=c.end - relativedelta(months=CP_LONG_PLAN_MONTHS))
    ),
    fields=("start_date",),
    why="on a plan since {start_date:%d/%m/%Y}",
)

define(
    id="CP-12",
    name="Child protection reviews held within timescale",
    section="Child protection",
    definition="Review conferences falling due in the period (3 months after the ICPC, then 6 "
    "months after the previous review, the chain restarting from each actual date) "
    "held on or before the due date; one not held by the end of the period is late.",
    source="Working Together 2023 via local procedures [G: S4]; INDICATORS.md T08, F1 (variant A)",
    cohort="reviews falling due",
    numerator="held on time",
    denominator="reviews falling due",
    period_type=IN_PERIOD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: clocks_due("T08", c),
    fields=_CLOCK_FIELDS,
    why=_CLOCK_WHY,
)

define(
    id="CP-13",
    name="Children on a plan visited within timescale",
    section="Child protection",
    definition="Children (born) on a CP plan at the date every visit interval of whom reaching "
    "into the period was in time, one overdue when the period began included (every "
    "10 working days by default, or the plan's own interval; each visit where the "
    "child is seen restarts the clock).",
    source="[council report] local procedures [G: S4]; T09, F2",
    cohort="children on a plan at the date",
    numerator="all visits in time",
    denominator="children on a plan",
    period_type=IN_PERIOD,
    polarity=HIGH_GOOD,
    unit=PERCENT,
    counts=CHILDREN,
    windowed=Windowed(
        base=children,
        member=lambda c: Q(on_cp_plan_at(c.end), date_of_birth__lte=c.end),
        numerator=lambda c: ~Q(late_link("T09", c)),
        cover=lambda c: Q(
            pk__in=ChildProtectionPlan.objects.filter(_open_between("start_date", "end_date", c)).values(
                "referral__child_id"
            )
        ),
    ),
    fields=("la_child_id",),
    why="on a plan at {window_end}",
)

define(
    id="CP-14",
    name="Children on a child sexual exploitation plan",
    section="Child protection",
    definition="Not held: Safeguard records no CSE plans (local, not CP plans).",
    source="[council report]",
    cohort="-",
    numerator="-",
    denominator="-",
    period_type=SNAPSHOT,
    polarity=NONE,
    unit=COUNT,
    counts=CHILDREN,
    status=HAND_ENTERED,
    status_reason="CSE plans are not part of the record",
)

define(
    id="CP-15",
    name="Plans started by initial category of abuse",
    section="Child protection",
    definition="CP plans started in the period by InitialCategoryOfAbuse (context table).",
    source="DfE D1 [G: S10]",
    cohort="plans started",
    numerator="plans",
    denominator="-",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=COUNT,
    counts=EVENTS,
    breakdown="initial_category",
    units=lambda c: _plans(c).filter(_in("start_date", c)),
    fields=("start_date", "initial_category"),
    why="plan {start_date:%d/%m/%Y}, category {initial_category}",
)
