"""Benchmark the forecast against Social Finance's open demand model (`cs-demand-model==0.5.1`,
command `demand-model`, in `.venv-demand-model`), side by side on the same SSDA903 input. Prints JSON.

    .venv/bin/python bench/forecast.py [--medium DIR] [--national-rows 1000000] [--runs 3]

Inputs (Header and Episodes CSVs, one folder per collection year, as `demand-model` reads them):
* medium: a folder exported from a generated medium council (`safeguard generate --size medium`, then
  `safeguard returns export ssda903 --year Y` for each year); given with --medium, else generated
  here into a temporary database (several minutes);
* national: a synthetic history of about a million episode rows written by `national_folder` below:
  a vectorised simulation of children entering care, moving between placements and leaving (no
  record is built; the council generator is far too slow at that size).

For each input the tools run as command-line programs under /usr/bin/time (wall time, CPU time and
peak resident memory), interleaved: `safeguard forecast --ssda903 DIR` (the full Django command),
`python -m safeguard.forecast --ssda903 DIR` (the same model without Django start-up) and
`demand-model predict DIR`, with the same 24-month reference window to the as-at date and a
24-month horizon; medians over --runs. Backtest:
both fitted on the 24 months to each origin (31 March 2024 and 2025) and projected 12 months;
month-end projections compared with the children actually in care: mean absolute error (MAE) and
mean absolute percentage error (MAPE) in total and for foster care (the category both models have),
and each model's own categories.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PEER = ROOT / ".venv-demand-model" / "bin"
AS_AT = dt.date(2026, 3, 31)
ORIGINS = (dt.date(2024, 3, 31), dt.date(2025, 3, 31))

PEER_BACKTEST = r"""
import json, sys, datetime as dt
import pandas as pd
from cs_demand_model.__main__ import CliSetup
from cs_demand_model import ModelPredictor
source, start, end, points = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
setup = CliSetup(source, pd.Timestamp(start), pd.Timestamp(end))
pred = ModelPredictor.from_model(setup.stats, setup.start, setup.end)
last = pd.Timestamp(points[-1])
days = (last - pd.Timestamp(end)).days
pop = pred.predict(days)
stock = setup.stats.stock
out = {"projected": {}, "actual": {}}
for p in points:
    ts = pd.Timestamp(p)
    row = pop.loc[ts]
    out["projected"][p] = {}
    for k, v in row.items():
        if str(k[1]) != "NOT_IN_CARE":  # children who have left: a sink state, not in care
            out["projected"][p][str(k[1])] = out["projected"][p].get(str(k[1]), 0.0) + float(v)
    act = stock.loc[ts]
    out["actual"][p] = {}
    for k, v in act.items():
        out["actual"][p][str(k[1])] = out["actual"][p].get(str(k[1]), 0.0) + float(v)
