"""Comparators and default targets shipped as data (INDICATORS.md C3, C4): England averages from
the DfE's published statistics, each with its publication, year and address; statistical-neighbour
averages from a council's own LAIT-style file; and default targets a council can replace. A file is
loaded whole or not at all, and each problem names the file, line, column and rule."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from safeguard.audit.services import audit_record
from safeguard.core.errors import Checks, RecordInvalid, Violation

from . import catalogue as cat
from .models import Comparator, MeasureSetting

SHIPPED = Path(__file__).parent / "data" / "comparators.csv"
COLUMNS = ("measure_id", "kind", "operator", "value", "value_high", "neighbours", "year", "publication",
           "url", "note")
# A LAIT-style export of statistical-neighbour figures: one row per measure, no kind column.
LAIT_COLUMNS = ("measure_id", "year", "statistical_neighbour_average", "neighbours", "publication", "url",
                "note")
KINDS = {k.value for k in Comparator.Kind}
OPERATORS = (">=", "<=", "<", ">", "band")
_YEAR = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Defaults:
    """What the shipped data and the council's file say about one measure."""

    england: Comparator | None = None
    neighbours: Comparator | None = None
    target: Comparator | None = None


def parse(path: Path, *, council_file: bool = False) -> list[dict]:
    """The file's rows, checked; raises RecordInvalid naming every bad line and nothing else."""
    name = Path(path).name
    checks = Checks()
    rows: list[dict] = []
    try:
        f = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise RecordInvalid([Violation(f"{name}", "PERF-COMPARATOR-FILE", f"cannot read the file: {exc}")]) \
            from exc
    with f:
        reader = csv.DictReader(f)
        header = [h.strip() for h in reader.fieldnames or []]
        lait = "kind" not in header and "statistical_neighbour_average" in header
        expected = LAIT_COLUMNS if lait else COLUMNS
        required = ("measure_id", "statistical_neighbour_average", "year", "publication") if lait else (
            "measure_id", "kind", "value", "year", "publication")
        for col in required:
            if col not in header:
                checks.fail(f"{name}:1:{col}", "PERF-COMPARATOR-COLUMN",
                            f"the header has no {col} column; expected {', '.join(expected)}")
        for bad in [h for h in header if h not in expected]:
            checks.fail(f"{name}:1:{bad}", "PERF-COMPARATOR-COLUMN",
                        f"unknown column {bad!r}; expected {', '.join(expected)}")
        checks.raise_if_any()
        seen: dict[tuple, int] = {}
        for line, raw in enumerate(reader, start=2):
            raw = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
            if not any(raw.values()):
                continue
            if lait:
                value = raw.pop("statistical_neighbour_average")
                raw = {**raw, "kind": Comparator.Kind.NEIGHBOURS, "value": value}
            row = _check(raw, checks, f"{name}:{line}:", council_file=council_file)
            if row is None:
                continue
            key = (row["indicator_id"], row["kind"])
            if key in seen:
                checks.fail(f"{name}:{line}:measure_id", "PERF-COMPARATOR-DUPLICATE",
                            f"{key[0]} {key[1]} appears twice (also line {seen[key]})")
                continue
            seen[key] = line
            rows.append(row)
    checks.raise_if_any()
    if not rows:
        raise RecordInvalid([Violation(f"{name}:2", "PERF-COMPARATOR-EMPTY", "the file has no figures")])
    return rows


def _number(text: str, checks: Checks, where: str, label: str) -> float | None:
    try:
        return float(text.replace(",", "").rstrip("%"))
    except ValueError:
        checks.fail(where, "PERF-COMPARATOR-NUMBER", f"{label} {text!r} is not a number")
        return None


