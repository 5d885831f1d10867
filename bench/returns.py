"""Benchmark the statutory returns on SQLite (and, with --postgres, the import on PostgreSQL). Prints JSON.

    .venv/bin/python bench/returns.py [--repeats 3] [--national-episodes 1000000] [--no-national]
        [--postgres postgres://postgres@127.0.0.1:5432/postgres]

1. Export time of the CIN census and the SSDA903 (collection year 2026) for a medium and a large
   generated council (`safeguard generate --size medium|large --seed 1 --as-at 2026-06-30`). Each
   council is generated once into var/bench/returns-<size>-seed1.sqlite3 and reused by later runs
   (the JSON says which); exports run on a copy, so the cached database never changes.
2. Import throughput: the large council's SSDA903 imported into an empty, migrated database (one
   council row, nothing else). A single year's 903 cannot show a child's care before the year, and
   the importer refuses the few children whose rows need it (e.g. a decision to place for adoption
   before the first episode in the file), so those children are first screened out (the JSON
   counts them, by rule). Against liiatools 0.2.0 `python -m liiatools s903 cleanfile` on the
   same episodes file, in the same run. liiatools lives in its own venv (.venv-liiatools; see
   `install_liiatools`); it reads the collection year from the file name and ships schemas up to
   2024 only, so its copy of the file is named SSDA903_2024_episodes.csv.
3. A national-size SSDA903 (about a million episode rows) built by replicating the large
   council's files with rewritten identifiers (CHILD unique per copy; UPNs rewritten to unique
   ones with the right check letter; "unknown" UPN codes kept), so every row passes the
   importer's checks, imported into an empty database.

4. The write floor: the rows the large import wrote, written again with nothing else to do (from
   tuples in memory through sqlite3, and inside SQLite alone); with --postgres URL, the same import
   on PostgreSQL and its floor (COPY from prepared text). It bounds what any importer writing the
   same record could reach on this machine, whatever it does before writing.

5. With --three-years (and nothing else): the large council's SSDA903 for 2023-24, 2024-25 and
   2025-26 imported in order into one empty database (each year merging into the years before),
   beside the write floor of the record they leave (issue 19); with --postgres as well, the same
   on PostgreSQL beside its floor.

Each timing runs in a fresh process; medians over --repeats (the national import: --national-repeats).
The machine is shared: the load average before and after is in the JSON, and each import also
reports CPU seconds (the importing process and its worker processes), which a busy machine disturbs far
less than wall time.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench"
PY = ROOT / ".venv" / "bin" / "python"
PEER = ROOT / ".venv-liiatools"
PEER_REQUIREMENTS = [  # liiatools 0.2.0's requirements, less cchardet (no Python 3.11 wheel)
    "liiatools==0.2.0", "PyYAML>=6.0,<7.0", "XlsxWriter>=3.0.3,<4.0.0", "click>=8.1.2,<9.0.0",
    "click-log>=0.4.0,<0.5.0", "dacite>=1.6.0,<2.0.0", "lxml>=4.9.1,<5.0.0",
    "more-itertools>=8.12.0,<9.0.0", "openpyxl>=3.0.9,<4.0.0", "pandas>=1.4.2,<2.0.0", "numpy<2",
    "python-decouple>=3.8,<4.0", "regex>=2022.4.24,<2023.0.0", "sfdata-stream-parser==0.4.1",
    "tablib[cli,xlsx]>=3.2.0,<4.0.0", "xlrd>=2.0.1,<3.0.0", "xmlschema>=1.10.0,<2.0.0",
]
YEAR = 2026
AS_AT = "2026-06-30"
LA_CODE, LA_NUMBER, LA_NAME = "E06000049", 895, "Cheshire East"


# --- helpers run in the parent -------------------------------------------------------------------

def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def env_for(db: Path | str) -> dict:
    """The environment for a SQLite file, or (a URL) a PostgreSQL database."""
    url, var = (db, CACHE / "var") if isinstance(db, str) else (f"sqlite:///{db}", db.parent / "var")
    return {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "safeguard.settings",
            "SAFEGUARD_VAR_DIR": str(var)}


def child(db: Path | str, *args: str) -> dict:
    """Run this file in a fresh process against `db`; its last stdout line is JSON."""
    out = subprocess.run([str(PY), __file__, *args], env=env_for(db), cwd=ROOT, capture_output=True,
                         text=True)
    if out.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def safeguard(db: Path | str, *args: str) -> None:
    subprocess.run([str(ROOT / ".venv" / "bin" / "safeguard"), *args], env=env_for(db), cwd=ROOT,
                   check=True, capture_output=True, text=True)


def empty_database() -> Path:
    """A migrated database holding one council and nothing else: built once, migrated forward on
    later runs (rebuilt if that fails, e.g. after a migration was rewritten)."""
    path = CACHE / "returns-empty.sqlite3"
    if path.exists():
        try:
            safeguard(path, "migrate", "-v0")
            return path
        except subprocess.CalledProcessError:
            path.unlink()
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    safeguard(tmp, "migrate", "-v0")
    child(tmp, "--one", "council")
    tmp.rename(path)
    return path


def council_database(size: str) -> tuple[Path, dict]:
    """The generated council, built once and reused; migrated forward if the schema moved on."""
    path = CACHE / f"returns-{size}-seed1.sqlite3"
    info = {"database": str(path.relative_to(ROOT)), "reused": path.exists()}
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        started = time.perf_counter()
        safeguard(tmp, "migrate", "-v0")
        safeguard(tmp, "generate", "--size", size, "--seed", "1", "--as-at", AS_AT)
        info["generate_seconds"] = round(time.perf_counter() - started, 1)
        tmp.rename(path)
    else:
        safeguard(path, "migrate", "-v0")
    return path, info


def copy_db(src: Path, folder: Path) -> Path:
    target = folder / src.name
    shutil.copyfile(src, target)
    return target


def count_rows(folder: Path) -> dict[str, int]:
    counts = {}
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="", encoding="utf-8-sig") as f:
            counts[path.name] = sum(1 for _ in csv.reader(f)) - 1
    return counts


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


# --- the peer ------------------------------------------------------------------------------------

def install_liiatools() -> None:
    """liiatools pins cchardet 2.1.7, which does not build on Python 3.11: install it without
    dependencies and its other requirements by hand, in its own venv."""
    python = PEER / "bin" / "python"
    check = [str(python), "-c", "import liiatools, pandas"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return
    subprocess.run([sys.executable, "-m", "venv", str(PEER)], check=True)
    pip = [str(PEER / "bin" / "pip"), "install", "-q"]
    subprocess.run([*pip, "--no-deps", PEER_REQUIREMENTS[0]], check=True)
    subprocess.run([*pip, *PEER_REQUIREMENTS[1:]], check=True)


def run_liiatools(episodes: Path, work: Path) -> dict:
    """`python -m liiatools s903 cleanfile --i FILE --la_code LA --la_log_dir DIR --o DIR`.
    It rewrites its input in place (dropping empty rows), so it gets a fresh copy each time."""
    work.mkdir(parents=True, exist_ok=True)
    source = work / "SSDA903_2024_episodes.csv"
    shutil.copyfile(episodes, source)
    out, logs = work / "out", work / "log"
    out.mkdir(exist_ok=True)
    logs.mkdir(exist_ok=True)
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([str(PEER / "bin" / "python"), "-m", "liiatools", "s903", "cleanfile", "--i", str(source),
                    "--la_code", "bar", "--la_log_dir", str(logs), "--o", str(out)],
                   check=True, capture_output=True, text=True, cwd=work)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    written = sorted(out.glob("*.csv"))
    rows_out = count_rows(out)
    return {"seconds": seconds, "cpu_seconds": after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime,
            "output_files": [p.name for p in written], "rows_out": sum(rows_out.values())}


def liiatools_startup() -> float:
    started = time.perf_counter()
    subprocess.run([str(PEER / "bin" / "python"), "-c",
                    "import liiatools.datasets.s903.s903_main_functions"], check=True, capture_output=True)
    return time.perf_counter() - started


# --- a national-size return ----------------------------------------------------------------------

def replicate(source: Path, target: Path, copies: int) -> dict[str, int]:
    """`copies` councils' worth of the same return: CHILD gets a per-copy suffix and each real UPN
    a new, unique one (same LA prefix, a counter, the right check letter); the UPN "unknown"
    codes (UN1-UN10) stay as they are. Other columns are copied unchanged."""
    sys.path.insert(0, str(ROOT))
    from safeguard.people.identifiers import upn_check_letter

    target.mkdir(parents=True, exist_ok=True)
    counts = {}
    serial = 0
    for path in sorted(source.glob("*.csv")):
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header = next(reader)
            rows = list(reader)
        child_at = header.index("CHILD")
        upn_at = header.index("UPN") if "UPN" in header else None
        with (target / path.name).open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            for k in range(copies):
                suffix = f"N{k:04d}"
                for row in rows:
                    row = list(row)
                    row[child_at] = f"{row[child_at]}{suffix}"
                    if upn_at is not None and row[upn_at] and not row[upn_at].upper().startswith("UN"):
                        serial += 1
                        body = f"{row[upn_at][1:4]}{serial:09d}"
                        row[upn_at] = upn_check_letter(body) + body
                    writer.writerow(row)
        counts[path.name] = len(rows) * copies
    return counts


# --- the write floor: what writing the import's rows costs with nothing else to do --------------

def _filled_tables(tables: list[str], filled: Callable[[str], bool],
                   empty: Callable[[str], bool]) -> list[str]:
    return [t for t in tables if filled(t) and empty(t)]


def _floor_figures(seconds: list[float], episodes: int, national: int) -> dict:
    m = statistics.median(seconds)
    return {"seconds": round(m, 3), "runs": [round(t, 3) for t in seconds],
            "episode_rows_per_second_at_most": round(episodes / m),
            f"seconds_for_{national}_episode_rows_at_least": round(m * national / episodes)}


def write_floor(imported: Path, fresh: Callable[[], Path], episodes: int, national: int,
                repeats: int) -> dict:
    """The rows the import wrote (every table empty before it and filled after), written again into
    a copy of the empty database in one transaction with foreign keys on, as the product's
    connection has them: (1) from Python tuples already in memory through sqlite3's executemany,
    the driver the product uses; (2) inside SQLite alone (INSERT ... SELECT from the imported file),
    with no client at all. No importer can write the same record faster than (2), whatever it does
    before writing."""
    with sqlite3.connect(imported) as src, sqlite3.connect(fresh()) as empty:
        names = [n for (n,) in src.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                           "AND name NOT LIKE 'sqlite_%'")]
        has = "SELECT EXISTS (SELECT 1 FROM \"{}\")"
        tables = _filled_tables(names, lambda t: src.execute(has.format(t)).fetchone()[0],
                                lambda t: not empty.execute(has.format(t)).fetchone()[0])
        data = {t: src.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables}
    timings: dict[str, list[float]] = {"driver": [], "engine": []}
    for _ in range(repeats):
        for way in timings:
            con = sqlite3.connect(fresh(), isolation_level=None)
            con.execute("PRAGMA foreign_keys = ON")
            con.execute("ATTACH DATABASE ? AS imported", (str(imported),))
            started = time.perf_counter()
            con.execute("BEGIN")
            for t, rows in data.items():
                if way == "driver":
                    con.executemany(f'INSERT INTO main."{t}" VALUES ({", ".join("?" * len(rows[0]))})', rows)
                else:
                    con.execute(f'INSERT INTO main."{t}" SELECT * FROM imported."{t}"')
            con.execute("COMMIT")
            timings[way].append(time.perf_counter() - started)
            con.close()
    return {"rows": sum(map(len, data.values())), "tables": len(data),
            "python_sqlite3_executemany": _floor_figures(timings["driver"], episodes, national),
            "sqlite_alone_insert_select": _floor_figures(timings["engine"], episodes, national)}


@contextmanager
def postgres_databases(server: str) -> Iterator[tuple[Callable[[], str], Callable[..., dict]]]:
    """On PostgreSQL (`server` is a URL to any database there; two bench_returns_* databases are
    made beside it and dropped after): `fresh()`, a new copy of an empty, migrated database with
    one council (its URL), and `floor(episodes, national, repeats)`, the rows the last fresh
    database was given COPYed back from text prepared in advance into an empty one in one
    transaction: the floor on PostgreSQL, where the product already writes with COPY."""
    import psycopg

    base = server.rsplit("/", 1)[0]
    empty, run = "bench_returns_empty", "bench_returns_run"
    with psycopg.connect(server, autocommit=True) as admin:

        def fresh() -> str:
            admin.execute(f"DROP DATABASE IF EXISTS {run}")
            admin.execute(f"CREATE DATABASE {run} TEMPLATE {empty}")
            return f"{base}/{run}"

        def floor(episodes: int, national: int, repeats: int) -> dict:
            with psycopg.connect(f"{base}/{run}") as src, psycopg.connect(f"{base}/{empty}") as bare:
                names = [t for (t,) in src.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
                has = 'SELECT EXISTS (SELECT 1 FROM "{}")'
                tables = _filled_tables(names, lambda t: src.execute(has.format(t)).fetchone()[0],
                                        lambda t: not bare.execute(has.format(t)).fetchone()[0])
                text = {}
                for t in tables:
                    with src.cursor().copy(f'COPY "{t}" TO STDOUT') as copy:
                        text[t] = b"".join(bytes(block) for block in copy)
            seconds = []
            for _ in range(repeats):
                with psycopg.connect(fresh()) as con:
                    started = time.perf_counter()
                    with con.transaction():
                        for t, block in text.items():
                            with con.cursor().copy(f'COPY "{t}" FROM STDIN') as copy:
                                copy.write(block)
                    seconds.append(time.perf_counter() - started)
            return {"rows": sum(block.count(b"\n") for block in text.values()), "tables": len(text),
                    "copy_from_prepared_text": _floor_figures(seconds, episodes, national)}

        for name in (run, empty):
            admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {empty}")
        try:
            safeguard(f"{base}/{empty}", "migrate", "-v0")
            child(f"{base}/{empty}", "--one", "council")
            yield fresh, floor
        finally:
            for name in (run, empty):
                admin.execute(f"DROP DATABASE IF EXISTS {name}")


def postgres_import_and_floor(server: str, folder: Path, episodes: int, national: int,
                              repeats: int) -> dict:
    """The large import on PostgreSQL, and the floor of what it wrote (`postgres_databases`)."""
    with postgres_databases(server) as (fresh, floor):
        imported = bench_import(folder, repeats, fresh)
        return {"import": imported, "write_floor": floor(episodes, national, repeats)}


# --- what runs inside a child process (Django set up) ---------------------------------------------

def one(kind: str, *args: str) -> dict:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    if kind == "council":
        from safeguard.workforce.models import LocalAuthority

        LocalAuthority.objects.create(code=LA_CODE, la_number=LA_NUMBER, name=LA_NAME)
        return {}
    if kind == "export":
        from safeguard.returns import cin_census, ssda903

        which, out = args[0], Path(args[1])
        year = int(args[2]) if len(args) > 2 else YEAR
        package = {"cin-census": cin_census, "ssda903": ssda903}[which]
        started = time.perf_counter()
        written = package.export_return(year=year, out=out, by=None)
        return {"seconds": time.perf_counter() - started, "files": [str(p) for p in written]}
    if kind == "screen":
        return screen(Path(args[0]), Path(args[1]), int(args[2]) if len(args) > 2 else YEAR)
    if kind == "import":
        from safeguard.returns.ssda903 import import_return

        folder = Path(args[0])
        profile = args[1] if len(args) > 1 else ""
        year = int(args[2]) if len(args) > 2 else YEAR
        cpu = _cpu()
        started = time.perf_counter()
        if profile:
            import cProfile

            prof = cProfile.Profile()
            result = prof.runcall(import_return, folder, by=None, year=year)
            prof.dump_stats(profile)
        else:
            result = import_return(folder, by=None, year=year)
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF)
        return {"seconds": seconds, "children": result.imported, "cpu_seconds": _cpu() - cpu,
                "peak_rss_mb": round(after.ru_maxrss / 1024),
                "records": result.counts}
    raise SystemExit(f"unknown --one {kind}")


def _cpu() -> float:
    """CPU seconds (user + system) of this process and of its finished worker processes."""
    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                resource.getrusage(resource.RUSAGE_CHILDREN)))


def screen(folder: Path, out: Path, year: int = YEAR) -> dict:
    """Copy the return into `out` less every child the importer refuses (found by importing it
    into this throwaway database): a single year's 903 from a generated council holds some
    children whose earlier history the year's files cannot show (e.g. a decision to place for
    adoption before the first episode in the file), and the importer rightly refuses them."""
    from collections import Counter

    from safeguard.core.errors import RecordInvalid
    from safeguard.returns.ssda903 import import_return

    try:
        import_return(folder, by=None, year=year)
        problems = []
    except RecordInvalid as exc:
        problems = exc.violations
    wanted: dict[str, set[int]] = {}
    for v in problems:
        name, line, _ = v.field.split(":", 2)
        if not line.isdigit() or int(line) < 2:
            raise SystemExit(f"not a row problem, cannot screen: {v}")
        wanted.setdefault(name, set()).add(int(line))
    refused = set()
    for name, lines in wanted.items():
        with (folder / name).open(newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            at = next(reader).index("CHILD")
            refused |= {row[at] for row in reader if reader.line_num in lines}
    drop_children(folder, out, refused)
    return {"children_refused": len(refused), "refused": sorted(refused), "problems": len(problems),
            "problems_by_rule": dict(Counter(v.rule for v in problems).most_common())}


# --- the benchmark ---------------------------------------------------------------------------------

def bench_exports(size: str, repeats: int, work: Path) -> tuple[dict, Path]:
    db, info = council_database(size)
    copy = copy_db(db, work)
    times: dict[str, list[float]] = {"cin-census": [], "ssda903": []}
    folders = {}
    for i in range(repeats):
        for which in times:
            folder = work / f"{size}-{which}-{i}"
            result = child(copy, "--one", "export", which, str(folder))
            times[which].append(result["seconds"])
            folders[which] = folder
    rows = count_rows(folders["ssda903"])
    cin_bytes = sum(p.stat().st_size for p in folders["cin-census"].rglob("*.xml"))
    return {**info, "cin_census_seconds": median(times["cin-census"]),
            "cin_census_runs": [round(t, 3) for t in times["cin-census"]], "cin_census_xml_bytes": cin_bytes,
            "ssda903_seconds": median(times["ssda903"]),
            "ssda903_runs": [round(t, 3) for t in times["ssda903"]], "ssda903_rows": rows}, folders["ssda903"]


def sqlite_fresh(work: Path, label: str) -> Callable[[], Path]:
    """Each call: a new copy of the empty database in work/<label>-db, replacing the last one."""
    template, folder = empty_database(), work / f"{label}-db"

    def fresh() -> Path:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        return copy_db(template, folder)

    return fresh


def bench_import(folder: Path, repeats: int, fresh: Callable[[], Path | str], profile: str = "") -> dict:
    """Import `folder` `repeats` times, each into the empty database `fresh()` gives (a SQLite file
    or a PostgreSQL URL); the last is left as the import left it, for the write floor."""
    rows = count_rows(folder)
    episodes = rows.get("episodes.csv", 0)
    total = sum(rows.values())
    runs = [child(fresh(), "--one", "import", str(folder), profile) for _ in range(repeats)]
    seconds = statistics.median(r["seconds"] for r in runs)
    return {"episode_rows": episodes, "all_rows": total, "rows_by_file": rows,
            "children_imported": runs[0]["children"], "records_written": sum(runs[0]["records"].values()),
            "seconds": round(seconds, 3), "runs": [round(r["seconds"], 3) for r in runs],
            "cpu_seconds": round(statistics.median(r["cpu_seconds"] for r in runs), 3),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
            "episode_rows_per_second": round(episodes / seconds),
            "all_rows_per_second": round(total / seconds)}


def drop_children(folder: Path, out: Path, children: set[str]) -> Path:
    """A copy of the return without `children`'s rows."""
    out.mkdir(parents=True)
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="", encoding="utf-8-sig") as f, (out / path.name).open(
                "w", newline="", encoding="utf-8") as g:
            reader, writer = csv.reader(f), csv.writer(g)
            header = next(reader)
            writer.writerow(header)
            at = header.index("CHILD")
            writer.writerows(row for row in reader if row[at] not in children)
    return out


