"""Issue 17: submitting, returning and authorising an assessment, server time and queries, in a
generated council; beside the framework's floor (the sign-in page) in the same run. Each is a POST
through the page (Django's test client, in process: the time the application spends, not the
browser's), so it includes the form, the access policy, the record's unit of work (the check, the
save, the history, the audit, the clocks) and the redirect. Prints JSON.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/safeguard_bench_large \
        .venv/bin/python bench/decisions.py [--generate large] [--assessments 30]

The queries of each step are counted for a child with a short record and for one with a long one
(many earlier episodes): a fixed number of queries means the same count for both.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench._inprocess as bench  # noqa: E402  (after the path)

SECTIONS = ("developmental_needs", "parenting_capacity", "family_and_environment", "wishes_and_feelings",
            "analysis", "recommendation")


def _version(page: str) -> str:
    return re.search(r'name="version" value="(\d+)"', page).group(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--generate", default="", help="generate a council of this size if none")
    parser.add_argument("--assessments", type=int, default=30)
    args = parser.parse_args()

    bench.start(args.generate)
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from safeguard.assessment import services as assessment
    from safeguard.assessment.models import Assessment, AssessmentContent
    from safeguard.front_door import services as front_door
    from safeguard.front_door.models import Referral
    from safeguard.people.models import Child
    from safeguard.workforce.models import Allocation, User
    from safeguard.workforce.services import allocation_start

    manager = (User.objects.filter(role="team_manager", is_active=True, team__isnull=False)
               .order_by("pk").first())
    if manager is None:
        raise SystemExit("no council here: pass --generate large")
    worker, _ = User.objects.get_or_create(
        username="bench-decisions-worker",
        defaults=dict(role="social_worker", team=manager.team, local_authority=manager.local_authority))
    day = bench.last_working_day()
    # Children with no open episode, the longest records first (the most earlier episodes).
    closed = (Child.objects.filter(local_authority=manager.local_authority, is_restricted=False,
                                   date_of_birth__isnull=False)
              .exclude(referrals__closure_date__isnull=True)
              .annotate(episodes=Count("referrals")).filter(episodes__gte=1).order_by("-episodes", "pk"))
    children = list(closed[: args.assessments])
    short = closed.filter(episodes=1).first()
    if short is not None:
        children.append(short)
    for child in children:
        if not Allocation.objects.filter(child=child, worker=worker, end_date__isnull=True).exists():
            allocation_start(by=manager, child_id=child.pk, worker_id=worker.pk, start_date=day)
        r = Referral.objects.filter(child=child, closure_date__isnull=True).first()
        if r is None:
            r = front_door.referral_open(by=worker, child_id=child.pk, referral_date=day, source="1A")
            r = front_door.referral_record_response(by=manager, referral_id=r.pk, expected_version=r.version,
                                                    response="assessment", response_date=day)
        if not Assessment.objects.filter(referral=r).exists():
            a = assessment.assessment_start(by=worker, referral_id=r.pk, start_date=day)
            assessment.assessment_record_child_seen(by=worker, assessment_id=a.pk, expected_version=a.version,
                                                    child_seen_date=day)
            words = AssessmentContent.objects.get(assessment=a)
            assessment.assessment_save(by=worker, assessment_id=a.pk, expected_version=words.version,
                                       **{s: f"Synthetic bench words for {s}." for s in SECTIONS})

    sw, tm = Client(), Client()
    sw.force_login(worker)
    tm.force_login(manager)
    floor = bench.floor(args.assessments)

    timed = {"submit": [], "return": [], "authorise": []}
    queries: dict[str, dict] = {"submit": {}, "return": {}, "authorise": {}}
    for n, child in enumerate(children):
        a = Assessment.objects.filter(referral__child=child, status__in=("draft", "returned")).first()
        if a is None:
            continue
        base = f"/children/{child.pk}/assessments/{a.pk}/"
        label = "long_record" if n == 0 else "short_record" if child is short else None

        def post(client, url, data, step, label=label):
            page = client.get(url).content.decode()
            data = {"version": _version(page), **data}
            with CaptureQueriesContext(connection) as q:
                t = time.perf_counter()
                answer = client.post(url, data)
                took = (time.perf_counter() - t) * 1000
            assert answer.status_code == 302, (step, answer.status_code, answer.content.decode()[:2000])
            timed[step].append(took)
            if label:
                queries[step][label] = len(q)

        submission = {"outcome": "cin_plan", "requires_support": "yes", "factors": ["16A"]}
        post(sw, base + "submit/", submission, "submit")
        post(tm, base + "decide/", {"decision": "return", "comments": "Say more about the father"}, "return")
        post(sw, base + "submit/", submission, "submit")
        post(tm, base + "decide/", {"decision": "authorise", "authorisation_date_day": day.day,
                                    "authorisation_date_month": day.month,
                                    "authorisation_date_year": day.year, "requires_support": "yes",
                                    "factors": ["16A"]}, "authorise")

    out = {"database": connection.vendor, "children": Child.objects.count(),
           "floor_sign_in_page": bench.stats(floor),
           "steps": {k: {**bench.stats(v), "queries": queries[k], "x_floor": bench.x_floor(v, floor)}
                     for k, v in timed.items() if v},
           "target": "under 150 ms server time each (issue 17)"}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