print(json.dumps(out))
"""


# --- inputs ----------------------------------------------------------------------------------


def _date_text(days: np.ndarray) -> np.ndarray:
    """Day numbers to DD/MM/YYYY strings, vectorised."""
    iso = np.asarray(days).astype("datetime64[D]").astype("U10")
    part = np.strings.slice
    return np.strings.add(
        np.strings.add(np.strings.add(part(iso, 8, 10), "/"), np.strings.add(part(iso, 5, 7), "/")),
        part(iso, 0, 4),
    )


def national_folder(folder: Path, target_rows: int = 1_000_000, seed: int = 2026) -> dict:
    """Write six collection years (2021 to 2026) of Header and Episodes CSVs for an England-sized
    looked-after population: about 38,500 entries a year (so that rows ≈ target) growing 2% a year,
    episodes lasting about 10 months, a third ending in leaving care, care ending at 18. Returns counts."""
    rng = np.random.default_rng(seed)
    first_entry, last_day = np.datetime64("2012-04-01"), np.datetime64("2026-03-31")
    span = int((last_day - first_entry).astype(int)) + 1
    per_year = 38_500 * target_rows / 1_000_000  # about 1,000,000 rows at the default
    years = np.arange(span) / 365.25
    daily = per_year / 365.25 * 1.02 ** (years - 14)
    counts = rng.poisson(daily)
    entry = np.repeat(np.arange(span), counts) + int(first_entry.astype(int))
    n = len(entry)
    age_band = rng.choice(5, size=n, p=[0.2, 0.15, 0.15, 0.35, 0.15])
    low, high = np.array([0, 1, 5, 10, 16]), np.array([1, 5, 10, 16, 18])
    age_days = ((low[age_band] + rng.random(n) * (high[age_band] - low[age_band])) * 365.25).astype(np.int64)
    dob = entry - age_days
    leave_at_18 = dob + int(18 * 365.25)
    # category by age band at the start of each episode: in-house, IFA, residential, supported, kinship, other
    mix = np.array(
        [
            [0.45, 0.2, 0, 0, 0.2, 0.15],
            [0.45, 0.25, 0, 0, 0.2, 0.1],
            [0.4, 0.3, 0.05, 0, 0.15, 0.1],
            [0.35, 0.3, 0.15, 0, 0.1, 0.1],
            [0.25, 0.25, 0.15, 0.25, 0, 0.1],
        ]
    )
    cum = mix.cumsum(axis=1)
    rows_child, rows_start, rows_end, rows_cat = [], [], [], []
    child = np.arange(n)
    start = entry.astype(np.int64)
    alive = np.ones(n, dtype=bool)
    while alive.any():
        idx = np.flatnonzero(alive)
        s = start[idx]
        age = (s - dob[idx]) / 365.25
        band = np.searchsorted([1, 5, 10, 16], age, side="right")
        cat = (rng.random(len(idx))[:, None] > cum[band]).sum(axis=1)
        cat = np.minimum(cat, 5)
        length = rng.exponential(300, size=len(idx)).astype(np.int64) + 1
        end = np.minimum(s + length, leave_at_18[idx])
        rows_child.append(child[idx])
        rows_start.append(s)
        rows_end.append(end)
        rows_cat.append(cat)
        leaves = (end >= leave_at_18[idx]) | (rng.random(len(idx)) < 0.33) | (end > int(last_day.astype(int)))
        alive[idx[leaves]] = False
        start[idx[~leaves]] = end[~leaves]
    child, start, end, cat = (np.concatenate(a) for a in (rows_child, rows_start, rows_end, rows_cat))
    places = np.array(["U4", "U6", "K2", "K3", "U3", "P1"])
    providers = np.array(["PR1", "PR4", "PR4", "PR4", "PR1", "PR0"])
    ids = np.char.add("N", child.astype(str))
    rows = 0
    for year in range(2021, 2027):
        y0, y1 = np.datetime64(f"{year - 1}-04-01").astype(int), np.datetime64(f"{year}-03-31").astype(int)
        sel = (start <= y1) & (end > y0) & (start < end)
        ended = end[sel] <= y1
        d = folder / str(year)
        d.mkdir(parents=True, exist_ok=True)
        decom = _date_text(start[sel])
        dec = np.where(ended, _date_text(np.where(ended, end[sel], 0)), "")
        c = cat[sel]
        place = places[c]
        place = np.where((c == 3) & (start[sel] < np.datetime64("2025-04-01").astype(int)), "H5", place)
        with open(d / "episodes.csv", "w", encoding="utf-8") as fh:
            fh.write(
                "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
            )
            rec = np.where(ended, "E8", "")
            fh.write(
                "".join(
                    f"{a},{b},P,C2,N1,{p},{q},{e},{r},,,,\n"
                    for a, b, p, q, e, r in zip(
                        ids[child[sel]], decom, place, providers[c], dec, rec, strict=True
                    )
                )
            )
        rows += int(sel.sum())
        kids = np.unique(child[sel])
        with open(d / "header.csv", "w", encoding="utf-8") as fh:
            fh.write("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n")
            fh.write(
                "".join(f"{a},1,{b},WBRI,,,\n" for a, b in zip(ids[kids], _date_text(dob[kids]), strict=True))
            )
    return {"children": int(n), "episode_rows": rows}


def medium_folder(folder: Path) -> Path:
    """Generate a medium council into a temporary SQLite database and export six 903 years."""
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{folder / 'medium.sqlite3'}")
    sg = str(ROOT / ".venv" / "bin" / "safeguard")
    subprocess.run([sg, "migrate", "-v0"], env=env, check=True)
    subprocess.run(
        [sg, "generate", "--size", "medium", "--seed", "7", "--as-at", str(AS_AT)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    out = folder / "medium903"
    for year in range(2021, 2027):
        subprocess.run(
            [sg, "returns", "export", "ssda903", "--year", str(year), "--out", str(out / "all" / str(year))],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return out / "all"


def header_and_episodes(src: Path, dest: Path) -> Path:
    """Only the Header and Episodes tables, one folder per year: what both models read."""
    for year_dir in sorted(p for p in src.iterdir() if p.is_dir()):
        (dest / year_dir.name).mkdir(parents=True, exist_ok=True)
        for name in ("header.csv", "episodes.csv"):
            shutil.copy(year_dir / name, dest / year_dir.name / name)
    return dest


# --- running ---------------------------------------------------------------------------------


def timed(cmd: list[str], env=None) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak RSS MiB, stdout) of one run under /usr/bin/time -v."""
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, env=env)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", proc.stderr).group(1)
    parts = [float(x) for x in wall.split(":")]
    seconds = parts[-1] + 60 * parts[-2] + (3600 * parts[-3] if len(parts) == 3 else 0)
    cpu = sum(
        float(re.search(rf"{k} time \(seconds\): (\S+)", proc.stderr).group(1)) for k in ("User", "System")
    )
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1)) / 1024
    return seconds, cpu, rss, proc.stdout


