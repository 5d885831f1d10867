"""Headline rates of a council computed straight from the stored rows (plain ORM queries and
counting), independently of the generator, for comparison with the calibration."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Sum

from safeguard.assessment.models import Assessment
from safeguard.child_protection.models import ChildProtectionPlan, Conference, Section47Enquiry
from safeguard.front_door.models import Referral
from safeguard.looked_after.models import PeriodOfCare
from safeguard.people.models import PopulationEstimate
from safeguard.timescales import calendar


def headline_rates(la, year_end: dt.date) -> dict[str, float]:
    start = dt.date(year_end.year - 1, 4, 1)
    cal = calendar.current()
    population = PopulationEstimate.objects.filter(
        local_authority=la, mid_year=year_end.year - 1).aggregate(n=Sum("count"))["n"]
    per_10k = 10_000 / population

    referrals = list(Referral.objects.filter(child__local_authority=la)
                     .values_list("child_id", "referral_date"))
    by_child = defaultdict(list)
    for child_id, day in referrals:
        by_child[child_id].append(day)
    in_year = [(c, d) for c, d in referrals if start <= d <= year_end]
    re_referred = sum(1 for c, d in in_year
                      if any(d - dt.timedelta(days=365) <= p < d for p in by_child[c]))

    assessments = Assessment.objects.filter(referral__child__local_authority=la,
                                            authorisation_date__range=(start, year_end))
    durations = [cal.working_days_between(s, a) for s, a in
                 assessments.values_list("start_date", "authorisation_date")]

    icpcs = Conference.objects.filter(referral__child__local_authority=la, kind="initial",
                                      held_on__range=(start, year_end))
    s47_start = dict(Section47Enquiry.objects.filter(referral__child__local_authority=la)
                     .values_list("pk", "start_date"))
    icpc_wd = [cal.working_days_between(s47_start[s], held)
               for s, held in icpcs.values_list("section47_id", "held_on")]

    plans = list(ChildProtectionPlan.objects.filter(referral__child__local_authority=la)
                 .values_list("referral__child_id", "start_date", "end_date"))
    on_plan = {c for c, s, e in plans if s <= year_end and (e is None or e > year_end)}
    starts = [(c, s) for c, s, e in plans if start <= s <= year_end]
    second = sum(1 for c, s in starts if any(c2 == c and s2 < s for c2, s2, _ in plans))

    periods = PeriodOfCare.objects.filter(child__local_authority=la)
    looked_after = {c for c, s, e in periods.values_list("child_id", "start_date", "end_date")
                    if s <= year_end and (e is None or e > year_end)}
    return {
        "referrals_per_10k": len(in_year) * per_10k,
        "re_referral_rate": re_referred / len(in_year),
        "assessment_within_45wd": sum(d <= 45 for d in durations) / len(durations),
        "icpc_within_15wd": sum(0 <= d <= 15 for d in icpc_wd) / len(icpc_wd),
        "cp_rate_per_10k_at_31_march": len(on_plan) * per_10k,
        "cp_second_or_subsequent": second / len(starts),
        "cla_rate_per_10k_at_31_march": len(looked_after) * per_10k,
    }
