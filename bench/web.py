"""Load on the practitioners' web app (issue 20): locust, headless, loopback only, against the database
in DATABASE_URL (PostgreSQL holding a large council). One invocation runs three loads against the
same gunicorn and prints JSON: p50/p95 latency (ms), requests per second and failures per page, and
the ratios to the floor measured in the same run.

1. floor: the anonymous sign-in page, `--users` users, no think time;
2. mix: signed-in social workers, `--users` users, no think time: worklist, trays (my cases,
   incoming), child record, case notes, family, search, and writing a case note (the save path);
3. realistic: `--realistic-users` signed-in practitioners (300), each acting every 5-15 s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/safeguard_bench .venv/bin/python bench/web.py \
        [--users 50] [--realistic-users 300] [--seconds 40] [--workers 4] [--generate large]

`--generate SIZE` first migrates and generates a council of that size if the database has none.
Sessions are made directly for existing social workers (no password is set or changed). Writing a
note adds case notes to the children of the signed-in workers (marked "Bench:").
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def prepare(generate: str | None, n_workers: int) -> dict:
    """Sessions for the busiest social workers and, for each, children they may open, children
    allocated to them (where they write notes) and misspelt names to search for. The busiest are
    those whose To do is longest (the open clocks of the children they hold as social worker), then
    by caseload: on a generated council a child-in-need team's worker holds the most children but
    few clocks, and a care-leaver team's worker holds young people as their PA, with none."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db.models import Count, Q
    from django.middleware.csrf import _get_new_csrf_string

    from safeguard.access.policy import children_visible_to
    from safeguard.people.models import Child
    from safeguard.workforce.models import Allocation, User

    if generate:
        call_command("migrate", verbosity=0)
        if not Child.objects.exists():
            call_command("generate", size=generate, seed=1)
    held = Q(allocations__end_date__isnull=True, allocations__kind=Allocation.Kind.SOCIAL_WORKER)
    workers = list(
        User.objects.filter(role="social_worker", is_active=True, local_authority__isnull=False)
        .annotate(
            cases=Count("allocations", filter=held, distinct=True),
            due=Count("allocations__child__clocks", filter=held & Q(
                allocations__child__clocks__met_date__isnull=True,
                allocations__child__clocks__stopped_date__isnull=True)),
        )
        .order_by("-due", "-cases", "pk")[:n_workers]
    )
    if not workers:
        raise SystemExit("no social workers in this database: generate a council first (--generate large)")
    rng = random.Random(1)
    plan = {"workers": [], "children_total": Child.objects.count(), "csrf": _get_new_csrf_string()}
    for user in workers:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.set_expiry(3 * 3600)
        session.create()
        rows = list(children_visible_to(user).values_list("pk", "last_name")[:500])
        if not rows:
            continue
        allocated = list(
            Allocation.objects.filter(worker=user, end_date__isnull=True, child__is_restricted=False)
            .values_list("child_id", flat=True)[:50]
        )
        names = []
        for _, last in rng.sample(rows, min(20, len(rows))):
            i = rng.randrange(1, max(2, len(last)))
            names.append(last[:i] + last[i + 1 :] if len(last) > 4 else last)  # one letter dropped
        plan["workers"].append(
            {
                "session": session.session_key,
                "children": [pk for pk, _ in rows],
                "allocated": allocated,
                "names": names,
                "cases": user.cases,
            }
        )
    return plan


def run_locust(tmp: Path, env: dict, phase: str, *, user_class: str, users: int, seconds: int,
               port: int, wait: str = "0,0") -> dict:
    """One headless locust run; its per-page figures and the whole run's throughput."""
    prefix = tmp / phase
    subprocess.run(
        [str(BIN / "locust"), "-f", str(ROOT / "bench" / "web_locustfile.py"), user_class, "--headless",
         "-u", str(users), "-r", str(min(users, 50)), "-t", f"{seconds}s",
         "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary",
         "--loglevel", "WARNING"],
        cwd=ROOT, env=dict(env, SAFEGUARD_BENCH_WAIT=wait), check=False, stdout=subprocess.DEVNULL,
    )
    pages, total = {}, {}
    with open(f"{prefix}_stats.csv") as fh:
        for row in csv.DictReader(fh):
            figures = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
                "rps": round(float(row["Requests/s"]), 1),
            }
            if row["Name"] == "Aggregated":
                total = figures
            else:
                pages[row["Name"]] = figures
    return {"users": users, "seconds": seconds, "think_time_s": wait.replace(",", "-"),
            "throughput_rps": total.get("rps"), "failures": total.get("failures"),
            "p95_ms": total.get("p95_ms"), "pages": pages}


