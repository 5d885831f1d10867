"""`make conformance`: generate a medium council, export its CIN census and SSDA903 for two
collection years (the 903 with the previous year's files), run every rule of the DfE community
validators, and fail on any error. Crashes inside the validator are reported, never counted as passes.

Run with Safeguard's Python; the validators run in their own environment (VALIDATOR_PYTHON).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
RUNNER = Path(__file__).with_name("run_validators.py")
HISTORY_YEARS = 5  # earlier returns given to the cross-year care-leaver rules (with_episode_history)
KNOWN_VALIDATOR_BUGS = {  # shared/reference/STANDARDS.md §7
    "231": "KeyError 'UASC_STATUS'", "233": "KeyError 'DATE_EPISODE_CEASED'",
    "706": "no guard for missing DoLo_last", "709": "KeyError 'PLACEMENT'", "710": "KeyError 'PLACEMENT'",
}


def sh(*args: str, env: dict | None = None) -> str:
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"failed: {' '.join(args)}")
    return done.stdout


def with_episode_history(previous: Path, older: list[Path], into: Path) -> int:
    """Last year's files, with the episodes of earlier years' returns added to its episodes file.

    Rules 1001 and 1002 look for a care leaver's care history in the two files they are given and
    warn of false positives when it is older than last year's; giving them the council's earlier
    returns too lets them see it. Returns how many episode rows were added."""
    shutil.copytree(previous, into)
    path = into / "episodes.csv"
    lines = path.read_text().splitlines()
    header, rows = lines[0], lines[1:]
    seen = {tuple(row.split(",")[:2]) for row in rows}  # (CHILD, DECOM): the latest year's wins
    added = []
    for folder in older:  # newest first
        for row in (folder / "episodes.csv").read_text().splitlines()[1:]:
            key = tuple(row.split(",")[:2])
            if key not in seen:
                seen.add(key)
                added.append(row)
    path.write_text("\n".join([header, *rows, *added]) + "\n")
    return len(added)


def main() -> int:
    size = os.environ.get("CONFORMANCE_SIZE", "medium")
    years = [int(y) for y in os.environ.get("CONFORMANCE_YEARS", "2026 2027").split()]
    la = os.environ.get("CONFORMANCE_LA", "E06000049")
    validator_python = os.environ.get("VALIDATOR_PYTHON", str(ROOT / ".venv-validators/bin/python"))
    work = ROOT / "var" / "conformance"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{work / 'council.sqlite3'}")
    safeguard = str(ROOT / ".venv/bin/safeguard")
    sh(safeguard, "migrate", "--noinput", "-v0", env=env)
    print(sh(safeguard, "generate", "--size", size, "--seed", "1", "--la-code", la,
                 "--as-at", os.environ.get("CONFORMANCE_AS_AT", "2027-04-30"), env=env).strip())
    results, failed = [], False
    for year in years:
        out = work / str(year)
        sh(safeguard, "returns", "export", "cin-census", "--year", str(year), "--out", str(out / "cin"),
           env=env)
        sh(safeguard, "returns", "export", "ssda903", "--year", str(year), "--out", str(out / "903"),
           "--previous-year", env=env)
        older = []
        for earlier in range(year - 2, year - 2 - HISTORY_YEARS, -1):
            older.append(out / "older" / str(earlier))
            sh(safeguard, "returns", "export", "ssda903", "--year", str(earlier), "--out",
               str(older[-1]), env=env)
        added = with_episode_history(out / "903" / "previous", older, out / "903-previous-history")
        print(f"{year}: previous-year episodes extended with {added} rows from the "
              f"{HISTORY_YEARS} earlier returns (rules 1001/1002 read care histories)")
        ruleset_year = f"{year - 1}_{str(year)[2:]}"
        [xml] = sorted((out / "cin").glob("*.xml"))
        runs = [
            [validator_python, str(RUNNER), "cin", str(xml), "--ruleset", f"cin{ruleset_year}"],
            [validator_python, str(RUNNER), "903", str(out / "903"), "--ruleset", f"lac{ruleset_year}",
             "--year", str(year), "--la", la, "--previous", str(out / "903-previous-history")],
        ]
        for args in runs:
            result = json.loads(sh(*args))
            result["collection_year"] = year
            results.append(result)
            unknown_crashes = [c for c in result["crashed"] if c not in KNOWN_VALIDATOR_BUGS]
            status = "FAIL" if result["errors"] or unknown_crashes else "ok"
            failed |= status == "FAIL"
            print(f"{status} {result['validator']} {result['ruleset']} ({year}): {result['rules']} rules,"
                  f" ran {result['ran']}, skipped {len(result['skipped'])} {result['skipped']},"
                  f" crashed {result['crashed']}, errors {result['errors']},"
                  f" queries {result['queries']}")
            for code, dispute in result.get("disputed", {}).items():
                print(f"   disputed {code}: the validator flagged {dispute['flagged']} rows, "
                      f"{dispute['failing_dfe_wording']} fail the rule as the DfE words it "
                      f"({dispute['why']})")
    (work / "summary.json").write_text(json.dumps(results, indent=1))
    print(f"conformance: {'FAILED' if failed else 'passed'}; details in {work / 'summary.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
