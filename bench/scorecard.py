"""Time and peak memory of the full performance scorecard (every indicator, all columns:
quarters 1-4, the year, previous year-end and the previous Q4) on councils already generated in
PostgreSQL databases. Prints JSON; quotes the median of --runs runs.

    .venv/bin/python bench/scorecard.py --db medium=postgres://postgres@127.0.0.1:5432/bench_medium \
        --db large=postgres://...  [--year 2026] [--runs 3]

Each database is measured in its own process (Django binds one database per process).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(year: int, runs: int, trace: bool = True) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")
    import django

    django.setup()
    from django.db import connection

    from safeguard.people.models import Child
    from safeguard.performance.scorecard import build_scorecard
    from safeguard.workforce.models import LocalAuthority

    if connection.vendor == "postgresql":
        # A freshly generated council has no planner statistics until autovacuum runs; without them
        # PostgreSQL plans the correlated look-ups as if each table held a dozen rows.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    councils = list(LocalAuthority.objects.order_by("code"))
    out: dict = {"database": connection.vendor, "councils": len(councils),
                 "children": Child.objects.count(), "year": year, "runs": runs}
    seconds, peaks, queries, per_council = [], [], 0, []
    build_scorecard(councils[0], year)  # warm the connection and caches of the database
    for _ in range(runs):
        started = time.perf_counter()
        per_council = []
        count = [0]

        def counted(execute, sql, params, many, context, count=count):
            count[0] += 1
            return execute(sql, params, many, context)

        # A counter, not Django's query log: the log keeps only the last 9,000 queries.
        with connection.execute_wrapper(counted):
            measures = 0
            for n, la in enumerate(councils, start=1):
                one = time.perf_counter()
                card = build_scorecard(la, year)
                per_council.append(time.perf_counter() - one)
                measures += len(card.rows)
                if len(councils) > 1:
                    print(f"council {n}/{len(councils)}: {per_council[-1]:.2f} s", file=sys.stderr,
                          flush=True)
        seconds.append(time.perf_counter() - started)
        queries = count[0]
    if len(councils) > 1:
        out["seconds_per_council"] = {"min": round(min(per_council), 2),
                                      "median": round(statistics.median(per_council), 2),
                                      "max": round(max(per_council), 2)}
    # Memory in a run of its own: tracemalloc slows every allocation (several times over for the ORM's
    # query building), so a timed run under it measures the tracer, not the scorecard.
    if trace:
        tracemalloc.start()
        for la in councils:
            build_scorecard(la, year)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    import resource

    out.update(measures=measures, queries=queries, seconds_median=round(statistics.median(seconds), 3),
               seconds_all=[round(s, 3) for s in seconds],
               peak_python_memory_mb=round(max(peaks) / 2**20, 1) if trace else None,
               peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
               load_average_1min=round(os.getloadavg()[0], 2))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", default=[], help="label=DATABASE_URL (repeatable)")
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-trace", action="store_true",
                        help="skip the separate memory run (tracemalloc); peak RSS is still reported")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.year, args.runs, trace=not args.no_trace)))
        return
    results = {}
    for spec in args.db or [f"default={os.environ.get('DATABASE_URL', '')}"]:
        label, _, url = spec.partition("=")
        env = {**os.environ, "DATABASE_URL": url} if url else dict(os.environ)
        command = [sys.executable, __file__, "--child", "--year", str(args.year), "--runs", str(args.runs)]
        proc = subprocess.run(command + (["--no-trace"] if args.no_trace else []), env=env,
                              stdout=subprocess.PIPE, text=True, check=False)
        if proc.returncode:
            results[label] = {"error": f"exit status {proc.returncode} (its stderr is above)"}
        else:
            results[label] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(json.dumps({"benchmark": "scorecard", "aim_seconds": {"medium": 1, "large": 3, "national": 30},
                      "results": results}, indent=2))


if __name__ == "__main__":
    main()