def add_months(day: dt.date, months: int) -> dt.date:
    from dateutil.relativedelta import relativedelta

    return day + relativedelta(months=months)


def speed(folder: Path, runs: int, env, peer_runs: int) -> dict:
    """Both tools on the same folder, interleaved run by run so machine load affects both alike."""
    common = [
        "--ssda903",
        str(folder),
        "--as-at",
        str(AS_AT),
        "--reference-months",
        "24",
        "--horizon-months",
        "24",
        "--format",
        "json",
        "--out",
        str(folder.parent / f"{folder.name}-forecast.json"),
    ]
    commands = {
        "safeguard": [str(ROOT / ".venv" / "bin" / "safeguard"), "forecast", *common],
        "safeguard_standalone": [str(ROOT / ".venv" / "bin" / "python"), "-m", "safeguard.forecast", *common],
        "cs_demand_model": [
            str(PEER / "demand-model"),
            "predict",
            str(folder),
            "--start",
            str(add_months(AS_AT, -24)),
            "--end",
            str(AS_AT),
            "--pd",
            str(add_months(AS_AT, 24)),
        ],
    }
    results = {name: [] for name in commands}
    for i in range(max(runs, peer_runs)):
        for name, cmd in commands.items():
            if i < (peer_runs if name == "cs_demand_model" else runs):
                results[name].append(timed(cmd, env))
    out = {}
    for name, rs in results.items():
        out[name] = {
            "wall_seconds_median": round(statistics.median(r[0] for r in rs), 2),
            "wall_seconds_runs": [round(r[0], 2) for r in rs],
            "cpu_seconds_median": round(statistics.median(r[1] for r in rs), 2),
            "peak_rss_mib_median": round(statistics.median(r[2] for r in rs), 1),
        }
    peer = out["cs_demand_model"]
    for name in ("safeguard", "safeguard_standalone"):
        out[f"speedup_wall_{name}"] = round(peer["wall_seconds_median"] / out[name]["wall_seconds_median"], 1)
        out[f"speedup_cpu_{name}"] = round(peer["cpu_seconds_median"] / out[name]["cpu_seconds_median"], 1)
    return out


def _errors(projected: list[float], actual: list[float]) -> dict:
    p, a = np.array(projected, dtype=float), np.array(actual, dtype=float)
    pos = a > 0
    return {
        "mae": round(float(np.abs(p - a).mean()), 2),
        "mape": round(float((np.abs(p - a)[pos] / a[pos]).mean() * 100), 2) if pos.any() else None,
    }


def backtests(folder: Path, env) -> dict:
    """Backtests from each origin, and the mean of their errors for total and foster care."""
    runs = [backtest(folder, env, origin) for origin in ORIGINS]
    mean = {}
    for model_name in ("safeguard", "cs_demand_model"):
        mean[model_name] = {
            part: {
                k: round(statistics.mean(r[model_name][part][k] for r in runs), 2) for k in ("mae", "mape")
            }
            for part in ("total", "fostering")
        }
    return {"mean_over_origins": mean, "by_origin": runs}


