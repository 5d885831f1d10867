"""Benchmark `safeguard generate` on SQLite: wall time and peak memory for small, medium and
large councils, each into a fresh, migrated temporary database. Prints JSON.

    .venv/bin/python bench/generate.py [small medium large]

Peak memory is the maximum resident set size of the process and its worker processes
(resource.getrusage), measured per size in a separate process so sizes do not mix.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AS_AT = "2026-06-30"


def run_one(size: str) -> dict:
    """In a child process: migrate a temp database, generate, report."""
    import datetime as dt
    import resource

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from safeguard.demo.generate import generate_council, shapes_for

    shape = shapes_for(size, "E06000049", 1)[0]
    started = time.perf_counter()
    report = generate_council(shape, seed=1, as_at=dt.date.fromisoformat(AS_AT))
    wall = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    summary = report.as_dict()
    return {"size": size, "children_population": shape.children,
            "children_with_records": report.children, "records": report.records,
            "rows_written": sum(summary["rows"].values()), "refusal_rate": summary["refusal_rate"],
            "wall_seconds": round(wall, 1), "peak_rss_mb_main": round(own / 1024, 1),
            "peak_rss_mb_worker": round(kids / 1024, 1)}


def main(sizes: list[str]) -> None:
    results = []
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
                   "DJANGO_SETTINGS_MODULE": "safeguard.settings"}
            out = subprocess.run([sys.executable, __file__, "--one", size], env=env, cwd=ROOT,
                                 capture_output=True, text=True, check=True)
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(json.dumps({"database": "sqlite", "as_at": AS_AT, "results": results}, indent=1))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        sys.path.insert(0, str(ROOT))
        print(json.dumps(run_one(sys.argv[2])))
    else:
        main(sys.argv[1:] or ["small", "medium", "large"])