def three_years(repeats: int, work: Path, postgres: str = "") -> dict:
    """Issue 19: the large council's SSDA903 for 2023-24, 2024-25 and 2025-26 imported in order into
    one empty database, each year in a fresh process merging into what the years before wrote;
    episode rows read per second over the three, and the write floor of the record they leave
    (the same rows written with nothing else to do) in the same run. The children a year's file
    cannot carry alone (care begun before the first year, as in the single-year import) are
    screened out of every year, found by importing the years in order once first."""
    db, info = council_database("large")
    copy = copy_db(db, work)
    exported = {}
    for year in YEARS_IN_ORDER:
        exported[year] = work / f"903-{year}"
        child(copy, "--one", "export", "ssda903", str(exported[year]), str(year))
    (work / "chain-db").mkdir()
    chain = copy_db(empty_database(), work / "chain-db")
    refused: set[str] = set()
    screened_counts = {}
    for year in YEARS_IN_ORDER:
        kept = drop_children(exported[year], work / f"903-{year}-less", refused)
        result = child(chain, "--one", "screen", str(kept), str(work / f"903-{year}-valid"), str(year))
        if result["children_refused"]:  # nothing of the year was written: write the rest
            child(chain, "--one", "import", str(work / f"903-{year}-valid"), "", str(year))
        refused |= set(result["refused"])
        screened_counts[year] = {"children_refused": result["children_refused"],
                                 "problems_by_rule": result["problems_by_rule"]}
    valid = {}
    for year in YEARS_IN_ORDER:  # a child refused in a later year leaves the earlier years too
        valid[year] = drop_children(exported[year], work / f"903-{year}-input", refused)
    def in_order(fresh: Callable[[], Path | str]) -> list[list[dict]]:
        runs = []
        for _ in range(repeats):
            target = fresh()
            runs.append([child(target, "--one", "import", str(valid[year]), "", str(year))
                         for year in YEARS_IN_ORDER])
        return runs

    runs = in_order(sqlite_fresh(work, "three"))
    imported = work / "three-imported.sqlite3"  # the last run's
    shutil.copyfile(work / "three-db" / "returns-empty.sqlite3", imported)
    episodes = {year: count_rows(valid[year]).get("episodes.csv", 0) for year in YEARS_IN_ORDER}
    total_episodes = sum(episodes.values())
    totals = [sum(r["seconds"] for r in run) for run in runs]
    seconds = statistics.median(totals)
    floor = write_floor(imported, sqlite_fresh(work, "three-floor"), total_episodes, total_episodes, repeats)
    out = {
        **info, "years": [f"{y - 1}-{y % 100:02d}" for y in YEARS_IN_ORDER],
        "episode_rows_by_year": {str(y): n for y, n in episodes.items()},
        "children_screened_out": len(refused), "screening": {str(y): v for y, v in screened_counts.items()},
        "seconds": round(seconds, 3), "runs": [round(t, 3) for t in totals],
        "seconds_by_year": {str(y): median([run[i]["seconds"] for run in runs])
                            for i, y in enumerate(YEARS_IN_ORDER)},
        "cpu_seconds": round(statistics.median(sum(r["cpu_seconds"] for r in run) for run in runs), 3),
        "children_imported_by_year": {str(y): runs[0][i]["children"] for i, y in enumerate(YEARS_IN_ORDER)},
        "episode_rows_per_second": round(total_episodes / seconds),
        "write_floor": floor,
        "aim": "within 2 times the write floor (issue 19)",
    }
    for way in ("python_sqlite3_executemany", "sqlite_alone_insert_select"):
        out[f"times_{way}"] = round(seconds / floor[way]["seconds"], 2)
    if postgres:  # the same three years on PostgreSQL, beside its floor (COPY)
        with postgres_databases(postgres) as (fresh, pg_floor):
            pg_runs = in_order(fresh)
            pg_seconds = statistics.median(sum(r["seconds"] for r in run) for run in pg_runs)
            floor_pg = pg_floor(total_episodes, total_episodes, repeats)
        out["postgres"] = {
            "seconds": round(pg_seconds, 3),
            "runs": [round(sum(r["seconds"] for r in run), 3) for run in pg_runs],
            "seconds_by_year": {str(y): median([run[i]["seconds"] for run in pg_runs])
                                for i, y in enumerate(YEARS_IN_ORDER)},
            "episode_rows_per_second": round(total_episodes / pg_seconds),
            "write_floor": floor_pg,
            "times_copy_from_prepared_text": round(
                pg_seconds / floor_pg["copy_from_prepared_text"]["seconds"], 2)}
    return out


