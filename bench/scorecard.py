"""Time of the full performance scorecard (every indicator, all columns: quarters 1-4, the year,
previous year-end and the previous Q4) and of the scorecard page once its figures are kept, on
councils already generated in PostgreSQL databases, beside the figures issue 20 quotes. Prints JSON;
quotes the median of --runs runs.

    .venv/bin/python bench/scorecard.py --db medium=postgres://postgres@127.0.0.1:5432/bench_medium \
        --db large=postgres://...  [--year 2026] [--runs 3] [--dump values.json]

- cold: `build_scorecard` from the record, nothing kept (the export's way, and the page's first
  opening of a period);
- page: what the page does for each period of the year (the year and each quarter): the scorecard
  read through its kept figures (`keep=True`) and rendered, once the figures are kept. The kept
  figures are deleted before the first page run (the scorecard's own table only), so the first
  run of each period computes and keeps them;
- every council: on a database of several councils (bench/national.py), the pass a council above
  and every council in one pass grouped by council (`build_scorecards`), with whether every
  council's figures agree, beside the floor of any such pass: every council table read once;
- --dump: every indicator's value, numerator, denominator, columns and breakdown for the year and
  each quarter, to compare the answers before and after a change to the computation.

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

        # A counter, not Django's query log: the log keeps only the last 9,000 queries. It counts
        # the caller's connection only: measures read on helper connections are not counted.
        with connection.execute_wrapper(counted):
            measures, alone = 0, {}
            for n, la in enumerate(councils, start=1):
                one = time.perf_counter()
                card = build_scorecard(la, year)
                per_council.append(time.perf_counter() - one)
                measures += len(card.rows)
                alone[la.pk] = [row.as_dict() for row in card.rows]
                if len(councils) > 1:
                    print(f"council {n}/{len(councils)}: {per_council[-1]:.2f} s", file=sys.stderr,
                          flush=True)
        seconds.append(time.perf_counter() - started)
        queries = count[0]
    out.update(one_connection(councils[0], year, runs))
    if len(councils) > 1:
        out["seconds_per_council"] = {"min": round(min(per_council), 2),
                                      "median": round(statistics.median(per_council), 2),
                                      "max": round(max(per_council), 2)}
        out.update(every_council(councils, year, runs, alone))
    # Memory in a run of its own: tracemalloc slows every allocation (several times over for the ORM's
    # query building), so a timed run under it measures the tracer, not the scorecard.
    if trace:
        tracemalloc.start()
        for la in councils:
            build_scorecard(la, year)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    import resource

    out.update(page(councils[0], year, runs))
    out.update(measures=measures, queries_callers_connection=queries,
               seconds_median=round(statistics.median(seconds), 3),
               seconds_all=[round(s, 3) for s in seconds],
               peak_python_memory_mb=round(max(peaks) / 2**20, 1) if trace else None,
               peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
               load_average_1min=round(os.getloadavg()[0], 2))
    return out


def every_council(councils: list, year: int, runs: int, alone: dict) -> dict:
    """Every council in one pass, each measure's queries grouped by council (`build_scorecards`),
    timed beside the pass a council above (`seconds_median`), and whether every council's figures
    are the same in both."""
    from safeguard.performance.scorecard import build_scorecards

    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        cards = build_scorecards(councils, year)
        seconds.append(time.perf_counter() - started)
        print(f"every council in one pass: {seconds[-1]:.1f} s", file=sys.stderr, flush=True)
    equal = all([row.as_dict() for row in card.rows] == alone[card.local_authority.pk] for card in cards)
    return {"every_council_one_pass_seconds_median": round(statistics.median(seconds), 2),
            "every_council_one_pass_seconds_all": [round(s, 2) for s in seconds],
            "every_council_figures_equal_to_a_pass_a_council": equal,
            **read_once()}


def read_once() -> dict:
    """The floor of any pass over every council: each table holding councils' rows read once from
    end to end (a sequential scan counting its rows, no index), as big as the database it runs on
    and as fast as the disk and the memory caching it."""
    from django.db import connection

    sys.path.insert(0, str(ROOT / "bench"))
    from national import copied_models

    tables = [m._meta.db_table for m in copied_models()]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
        for setting in ("enable_indexscan", "enable_indexonlyscan", "enable_bitmapscan"):
            cursor.execute(f"SET {setting} = off")
        started = time.perf_counter()
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
        seconds = time.perf_counter() - started
        for setting in ("enable_indexscan", "enable_indexonlyscan", "enable_bitmapscan"):
            cursor.execute(f"RESET {setting}")
    return {"floor_every_table_read_once_seconds": round(seconds, 2), "tables_read": len(tables),
            "database_gb": round(size / 2**30, 2)}


def one_connection(la, year: int, runs: int) -> dict:
    """The first council's scorecard read on one connection (as before the measures were spread
    over `SCORECARD_CONNECTIONS`), timed beside the same council read on them, and whether every
    figure of the two readings is equal."""
    from django.conf import settings
    from django.db import connection

    from safeguard.performance.scorecard import build_scorecard

    spread = settings.SCORECARD_CONNECTIONS
    timed: dict[int, list[float]] = {1: [], spread: []}
    cards = {}
    count = [0]

    def counted(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    for _ in range(runs):
        for n in timed:
            settings.SCORECARD_CONNECTIONS = n
            count[0] = 0
            started = time.perf_counter()
            with connection.execute_wrapper(counted):
                card = build_scorecard(la, year).as_dict()
            timed[n].append(time.perf_counter() - started)
            if n == 1:
                queries = count[0]
            card.pop("generated_at")
            cards[n] = card
    settings.SCORECARD_CONNECTIONS = spread
    return {"connections": spread,
            "first_council_seconds_by_connections": {n: round(statistics.median(t), 3)
                                                     for n, t in timed.items()},
            "queries_one_connection": queries,
            "figures_equal_to_one_connection": cards[1] == cards[spread]}


def page(la, year: int, runs: int) -> dict:
    """The page's scorecard for each period of `year`: first opening (kept figures computed and
    stored) and then read back from the kept figures, built and rendered as the page does."""
    from safeguard.performance.models import KeptFigure
    from safeguard.performance.render import render_html
    from safeguard.performance.scorecard import build_scorecard

    KeptFigure.objects.filter(local_authority=la).delete()
    first, warm = {}, {}
    for q in (None, 1, 2, 3, 4):
        label = f"Q{q}" if q else "year"
        started = time.perf_counter()
        render_html(build_scorecard(la, year, q, keep=True), public=False, standalone=False)
        first[label] = round(time.perf_counter() - started, 3)
        times = []
        for _ in range(max(runs, 3)):
            started = time.perf_counter()
            render_html(build_scorecard(la, year, q, keep=True), public=False, standalone=False)
            times.append(time.perf_counter() - started)
        warm[label] = round(statistics.median(times) * 1000, 1)
    return {"page_first_seconds": first, "page_kept_ms": warm, "page_kept_ms_max": max(warm.values()),
            "kept_figures": KeptFigure.objects.filter(local_authority=la).count()}


def dump(year: int, path: str) -> None:
    """Every figure of the first council's scorecard for the year and each quarter, as JSON."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")
    import django

    django.setup()
    from safeguard.performance.scorecard import build_scorecard
    from safeguard.workforce.models import LocalAuthority

    la = LocalAuthority.objects.order_by("code").first()
    out = {}
    for q in (None, 1, 2, 3, 4):
        card = build_scorecard(la, year, q).as_dict()
        out[f"Q{q}" if q else "year"] = {
            r["id"]: {k: r.get(k) for k in ("value", "numerator", "denominator", "columns",
                                            "previous_year_end", "q4_previous", "rag", "direction",
                                            "breakdown", "note")}
            for r in card["indicators"]}
    Path(path).write_text(json.dumps(out, indent=1, sort_keys=True, default=str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", default=[], help="label=DATABASE_URL (repeatable)")
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-trace", action="store_true",
                        help="skip the separate memory run (tracemalloc); peak RSS is still reported")
    parser.add_argument("--dump", help="write every figure of the first council's scorecard to this file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dump:
        dump(args.year, args.dump)
        return
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
    print(json.dumps({"benchmark": "scorecard",
                      "aim": {"cold_seconds": {"medium": 1, "large": 3}, "page_kept_ms": 300,
                              "national_seconds": 60},
                      "issue_20_before": {"cold_seconds": {"medium": 2.2, "large": 5.7}, "page_seconds": 2.3,
                                          "page_first_opening_seconds": "3.8-4.6", "national_minutes": 45},
                      "results": results}, indent=2))


if __name__ == "__main__":
    main()
