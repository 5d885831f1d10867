"""Issue 18 (speed): the team manager's trays and the worker's trays, server time and queries, in a
generated council; beside the framework's floor (the sign-in page) in the same run. Each page is a
GET through Django's test client, in process (the time the application spends, not the browser's):
the access policy, the selectors, the audit rows and the template.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/safeguard_bench_team \
        .venv/bin/python bench/trays.py [--generate small] [--runs 10]

It makes (once) a front door team of a manager and 10 social workers, the first holding 30 children
and the others 10 each, moved to them from the council's open cases with the 903 reason for a change
of worker; then times each of the manager's pages, the service's figures (as the manager and as an
analyst, who reads the whole council) and the first worker's *My work* and *My cases*. Prints JSON:
p50/p95 per page and its queries, which must not grow with the team or the caseload: each page first
opened (nothing kept) and opened again (the manager's other tabs' counts kept for a minute).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bench._inprocess as bench  # noqa: E402  (after the path)

TEAM_NAME = "Bench trays team"
WORKERS = 10
FIRST_CASELOAD = 30
OTHER_CASELOAD = 10


def _set_up():
    """The bench team (made once): its manager, ten workers, and their caseloads."""
    from django.db.models import Exists, OuterRef

    from safeguard.front_door.models import Referral
    from safeguard.people.models import Child
    from safeguard.workforce.models import Allocation, LocalAuthority, Team, User
    from safeguard.workforce.services import allocation_start

    council = LocalAuthority.objects.order_by("pk").first()
    if council is None:
        raise SystemExit("no council here: pass --generate small")
    team, made = Team.objects.get_or_create(local_authority=council, name=TEAM_NAME,
                                            defaults={"service": "Front door"})
    manager, _ = User.objects.get_or_create(username="bench-trays-manager", defaults=dict(
        role="team_manager", team=team, local_authority=council, first_name="Bench", last_name="Manager"))
    if team.manager_id != manager.pk:
        team.manager = manager
        team.save()
    workers = [User.objects.get_or_create(username=f"bench-trays-worker-{i}", defaults=dict(
        role="social_worker", team=team, local_authority=council, first_name=f"Worker{i}",
        last_name="Bench"))[0] for i in range(WORKERS)]
    analyst = User.objects.filter(role="analyst", local_authority=council, is_active=True).first()
    if analyst is None:
        analyst = User.objects.create(username="bench-trays-analyst", role="analyst", local_authority=council)
    if made or not Allocation.objects.filter(worker=workers[0], end_date__isnull=True).exists():
        open_case = Exists(Referral.objects.filter(child=OuterRef("pk"), closure_date__isnull=True))
        children = list(Child.objects.filter(open_case, local_authority=council, is_restricted=False)
                        .exclude(allocations__worker__team=team).order_by("pk")
                        .values_list("pk", flat=True)[:FIRST_CASELOAD + OTHER_CASELOAD * (WORKERS - 1)])
        day = dt.date.today()
        for n, child_id in enumerate(children):
            worker = workers[0] if n < FIRST_CASELOAD else workers[1 + (n - FIRST_CASELOAD) % (WORKERS - 1)]
            held = Allocation.objects.filter(child_id=child_id, kind="social_worker",
                                             end_date__isnull=True).first()
            if held is not None and held.start_date >= day:
                continue
            allocation_start(by=manager, child_id=child_id, worker_id=worker.pk, start_date=day,
                             change_reason="ORGRST" if held else "")
    return manager, workers, analyst


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--generate", default="", help="generate a council of this size if none")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    bench.start(args.generate)
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from safeguard.people.models import Child
    from safeguard.web.team import oversight_scope
    from safeguard.workforce import selectors as oversight

    manager, workers, analyst = _set_up()
    waiting = oversight.unallocated(oversight_scope(manager)).first()

    clients = {}
    for who, user in (("manager", manager), ("worker", workers[0]), ("analyst", analyst)):
        clients[who] = Client()
        clients[who].force_login(user)
    pages = [
        ("manager", "/manager/"), ("manager", "/manager/caseloads/"),
        ("manager", f"/manager/caseloads/{workers[0].pk}/"), ("manager", "/manager/visits/"),
        ("manager", "/manager/drift/"), ("manager", "/manager/unallocated/"),
        *([("manager", f"/manager/unallocated/{waiting.pk}/")] if waiting else []),
        ("manager", "/team/service/"), ("analyst", "/team/service/"),
        ("worker", "/my-work/"), ("worker", "/my-work/cases/"),
    ]
    floor = bench.floor(args.runs)
    out_pages = {}
    for who, url in pages:
        client = clients[who]
        assert client.get(url).status_code == 200, url  # warm
        out_pages[f"{who} {url}"] = {}
        # First opened (nothing kept: every tab's count read) and opened again within the minute
        # the manager's other tabs' counts are kept (web.team.TAB_COUNTS_SECONDS).
        for state in ("first", "again"):
            times = []
            for _ in range(args.runs):
                if state == "first":
                    cache.clear()
                with CaptureQueriesContext(connection) as q:
                    t = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            out_pages[f"{who} {url}"][state] = {**bench.stats(times), "queries": len(q),
                                                "x_floor": bench.x_floor(times, floor)}
    loads = oversight.team_caseloads(oversight_scope(manager))
    out = {"database": connection.vendor, "children": Child.objects.count(),
           "team_workers": len(loads),
           "largest_caseload": max((c.figures.children for c in loads), default=0),
           "unallocated": oversight.unallocated(oversight_scope(manager)).count(),
           "floor_sign_in_page": bench.stats(floor), "pages": out_pages,
           "target": "under 150 ms server time each on PostgreSQL in a large council (issue 18)"}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