def profile(plan: dict, n: int, top: int) -> dict:
    """In process (Django's test client, no network): per page, the median server time, the
    queries it runs and, with `top`, the functions that take the most time (cProfile)."""
    import cProfile
    import pstats
    import statistics

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    settings.SECURE_SSL_REDIRECT = False
    me = plan["workers"][0]
    client, anonymous = Client(), Client()
    client.cookies["sessionid"] = me["session"]
    client.cookies["csrftoken"] = plan["csrf"]
    child, mine = me["children"][0], (me["allocated"] or me["children"])[0]
    day = time.strftime("%Y-%m-%d", time.localtime(time.time() - 86400)).split("-")
    note = {"kind": "phone_call", "occurred_on_day": int(day[2]), "occurred_on_month": int(day[1]),
            "occurred_on_year": day[0], "title": "Bench: call with the school",
            "text": "Attendance is better this week.", "children": [str(mine)]}
    pages = {
        "floor: sign-in page": lambda c: anonymous.get("/sign-in/"),
        "worklist": lambda c: c.get("/my-work/"),
        "tray: my cases": lambda c: c.get("/my-work/cases/"),
        "tray: incoming": lambda c: c.get("/my-work/incoming/"),
        "child record": lambda c: c.get(f"/children/{child}/"),
        "case notes": lambda c: c.get(f"/children/{child}/notes/"),
        "family and network": lambda c: c.get(f"/children/{child}/people/"),
        "search": lambda c: c.get("/children/", {"name": me["names"][0]}),
        "save: write a case note": lambda c: c.post(f"/children/{mine}/notes/new/", note,
                                                    HTTP_X_CSRFTOKEN=plan["csrf"]),
    }
    out = {}
    for name, get in pages.items():
        response = get(client)
        assert response.status_code in (200, 302), (name, response.status_code)
        with CaptureQueriesContext(connection) as captured:
            get(client)
        queries = list(captured.captured_queries)  # read now: the next request clears the log
        times = []
        prof = cProfile.Profile() if top else None
        for _ in range(n):
            t = time.perf_counter()
            if prof:
                prof.enable()
            get(client)
            if prof:
                prof.disable()
            times.append((time.perf_counter() - t) * 1000)
        out[name] = {"median_ms": round(statistics.median(times), 1), "queries": len(queries)}
        if prof:
            stats = pstats.Stats(prof).sort_stats("cumulative")
            rows = []
            for (file, line, fn), (_, calls, tt, ct, _) in stats.stats.items():
                if "site-packages" in file and ct / n < 1:
                    continue
                rows.append((ct / n * 1000, tt / n * 1000, calls // n, f"{Path(file).name}:{line}:{fn}"))
            rows.sort(reverse=True)
            out[name]["top_cumulative_ms"] = [f"{c:.1f} ({t:.1f} own, x{k}) {w}" for c, t, k, w in rows[:top]]
            out[name]["sql"] = [q["sql"][:160] for q in queries]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=50, help="users of the no-think-time loads")
    ap.add_argument("--realistic-users", type=int, default=300)
    ap.add_argument("--seconds", type=int, default=40, help="length of each load")
    ap.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    ap.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    ap.add_argument("--port", type=int, default=8099)
    ap.add_argument("--generate", default=None)
    ap.add_argument("--only", choices=["floor", "mix", "realistic"], action="append",
                    help="run only these loads (repeatable); default all three")
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="instead of the loads: each page N times in process, with its queries")
    ap.add_argument("--top", type=int, default=0, help="with --profile: the N costliest functions")
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("warning: DATABASE_URL is not PostgreSQL; figures are not comparable", file=sys.stderr)

    plan = prepare(args.generate, n_workers=3 if args.profile else args.realistic_users)
    if args.profile:
        print(json.dumps(profile(plan, args.profile, args.top), indent=2))
        return
    load_before = os.getloadavg()[0]  # the machine is shared: figures mean little under other load
    tmp = Path(tempfile.mkdtemp(prefix="safeguard-bench-web-"))
    (tmp / "plan.json").write_text(json.dumps(plan))
    env = dict(
        os.environ,
        SAFEGUARD_BENCH_PLAN=str(tmp / "plan.json"),
        SAFEGUARD_INSECURE_COOKIES="1",
        ALLOWED_HOSTS="127.0.0.1",
    )
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "safeguard.wsgi", "--bind", f"127.0.0.1:{args.port}",
         "--workers", str(args.workers), "--threads", str(args.threads), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    loads = {}
    only = args.only or ["floor", "mix", "realistic"]
    try:
        url = f"http://127.0.0.1:{args.port}/sign-in/"
        for _ in range(60):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        common = dict(tmp=tmp, env=env, port=args.port, seconds=args.seconds)
        if "floor" in only:
            loads["floor"] = run_locust(phase="floor", user_class="Floor", users=args.users, **common)
        if "mix" in only:
            loads["mix"] = run_locust(phase="mix", user_class="Worker", users=args.users, **common)
        if "realistic" in only:
            loads["realistic"] = run_locust(phase="realistic", user_class="Worker", wait="5,15",
                                            users=args.realistic_users, **common)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    load_after = os.getloadavg()[0]
    summary = {}
    floor = loads.get("floor", {}).get("throughput_rps")
    if floor and "mix" in loads:
        summary["floor_rps"] = floor
        summary["mix_rps"] = loads["mix"]["throughput_rps"]
        summary["mix_to_floor"] = round(loads["mix"]["throughput_rps"] / floor, 2)
        summary["aim_mix_to_floor"] = 0.5
    if "realistic" in loads:
        pages = loads["realistic"]["pages"]
        summary["realistic_p95_ms"] = {name: p["p95_ms"] for name, p in pages.items()}
        summary["realistic_worst_p95_ms"] = max((p["p95_ms"] for p in pages.values()), default=None)
        summary["realistic_failures"] = loads["realistic"]["failures"]
        summary["save_p95_ms"] = pages.get("save: write a case note", {}).get("p95_ms")
        summary["aims_ms"] = {"page_p95": 150, "save_p95": 100}
    print(
        json.dumps(
            {
                "benchmark": "web",
                "database": os.environ.get("DATABASE_URL", "sqlite").split("@")[-1],
                "children_in_database": plan["children_total"],
                "gunicorn_workers": args.workers,
                "threads": args.threads,
                "signed_in_workers": len(plan["workers"]),
                "load_average_1min": {"before": round(load_before, 2), "after": round(load_after, 2)},
                "summary": summary,
                "loads": loads,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
