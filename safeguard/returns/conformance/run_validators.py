"""Run the DfE community validators on exported returns and print one JSON summary.

Runs in the validators' own virtual environment (they pin pandas 1.5), never in Safeguard's:
    .venv-validators/bin/python run_validators.py cin FILE.xml --ruleset cin2025_26
    .venv-validators/bin/python run_validators.py 903 DIR --ruleset lac2025_26 --year 2026 \
        --la E06000049 [--previous DIR]
A rule that raises inside the validator is reported as crashed, never as passed.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import logging
import re
import sys
import warnings
from pathlib import Path


def run_cin(xml_path: str, ruleset: str) -> dict:
    import xml.etree.ElementTree as ET

    from cin_validator.cin_validator import CinValidator, convert_data, process_data

    registry = importlib.import_module(f"cin_validator.rules.{ruleset}").registry
    data = process_data(convert_data(ET.parse(xml_path).getroot()))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        validator = CinValidator(data, registry)
    crashed = sorted(set(re.findall(r"Error with rule (\w+)", printed.getvalue())))
    codes = [str(rule.code) for _, rule in registry.items()]
    failures: dict[str, int] = {}
    if len(validator.user_report):
        report = validator.user_report.drop_duplicates(
            ["LAchildID", "rule_code", "ROW_ID", "tables_affected"])
        failures.update({str(k): int(v) for k, v in report.groupby("rule_code").size().items()})
    for code in set(validator.multichild_issues["rule_code"].astype(str)):
        failures.setdefault(code, 1)
    for code in crashed:
        failures.pop(code, None)
    errors = {c: n for c, n in failures.items() if not c.endswith("Q")}
    queries = {c: n for c, n in failures.items() if c.endswith("Q")}
    return {"validator": "csc-validator-be-cin", "ruleset": ruleset, "rules": len(codes),
            "ran": len(codes) - len(crashed), "skipped": [], "crashed": crashed,
            "errors": dict(sorted(errors.items())), "queries": dict(sorted(queries.items()))}


def run_903(folder: str, ruleset: str, year: str, la: str, previous: str | None) -> dict:
    from lac_validator.lac_validator import LacValidator
    from lac_validator.report import Report
    from lac_validator.types import UploadedFile

    registry = importlib.import_module(f"lac_validator.rules.{ruleset}").registry
    files = [UploadedFile(name=str(p), description="This year", file_content=p.read_bytes())
             for p in sorted(Path(folder).glob("*.csv"))]
    if previous:
        files += [UploadedFile(name=str(p), description="Prev year", file_content=p.read_bytes())
                  for p in sorted(Path(previous).glob("*.csv"))]
    with contextlib.redirect_stdout(io.StringIO()):  # some rules print debug frames
        validator = LacValidator(metadata={"collectionYear": year, "localAuthority": la},
                                 files=files, registry=registry)
        report = Report(validator.ds_results, registry).error_report
    errors = {str(r.Code): int(r.Count) for r in report[report.Count > 0].itertuples()}
    crashed = sorted(str(c) for c in validator.fails)
    for code in crashed:
        errors.pop(code, None)
    return {"validator": "csc-validator-be-903", "ruleset": ruleset, "rules": len(registry),
            "ran": len(validator.dones), "skipped": sorted(str(c) for c in validator.skips),
            "crashed": crashed, "errors": dict(sorted(errors.items())), "queries": {}}


def main(argv: list[str]) -> int:
    logging.disable(logging.CRITICAL)
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["cin", "903"])
    parser.add_argument("path")
    parser.add_argument("--ruleset", required=True)
    parser.add_argument("--year", default="")
    parser.add_argument("--la", default="E06000049")
    parser.add_argument("--previous")
    args = parser.parse_args(argv)
    if args.kind == "cin":
        result = run_cin(args.path, args.ruleset)
    else:
        result = run_903(args.path, args.ruleset, args.year, args.la, args.previous)
    json.dump(result, sys.stdout, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
