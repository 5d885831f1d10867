"""Load on the practitioners' web app: locust, headless, loopback only, against the database in
DATABASE_URL (PostgreSQL holding a large council). Prints JSON: p50/p95 latency (ms) and requests
per second for the worklist, child record, case notes, family and search pages.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/safeguard_bench .venv/bin/python bench/web.py \
        [--users 50] [--seconds 60] [--workers 4] [--generate large]

`--generate SIZE` first migrates and generates a council of that size if the database has none.
Sessions are made directly for existing social workers (no password is set or changed).
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
    """Sessions for the busiest social workers and, for each, children they may open and
    misspelt names to search for."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db.models import Count, Q

    from safeguard.access.policy import children_visible_to
    from safeguard.people.models import Child
    from safeguard.workforce.models import User

    if generate:
        call_command("migrate", verbosity=0)
        if not Child.objects.exists():
            call_command("generate", size=generate, seed=1)
    workers = list(
        User.objects.filter(role="social_worker", is_active=True, local_authority__isnull=False)
        .annotate(cases=Count("allocations", filter=Q(allocations__end_date__isnull=True)))
        .order_by("-cases")[:n_workers]
    )
    if not workers:
        raise SystemExit("no social workers in this database: generate a council first (--generate large)")
    rng = random.Random(1)
    plan = {"workers": [], "children_total": Child.objects.count()}
    for user in workers:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.set_expiry(3600)
        session.create()
        rows = list(children_visible_to(user).values_list("pk", "last_name")[:2000])
        if not rows:
            continue
        names = []
        for _, last in rng.sample(rows, min(20, len(rows))):
            i = rng.randrange(1, max(2, len(last)))
            names.append(last[:i] + last[i + 1 :] if len(last) > 4 else last)  # one letter dropped
        plan["workers"].append(
            {
                "session": session.session_key,
                "children": [pk for pk, _ in rows],
                "names": names,
                "cases": user.cases,
            }
        )
    return plan


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    ap.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    ap.add_argument("--port", type=int, default=8099)
    ap.add_argument("--generate", default=None)
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("warning: DATABASE_URL is not PostgreSQL; figures are not comparable", file=sys.stderr)

    plan = prepare(args.generate, n_workers=10)
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
        [
            str(BIN / "gunicorn"),
            "safeguard.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        url = f"http://127.0.0.1:{args.port}/sign-in/"
        for _ in range(60):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(ROOT / "bench" / "web_locustfile.py"),
                "--headless",
                "-u",
                str(args.users),
                "-r",
                str(args.users),
                "-t",
                f"{args.seconds}s",
                "--host",
                f"http://127.0.0.1:{args.port}",
                "--csv",
                str(tmp / "run"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            check=False,
            stdout=subprocess.DEVNULL,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    load_after = os.getloadavg()[0]
    pages = {}
    with open(tmp / "run_stats.csv") as fh:
        for row in csv.DictReader(fh):
            pages[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
                "rps": round(float(row["Requests/s"]), 1),
            }
    print(
        json.dumps(
            {
                "benchmark": "web",
                "database": os.environ.get("DATABASE_URL", "sqlite").split("@")[-1],
                "children_in_database": plan["children_total"],
                "users": args.users,
                "seconds": args.seconds,
                "gunicorn_workers": args.workers,
                "threads": args.threads,
                "signed_in_workers": len(plan["workers"]),
                "load_average_1min": {"before": round(load_before, 2), "after": round(load_after, 2)},
                "pages": pages,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
