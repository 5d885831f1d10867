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
    # Lazy (here and in run_903): each run needs only its own validator, and both are heavy.
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


# Rules whose code flags rows that satisfy the rule as the DfE words it (see docs/CONFORMANCE.md).
# Each flagged row is re-checked against the DfE wording; only rows that fail that too are errors.
DISPUTED = {
    "SW12STG2": "the code requires a social worker episode for every child who left care in the "
                "year and none starting before care began; the DfE rule asks, for children looked "
                "after on 31 March, for every episode of the year, 'even those whilst they were not "
                "looked after' (the validator's own test calls the second case an edge case that "
                "'technically should be fine')",
    "SW11bSTG2": "the code flags an episode ending in the last 5 days of March whenever the child "
                 "had an earlier episode, even when a subsequent episode is provided",
    "1001": "the code leaves out of its care-history calculation every young person aged 20 or over "
            "at 31 March (it keeps only Header rows with DOB + 20 years after the collection end), so "
            "it flags every care leaver with a 20th or 21st birthday in the year, whom the OC3 cohort "
            "includes",
}


def _dfe_1001(tables: dict, flagged, year_end) -> list:
    """Flagged OC3 rows whose care history (this year's and the earlier returns' episodes) does not
    make them a relevant or former relevant child: 13 weeks in care after 14, some of it after 16,
    and not adopted."""
    import pandas as pd  # lazy: heavy

    oc3, header = tables["OC3"], tables["Header"]
    episodes = pd.concat([tables["Episodes"], tables["Episodes_last"]]).drop_duplicates(
        ["CHILD", "DECOM"])
    episodes = episodes[~episodes["LS"].isin(["V3", "V4"])]
    born = dict(zip(header["CHILD"], _dates(header["DOB"]), strict=True))
    start, end = _dates(episodes["DECOM"]), _dates(episodes["DEC"]).fillna(year_end)
    failing = []
    for i in flagged:
        child = oc3.at[i, "CHILD"]
        mine = episodes["CHILD"] == child
        if not mine.any() or pd.isna(born.get(child)):
            failing.append(i)
            continue
        days_after = {age: int((end[mine] - start[mine].clip(lower=born[child] + pd.DateOffset(years=age)))
                               .dt.days.clip(lower=0).sum()) for age in (14, 16)}
        latest = episodes[mine].assign(_start=start[mine]).sort_values("_start").iloc[-1]
        if days_after[14] < 91 or days_after[16] < 1 or latest["REC"] in ("E11", "E12"):
            failing.append(i)
    return failing


def _dfe_sw12(tables: dict, flagged, year_end) -> list:
    """Flagged Episodes rows whose child was looked after on 31 March without an open social
    worker episode: the SW12STG2 rule as the DfE words it."""
    episodes, sw = tables["Episodes"], tables["SWEpisodes"]
    open_sw = set(sw.loc[sw["SW_DEC"].isna(), "CHILD"])
    dec = _dates(episodes["DEC"])
    looked_after = set(episodes.loc[dec.isna() | (dec > year_end), "CHILD"])
    return [i for i in flagged if episodes.at[i, "CHILD"] in looked_after
            and episodes.at[i, "CHILD"] not in open_sw]


def _dfe_sw11b(tables: dict, flagged, year_end) -> list:
    """Flagged SWEpisodes rows that ended with no subsequent episode provided (SW11bSTG2 as worded)."""
    sw = tables["SWEpisodes"]
    start, end = _dates(sw["SW_DECOM"]), _dates(sw["SW_DEC"])
    return [i for i in flagged if not end.isna()[i] and not (
        (sw["CHILD"] == sw.at[i, "CHILD"]) & (start >= end[i])).any()]


def _dates(column):
    import pandas as pd  # lazy: heavy

    return pd.to_datetime(column, format="%d/%m/%Y", errors="coerce")


def _recheck_disputed(folder: str, previous: str | None, validator, errors: dict, year_end) -> dict:
    import pandas as pd  # lazy: heavy

    files = {"Episodes": Path(folder) / "episodes.csv", "SWEpisodes": Path(folder) / "sw_episodes.csv",
             "OC3": Path(folder) / "oc3.csv", "Header": Path(folder) / "header.csv"}
    if previous:
        files["Episodes_last"] = Path(previous) / "episodes.csv"
    tables = {name: pd.read_csv(path, dtype=str) for name, path in files.items() if path.exists()}
    checks = {"SW12STG2": ("Episodes", _dfe_sw12), "SW11bSTG2": ("SWEpisodes", _dfe_sw11b),
              "1001": ("OC3", _dfe_1001)}
    disputed = {}
    for code, (table, dfe_wording) in checks.items():
        if code not in errors:
            continue
        result = validator.ds_results[table]
        flagged = list(result.index[result.get(f"ERR_{code}", False).fillna(False).astype(bool)])
        assert all(result.at[i, "CHILD"] == tables[table].at[i, "CHILD"] for i in flagged)
        real = dfe_wording(tables, flagged, year_end)
        disputed[code] = {"flagged": len(flagged), "failing_dfe_wording": len(real),
                          "why": DISPUTED[code]}
        if real:
            errors[code] = len(real)
        else:
            errors.pop(code)
    return disputed


def run_903(folder: str, ruleset: str, year: str, la: str, previous: str | None) -> dict:
    # Lazy: see run_cin.
    import lac_validator.lac_validator as engine
    from lac_validator.lac_validator import LacValidator
    from lac_validator.report import Report
    from lac_validator.types import UploadedFile

    registry = importlib.import_module(f"lac_validator.rules.{ruleset}").registry
    files = [UploadedFile(name=str(p), description="This year", file_content=p.read_bytes())
             for p in sorted(Path(folder).glob("*.csv"))]
    if previous:
        files += [UploadedFile(name=str(p), description="Prev year", file_content=p.read_bytes())
                  for p in sorted(Path(previous).glob("*.csv"))]
    # The validator hands each rule a shallow copy of the tables, so a rule that edits a column in
    # place (365 fills blank DEC with 31 March) changes what later rules see (575 and 577 then flag
    # open episodes as ended). Each rule gets its own deep copy, as the validator's comment intends.
    engine.copy_datastore = lambda store: {
        name: table if name == "metadata" else table.copy(deep=True) for name, table in store.items()}
    with contextlib.redirect_stdout(io.StringIO()):  # some rules print debug frames
        validator = LacValidator(metadata={"collectionYear": year, "localAuthority": la},
                                 files=files, registry=registry)
        report = Report(validator.ds_results, registry).error_report
    errors = {str(r.Code): int(r.Count) for r in report[report.Count > 0].itertuples()}
    crashed = sorted(str(c) for c in validator.fails)
    for code in crashed:
        errors.pop(code, None)
    import pandas as pd  # lazy: heavy

    disputed = _recheck_disputed(folder, previous, validator, errors, pd.Timestamp(int(year), 3, 31))
    return {"validator": "csc-validator-be-903", "ruleset": ruleset, "rules": len(registry),
            "ran": len(validator.dones), "skipped": sorted(str(c) for c in validator.skips),
            "crashed": crashed, "errors": dict(sorted(errors.items())), "queries": {},
            "disputed": disputed}


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