def _check(raw: dict, checks: Checks, at: str, *, council_file: bool) -> dict | None:
    iid = raw.get("measure_id", "").upper()
    if iid not in cat.CATALOGUE:
        checks.fail(f"{at}measure_id", "PERF-COMPARATOR-MEASURE",
                    f"{iid or 'a blank measure id'} is not a measure in the catalogue")
        return None
    unit = cat.CATALOGUE[iid].unit
    kind = raw.get("kind", "").lower()
    if kind not in KINDS:
        checks.fail(f"{at}kind", "PERF-COMPARATOR-KIND",
                    f"kind {kind!r} must be one of {', '.join(sorted(KINDS))}")
        return None
    if council_file and kind != Comparator.Kind.NEIGHBOURS:
        checks.fail(f"{at}kind", "PERF-COMPARATOR-KIND",
                    "a council's file holds statistical-neighbour figures only; England figures and "
                    "default targets come with the product")
        return None
    if not council_file and kind == Comparator.Kind.NEIGHBOURS:
        checks.fail(f"{at}kind", "PERF-COMPARATOR-KIND",
                    "statistical-neighbour figures belong to one council: load them with --la-code")
        return None
    ok = True
    value = _number(raw.get("value", ""), checks, f"{at}value", "value")
    high = None
    if raw.get("value_high"):
        high = _number(raw["value_high"], checks, f"{at}value_high", "value_high")
    for v, col in ((value, "value"), (high, "value_high")):
        if v is not None and unit == cat.PERCENT and not 0 <= v <= 100:
            ok = checks.require(False, f"{at}{col}", "PERF-COMPARATOR-RANGE",
                                f"{col} {v:g} is a percentage, so must be 0 to 100")
        if v is not None and v < 0:
            ok = checks.require(False, f"{at}{col}", "PERF-COMPARATOR-RANGE",
                                f"{col} {v:g} cannot be negative")
    operator = raw.get("operator", "")
    if kind == Comparator.Kind.TARGET:
        if operator not in OPERATORS:
            ok = checks.require(False, f"{at}operator", "PERF-COMPARATOR-TARGET",
                                f"a target's operator {operator!r} must be one of {', '.join(OPERATORS)}")
        elif operator == "band" and (high is None or value is None or high < value):
            ok = checks.require(False, f"{at}value_high", "PERF-COMPARATOR-TARGET",
                                "a band needs value_high at least value")
    elif operator:
        ok = checks.require(False, f"{at}operator", "PERF-COMPARATOR-TARGET",
                            "only a target has an operator")
    neighbours = None
    if raw.get("neighbours"):
        if not raw["neighbours"].isdigit() or not 1 <= int(raw["neighbours"]) <= 20:
            ok = checks.require(False, f"{at}neighbours", "PERF-COMPARATOR-NEIGHBOURS",
                                "neighbours must be a whole number from 1 to 20 (the model has 10)")
        else:
            neighbours = int(raw["neighbours"])
    year = raw.get("year", "")
    m = _YEAR.match(year)
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        ok = checks.require(False, f"{at}year", "PERF-COMPARATOR-YEAR",
                            f"year {year!r} must be a reporting year such as 2024-25")
    if not raw.get("publication"):
        ok = checks.require(False, f"{at}publication", "PERF-COMPARATOR-SOURCE",
                            "every figure names the publication it comes from")
    for col, limit in (("publication", 300), ("url", 300), ("note", 300)):
        if len(raw.get(col, "")) > limit:
            ok = checks.require(False, f"{at}{col}", "PERF-COMPARATOR-LENGTH",
                                f"{col} is over {limit} characters")
    if value is None or not ok:
        return None
    return {"indicator_id": iid, "kind": kind, "operator": operator, "value": value, "value_high": high,
            "neighbours": neighbours, "year": year, "publication": raw["publication"],
            "url": raw.get("url", ""), "note": raw.get("note", "")}


@transaction.atomic
def load(path: Path | None = None, *, by=None, local_authority=None) -> list[Comparator]:
    """Replace the national figures (the shipped file by default) or, with a council, that
    council's statistical-neighbour figures, by the file's: all of them or, on any problem, none."""
    path = Path(path or SHIPPED)
    rows = parse(path, council_file=local_authority is not None)
    scope = Comparator.objects.filter(local_authority=local_authority)
    if local_authority is not None:
        scope = scope.filter(kind=Comparator.Kind.NEIGHBOURS)
    removed = scope.count()
    for old in scope:
        old.delete()  # one by one, so each leaves its history
    made = []
    for row in rows:
        c = Comparator(local_authority=local_authority, loaded_from=path.name, **row)
        c.full_clean(validate_unique=False)
        c.save()
        made.append(c)
    audit_record(
        actor=by,
        action="import",
        object_type="performance.Comparator",
        object_id=str(local_authority.pk) if local_authority else "england",
        reason=f"scorecard comparators {path.name}",
        detail={"file": path.name, "rows": len(made), "replaced": removed},
    )
    return made


def defaults_for(la) -> dict[str, Defaults]:
    """Every measure's shipped and council comparators, in one query."""
    found: dict[str, dict] = {}
    for c in Comparator.objects.filter(local_authority__isnull=True) | Comparator.objects.filter(
            local_authority=la):
        found.setdefault(c.indicator_id, {})[c.kind] = c
    return {
        iid: Defaults(k.get(Comparator.Kind.ENGLAND), k.get(Comparator.Kind.NEIGHBOURS),
                      k.get(Comparator.Kind.TARGET))
        for iid, k in found.items()
    }


def with_defaults(la, measures: list[tuple], defaults: dict[str, Defaults] | None = None) -> list[tuple]:
    """`measures_for(la)` with comparators and targets filled in where the council set none of its
    own: a setting not saved is made for a measure that has only defaults (it is never saved)."""
    defaults = defaults_for(la) if defaults is None else defaults
    out = []
    for ind, s in measures:
        d = defaults.get(ind.id)
        if d is None:
            out.append((ind, s))
            continue
        if s is None:
            s = MeasureSetting(local_authority=la, indicator_id=ind.id)
        if d.england and s.england_average is None:
            s.england_average = d.england.value
            s.comparator_year = s.comparator_year or d.england.year
            s.comparator_source = s.comparator_source or d.england.publication[:200]
        if d.neighbours and s.statistical_neighbour_average is None:
            s.statistical_neighbour_average = d.neighbours.value
            s.statistical_neighbour_n = d.neighbours.neighbours
        if d.target and not s.target_operator and s.use_default_target:
            s.target_operator, s.target = d.target.operator, d.target.value
            s.target_high = d.target.value_high
            s.target_type = s.target_type or "DEFAULT"
        out.append((ind, s))
    return out
