"""A made-up year of supervision for the demo council, recorded through the services: each worker
in a team with a manager supervised about as often as the council's table expects, with a few gaps
so compliance is not all green, one newly qualified worker on weekly supervision, and some case
decisions written on the children's records as management oversight. Words are invented."""

from __future__ import annotations

import datetime as dt
import random

from safeguard.access import policy
from safeguard.workforce.models import Allocation, Team, User

from . import services
from .rules import SUPERVISED_ROLES

DECISIONS = ["Visit within five working days and see the child alone.",
             "Convene a family network meeting before the next review.",
             "Update the chronology and the plan's contingency.",
             "Request the school's view before the assessment is completed.",
             "Step down to early help if the next visit confirms progress."]
REFLECTIONS = ["Talked through the impact of a difficult home visit.",
               "Reflected on how the family's history shapes the worker's view.",
               "Workload and wellbeing; agreed protected time for recording."]


def load_demo_supervision(la, today: dt.date, *, seed: int = 2026, decisions_every: int = 3) -> int:
    """A year of sessions to `today` for each supervised worker whose team has a manager; returns
    how many sessions were recorded."""
    rng = random.Random(seed)
    made = 0
    teams = {t.pk: t.manager for t in Team.objects.filter(local_authority=la, manager__isnull=False)
             .select_related("manager")}
    workers = list(User.objects.filter(local_authority=la, role__in=SUPERVISED_ROLES, is_active=True,
                                       team_id__in=teams).order_by("pk"))
    for i, worker in enumerate(workers):
        manager = teams[worker.team_id]
        newly_qualified = i == 1
        if newly_qualified:
            services.arrangement_set(by=manager, supervisee_id=worker.pk, supervisor_id=manager.pk,
                                     asye_started_on=today - dt.timedelta(days=30))
        children = list(Allocation.objects.filter(worker=worker, end_date__isnull=True,
                                                  team_id=worker.team_id,
                                                  child__in=policy.children_visible_to(manager))
                        .values_list("child_id", "start_date")[:20])
        first = today - dt.timedelta(days=30 if newly_qualified else 365)
        step = 7 if newly_qualified else 30
        late = i % 3 == 2  # one worker in three has fallen behind lately
        day = today - dt.timedelta(days=(45 if late else 0) + rng.randint(0, 5))
        dates = []
        while day >= first:  # back from the latest, so the latest is where compliance looks
            dates.append(day)
            day -= dt.timedelta(days=step + rng.choice([-3, 0, 0, 2, 4]))
        for day in reversed(dates):
            decisions = []
            held = [pk for pk, start in children if start <= day]  # a decision about a case already held
            if held and made % decisions_every == 0:
                decisions = [{"child_id": rng.choice(held), "decision": rng.choice(DECISIONS)}]
            services.session_record(by=manager, supervisee_id=worker.pk, held_on=day,
                                    reflective=rng.choice(REFLECTIONS), decisions=decisions)
            made += 1
    return made