def backtest(folder: Path, env, origin: dt.date) -> dict:
    """Both models fitted on the 24 months to `origin` and projected 12 months."""
    ours = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "safeguard"),
            "forecast",
            "backtest",
            "--ssda903",
            str(folder),
            "--origin",
            str(origin),
            "--reference-months",
            "24",
            "--horizon-months",
            "12",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    ours = json.loads(ours.stdout)
    points = [m["date"] for m in ours["months"]]
    fostering = ("in_house_fostering", "independent_fostering", "kinship")
    o_proj_total = [sum(m["projected"].values()) for m in ours["months"]]
    o_act_total = [sum(m["actual"].values()) for m in ours["months"]]
    o_proj_fost = [sum(m["projected"][c] for c in fostering) for m in ours["months"]]
    o_act_fost = [sum(m["actual"][c] for c in fostering) for m in ours["months"]]
    peer = subprocess.run(
        [
            str(PEER / "python"),
            "-c",
            PEER_BACKTEST,
            str(folder),
            str(add_months(origin, -24)),
            str(origin),
            ",".join(points),
        ],
        capture_output=True,
        text=True,
    )
    if peer.returncode:
        raise RuntimeError(peer.stderr[-3000:])
    peer = json.loads(peer.stdout.strip().splitlines()[-1])
    p_proj_total = [sum(peer["projected"][p].values()) for p in points]
    p_act_total = [sum(peer["actual"][p].values()) for p in points]
    peer_cats = sorted(set().union(*(peer["actual"][p] for p in points)))
    return {
        "origin": str(origin),
        "months": len(points),
        "actual_total_first_last": [o_act_total[0], o_act_total[-1]],
        "safeguard": {
            "total": _errors(o_proj_total, o_act_total),
            "fostering": _errors(o_proj_fost, o_act_fost),
            "by_category": {
                c: {k: e[k] for k in ("mae", "mape")} for c, e in ours["errors"].items() if c != "total"
            },
            "band_coverage_95": ours["band_coverage"],
        },
        "cs_demand_model": {
            "total": _errors(p_proj_total, o_act_total),
            "fostering": _errors(
                [peer["projected"][p].get("FOSTERING", 0) for p in points],
                [peer["actual"][p].get("FOSTERING", 0) for p in points],
            ),
            "by_category": {
                c: _errors(
                    [peer["projected"][p].get(c, 0) for p in points],
                    [peer["actual"][p].get(c, 0) for p in points],
                )
                for c in peer_cats
            },
            "its_own_actual_total_first_last": [p_act_total[0], p_act_total[-1]],
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--medium", help="folder of 903 years exported from a medium council")
    parser.add_argument("--national-rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peer-runs", type=int, default=None, help="runs of demand-model (default --runs)")
    parser.add_argument("--skip", choices=["medium", "national"], action="append", default=[])
    args = parser.parse_args()
    if not (PEER / "demand-model").exists():
        sys.exit(
            "install the peer first: python3.11 -m venv .venv-demand-model && "
            ".venv-demand-model/bin/pip install cs-demand-model==0.5.1"
        )
    peer_runs = args.peer_runs or args.runs
    work = Path(tempfile.mkdtemp(prefix="forecast-bench-"))
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{work / 'costs.sqlite3'}")
    subprocess.run([str(ROOT / ".venv" / "bin" / "safeguard"), "migrate", "-v0"], env=env, check=True)
    result = {
        "as_at": str(AS_AT),
        "reference_months": 24,
        "horizon_months": 24,
        "runs": args.runs,
        "peer_runs": peer_runs,
        "peer": "cs-demand-model 0.5.1 (demand-model predict)",
        "cpu_count": os.cpu_count(),
        "load_average_at_start": [round(x, 1) for x in os.getloadavg()],
        "notes": "wall and CPU seconds under /usr/bin/time; the tools run interleaved on a shared machine",
    }
    try:
        if "medium" not in args.skip:
            src = Path(args.medium) if args.medium else medium_folder(work)
            folder = header_and_episodes(src, work / "medium")
            result["medium"] = {
                "episode_rows": sum(sum(1 for _ in open(f)) - 1 for f in folder.rglob("episodes.csv")),
                **speed(folder, args.runs, env, peer_runs),
                "backtest": backtests(folder, env),
            }
            print(json.dumps(result["medium"]), file=sys.stderr)
        if "national" not in args.skip:
            folder = work / "national"
            import time

            t = time.perf_counter()
            counts = national_folder(folder, args.national_rows)
            result["national"] = {
                **counts,
                "generate_seconds": round(time.perf_counter() - t, 1),
                **speed(folder, args.runs, env, peer_runs),
                "backtest": backtests(folder, env),
            }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