YEARS_IN_ORDER = (2024, 2025, 2026)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--national-episodes", type=int, default=1_000_000,
                        help="episode rows in the national-size return (built from copies of the large one)")
    parser.add_argument("--national-repeats", type=int, default=1)
    parser.add_argument("--national-budget-seconds", type=float, default=300,
                        help="if the large import's rate says the national one would take longer than "
                             "this (or need more than half the machine's memory), import fewer episode "
                             "rows and report the projection for the full size")
    parser.add_argument("--no-national", action="store_true")
    parser.add_argument("--postgres", default="", help="also import into PostgreSQL and measure its write "
                        "floor (a URL to any database on the server, e.g. postgres://postgres@127.0.0.1:5432/postgres)")
    parser.add_argument("--profile", default="", help="write a cProfile of the national import here")
    parser.add_argument("--three-years", action="store_true", help="only the large council's SSDA903 "
                        "for three consecutive years imported in order, and its write floor (issue 19)")
    parser.add_argument("--keep", default="", help="work in this new folder and keep it (exports, inputs)")
    opts = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    report: dict = {"database": "sqlite", "collection_year": YEAR, "generated_as_at": AS_AT,
                    "cpus": os.cpu_count(), "load_average_at_start": load(), "export": {},
                    "timing": "wall seconds, median of the runs listed; cpu_seconds is the CPU time "
                              "(user+system) of the importing process and its worker processes, "
                              "less sensitive to a shared machine"}
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        work = Path(opts.keep or tmp).resolve()  # liiatools runs in another folder
        work.mkdir(exist_ok=bool(not opts.keep))
        if opts.three_years:
            report["import_large_ssda903_three_years"] = three_years(opts.repeats, work, opts.postgres)
            report["load_average_at_end"] = load()
            print(json.dumps(report, indent=1))
            return
        folders = {}
        for size in ("medium", "large"):
            report["export"][size], folders[size] = bench_exports(size, opts.repeats, work)

        valid = work / "large-valid"
        (work / "screen").mkdir()
        screened = child(copy_db(empty_database(), work / "screen"), "--one", "screen",
                         str(folders["large"]), str(valid))
        screened.pop("refused")
        report["large_ssda903_screened"] = {
            **screened, "rows_before": sum(count_rows(folders["large"]).values()),
            "rows_after": sum(count_rows(valid).values()),
            "why": "a single year's 903 cannot show a child's care before the year; the importer "
                   "refuses such children (with these rules), so they are left out of the import input"}

        install_liiatools()
        ours = bench_import(valid, opts.repeats, sqlite_fresh(work, "large"))
        imported = work / "large-db" / "large-imported.sqlite3"  # the last run's, kept for the floor
        (work / "large-db" / "returns-empty.sqlite3").rename(imported)
        peer_runs = [run_liiatools(valid / "episodes.csv", work / f"liiatools-{i}")
                     for i in range(opts.repeats)]
        startup = median([liiatools_startup() for _ in range(opts.repeats)])
        peer_seconds = statistics.median(r["seconds"] for r in peer_runs)
        peer_cpu = statistics.median(r["cpu_seconds"] for r in peer_runs)
        episodes = ours["episode_rows"]
        peer = {"command": "python -m liiatools s903 cleanfile --i SSDA903_2024_episodes.csv --la_code bar "
                           "--la_log_dir LOG --o OUT",
                "version": "0.2.0", "episode_rows": episodes, "seconds": round(peer_seconds, 3),
                "runs": [round(r["seconds"], 3) for r in peer_runs], "cpu_seconds": round(peer_cpu, 3),
                "rows_written": peer_runs[0]["rows_out"], "output_files": peer_runs[0]["output_files"],
                "episode_rows_per_second": round(episodes / peer_seconds),
                "python_startup_and_import_seconds": startup}
        report["import_large_ssda903"] = {
            "safeguard": ours, "liiatools": peer,
            "speedup_wall": round(ours["episode_rows_per_second"] / peer["episode_rows_per_second"], 2),
            "speedup_cpu": round(peer_cpu / ours["cpu_seconds"], 2),
            "aim": "at least 100 times liiatools' episode rows per second",
            "note": "ours: read every file, check every record through the services' checks, write all "
                    "tables with history, clocks and audit (one process); liiatools: clean the episodes "
                    "file only (one process, including interpreter start-up)"}
        floor = write_floor(imported, sqlite_fresh(work, "floor"), episodes, opts.national_episodes,
                            opts.repeats)
        ways = [floor["python_sqlite3_executemany"], floor["sqlite_alone_insert_select"]]
        report["import_large_ssda903"]["write_floor"] = floor
        if opts.postgres:
            pg = postgres_import_and_floor(opts.postgres, valid, episodes, opts.national_episodes,
                                           opts.repeats)
            pg["import"]["times_liiatools"] = round(
                pg["import"]["episode_rows_per_second"] / peer["episode_rows_per_second"], 2)
            ways.append(pg["write_floor"]["copy_from_prepared_text"])
            report["import_large_ssda903_postgres"] = pg
        for way in ways:
            way["times_liiatools_at_most"] = round(
                way["episode_rows_per_second_at_most"] / peer["episode_rows_per_second"], 1)

        if not opts.no_national:
            wanted = opts.national_episodes
            memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
            affordable = min(opts.national_budget_seconds * ours["episode_rows_per_second"],
                             episodes * memory / 2 / max(ours["peak_rss_mb"], 1))
            target = int(min(wanted, affordable))
            copies = max(1, -(-target // max(episodes, 1)))
            national = work / "national"
            started = time.perf_counter()
            replicate(valid, national, copies)
            built = time.perf_counter() - started
            result = bench_import(national, opts.national_repeats, sqlite_fresh(work, "national"),
                                  opts.profile)
            shutil.rmtree(work / "national-db")  # gigabytes
            full = result["episode_rows"] >= wanted
            result.update({"episode_rows_wanted": wanted, "copies_of_large_council": copies,
                           "build_input_seconds": round(built, 1),
                           "scaled_down": None if full else (
                               f"the large import's rate projected more than the "
                               f"{opts.national_budget_seconds:g} s budget (or half the memory) for "
                               f"{wanted:,} episode rows, so {result['episode_rows']:,} were imported"),
                           f"projected_seconds_for_{wanted}_episode_rows_wall": round(
                               wanted / result["episode_rows_per_second"]),
                           f"projected_cpu_seconds_for_{wanted}_episode_rows": round(
                               wanted * result["cpu_seconds"] / result["episode_rows"]),
                           f"projected_peak_rss_mb_for_{wanted}_episode_rows": round(
                               wanted * result["peak_rss_mb"] / result["episode_rows"]),
                           "under_60_seconds": result["seconds"] < 60 if full else None})
            report["import_national_ssda903"] = result
    report["load_average_at_end"] = load()
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        print(json.dumps(one(sys.argv[2], *sys.argv[3:])))
    else:
        main()
