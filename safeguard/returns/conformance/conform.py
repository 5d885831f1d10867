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
        ruleset_year = f"{year - 1}_{str(year)[2:]}"
        [xml] = sorted((out / "cin").glob("*.xml"))
        runs = [
            [validator_python, str(RUNNER), "cin", str(xml), "--ruleset", f"cin{ruleset_year}"],
            [validator_python, str(RUNNER), "903", str(out / "903"), "--ruleset", f"lac{ruleset_year}",
             "--year", str(year), "--la", la, "--previous", str(out / "903" / "previous")],
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
    (work / "summary.json").write_text(json.dumps(results, indent=1))
    print(f"conformance: {'FAILED' if failed else 'passed'}; details in {work / 'summary.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
