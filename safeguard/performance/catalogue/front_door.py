"""INDICATORS.md B1. Front door."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from safeguard.assessment.models import Assessment
from safeguard.front_door.models import Contact, EarlyHelpEpisode, Referral

from ..expressions import add_months_key, date_key
from ..periods import IN_PERIOD, ROLLING_12M, SNAPSHOT, YTD
from .base import (
    CATALOGUE,
    COUNT,
    EVENTS,
    HAND_ENTERED,
    HIGH_GOOD,
    LOW_GOOD,
    NONE,
    PERCENT,
    RATE,
    Context,
    _in,
    define,
    flag,
    of_council,
    referrals,
)

S_LOCAL = "[council report] local measure; not collected nationally"


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _contacts(c: Context) -> QuerySet:
    """Contacts received on the period's days in the council's time zone (a datetime range, so
    the database can use its index rather than convert every row)."""
    contacts = Contact.objects.filter(
        received_at__gte=_local_midnight(c.start),
        received_at__lt=_local_midnight(c.end + dt.timedelta(days=1)),
    )
    return of_council(contacts, "child__local_authority", c).annotate(k_child=F("child_id"))


define(
    id="FD-01",
    name="Number of contacts",
    section="Front door",
    definition="Contacts received in the period (one per contact record).",
    source=S_LOCAL,
    cohort="contacts received in the period",
    numerator="contacts",
    denominator="-",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=COUNT,
    counts=EVENTS,
    units=lambda c: _contacts(c),
    fields=("received_at", "decision"),
    why="contact received {received_at:%d/%m/%Y}",
)

define(
    id="FD-02",
    name="Contacts progressing to a referral",
    section="Front door",
    definition="Share of contacts received in the period whose decision was a referral to "
    "children's social care; the referral is attributed to the contact's period.",
    source=S_LOCAL,
    cohort="contacts received in the period",
    numerator="decided: referral",
    denominator="contacts received",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: (
        CATALOGUE["FD-01"]
        .units(c)
        .annotate(k_num=flag(Q(decision=Contact.Decision.REFERRAL) | Q(referral__isnull=False)))
    ),
    fields=("received_at", "decision"),
    why="contact {received_at:%d/%m/%Y}, decision {decision}",
)


def _referrals_in(c: Context) -> QuerySet:
    return referrals(c).filter(_in("referral_date", c))


define(
    id="FD-03",
    name="Number of referrals",
    section="Front door",
    definition="Referrals (CINreferralDate) in the period, counted as events: a request for "
    "services where no case is already open.",
    source="DfE Children in need methodology [G: S10]",
    cohort="referrals in the period",
    numerator="referrals",
    denominator="-",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=COUNT,
    counts=EVENTS,
    units=_referrals_in,
    fields=("referral_date", "source"),
    why="referred {referral_date:%d/%m/%Y} (source {source})",
)

define(
    id="FD-04",
    name="Referral rate per 10,000 children",
    section="Front door",
    definition="Referrals in the 12 months to the date, per 10,000 children aged 0-17 (ONS "
    "mid-year estimate for mid-(t-1)).",
    source="DfE rate convention [G: S10]; INDICATORS.md F6",
    cohort="referrals in the rolling 12 months",
    numerator="referrals",
    denominator="population aged 0-17",
    period_type=ROLLING_12M,
    polarity=NONE,
    unit=RATE,
    counts=EVENTS,
    units=_referrals_in,
    fields=("referral_date",),
    why="referred {referral_date:%d/%m/%Y}",
)


def _re_referrals(c: Context) -> QuerySet:
    earlier = (
        Referral.objects.filter(child=OuterRef("child_id"), referral_date__lt=OuterRef("referral_date"))
        .annotate(k=date_key("referral_date"))
        .filter(k__gte=OuterRef("lookback"))
    )
    return (
        _referrals_in(c)
        .annotate(lookback=add_months_key("referral_date", -12))
        .annotate(
            k_num=flag(Exists(earlier)),
            previous=Subquery(earlier.order_by("-referral_date").values("referral_date")[:1]),
        )
    )


define(
    id="FD-05",
    name="Re-referrals within 12 months",
    section="Front door",
    definition="Referrals in the period where the same child had a previous referral (any "
    "outcome, any reporting year) in the 12 calendar months before it.",
    source="DfE re-referrals methodology [G: S10]; INDICATORS.md F4",
    cohort="referrals in the period",
    numerator="referrals with a previous referral in the 12 months before",
    denominator="referrals in the period",
    period_type=YTD,
    polarity=LOW_GOOD,
    unit=PERCENT,
    counts=EVENTS,
    units=_re_referrals,
    fields=("referral_date", "previous"),
    why="referred {referral_date:%d/%m/%Y}; previous referral {previous}",
)

define(
    id="FD-06A",
    name="Referrals with no further action",
    section="Front door",
    definition="Referrals in the period recorded as ReferralNFA.",
    source="DfE CIN census ReferralNFA [G: S10 C1]",
    cohort="referrals in the period",
    numerator="ReferralNFA",
    denominator="referrals in the period",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: _referrals_in(c).annotate(k_num=flag(Q(referral_nfa=True))),
    fields=("referral_date", "referral_nfa"),
    why="referred {referral_date:%d/%m/%Y}; NFA {referral_nfa}",
)

define(
    id="FD-06B",
    name="Referrals assessed as not in need",
    section="Front door",
    definition="Referrals in the period whose episode closed RC8 (NFA after assessment) or RC9 "
    "(to early help after assessment).",
    source="DfE CIN census ReasonForClosure [G: S10 C1, S17]",
    cohort="referrals in the period",
    numerator="closed RC8/RC9",
    denominator="referrals in the period",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: _referrals_in(c).annotate(k_num=flag(Q(reason_for_closure__in=("RC8", "RC9")))),
    fields=("referral_date", "reason_for_closure"),
    why="referred {referral_date:%d/%m/%Y}; closed {reason_for_closure}",
)

define(
    id="FD-07",
    name="Referrals leading to an assessment",
    section="Front door",
    definition="Referrals in the period with an assessment started on or after the referral "
    "date in the same episode.",
    source="[council report]; liia-tools journey analysis [G: S17]",
    cohort="referrals in the period",
    numerator="with an assessment",
    denominator="referrals in the period",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=PERCENT,
    counts=EVENTS,
    units=lambda c: _referrals_in(c).annotate(
        k_num=flag(
            Exists(
                Assessment.objects.filter(referral=OuterRef("pk"), start_date__gte=OuterRef("referral_date"))
            )
        )
    ),
    fields=("referral_date",),
    why="referred {referral_date:%d/%m/%Y}",
)


def _early_help(c: Context) -> QuerySet:
    completed = EarlyHelpEpisode.objects.filter(
        assessment_completed_date__gte=c.start, assessment_completed_date__lte=c.end
    )
    return of_council(completed, "child__local_authority", c).annotate(k_child=F("child_id"))


define(
    id="FD-08A",
    name="Early help assessments completed",
    section="Front door",
    definition="Early help assessments completed in the period.",
    source=S_LOCAL + "; Annex A List 2",
    cohort="early help assessments completed",
    numerator="assessments",
    denominator="-",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=COUNT,
    counts=EVENTS,
    units=_early_help,
    fields=("assessment_completed_date",),
    why="completed {assessment_completed_date:%d/%m/%Y}",
)

define(
    id="FD-08B",
    name="Early help assessment rate per 10,000 (rolling)",
    section="Front door",
    definition="Early help assessments completed in the 12 months to the date per 10,000 children aged 0-17.",
    source=S_LOCAL,
    cohort="early help assessments, rolling 12 months",
    numerator="assessments",
    denominator="population aged 0-17",
    period_type=ROLLING_12M,
    polarity=NONE,
    unit=RATE,
    counts=EVENTS,
    units=_early_help,
    fields=("assessment_completed_date",),
    why="completed {assessment_completed_date:%d/%m/%Y}",
)

for _id, _name, _why in [
    ("FD-08C", "Cases through early help brokerage", "brokerage is not recorded in Safeguard"),
    (
        "FD-08D",
        "Open early help cases led by the council's prevention service",
        "the lead organisation's type is not recorded",
    ),
    (
        "FD-08E",
        "Early help decisions within 3 working days (T19a)",
        "early help decision dates are not recorded",
    ),
]:
    define(
        id=_id,
        name=_name,
        section="Front door",
        definition=f"Entered by hand: {_why}.",
        source=S_LOCAL,
        cohort="-",
        numerator="-",
        denominator="-",
        period_type=SNAPSHOT if _id == "FD-08D" else IN_PERIOD,
        polarity=NONE if _id != "FD-08E" else HIGH_GOOD,
        unit=COUNT if _id == "FD-08C" else PERCENT,
        counts=EVENTS,
        status=HAND_ENTERED,
        status_reason=_why,
    )

define(
    id="FD-09",
    name="Referrals by source",
    section="Front door",
    definition="Referrals in the period by ReferralSource (context table).",
    source="CIN census ReferralSource [G: S17]",
    cohort="referrals in the period",
    numerator="referrals",
    denominator="-",
    period_type=IN_PERIOD,
    polarity=NONE,
    unit=COUNT,
    counts=EVENTS,
    units=_referrals_in,
    fields=("referral_date", "source"),
    breakdown="source",
    why="referred {referral_date:%d/%m/%Y} by source {source}",
)
