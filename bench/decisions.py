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
import datetime as dt
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")

SECTIONS = ("developmental_needs", "parenting_capacity", "family_and_environment", "wishes_and_feelings",
            "analysis", "recommendation")


def _stats(times: list[float]) -> dict:
    times = sorted(times)
    return {"p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1), "n": len(times)}


def _day() -> dt.date:
    day = dt.date.today() - dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _version(page: str) -> str:
    return re.search(r'name="version" value="(\d+)"', page).group(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--generate", default="", help="generate a council of this size if none")
    parser.add_argument("--assessments", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from safeguard.assessment import services as assessment
    from safeguard.assessment.models import Assessment, AssessmentContent
    from safeguard.front_door import services as front_door
    from safeguard.front_door.models import Referral
    from safeguard.people.models import Child
    from safeguard.workforce.models import Allocation, User
    from safeguard.workforce.services import allocation_start

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    settings.SECURE_SSL_REDIRECT = False
    if args.generate:
        call_command("migrate", verbosity=0)
        if not Child.objects.exists():
            call_command("generate", size=args.generate, seed=1, stdout=sys.stderr)
    manager = (User.objects.filter(role="team_manager", is_active=True, team__isnull=False)
               .order_by("pk").first())
    if manager is None:
        raise SystemExit("no council here: pass --generate large")
    worker, _ = User.objects.get_or_create(
        username="bench-decisions-worker",
        defaults=dict(role="social_worker", team=manager.team, local_authority=manager.local_authority))
    day = _day()
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
    floor = []
    anon = Client()
    anon.get("/sign-in/")
    for _ in range(args.assessments):
        t = time.perf_counter()
        anon.get("/sign-in/")
        floor.append((time.perf_counter() - t) * 1000)

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
           "floor_sign_in_page": _stats(floor),
           "steps": {k: {**_stats(v), "queries": queries[k],
                         "x_floor": round(statistics.median(v) / statistics.median(floor), 1)}
                     for k, v in timed.items() if v},
           "target": "under 150 ms server time each (issue 17)"}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
